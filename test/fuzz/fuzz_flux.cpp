// SPDX-License-Identifier: Apache-2.0
// Flux files: Flux v1 annotated objects and v2 objects loaded as `check` loads them, setter
// markers found, and every marked or annotated scalar rewritten by edit_scalars. Properties: an
// edit to the value a scalar already holds changes no byte; a successful rewrite leaves a file
// whose markers are found again, in the same number, each holding its new value.
#include "fuzz_support.hpp"
#include "yaml_probe.hpp"

#include "app/flux_markers.hpp"
#include "app/load.hpp"
#include "writeback/slots.hpp"

#include <optional>
#include <string>
#include <vector>

using namespace argoimg;

namespace {

writeback::YamlPath yaml_path(const app::NodePath& path) {
  writeback::YamlPath out;
  for (const auto& step : path) {
    out.push_back(writeback::PathStep{step.key, step.index});
  }
  return out;
}

bool same_scalar(const writeback::ScalarEdit& a, const writeback::ScalarEdit& b) {
  if (a.doc != b.doc || a.path.size() != b.path.size()) {
    return false;
  }
  for (size_t i = 0; i < a.path.size(); ++i) {
    if (a.path[i].key != b.path[i].key || a.path[i].index != b.path[i].index) {
      return false;
    }
  }
  return true;
}

std::string new_value(const app::FluxMarker& marker) {
  switch (marker.field) {
  case app::FluxMarker::Field::tag:
    return "1.2.3";
  case app::FluxMarker::Field::name:
    return "registry.example/fuzz/app";
  case app::FluxMarker::Field::digest:
    return "sha256:" + std::string(64, 'a');
  case app::FluxMarker::Field::image:
    break;
  }
  return "registry.example/fuzz/app:1.2.3";
}

void check_markers(const std::string& text, const app::LoadLimits& limits) {
  auto markers = app::find_markers(text, "values.yaml", limits);
  if (!markers) {
    if (markers.error().message.empty()) {
      fuzz::property_failed("find_markers: an error without a message");
    }
    return;
  }
  if (markers->empty()) {
    return;
  }
  std::vector<writeback::ScalarEdit> same;
  std::vector<writeback::ScalarEdit> changed;
  for (const auto& marker : *markers) {
    if (marker.policy_namespace.empty() || marker.policy_name.empty() || marker.setter.empty()) {
      fuzz::property_failed("a marker without a namespace, a name or a setter");
    }
    const auto& slot = marker.slot;
    same.push_back({slot.document, yaml_path(slot.path), slot.value, slot.value});
    changed.push_back({slot.document, yaml_path(slot.path), slot.value, new_value(marker)});
  }
  if (auto unchanged = writeback::edit_scalars(text, same); unchanged && *unchanged != text) {
    fuzz::property_failed("an edit to the value a scalar holds changed the file");
  }
  auto edited = writeback::edit_scalars(text, changed);
  if (!edited) {
    return; // refused (two markers on one scalar with different fields, a block scalar, ...)
  }
  auto again = app::find_markers(*edited, "values.yaml", limits);
  if (!again) {
    fuzz::property_failed("the rewritten file's markers cannot be read: " + again.error().message);
  }
  if (again->size() != markers->size()) {
    fuzz::property_failed("the rewritten file has another number of markers");
  }
  for (size_t i = 0; i < again->size(); ++i) {
    bool also_edited = false; // another marker of the same scalar wrote last
    for (size_t j = 0; j < changed.size(); ++j) {
      also_edited = also_edited || (j != i && same_scalar(changed[j], changed[i]));
    }
    if (!also_edited && (*again)[i].slot.value != changed[i].value) {
      fuzz::property_failed("a rewritten marker's scalar does not hold its new value");
    }
  }
}

void check_v1(const std::string& text) {
  auto loaded = app::load_file(text, "flux.yaml");
  if (!loaded) {
    return;
  }
  std::vector<writeback::ScalarEdit> same;
  for (const auto& object : loaded->flux_v1) {
    for (const auto& container : object.containers) {
      for (const auto& slot : {container.registry, std::optional(container.image), container.tag}) {
        if (slot) {
          same.push_back({slot->document, yaml_path(slot->path), slot->value, slot->value});
        }
      }
    }
  }
  if (same.empty()) {
    return;
  }
  if (auto unchanged = writeback::edit_scalars(text, same); unchanged && *unchanged != text) {
    fuzz::property_failed("an edit to the value a Flux v1 scalar holds changed the file");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::as_text(data, size));
  (void)app::read_marker_comment(text);
  if (fuzz::yaml_load_all_hangs(text)) {
    return 0; // known, routed: see yaml_probe.hpp
  }
  app::LoadLimits limits;
  check_markers(text, limits);
  check_v1(text);
  return 0;
}
