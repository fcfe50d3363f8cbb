// SPDX-License-Identifier: Apache-2.0
// What writing a plan and applying one share: how applications, images and files are named.
#pragma once

#include "updater/plan.hpp"
#include "updater/resolve.hpp"

#include <filesystem>
#include <string>

namespace argoimg::run::detail {

inline std::string absolute_path(const std::string& path) {
  std::error_code error;
  return std::filesystem::absolute(path, error).lexically_normal().string();
}

inline std::string app_key(const std::string& app_namespace, const std::string& name) {
  return app_namespace + "/" + name;
}

inline std::string image_key(const updater::ImageResult& image) {
  return image.alias.value_or(image.image);
}

inline updater::ImageStatus image_status(const std::string& status) {
  return status == "update"       ? updater::ImageStatus::update
         : status == "up-to-date" ? updater::ImageStatus::up_to_date
         : status == "error"      ? updater::ImageStatus::error
         : status == "resolved"   ? updater::ImageStatus::resolved
         : status == "no-match"   ? updater::ImageStatus::no_match
                                  : updater::ImageStatus::skipped;
}

inline bool changes(const updater::FileChange& file) {
  return file.after != file.before || file.created;
}

} // namespace argoimg::run::detail
