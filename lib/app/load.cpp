// SPDX-License-Identifier: Apache-2.0
#include "app/load.hpp"

#include "app/flux_v1_detail.hpp"
#include "app/flux_v2_detail.hpp"
#include "app/load_image_updater_detail.hpp"
#include "app/yaml_detail.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <tuple>

namespace argoimg::app {

std::string Position::to_string(bool with_column) const {
  if (line <= 0) {
    return file;
  }
  return with_column ? fmt::format("{}:{}:{}", file, line, column)
                     : fmt::format("{}:{}", file, line);
}

namespace {

using yaml::child;
using yaml::expect;
using yaml::FileRef;
using yaml::position_of;
using yaml::text;

// Return the first error of `checks` (results of yaml::expect), if any.
std::optional<util::Error> first_error(std::initializer_list<util::Result<bool>> checks) {
  for (const auto& check : checks) {
    if (!check) {
      return check.error();
    }
  }
  return std::nullopt;
}

util::Result<Source>
parse_source(const YAML::Node& node, const std::string& name, const FileRef& at) {
  using Type = YAML::NodeType;
  if (auto bad = first_error({expect(node, Type::Map, name, at),
                              expect(child(node, "helm"), Type::Map, name + ".helm", at),
                              expect(child(node, "kustomize"), Type::Map, name + ".kustomize", at),
                              expect(child(child(node, "helm"), "parameters"),
                                     Type::Sequence,
                                     name + ".helm.parameters",
                                     at),
                              expect(child(child(node, "kustomize"), "images"),
                                     Type::Sequence,
                                     name + ".kustomize.images",
                                     at)})) {
    return tl::unexpected(*bad);
  }
  Source source;
  source.repo_url = text(node, "repoURL");
  source.path = text(node, "path");
  source.target_revision = text(node, "targetRevision");
  source.chart = text(node, "chart");
  source.ref = text(node, "ref");
  if (YAML::Node helm = child(node, "helm"); helm && helm.IsMap()) {
    source.has_helm = true;
    if (YAML::Node parameters = helm["parameters"]; parameters && parameters.IsSequence()) {
      for (const auto& parameter : parameters) {
        if (auto bad = expect(parameter, Type::Map, name + ".helm.parameters[]", at); !bad) {
          return tl::unexpected(bad.error());
        }
        HelmParameter p{text(parameter, "name"),
                        text(parameter, "value"),
                        yaml::boolean(text(parameter, "forceString")).value_or(false)
                            || yaml::boolean(text(parameter, "forcestring")).value_or(false)};
        source.helm_parameters.push_back(std::move(p));
      }
    }
    source.helm_values = text(helm, "values");
    if (YAML::Node object = helm["valuesObject"]; object && object.IsMap()) {
      source.helm_values_object = YAML::Dump(object);
    }
  }
  if (YAML::Node kustomize = child(node, "kustomize"); kustomize && kustomize.IsMap()) {
    source.has_kustomize = true;
    source.kustomize_images = yaml::string_list(kustomize["images"]);
  }
  source.has_plugin = static_cast<bool>(child(node, "plugin"));
  return source;
}

// RFC 1123 as Kubernetes uses it: a DNS label (namespaces), or labels joined by '.' in a
// subdomain (object names), each starting and ending with a letter or digit.
bool is_kubernetes_name(std::string_view name, bool label) {
  if (name.empty() || name.size() > (label ? 63U : 253U)) {
    return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (auto part : util::split(name, '.')) {
    if ((label && part.size() != name.size()) || part.empty() || !alnum(part.front())
        || !alnum(part.back())
        || !std::all_of(part.begin(), part.end(), [&](char c) { return alnum(c) || c == '-'; })) {
      return false;
    }
  }
  return true;
}

util::Result<bool> parse_metadata(const YAML::Node& metadata, const FileRef& at, Application& app) {
  using Type = YAML::NodeType;
  if (auto bad = first_error(
          {expect(metadata, Type::Map, "metadata", at),
           expect(child(metadata, "labels"), Type::Map, "metadata.labels", at),
           expect(child(metadata, "annotations"), Type::Map, "metadata.annotations", at)})) {
    return tl::unexpected(*bad);
  }
  app.name = text(metadata, "name");
  if (app.name.empty()) {
    return util::fail(util::ErrorKind::invalid_input,
                      app.origin.to_string(true) + ": Application without metadata.name");
  }
  app.app_namespace = text(metadata, "namespace");
  // Kubernetes accepts no other names, and the name becomes part of a file name
  // (`.argocd-source-<name>.yaml`): a '/' or '..' in it would move that file.
  for (auto [field, value, label] :
       {std::tuple{"name", &app.name, false}, std::tuple{"namespace", &app.app_namespace, true}}) {
    if (!value->empty() && !is_kubernetes_name(*value, label)) {
      return util::fail(
          util::ErrorKind::invalid_input,
          position_of(child(metadata, field), at).to_string(true) + ": metadata." + field + " "
              + util::quote(
                  util::escape_control(value->size() <= 80 ? *value : value->substr(0, 60) + "..."))
              + " is not a valid Kubernetes name (lowercase letters, digits and '-'"
              + (label ? ", at most 63 characters)" : " or '.', at most 253 characters)"));
    }
  }
  for (const char* field : {"labels", "annotations"}) {
    YAML::Node map = child(metadata, field);
    if (!map || !map.IsMap()) {
      continue;
    }
    for (const auto& item : map) {
      const char* what = field[0] == 'l' ? "label" : "annotation";
      if (!item.first.IsScalar() || (!item.second.IsScalar() && !item.second.IsNull())) {
        const auto& bad = item.first.IsScalar() ? item.second : item.first;
        return util::fail(util::ErrorKind::invalid_input,
                          position_of(bad, at).to_string(true) + ": " + what + " "
                              + util::quote(item.first.IsScalar() ? item.first.Scalar() : "?")
                              + (item.first.IsScalar() ? " must be a string, not "
                                                       : " has a key that is not a string but ")
                              + yaml::type_name(bad));
      }
      std::string value = item.second.IsNull() ? "" : item.second.Scalar();
      if (field[0] == 'l') {
        app.labels[item.first.Scalar()] = value;
      } else {
        app.annotations[item.first.Scalar()] = Annotation{value, position_of(item.first, at)};
      }
    }
  }
  return true;
}

util::Result<Application> parse_application(const YAML::Node& doc, const FileRef& at) {
  using Type = YAML::NodeType;
  Application app;
  app.origin = position_of(doc, at);
  app.origin_text = app.origin.to_string();
  if (auto metadata = parse_metadata(child(doc, "metadata"), at, app); !metadata) {
    return tl::unexpected(metadata.error());
  }
  YAML::Node spec = child(doc, "spec");
  YAML::Node status = child(doc, "status");
  if (auto bad = first_error({expect(spec, Type::Map, "spec", at),
                              expect(child(spec, "sources"), Type::Sequence, "spec.sources", at),
                              expect(status, Type::Map, "status", at),
                              expect(child(status, "summary"), Type::Map, "status.summary", at)})) {
    return tl::unexpected(*bad);
  }
  if (YAML::Node sources = child(spec, "sources");
      sources && sources.IsSequence() && sources.size() > 0) {
    app.multi_source = true;
    for (size_t i = 0; i < sources.size(); ++i) {
      auto source = parse_source(sources[i], "spec.sources[" + std::to_string(i) + "]", at);
      if (!source) {
        return tl::unexpected(source.error());
      }
      app.sources.push_back(std::move(*source));
    }
  } else if (YAML::Node single = child(spec, "source"); single && !single.IsNull()) {
    auto source = parse_source(single, "spec.source", at);
    if (!source) {
      return tl::unexpected(source.error());
    }
    app.sources.push_back(std::move(*source));
  }
  if (status && status.IsMap()) {
    app.status_source_type = text(status, "sourceType");
    app.status_source_types = yaml::string_list(status["sourceTypes"]);
    if (YAML::Node summary = status["summary"]; summary && summary.IsMap() && summary["images"]) {
      app.status_images = yaml::string_list(summary["images"]);
    }
  }
  return app;
}

void load_flux_v2(const YAML::Node& doc,
                  const std::string& kind,
                  const FileRef& at,
                  LoadedFile& loaded) {
  if (kind == "ImageRepository") {
    loaded.flux_repositories.push_back(read_flux_image_repository(doc, at));
  } else if (kind == "ImagePolicy") {
    loaded.flux_policies.push_back(read_flux_image_policy(doc, at));
  } else {
    loaded.flux_automations.push_back(read_flux_image_update_automation(doc, at));
  }
}

// `kind: List` nests at most this deep (kubectl writes one level).
constexpr int k_max_list_nesting = 8;

// `path` is where `doc` is inside its file's document (`items[i]` of a `kind: List`).
void load_document(const YAML::Node& doc,
                   const FileRef& at,
                   LoadedFile& loaded,
                   const NodePath& path = {},
                   int lists = 0) {
  if (!doc || doc.IsNull()) {
    return;
  }
  if (!doc.IsMap()) {
    // A document that is a string or a list is no Kubernetes object: skipped (debug output).
    loaded.skipped.push_back(position_of(doc, at).to_string() + ": " + yaml::type_name(doc)
                             + ", not a Kubernetes object");
    return;
  }
  std::string api_version = text(doc, "apiVersion");
  std::string kind = text(doc, "kind");
  if (kind == "List") {
    YAML::Node items = doc["items"];
    if (auto bad = expect(items, YAML::NodeType::Sequence, "items", at); !bad) {
      loaded.errors.push_back(bad.error());
      return;
    }
    if (lists >= k_max_list_nesting) {
      loaded.errors.push_back(util::Error{util::ErrorKind::invalid_input,
                                          position_of(doc, at).to_string(true)
                                              + ": kind 'List' nested deeper than "
                                              + std::to_string(k_max_list_nesting) + " levels"});
      return;
    }
    for (size_t i = 0; items && items.IsSequence() && i < items.size(); ++i) {
      YAML::Node item = items[i];
      if (!item.IsMap()) {
        loaded.errors.push_back(util::Error{util::ErrorKind::invalid_input,
                                            position_of(item, at).to_string(true) + ": 'items["
                                                + std::to_string(i) + "]' must be a mapping, not "
                                                + yaml::type_name(item)});
        continue;
      }
      NodePath item_path = path;
      item_path.push_back(NodeStep{"items", std::nullopt});
      item_path.push_back(NodeStep{"", i});
      load_document(item, at, loaded, item_path, lists + 1);
    }
    return;
  }
  std::string group = api_version.substr(0, api_version.find('/'));
  if (kind == "Application" && group == "argoproj.io") {
    auto app = parse_application(doc, at);
    if (app) {
      loaded.applications.push_back(std::move(*app));
    } else {
      loaded.errors.push_back(app.error());
    }
  } else if (kind == "ImageUpdater" && group == "argocd-image-updater.argoproj.io") {
    auto updater = parse_image_updater(doc, at);
    if (updater) {
      loaded.image_updaters.push_back(std::move(*updater));
    } else {
      loaded.errors.push_back(updater.error());
    }
  } else if (is_flux_v2_kind(api_version, kind)) {
    load_flux_v2(doc, kind, at, loaded);
  } else if (auto flux_v1 = read_flux_v1(doc, at, path)) {
    loaded.flux_v1.push_back(std::move(*flux_v1));
  } else {
    loaded.skipped.push_back(position_of(doc, at).to_string() + ": kind "
                             + util::quote(kind.empty() ? "<none>" : kind));
  }
}

} // namespace

util::Result<LoadedFile>
load_file(std::string_view text_view, const std::string& path, const LoadLimits& limits) {
  LoadedFile loaded;
  yaml::for_each_document(
      text_view,
      path,
      limits,
      yaml::DuplicateKeys::error,
      [&loaded](const YAML::Node& doc, const FileRef& at) { load_document(doc, at, loaded); },
      loaded.errors);
  return loaded;
}

util::Result<Application> parse_application_json(std::string_view json, const std::string& origin) {
  // JSON is YAML: the same reader serves the Argo CD API's Application objects.
  try {
    YAML::Node doc = YAML::Load(std::string(json));
    auto app = parse_application(doc, FileRef{origin, 0});
    if (app) {
      app->origin = Position{origin, 0, 0};
      app->origin_text = origin;
    }
    return app;
  } catch (const YAML::Exception& e) {
    return util::fail(util::ErrorKind::network, origin + ": malformed Application JSON: " + e.msg);
  }
}

} // namespace argoimg::app
