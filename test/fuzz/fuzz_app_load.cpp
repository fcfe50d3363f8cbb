// SPDX-License-Identifier: Apache-2.0
// Application / ImageUpdater / List files: load, then read every application's configuration
// the way `check` does (annotations or the ImageUpdater that selects it, type, target file,
// current image from the spec).
#include "fuzz_support.hpp"
#include "yaml_probe.hpp"

#include "app/app_type.hpp"
#include "app/config.hpp"
#include "app/current_image.hpp"
#include "app/load.hpp"

using namespace argoimg;

namespace {
void inspect(const app::Application& application, const app::AppConfig& config) {
  auto type = app::detect_type(application, config.write_back);
  for (const auto& source : application.sources) {
    (void)app::write_back_target(application, source, config.write_back, "argocd");
  }
  if (application.sources.empty()) {
    return;
  }
  auto target =
      app::write_back_target(application, application.sources[0], config.write_back, "argocd");
  for (const auto& image : config.images) {
    (void)app::find_current_image(application, type, image, config.write_back, target, nullptr);
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::as_text(data, size));
  if (fuzz::yaml_load_all_hangs(text)) {
    return 0; // known, routed: see yaml_probe.hpp
  }
  auto loaded = app::load_file(text, "apps.yaml");
  if (!loaded) {
    if (loaded.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    return 0;
  }
  for (const auto& application : loaded->applications) {
    if (auto config = app::config_from_annotations(application)) {
      inspect(application, *config);
    }
    for (const auto& updater : loaded->image_updaters) {
      if (const auto* ref = app::select_ref(updater, application)) {
        if (auto config = app::config_from_image_updater(updater, *ref, application)) {
          inspect(application, *config);
        }
      }
    }
  }
  return 0;
}
