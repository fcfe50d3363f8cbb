// SPDX-License-Identifier: Apache-2.0
#pragma once

// Readers of Flux v2 image automation objects (docs/flux.md). Include only from .cpp files:
// the parameter is a yaml-cpp node.

#include "app/flux.hpp"
#include "app/yaml_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace argoimg::app {

// True for `image.toolkit.fluxcd.io/<version>` objects of kind ImageRepository, ImagePolicy or
// ImageUpdateAutomation (any version: an unsupported one is the object's error).
bool is_flux_v2_kind(std::string_view api_version, std::string_view kind);

// Each reader returns the object; what Flux would refuse (a missing or malformed field, an
// unsupported API version) is the object's `error`, with `path:line:col` and the object named.
FluxImageRepository read_flux_image_repository(const YAML::Node& doc, const yaml::FileRef& at);
FluxImagePolicy read_flux_image_policy(const YAML::Node& doc, const yaml::FileRef& at);
FluxImageUpdateAutomation read_flux_image_update_automation(const YAML::Node& doc,
                                                            const yaml::FileRef& at);

// kind, metadata.name and metadata.namespace ("default" when a named document has none).
ObjectId read_object_id(const YAML::Node& doc);

} // namespace argoimg::app
