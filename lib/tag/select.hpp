// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tag/constraint.hpp"
#include "tag/filter.hpp"
#include "tag/strategy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::tag {

// A tag offered by a registry, with the metadata the strategy needs (filled in by the caller:
// `created` for newest-build, `digest` for digest).
struct TagCandidate {
  std::string name;
  std::optional<int64_t> created; // nanoseconds since the epoch, from the image config
  std::string digest;             // "sha256:..." of the manifest the tag points to
  bool wrong_platform = false;    // no manifest of this tag matches the wanted platforms
  std::string metadata_problem;   // why `created`/`digest` is missing, for --explain
};

// Everything that decides a pick for one image.
struct TagPolicy {
  Strategy strategy = Strategy::semver;
  std::optional<Constraint> constraint; // semver only; none means `*` (no prereleases)
  std::string tracked_tag;              // digest only: the tag to follow
  AllowTags allow;
  IgnoreTags ignore;
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
};

enum class Explain { no, yes };

// Return the names in `tags` that survive the filters and, for semver, the constraint; for
// digest only the tracked tag. Only these need metadata, so registries are asked for nothing
// else.
std::vector<std::string> prefilter(const std::vector<std::string>& tags, const TagPolicy& policy);

// Pick the new tag from `candidates` by `policy`: semver the highest satisfying version (ties
// by original string), newest-build the newest `created` (ties by name, greatest wins),
// alphabetical the byte-wise greatest, digest the tracked tag with its digest. Never fails.
Selection
select_tag(const std::vector<TagCandidate>& candidates, const TagPolicy& policy, Explain explain);

} // namespace argoimg::tag
