// SPDX-License-Identifier: Apache-2.0
#include "app/load.hpp"

#include "app/load_image_updater_detail.hpp"
#include "app/yaml_detail.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::app {

std::string Position::to_string(bool with_column) const {
  if (line <= 0) {
    return file;
  }
  return with_column ? fmt::format("{}:{}:{}", file, line, column)
                     : fmt::format("{}:{}", file, line);
}

namespace {

using yaml::position_of;
using yaml::text;

Source parse_source(const YAML::Node& node) {
  Source source;
  source.repo_url = text(node, "repoURL");
  source.path = text(node, "path");
  source.target_revision = text(node, "targetRevision");
  source.chart = text(node, "chart");
  source.ref = text(node, "ref");
  if (YAML::Node helm = node["helm"]; helm && helm.IsMap()) {
    source.has_helm = true;
    if (YAML::Node parameters = helm["parameters"]; parameters && parameters.IsSequence()) {
      for (const auto& parameter : parameters) {
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
  if (YAML::Node kustomize = node["kustomize"]; kustomize && kustomize.IsMap()) {
    source.has_kustomize = true;
    source.kustomize_images = yaml::string_list(kustomize["images"]);
  }
  source.has_plugin = static_cast<bool>(node["plugin"]);
  return source;
}

util::Result<Application> parse_application(const YAML::Node& doc, const std::string& path) {
  Application app;
  app.origin = position_of(doc, path);
  app.origin_text = app.origin.to_string();
  YAML::Node metadata = doc["metadata"];
  app.name = text(metadata, "name");
  if (app.name.empty()) {
    return util::fail(util::ErrorKind::invalid_input,
                      app.origin.to_string(true) + ": Application without metadata.name");
  }
  app.app_namespace = text(metadata, "namespace");
  if (YAML::Node labels = metadata["labels"]; labels && labels.IsMap()) {
    for (const auto& item : labels) {
      app.labels[item.first.Scalar()] = item.second.IsScalar() ? item.second.Scalar() : "";
    }
  }
  if (YAML::Node annotations = metadata["annotations"]; annotations && annotations.IsMap()) {
    for (const auto& item : annotations) {
      if (!item.second.IsScalar() && !item.second.IsNull()) {
        return util::fail(util::ErrorKind::invalid_input,
                          position_of(item.second, path).to_string(true) + ": annotation "
                              + util::quote(item.first.Scalar()) + " must be a string");
      }
      app.annotations[item.first.Scalar()] = Annotation{
          item.second.IsNull() ? "" : item.second.Scalar(), position_of(item.first, path)};
    }
  }
  YAML::Node spec = doc["spec"];
  if (YAML::Node sources = spec ? spec["sources"] : YAML::Node();
      sources && sources.IsSequence() && sources.size() > 0) {
    app.multi_source = true;
    for (const auto& source : sources) {
      app.sources.push_back(parse_source(source));
    }
  } else if (YAML::Node source = spec ? spec["source"] : YAML::Node(); source && source.IsMap()) {
    app.sources.push_back(parse_source(source));
  }
  if (YAML::Node status = doc["status"]; status && status.IsMap()) {
    app.status_source_type = text(status, "sourceType");
    app.status_source_types = yaml::string_list(status["sourceTypes"]);
    if (YAML::Node summary = status["summary"]; summary && summary.IsMap() && summary["images"]) {
      app.status_images = yaml::string_list(summary["images"]);
    }
  }
  return app;
}

void load_document(const YAML::Node& doc, const std::string& path, LoadedFile& loaded) {
  if (!doc || !doc.IsMap()) {
    return;
  }
  std::string api_version = text(doc, "apiVersion");
  std::string kind = text(doc, "kind");
  if (kind == "List" && doc["items"] && doc["items"].IsSequence()) {
    for (const auto& item : doc["items"]) {
      load_document(item, path, loaded);
    }
    return;
  }
  std::string group = api_version.substr(0, api_version.find('/'));
  if (kind == "Application" && group == "argoproj.io") {
    auto app = parse_application(doc, path);
    if (app) {
      loaded.applications.push_back(std::move(*app));
    } else {
      loaded.errors.push_back(app.error());
    }
  } else if (kind == "ImageUpdater" && group == "argocd-image-updater.argoproj.io") {
    auto updater = parse_image_updater(doc, path);
    if (updater) {
      loaded.image_updaters.push_back(std::move(*updater));
    } else {
      loaded.errors.push_back(updater.error());
    }
  } else {
    loaded.skipped.push_back(position_of(doc, path).to_string() + ": kind "
                             + util::quote(kind.empty() ? "<none>" : kind));
  }
}

} // namespace

util::Result<LoadedFile> load_file(std::string_view text_view, const std::string& path) {
  LoadedFile loaded;
  try {
    for (const auto& doc : YAML::LoadAll(std::string(text_view))) {
      load_document(doc, path, loaded);
    }
  } catch (const YAML::Exception& e) {
    return util::fail(
        util::ErrorKind::invalid_input,
        fmt::format("{}:{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return loaded;
}

util::Result<Application> parse_application_json(std::string_view json, const std::string& origin) {
  // JSON is YAML: the same reader serves the Argo CD API's Application objects.
  try {
    YAML::Node doc = YAML::Load(std::string(json));
    auto app = parse_application(doc, origin);
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
