// SPDX-License-Identifier: Apache-2.0
// Flux v1: workloads and HelmReleases automated by annotations (docs/flux.md "Flux v1").
#include "tag/flux.hpp"
#include "updater/flux_detail.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <set>

namespace argoimg::updater::flux_detail {

namespace {

// Why an object is not automated, or nullopt when it is.
std::optional<std::string> not_automated(const app::FluxV1Object& object) {
  if (object.ignored) {
    return std::string("ignored (the ignore annotation is \"true\")");
  }
  if (object.locked) {
    return "locked" + (object.locked_message.empty() ? "" : ": " + object.locked_message);
  }
  if (!object.automated) {
    return std::string("not automated (the automated annotation is not \"true\")");
  }
  return std::nullopt;
}

// Where a container's pattern comes from, for messages: the annotation's file:line and key.
std::string filter_origin(const app::FluxV1Filter& filter) {
  return filter.annotation.empty()
             ? filter.position.to_string()
             : filter.position.to_string() + ": annotation " + util::quote(filter.annotation);
}

// The object's error: one found when it was read, else, for an object that is automated, the
// first container pattern that does not parse. An invalid pattern fails the whole object before
// any registry is asked, so that none of its containers is updated while its annotations are
// wrong (Flux matched everything); a locked, ignored or manual object's patterns are not read,
// as Flux did not read them.
std::optional<std::string> object_error(const app::FluxV1Object& object) {
  if (object.error) {
    return object.error->message;
  }
  if (not_automated(object)) {
    return std::nullopt;
  }
  for (const auto& container : object.containers) {
    if (auto pattern = tag::flux::parse_v1_pattern(container.filter.text); !pattern) {
      return filter_origin(container.filter) + ": " + pattern.error().message;
    }
  }
  return std::nullopt;
}

} // namespace

// The image scalar's text with its tag replaced: `[registry/]path[:tag]` → `...:<tag>`.
std::string with_tag(const std::string& reference, const std::string& tag) {
  size_t slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  std::string name = colon != std::string::npos && (slash == std::string::npos || colon > slash)
                         ? reference.substr(0, colon)
                         : reference;
  return name + ":" + tag;
}

std::vector<V1Pending>
prepare_v1(const FluxInputs& inputs, Repositories& repositories, FluxPlan& plan) {
  std::vector<V1Pending> pending;
  for (const auto& object : inputs.v1) {
    size_t index = plan.results.size();
    plan.results.push_back(object_result(object.id, object.origin, inputs));
    auto& result = plan.results.back();
    result.warnings = object.warnings;
    auto skip = not_automated(object);
    auto error = object_error(object);
    for (const auto& container : object.containers) {
      auto image = image_result(container.name, container.reference);
      auto ref = image::parse_image_ref(container.reference);
      if (ref) {
        image.repository = ref->repository();
        if (!ref->tag.empty()) {
          image.current = ref->tag;
        }
      }
      image.constraint = container.filter.text;
      if (error) {
        image.reason = "not updated: the object has an error";
      } else if (skip) {
        image.reason = *skip;
      } else if (!ref) {
        image.status = ImageStatus::error;
        image.reason = container.image.position.to_string() + ": image "
                       + util::quote(container.reference) + ": " + ref.error().message;
      } else if (!ref->digest.empty()) {
        image.reason = "pinned by digest; Flux v1 changes tags only";
      } else if (auto key = repositories.add(*ref); !key) {
        image.status = ImageStatus::error;
        image.reason = key.error().message;
      } else {
        pending.push_back(V1Pending{index, result.images.size(), &container, *key, *ref});
      }
      result.images.push_back(std::move(image));
    }
    if (error) {
      result.status = AppStatus::error;
      result.reason = *error;
    } else if (skip && !object.containers.empty()) {
      result.status = AppStatus::skipped;
      result.reason = *skip;
    } else {
      result.status = aggregate_status(result.images); // recomputed after the pending resolve
    }
  }
  return pending;
}

void finish_v1(std::vector<V1Pending>& pending,
               Repositories& repositories,
               const PlanOptions& options,
               FluxPlan& plan) {
  // Creation times cost a manifest read per candidate (as in Flux v1): containers in parallel.
  std::vector<std::optional<FluxWrite>> writes(pending.size());
  util::parallel_for(pending.size(), options.resolve.concurrency, [&](size_t i) {
    const auto& item = pending[i];
    auto& image = plan.results[item.result].images[item.image];
    const auto& container = *item.container;
    auto fail = [&image](ImageStatus status, std::string reason) {
      image.status = status;
      image.reason = std::move(reason);
    };
    auto pattern = tag::flux::parse_v1_pattern(container.filter.text);
    if (!pattern) { // checked by object_error before anything was pending
      return fail(ImageStatus::error,
                  filter_origin(container.filter) + ": " + pattern.error().message);
    }
    bool by_version = pattern->kind == tag::flux::V1Pattern::Kind::semver;
    image.strategy = by_version ? tag::Strategy::semver : tag::Strategy::newest_build;
    const auto& tags = repositories.tags(item.key);
    if (auto refused = repositories.refused(item.key)) {
      image.budget_skipped = true;
      return fail(ImageStatus::skipped, *refused);
    }
    if (!tags) {
      return fail(ImageStatus::error, "listing tags: " + tags.error().message);
    }
    // Only candidates need build times; with --explain every tag is shown with its verdict.
    auto names = tag::flux::v1_candidates(*tags, *pattern);
    std::set<std::string> qualified(names.begin(), names.end());
    std::vector<tag::flux::V1Candidate> candidates;
    for (const auto& name : options.resolve.explain == tag::Explain::yes ? *tags : names) {
      candidates.push_back(tag::flux::V1Candidate{name, std::nullopt});
    }
    std::optional<int64_t> current_created;
    std::string why;
    registry::Client::BudgetWatch watch;
    if (tag::flux::v1_needs_times(*pattern)) {
      // Flux v1 orders glob and regexp matches by build time: a manifest and config read per
      // candidate (cached per run), and the current image's own time.
      if (!item.ref.tag.empty()) {
        current_created = repositories.created(item.key, item.ref.tag, why);
      }
      std::string ignored;
      for (auto& candidate : candidates) {
        if (qualified.count(candidate.tag) != 0) {
          candidate.created = repositories.created(item.key, candidate.tag, ignored);
        }
      }
    }
    if (auto refused = watch.refused()) {
      // Some build times are unknown: ordering the rest could pick the wrong tag.
      image.budget_skipped = true;
      return fail(ImageStatus::skipped, *refused);
    }
    auto selection =
        tag::flux::select_v1(candidates, *pattern, item.ref.name(), options.resolve.explain);
    image.explain = std::move(selection.explain);
    if (!selection.pick) {
      return fail(ImageStatus::skipped,
                  "no tag matches " + util::quote(container.filter.text) + " among "
                      + std::to_string(tags->size()) + " tags");
    }
    if (auto missing = tag::flux::v1_missing_time(*pattern, current_created, selection)) {
      std::string detail = item.ref.tag.empty() ? "the image is untagged"
                           : !why.empty() ? "current tag " + util::quote(item.ref.tag) + ": " + why
                                          : "";
      return fail(ImageStatus::skipped, *missing + (detail.empty() ? "" : " (" + detail + ")"));
    }
    const std::string& picked = selection.pick->tag;
    image.new_tag = picked;
    if (image.current && *image.current == picked) {
      image.status = ImageStatus::up_to_date;
      return;
    }
    image.status = ImageStatus::update;
    // The tag goes into the scalar that holds it; the name stays as written.
    const app::ScalarSlot& slot = container.tag ? *container.tag : container.image;
    std::string value = container.tag ? picked : with_tag(slot.value, picked);
    writes[i] =
        FluxWrite{item.result,
                  slot.position.file,
                  container.name + ": " + image.current.value_or("<none>") + " -> " + picked,
                  writeback::ScalarEdit{slot.document, yaml_path(slot.path), slot.value, value}};
  });
  for (auto& write : writes) {
    if (write) {
      plan.writes.push_back(std::move(*write));
    }
  }
  for (const auto& item : pending) {
    // Only automated objects without an error have pending images: their status is the images'.
    auto& result = plan.results[item.result];
    result.status = aggregate_status(result.images);
  }
}

} // namespace argoimg::updater::flux_detail
