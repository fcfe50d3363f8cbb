// SPDX-License-Identifier: Apache-2.0
// Flux v2 setter markers: which apply (an ImageUpdateAutomation's scope), what each field
// becomes, and the marked documents' results (docs/flux.md "Setter markers").
#include "updater/flux_detail.hpp"
#include "util/strings.hpp"

#include <filesystem>
#include <map>

namespace argoimg::updater::flux_detail {

namespace {

// `path` joined to `root` the way Flux joins update.path: `..` cannot leave the root.
std::filesystem::path secure_join(const std::string& root, const std::string& path) {
  // The parts below the root are a stack: `..` pops one, never the root's own (a trailing
  // separator on the root must not count as a part to pop).
  std::vector<std::filesystem::path> below;
  for (const auto& part : std::filesystem::path(path).relative_path()) {
    if (part == "..") {
      if (!below.empty()) {
        below.pop_back();
      }
    } else if (part != "." && !part.empty()) {
      below.push_back(part);
    }
  }
  std::filesystem::path out = std::filesystem::path(root).lexically_normal();
  for (const auto& part : below) {
    out /= part;
  }
  return out;
}

bool under(const std::string& file, const std::filesystem::path& dir) {
  std::error_code error;
  auto relative = std::filesystem::absolute(file, error)
                      .lexically_normal()
                      .lexically_relative(std::filesystem::absolute(dir, error).lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// The value a marker's field takes from its resolved policy, or why there is none.
util::Result<std::string> marked_value(app::FluxMarker::Field field,
                                       const app::FluxImageRepository& repository,
                                       const V2Pending::Policy& policy) {
  switch (field) {
  case app::FluxMarker::Field::tag:
    return *policy.tag;
  case app::FluxMarker::Field::name:
    return repository.image;
  case app::FluxMarker::Field::digest:
    if (!policy.digest) {
      return util::fail(util::ErrorKind::config,
                        "a ':digest' marker needs digest reflection (digestReflectionPolicy "
                        "IfNotPresent or Always); Flux would blank the field, argoimg leaves it");
    }
    return *policy.digest;
  case app::FluxMarker::Field::image:
    break;
  }
  return repository.image + ":" + *policy.tag + (policy.digest ? "@" + *policy.digest : "");
}

const char* field_name(app::FluxMarker::Field field) {
  switch (field) {
  case app::FluxMarker::Field::tag:
    return "tag";
  case app::FluxMarker::Field::name:
    return "name";
  case app::FluxMarker::Field::digest:
    return "digest";
  case app::FluxMarker::Field::image:
    break;
  }
  return "image";
}

} // namespace

bool marker_in_scope(const FluxInputs& inputs,
                     const app::FluxMarker& marker,
                     const app::FluxImagePolicy& policy) {
  // Without an automation every marker is applied; with some, only what a valid one covers
  // (an invalid automation applies nothing, as in Flux, rather than widening the scope). An
  // automation scopes markers to its update.path and policies to its namespace and selector.
  if (inputs.automations.empty()) {
    return true;
  }
  for (const auto& automation : inputs.automations) {
    if (automation.error) {
      continue;
    }
    bool labels_match = true;
    for (const auto& [key, value] : automation.policy_selector) {
      auto label = policy.labels.find(key);
      labels_match = labels_match && label != policy.labels.end() && label->second == value;
    }
    if (automation.id.object_namespace == policy.id.object_namespace && labels_match
        && under(marker.slot.position.file, secure_join(inputs.root, automation.update_path))) {
      return true;
    }
  }
  return false;
}

void apply_markers(const FluxInputs& inputs,
                   const std::map<std::string, const V2Pending::Policy*>& all,
                   const std::map<std::string, const V2Pending::Policy*>& resolved,
                   FluxPlan& plan,
                   const util::Logger& logger) {
  std::map<std::pair<std::string, size_t>, size_t> documents; // (file, document) -> result
  size_t outside = 0;
  for (const auto& marker : inputs.markers) {
    std::string alias = policy_key(marker.policy_namespace, marker.policy_name);
    auto named = all.find(alias);
    if (named == all.end()) {
      plan.warnings.push_back(marker.slot.position.to_string() + ": marker "
                              + util::quote(marker.setter)
                              + " names no ImagePolicy among the given files; left alone");
      continue;
    }
    if (!marker_in_scope(inputs, marker, *named->second->policy)) {
      // As in Flux, by design: one line each at info, one warning in all.
      logger.info(marker.slot.position.to_string() + ": marker " + util::quote(marker.setter)
                  + " is outside every ImageUpdateAutomation's scope; left alone");
      ++outside;
      continue;
    }
    auto [doc, fresh] = documents.try_emplace(
        std::pair{marker.slot.position.file, marker.slot.document}, plan.results.size());
    if (fresh) {
      plan.results.push_back(object_result(marker.document, marker.document_origin, inputs));
    }
    size_t index = doc->second;
    auto& result = plan.results[index];
    auto image = image_result(
        alias, named->second->repository ? named->second->repository->image : std::string());
    image.field = field_name(marker.field);
    image.strategy_name = kind_name(named->second->policy->kind);
    image.current = marker.slot.value;
    auto ready = resolved.find(alias);
    if (ready == resolved.end()) {
      image.reason = "the ImagePolicy " + util::quote(alias) + " is not resolved";
    } else if (auto value = marked_value(marker.field, *ready->second->repository, *ready->second);
               !value) {
      image.status = ImageStatus::error;
      image.reason = marker.slot.position.to_string() + ": " + value.error().message;
    } else {
      image.new_tag = *value;
      image.status = *value == marker.slot.value ? ImageStatus::up_to_date : ImageStatus::update;
      if (image.status == ImageStatus::update) {
        plan.writes.push_back(FluxWrite{
            index,
            marker.slot.position.file,
            marker.setter + ": " + marker.slot.value + " -> " + *value,
            writeback::ScalarEdit{
                marker.slot.document, yaml_path(marker.slot.path), marker.slot.value, *value}});
      }
    }
    result.images.push_back(std::move(image));
  }
  if (outside > 0) {
    plan.warnings.push_back(std::to_string(outside) + " marker" + (outside == 1 ? " is" : "s are")
                            + " outside every ImageUpdateAutomation's scope and left alone "
                              "(--log-level info lists them)");
  }
  for (const auto& [where, index] : documents) { // once per document: it may have many markers
    plan.results[index].status = aggregate_status(plan.results[index].images);
  }
}

} // namespace argoimg::updater::flux_detail
