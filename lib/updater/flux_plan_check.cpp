// SPDX-License-Identifier: Apache-2.0
// A saved plan's Flux writes against this run's Flux objects: the scalar must be one the run
// could write, and the value one its ImagePolicy or Flux v1 pattern could pick.
#include "registry/manifest.hpp"
#include "updater/flux_detail.hpp"
#include "util/strings.hpp"

#include <filesystem>

namespace argoimg::updater {

namespace {

// One scalar: its file (absolute), document and path, with steps that cannot run together.
template <typename Path>
std::string scalar_key(const std::string& file, size_t document, const Path& path) {
  std::error_code error;
  std::string key = std::filesystem::absolute(file, error).lexically_normal().string() + '\n'
                    + std::to_string(document);
  for (const auto& step : path) {
    key += step.index ? "\n[" + std::to_string(*step.index) : "\n." + step.key;
  }
  return key;
}

bool automatable(const app::FluxV1Object& object) {
  return object.automated && !object.locked && !object.ignored && !object.error;
}

} // namespace

FluxWriteCheck::FluxWriteCheck(const FluxInputs& inputs) : m_inputs(inputs) {
  for (const auto& marker : inputs.markers) {
    Slot slot;
    slot.marker = &marker;
    slot.scalar = &marker.slot;
    m_slots.emplace(scalar_key(marker.slot.position.file, marker.slot.document, marker.slot.path),
                    slot);
  }
  for (const auto& object : inputs.v1) {
    for (const auto& container : object.containers) {
      for (const app::ScalarSlot* scalar : {&container.image,
                                            container.registry ? &*container.registry : nullptr,
                                            container.tag ? &*container.tag : nullptr}) {
        if (scalar != nullptr) {
          m_slots.emplace(scalar_key(scalar->position.file, scalar->document, scalar->path),
                          Slot{nullptr, &object, &container, scalar});
        }
      }
    }
  }
}

std::optional<std::string> FluxWriteCheck::refusal(const std::string& file,
                                                   size_t document,
                                                   const writeback::YamlPath& path,
                                                   const std::string& value) const {
  auto found = m_slots.find(scalar_key(file, document, path));
  if (found == m_slots.end()) {
    return std::string("the saved plan writes a scalar that none of this run's Flux objects or "
                       "markers holds");
  }
  return found->second.marker ? marker_refusal(*found->second.marker, value)
                              : v1_refusal(found->second, value);
}

std::optional<std::string> FluxWriteCheck::marker_refusal(const app::FluxMarker& marker,
                                                          const std::string& value) const {
  std::string named = flux_detail::policy_key(marker.policy_namespace, marker.policy_name);
  const app::FluxImagePolicy* policy = nullptr;
  for (const auto& candidate : m_inputs.policies) {
    if (candidate.id.object_namespace == marker.policy_namespace
        && candidate.id.name == marker.policy_name) {
      if (policy != nullptr) {
        return "the ImagePolicy " + util::quote(named) + " is given twice";
      }
      policy = &candidate;
    }
  }
  if (policy == nullptr || policy->error) {
    return "the marker's ImagePolicy " + util::quote(named) + " is not among this run's valid ones";
  }
  if (!flux_detail::marker_in_scope(m_inputs, marker, *policy)) {
    return std::string("the marker is outside every ImageUpdateAutomation's scope");
  }
  const app::FluxImageRepository* repository = nullptr;
  for (const auto& candidate : m_inputs.repositories) {
    if (candidate.id.object_namespace == policy->repository_namespace
        && candidate.id.name == policy->repository_name) {
      if (repository != nullptr) {
        return "the ImagePolicy's ImageRepository is given twice";
      }
      repository = &candidate;
    }
  }
  if (repository == nullptr) {
    return "the ImagePolicy " + util::quote(named) + " has no ImageRepository in this run";
  }
  // The tag the value carries; a `:name` or `:digest` marker carries none to check.
  std::string tag = value;
  switch (marker.field) {
  case app::FluxMarker::Field::name:
    return value == repository->image
               ? std::nullopt
               : std::optional<std::string>("a ':name' marker holds the "
                                            "ImageRepository's image "
                                            + util::quote(repository->image));
  case app::FluxMarker::Field::digest:
    return registry::is_valid_digest(value)
               ? std::nullopt
               : std::optional<std::string>("a ':digest' marker holds a digest");
  case app::FluxMarker::Field::tag:
    break;
  case app::FluxMarker::Field::image: {
    std::string prefix = repository->image + ":";
    if (value.compare(0, prefix.size(), prefix) != 0) {
      return "the value is not the ImageRepository's image " + util::quote(repository->image)
             + " with a tag";
    }
    tag = value.substr(prefix.size());
    if (size_t at = tag.find('@'); at != std::string::npos) {
      if (!registry::is_valid_digest(std::string_view(tag).substr(at + 1))) {
        return std::string("the value's '@' is not followed by a digest");
      }
      tag.resize(at);
    }
    break;
  }
  }
  auto picked = flux_detail::pick_v2(*policy, *repository, {tag}, tag::Explain::no);
  if (!picked || !picked->pick || *picked->pick != tag) {
    return "the tag " + util::quote(tag) + " is not one the ImagePolicy " + util::quote(named)
           + " allows";
  }
  return std::nullopt;
}

std::optional<std::string> FluxWriteCheck::v1_refusal(const Slot& slot,
                                                      const std::string& value) const {
  if (!automatable(*slot.object)) {
    return std::string("the Flux v1 object is not automated (or locked, ignored or invalid)");
  }
  const auto& container = *slot.container;
  bool holds_tag = container.tag ? slot.scalar == &*container.tag : slot.scalar == &container.image;
  if (!holds_tag) {
    return std::string("Flux v1 only rewrites the scalar that holds the tag");
  }
  std::string tag = value;
  if (!container.tag) {
    size_t colon = value.rfind(':');
    tag = colon == std::string::npos ? std::string() : value.substr(colon + 1);
    if (flux_detail::with_tag(slot.scalar->value, tag) != value) {
      return "the value is not " + util::quote(slot.scalar->value) + " with another tag";
    }
  }
  auto pattern = tag::flux::parse_v1_pattern(container.filter.text);
  if (!pattern || tag::flux::v1_candidates({tag}, *pattern).empty()) {
    return "the tag " + util::quote(tag) + " does not match the container's pattern "
           + util::quote(container.filter.text);
  }
  return std::nullopt;
}

} // namespace argoimg::updater
