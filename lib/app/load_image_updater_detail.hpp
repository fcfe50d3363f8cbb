// SPDX-License-Identifier: Apache-2.0
#pragma once

// Include only from .cpp files: the parameter is a yaml-cpp node.

#include "app/image_updater.hpp"
#include "app/yaml_detail.hpp"
#include "util/result.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace argoimg::app {

// Read an ImageUpdater document; errors name `path:line:col` and the field.
util::Result<ImageUpdater> parse_image_updater(const YAML::Node& doc, const yaml::FileRef& at);

} // namespace argoimg::app
