// SPDX-License-Identifier: Apache-2.0
// Flux v1 objects: policy annotations (with argoimg's precedence) and workload containers.
// HelmRelease values are read in flux_v1_helm.cpp.
#include "app/flux_v1_detail.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace argoimg::app {

namespace {

using flux_v1_detail::Policies;
using flux_v1_detail::Policy;
using yaml::child;
using yaml::FileRef;
using yaml::position_of;

// Policy prefixes in precedence order (fluxctl looks for an existing key in this order).
constexpr std::array<std::string_view, 3> k_policy_prefixes = {
    "fluxcd.io/", "flux.weave.works/", "filter.fluxcd.io/"};
// HelmRelease value mappings: `<part>.fluxcd.io/<alias>`.
constexpr std::array<std::string_view, 3> k_mapping_parts = {"repository", "registry", "tag"};

bool known_policy(std::string_view name) {
  return name == "automated" || name == "locked" || name == "locked_msg" || name == "locked_user"
         || name == "ignore" || name == "tag_all" || name.rfind("tag.", 0) == 0;
}

bool all_of_set(std::string_view text, std::string_view allowed) {
  return !text.empty() && text.find_first_not_of(allowed) == std::string_view::npos;
}

// `[0-9]+`, then `.[0-9]*` only after digits or `.[0-9]+` alone, then `[eE][-+]?[0-9]+`.
bool is_yaml11_float(std::string_view text) {
  constexpr std::string_view digits = "0123456789";
  size_t whole = std::min(text.find_first_not_of(digits), text.size());
  size_t at = whole;
  if (at < text.size() && text[at] == '.') {
    size_t fraction = std::min(text.find_first_not_of(digits, at + 1), text.size());
    if (whole == 0 && fraction == at + 1) {
      return false; // `.` alone, or `.e5`
    }
    at = fraction;
  } else if (whole == 0) {
    return false;
  }
  if (at == text.size()) {
    return true;
  }
  if (text[at] != 'e' && text[at] != 'E') {
    return false;
  }
  std::string_view exponent = text.substr(at + 1);
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
    exponent.remove_prefix(1);
  }
  return all_of_set(exponent, digits);
}

// How go-yaml v2 (YAML 1.1, what Flux v1 decodes manifests with) reads a plain scalar: true
// when it is a boolean or a number, which cannot go into Kubernetes' string annotation map.
// A linear scan: std::regex backtracks per character (seconds, then a stack overflow, on a
// long value).
bool reads_as_non_string(std::string_view value) {
  constexpr std::array<std::string_view, 22> booleans = {
      "y",    "Y",    "yes",   "Yes",   "YES",   "n",  "N",  "no", "No",  "NO",  "true",
      "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
  if (std::find(booleans.begin(), booleans.end(), value) != booleans.end()) {
    return true;
  }
  if (value == ".nan" || value == ".NaN" || value == ".NAN") {
    return true; // unsigned only
  }
  std::string_view rest = value;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    rest.remove_prefix(1);
  }
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") {
    return true;
  }
  if (all_of_set(rest, "0123456789_")
      && rest.find_first_of("0123456789") != std::string_view::npos) {
    return true; // decimal integer, `_` anywhere
  }
  if (rest.size() > 2 && rest[0] == '0') {
    std::string_view radix_digits = rest.substr(2);
    switch (rest[1]) {
    case 'x':
    case 'X':
      return all_of_set(radix_digits, "0123456789abcdefABCDEF_");
    case 'o':
    case 'O':
      return all_of_set(radix_digits, "01234567_");
    case 'b':
    case 'B':
      return all_of_set(radix_digits, "01_");
    default:
      break;
    }
  }
  return is_yaml11_float(rest);
}

std::string describe(const ObjectId& id) {
  return id.kind + " " + util::quote(id.object_namespace + "/" + id.name);
}

struct Annotations {
  Policies policies;
  std::map<std::string, Policies> mappings; // alias -> part -> annotation
  std::vector<std::string> warnings;
  std::optional<util::Error> error; // an annotation that is not a string
  bool any = false;                 // a v1 policy or mapping annotation is present
};

// Keep the value of the highest-precedence prefix; warn when another prefix disagrees.
void add_policy(Annotations& out,
                const std::string& name,
                size_t rank,
                Policy policy,
                std::map<std::string, size_t>& ranks) {
  auto it = out.policies.find(name);
  if (it == out.policies.end()) {
    ranks[name] = rank;
    out.policies.emplace(name, std::move(policy));
    return;
  }
  Policy& kept = it->second;
  bool replace = rank < ranks[name];
  const Policy& winner = replace ? policy : kept;
  const Policy& loser = replace ? kept : policy;
  if (winner.value != loser.value) {
    out.warnings.push_back(
        winner.position.to_string() + ": annotations " + util::quote(winner.annotation) + " ("
        + util::quote(winner.value) + ") and " + util::quote(loser.annotation) + " ("
        + util::quote(loser.value) + ") disagree; " + util::quote(winner.annotation) + " wins");
  }
  if (replace) {
    ranks[name] = rank;
    kept = std::move(policy);
  }
}

Annotations read_annotations(const YAML::Node& metadata, const FileRef& at, const ObjectId& id) {
  Annotations out;
  YAML::Node map = child(metadata, "annotations");
  if (!map || !map.IsMap()) {
    return out;
  }
  std::map<std::string, size_t> ranks;
  std::optional<util::Error> unquoted;
  for (const auto& item : map) {
    if (!item.first.IsScalar()) {
      continue;
    }
    const std::string& key = item.first.Scalar();
    const YAML::Node& value = item.second;
    Position where = position_of(item.first, at);
    // Flux decodes all annotations into one string map: one unquoted boolean or number
    // anywhere loses every Flux annotation of the object (fluxcd/flux#1748).
    if (!unquoted && (value.IsMap() || value.IsSequence())) {
      unquoted =
          util::Error{util::ErrorKind::invalid_input,
                      where.to_string(true) + ": annotation " + util::quote(key) + " of "
                          + describe(id) + " must be a string, not " + yaml::type_name(value)};
    }
    if (!unquoted && value.IsScalar() && value.Tag() == "?"
        && reads_as_non_string(value.Scalar())) {
      unquoted = util::Error{
          util::ErrorKind::invalid_input,
          position_of(value, at).to_string(true) + ": annotation " + util::quote(key) + " of "
              + describe(id) + " is the unquoted " + util::quote(value.Scalar())
              + ", not a string: Flux v1 then ignores every annotation of the object; quote it"};
    }
    std::string text = value.IsScalar() ? value.Scalar() : std::string();
    for (size_t rank = 0; rank < k_policy_prefixes.size(); ++rank) {
      std::string_view prefix = k_policy_prefixes[rank];
      if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) {
        continue;
      }
      std::string name = key.substr(prefix.size());
      if (rank == 2) {
        name = "tag." + name; // `filter.fluxcd.io/<c>` is `tag.<c>`, even for `tag.chart-image`
      }
      if (known_policy(name)) {
        out.any = true;
        add_policy(out, name, rank, Policy{text, key, where}, ranks);
      }
    }
    for (std::string_view part : k_mapping_parts) {
      std::string prefix = std::string(part) + ".fluxcd.io/";
      if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0) {
        out.any = true;
        out.mappings[key.substr(prefix.size())][std::string(part)] = Policy{text, key, where};
      }
    }
  }
  if (auto tag_all = out.policies.find("tag_all"); tag_all != out.policies.end()) {
    out.warnings.push_back(tag_all->second.position.to_string() + ": "
                           + util::quote(tag_all->second.annotation)
                           + " is not read by Flux v1 (fluxctl --tag-all writes a tag.<container> "
                             "annotation per container); ignored");
  }
  out.error = std::move(unquoted);
  return out;
}

// The containers of a pod spec's `field` (`containers` or `initContainers`).
std::optional<util::Error> read_pod_containers(const YAML::Node& pod,
                                               const char* field,
                                               FluxV1Container::Source source,
                                               const FileRef& at,
                                               const NodePath& pod_path,
                                               const Policies& policies,
                                               FluxV1Object& object) {
  YAML::Node list = child(pod, field);
  if (auto bad = yaml::expect(list, YAML::NodeType::Sequence, field, at); !bad) {
    return bad.error();
  }
  for (size_t i = 0; list && list.IsSequence() && i < list.size(); ++i) {
    YAML::Node entry = list[i];
    std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (auto bad = yaml::expect(entry, YAML::NodeType::Map, where, at); !bad) {
      return bad.error();
    }
    YAML::Node image = child(entry, "image");
    if (!image || !image.IsScalar() || image.Scalar().empty()) {
      object.warnings.push_back(position_of(entry, at).to_string() + ": " + where
                                + " has no image; not automated");
      continue;
    }
    FluxV1Container container;
    container.source = source;
    container.name = yaml::text(entry, "name");
    NodePath path = pod_path;
    path.push_back(NodeStep{field, std::nullopt});
    path.push_back(NodeStep{"", i});
    path.push_back(NodeStep{"image", std::nullopt});
    container.image = flux_v1_detail::slot_of(image, at, path);
    container.reference = container.image.value;
    container.filter = flux_v1_detail::filter_for(policies, container.name, object.origin);
    object.containers.push_back(std::move(container));
  }
  return std::nullopt;
}

std::optional<util::Error> read_workload(const YAML::Node& doc,
                                         const FileRef& at,
                                         const NodePath& prefix,
                                         const Policies& policies,
                                         FluxV1Object& object) {
  // CronJob: spec.jobTemplate.spec.template.spec; the others: spec.template.spec.
  std::vector<const char*> keys{"spec", "template", "spec"};
  if (object.id.kind == "CronJob") {
    keys = {"spec", "jobTemplate", "spec", "template", "spec"};
  }
  YAML::Node pod = doc;
  NodePath path = prefix;
  std::string name;
  for (const char* key : keys) {
    name += name.empty() ? key : std::string(".") + key;
    YAML::Node next = child(pod, key);
    if (!next || next.IsNull()) {
      return std::nullopt; // no pod spec, no containers
    }
    if (auto bad = yaml::expect(next, YAML::NodeType::Map, name, at); !bad) {
      return bad.error();
    }
    pod.reset(next); // reset(), not operator=: that would write into the document
    path.push_back(NodeStep{key, std::nullopt});
  }
  using Source = FluxV1Container::Source;
  if (auto bad =
          read_pod_containers(pod, "containers", Source::container, at, path, policies, object)) {
    return bad;
  }
  return read_pod_containers(
      pod, "initContainers", Source::init_container, at, path, policies, object);
}

} // namespace

bool is_flux_v1_kind(std::string_view kind) {
  return kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "CronJob"
         || kind == "HelmRelease" || kind == "FluxHelmRelease";
}

namespace flux_v1_detail {

ScalarSlot slot_of(const YAML::Node& node, const FileRef& at, const NodePath& path) {
  ScalarSlot slot;
  slot.document = at.document;
  slot.path = path;
  slot.value = node.Scalar();
  // yaml-cpp tags a quoted (or block) scalar "!" and a plain one "?" (or its explicit tag).
  slot.plain = node.Tag() != "!";
  slot.position = position_of(node, at);
  return slot;
}

FluxV1Filter filter_for(const Policies& policies, const std::string& name, const Position& origin) {
  FluxV1Filter filter;
  filter.position = origin;
  if (auto it = policies.find("tag." + name); it != policies.end()) {
    filter.text = it->second.value;
    filter.annotation = it->second.annotation;
    filter.position = it->second.position;
  }
  return filter;
}

} // namespace flux_v1_detail

std::optional<FluxV1Object>
read_flux_v1(const YAML::Node& doc, const FileRef& at, const NodePath& prefix) {
  if (!doc || !doc.IsMap() || !is_flux_v1_kind(yaml::text(doc, "kind"))) {
    return std::nullopt;
  }
  YAML::Node metadata = child(doc, "metadata");
  FluxV1Object object;
  object.id.api_version = yaml::text(doc, "apiVersion");
  object.id.kind = yaml::text(doc, "kind");
  object.id.name = yaml::text(metadata, "name");
  object.id.object_namespace = yaml::text(metadata, "namespace");
  if (object.id.object_namespace.empty()) {
    object.id.object_namespace = "default";
  }
  object.origin = position_of(doc, at);
  object.origin_text = object.origin.to_string();
  Annotations annotations = read_annotations(metadata, at, object.id);
  if (!annotations.any) {
    return std::nullopt;
  }
  if (YAML::Node labels = child(metadata, "labels"); labels && labels.IsMap()) {
    for (const auto& item : labels) {
      if (item.first.IsScalar() && item.second.IsScalar()) {
        object.labels[item.first.Scalar()] = item.second.Scalar();
      }
    }
  }
  const Policies& policies = annotations.policies;
  auto value_of = [&](const char* name) {
    auto it = policies.find(name);
    return it == policies.end() ? std::string() : it->second.value;
  };
  // Only the exact string "true" counts; `ignore: sync_only` skips sync, not automation.
  object.automated = value_of("automated") == "true";
  object.locked = value_of("locked") == "true";
  object.ignored = value_of("ignore") == "true";
  object.locked_message = value_of("locked_msg");
  object.warnings = std::move(annotations.warnings);
  object.error = std::move(annotations.error);
  if (object.id.kind == "FluxHelmRelease") {
    object.warnings.push_back(object.origin_text + ": kind 'FluxHelmRelease' "
                              + util::quote(object.id.name)
                              + " is not supported (Flux v1 no longer automates it); use "
                                "HelmRelease");
    return object;
  }
  if (object.id.kind == "HelmRelease") {
    flux_v1_detail::read_helm_release_images(
        doc, at, prefix, policies, annotations.mappings, object);
  } else if (auto bad = read_workload(doc, at, prefix, policies, object); bad && !object.error) {
    object.error = std::move(bad);
  }
  return object;
}

} // namespace argoimg::app
