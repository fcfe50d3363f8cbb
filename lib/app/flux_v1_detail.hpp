// SPDX-License-Identifier: Apache-2.0
#pragma once

// Reading Flux v1 objects (docs/flux.md, /work/shared/reference/flux.md Part 1). Include only
// from .cpp files: the parameters are yaml-cpp nodes.

#include "app/flux.hpp"
#include "app/yaml_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::app {

// Deployment, StatefulSet, DaemonSet, CronJob, HelmRelease and (unsupported) FluxHelmRelease:
// Flux v1 dispatches on the kind only, never on apiVersion.
bool is_flux_v1_kind(std::string_view kind);

// The Flux v1 object of `doc`, or nullopt when its kind is not a v1 kind or it carries no v1
// policy or mapping annotation. `prefix` is the path of `doc` inside its file's document
// (`items[3]` for a `kind: List` item); slots carry `prefix` + their path. What stops the object
// (an unquoted boolean annotation, a wrong shape, an unresolved mapping) is its `error`.
std::optional<FluxV1Object>
read_flux_v1(const YAML::Node& doc, const yaml::FileRef& at, const NodePath& prefix);

namespace flux_v1_detail {

// One annotation after precedence: the winning value, its key and where the key is.
struct Policy {
  std::string value;
  std::string annotation;
  Position position;
};
using Policies = std::map<std::string, Policy>; // by policy name (`automated`, `tag.app`)

// The scalar `node` as a slot at `path`.
ScalarSlot slot_of(const YAML::Node& node, const yaml::FileRef& at, const NodePath& path);

// The `tag.<name>` filter of `policies`, else the default at `origin`.
FluxV1Filter filter_for(const Policies& policies, const std::string& name, const Position& origin);

// The images of a HelmRelease's `spec.values` (detected and mapped), in Flux's report order.
// `mappings` holds alias -> {"repository"|"registry"|"tag" -> Policy}.
void read_helm_release_images(const YAML::Node& doc,
                              const yaml::FileRef& at,
                              const NodePath& prefix,
                              const Policies& policies,
                              const std::map<std::string, Policies>& mappings,
                              FluxV1Object& object);

} // namespace flux_v1_detail

} // namespace argoimg::app
