// SPDX-License-Identifier: Apache-2.0
#include "run/report.hpp"

#include <algorithm>

namespace argoimg::run {

using updater::ImageStatus;

ReportCounts count(const ReportInput& input) {
  ReportCounts c;
  auto add = [&c](const updater::ImageResult& image) {
    ++c.images;
    c.updates += image.status == ImageStatus::update;
    c.up_to_date += image.status == ImageStatus::up_to_date;
    c.skipped += image.status == ImageStatus::skipped;
    c.budget_skipped += image.status == ImageStatus::skipped && image.budget_skipped;
    c.errors += image.status == ImageStatus::error;
  };
  for (const auto& app : input.applications) {
    ++c.applications;
    for (const auto& image : app.images) {
      add(image);
    }
    bool image_failed = std::any_of(app.images.begin(), app.images.end(), [](const auto& image) {
      return image.status == ImageStatus::error;
    });
    if (app.status == updater::AppStatus::error && !image_failed) {
      ++c.errors; // the application itself failed (configuration, write-back)
    }
  }
  for (const auto& image : input.images) {
    add(image);
  }
  c.errors += input.file_errors.size();
  return c;
}

} // namespace argoimg::run
