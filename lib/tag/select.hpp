// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tag/constraint.hpp"
#include "tag/filter.hpp"
#include "tag/min_age.hpp"
#include "tag/platform.hpp"
#include "tag/strategy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::tag {

// One platform image behind a tag: a single manifest has one, an index one per entry.
struct PlatformBuild {
  Platform platform;
  std::optional<int64_t> created; // ns since the epoch; fetched only for wanted platforms
};

// A tag offered by a registry, with the metadata the strategy needs, filled in by the caller:
// `builds` (or a platform-less `created`) for newest-build, `digest` (and `builds` when known)
// for digest.
struct TagCandidate {
  std::string name;
  std::optional<int64_t> created; // used when `builds` is empty (e.g. registry-sorted lists)
  std::string digest;             // "sha256:..." of the manifest the tag points to
  std::vector<PlatformBuild> builds;
  std::string metadata_problem; // why metadata is missing, for --explain
};

// Everything that decides a pick for one image.
struct TagPolicy {
  Strategy strategy = Strategy::semver;
  std::optional<Constraint> constraint; // semver only; none means `*` (no prereleases)
  std::string tracked_tag;              // digest only: the tag to follow
  AllowTags allow;
  IgnoreTags ignore;
  std::vector<Platform> platforms; // newest-build and digest; empty accepts every platform
  int64_t min_age_s = 0;           // min-age (argoimg's extension): younger tags are not candidates
};

// Why a candidate was not picked (or that it was).
enum class Verdict {
  picked,
  filtered_allow,     // does not match allow-tags
  filtered_ignore,    // matches an ignore-tags pattern
  not_semver,         // semver strategy, tag does not parse
  prerelease,         // semver strategy, prereleases not requested
  outside_constraint, // semver strategy, fails the constraint
  not_tracked,        // digest strategy, not the tracked tag
  wrong_platform,     // newest-build/digest, no manifest for the wanted platforms
  no_metadata,        // newest-build/digest, the creation date or digest is unknown
  too_young,          // min-age: built or first seen too recently
  older,              // qualified, but another tag won
};

// Return the stable name of `verdict` ("filtered-allow", "older", ...), for output.
std::string_view to_string(Verdict verdict);

struct CandidateReport {
  std::string tag;
  Verdict verdict = Verdict::older;
  std::string detail; // e.g. the ignore pattern that matched
};

struct Selection {
  std::optional<TagCandidate> pick;     // none: no tag qualifies (status no-match, not an error)
  std::vector<CandidateReport> explain; // filled only when asked for, in candidate order
  size_t too_young = 0;                 // candidates left out by min-age
  std::optional<int64_t> next_eligible; // the earliest time one of them becomes eligible
};

enum class Explain { no, yes };

// Whether `tag` fits the OCI/Docker tag grammar `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. Tags a
// registry sends that do not (escape sequences, newlines, template text, over-long) are never
// candidates.
bool is_valid_tag(std::string_view tag);

// Return the names in `tags` that survive the filters and, for semver, the constraint; for
// digest only the tracked tag. Only these need metadata, so registries are asked for nothing
// else.
std::vector<std::string> prefilter(const std::vector<std::string>& tags, const TagPolicy& policy);

// Pick the new tag from `candidates` by `policy`: semver the highest satisfying version (ties
// by original string), newest-build the newest `created` among the builds for the wanted
// platforms (ties by name, greatest wins), alphabetical the byte-wise greatest, digest the
// tracked tag with its digest when one of its builds is for a wanted platform. With `age`
// (min-age), tags younger than `age->min_age_s` are left out before the pick. Never fails.
Selection select_tag(const std::vector<TagCandidate>& candidates,
                     const TagPolicy& policy,
                     Explain explain,
                     const AgeRule* age = nullptr);

} // namespace argoimg::tag
