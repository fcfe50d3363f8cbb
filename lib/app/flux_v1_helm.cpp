// SPDX-License-Identifier: Apache-2.0
// The images of a Flux v1 HelmRelease's `spec.values`: detected (`chart-image` and one level of
// named keys) and mapped by `repository|registry|tag.fluxcd.io/<alias>` annotations
// (F1 resource/helmrelease.go). Flux reads only string values; argoimg reads every scalar's
// text, so `tag: 150` and `tag: 1.20` count as written.
#include "app/flux_v1_detail.hpp"
#include "util/strings.hpp"

#include <utility>

namespace argoimg::app::flux_v1_detail {

namespace {

using yaml::child;
using yaml::FileRef;
using yaml::position_of;

NodePath joined(NodePath path, const std::string& key) {
  path.push_back(NodeStep{key, std::nullopt});
  return path;
}

// The slot of `map[key]` when it is a scalar (null is no value, as in Flux).
std::optional<ScalarSlot>
scalar_at(const YAML::Node& map, const char* key, const FileRef& at, const NodePath& path) {
  YAML::Node node = child(map, key);
  if (!node || !node.IsScalar()) {
    return std::nullopt;
  }
  return slot_of(node, at, joined(path, key));
}

// "[registry/]image[:tag]", or nullopt when a part is empty (Flux cannot parse `/x` or `x:`).
std::optional<std::string> compose(FluxV1Container& container) {
  if (container.image.value.empty() || (container.registry && container.registry->value.empty())
      || (container.tag && container.tag->value.empty())) {
    return std::nullopt;
  }
  std::string reference = container.image.value;
  if (container.registry) {
    reference = container.registry->value + "/" + reference;
  }
  if (container.tag) {
    reference += ":" + container.tag->value;
  }
  return reference;
}

// interpretAsContainer: `image` a string with `registry` / `tag` siblings, or `image` a map
// with `repository` (interpretAsImage) and its own `registry` / `tag`.
std::optional<FluxV1Container>
detect(const YAML::Node& map, const FileRef& at, const NodePath& path) {
  YAML::Node image = child(map, "image");
  if (!image) {
    return std::nullopt;
  }
  FluxV1Container container;
  YAML::Node holder = map;
  NodePath holder_path = path;
  if (image.IsMap()) {
    holder.reset(image); // reset(), not operator=: that would write into the document
    holder_path = joined(path, "image");
  }
  auto name = scalar_at(holder, image.IsMap() ? "repository" : "image", at, holder_path);
  if (!name) {
    return std::nullopt;
  }
  container.image = std::move(*name);
  container.registry = scalar_at(holder, "registry", at, holder_path);
  container.tag = scalar_at(holder, "tag", at, holder_path);
  auto reference = compose(container);
  if (!reference) {
    return std::nullopt;
  }
  container.reference = std::move(*reference);
  return container;
}

// The node at dot path `path` under `values` (maps only; a key with a dot cannot be named).
YAML::Node resolve(const YAML::Node& values, std::string_view path, NodePath& steps) {
  if (!values) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  YAML::Node node = values;
  for (auto key : util::split(path, '.')) {
    if (key.empty() || !node.IsMap()) {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    const YAML::Node map = node; // the const operator[] never inserts the key
    YAML::Node next = map[std::string(key)];
    if (!next) {
      return YAML::Node(YAML::NodeType::Undefined); // reset() throws on a missing key's node
    }
    node.reset(next);
    steps.push_back(NodeStep{std::string(key), std::nullopt});
  }
  return node;
}

std::string describe(const FluxV1Object& object) {
  return object.id.kind + " " + util::quote(object.id.object_namespace + "/" + object.id.name);
}

// A mapped container, or an error when a path of the mapping does not resolve to a scalar:
// Flux then silently ignores the mapping and may write the detected container of the same
// name instead, which is not what the annotations ask for.
util::Result<std::optional<FluxV1Container>> read_mapping(const YAML::Node& values,
                                                          const FileRef& at,
                                                          const NodePath& values_path,
                                                          const std::string& alias,
                                                          const Policies& parts,
                                                          FluxV1Object& object) {
  auto repository = parts.find("repository");
  if (repository == parts.end()) {
    const Policy& any = parts.begin()->second;
    object.warnings.push_back(any.position.to_string() + ": " + util::quote(any.annotation)
                              + " without " + util::quote("repository.fluxcd.io/" + alias)
                              + " maps nothing (Flux v1 ignores it)");
    return std::optional<FluxV1Container>();
  }
  FluxV1Container container;
  container.source = FluxV1Container::Source::mapping;
  for (const auto& [part, policy] : parts) {
    NodePath path = values_path;
    YAML::Node node = resolve(values, policy.value, path);
    if (!node || !node.IsScalar()) {
      return util::fail(util::ErrorKind::invalid_input,
                        policy.position.to_string(true) + ": " + util::quote(policy.annotation)
                            + " of " + describe(object) + ": " + util::quote(policy.value)
                            + " is not a scalar under spec.values (Flux v1 would ignore the "
                              "mapping)");
    }
    ScalarSlot slot = slot_of(node, at, path);
    if (part == "repository") {
      container.image = std::move(slot);
    } else if (part == "registry") {
      container.registry = std::move(slot);
    } else {
      container.tag = std::move(slot);
    }
  }
  auto reference = compose(container);
  if (!reference) {
    return util::fail(util::ErrorKind::invalid_input,
                      repository->second.position.to_string(true) + ": mapping "
                          + util::quote(alias) + " of " + describe(object)
                          + " has an empty registry, repository or tag");
  }
  container.reference = std::move(*reference);
  return std::optional<FluxV1Container>(std::move(container));
}

} // namespace

void read_helm_release_images(const YAML::Node& doc,
                              const FileRef& at,
                              const NodePath& prefix,
                              const Policies& policies,
                              const std::map<std::string, Policies>& mappings,
                              FluxV1Object& object) {
  YAML::Node spec = child(doc, "spec");
  YAML::Node values = child(spec, "values");
  for (auto check : {yaml::expect(spec, YAML::NodeType::Map, "spec", at),
                     yaml::expect(values, YAML::NodeType::Map, "spec.values", at)}) {
    if (!check) {
      if (!object.error) {
        object.error = check.error();
      }
      return;
    }
  }
  NodePath values_path = joined(joined(prefix, "spec"), "values");
  std::optional<FluxV1Container> chart;
  std::map<std::string, FluxV1Container> named; // byte order, as Flux reports them
  if (values && values.IsMap()) {
    chart = detect(values, at, values_path);
    if (chart) {
      chart->source = FluxV1Container::Source::chart_image;
      chart->name = "chart-image";
    }
    for (const auto& item : values) {
      if (item.first.IsScalar() && item.second.IsMap()) {
        const std::string& key = item.first.Scalar();
        if (auto found = detect(item.second, at, joined(values_path, key))) {
          found->source = FluxV1Container::Source::values_key;
          found->name = key;
          named.insert_or_assign(key, std::move(*found));
        }
      }
    }
  }
  for (const auto& [alias, parts] : mappings) {
    auto mapped = read_mapping(values, at, values_path, alias, parts, object);
    if (!mapped) {
      if (!object.error) {
        object.error = mapped.error();
      }
      continue;
    }
    if (*mapped) {
      (*mapped)->name = alias;
      if (alias == "chart-image") {
        chart = std::move(**mapped); // a mapping replaces the detected image of its name
      } else {
        named.insert_or_assign(alias, std::move(**mapped));
      }
    }
  }
  if (chart) {
    chart->filter = filter_for(policies, chart->name, object.origin);
    object.containers.push_back(std::move(*chart));
  }
  for (auto& [name, container] : named) {
    container.filter = filter_for(policies, name, object.origin);
    object.containers.push_back(std::move(container));
  }
}

} // namespace argoimg::app::flux_v1_detail
