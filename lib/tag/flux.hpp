// SPDX-License-Identifier: Apache-2.0
#pragma once

// The tag-picking rules of Flux (docs/flux.md): Flux v1 `tag.<container>` patterns and Flux v2
// ImagePolicy selection. Pure code: tags and creation times arrive as data.

#include "tag/select.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::tag::flux {

// ---- Flux v1 -------------------------------------------------------------------------------

struct V1Compiled; // the constraint or regular expression, defined in flux_v1.cpp

// A v1 tag pattern: `semver:<constraint>`, `regexp:`/`regex:<RE2>`, else a glob (optional
// `glob:` stripped). Nothing is trimmed.
struct V1Pattern {
  enum class Kind { glob, semver, regexp };
  Kind kind = Kind::glob;
  std::string expression;                     // after the prefix
  std::string text;                           // as written
  std::shared_ptr<const V1Compiled> compiled; // null for a glob
};

// Parse `text`. An invalid regexp or an invalid or empty semver constraint fails with
// `invalid_input` naming the pattern (Flux would match everything; argoimg never does).
util::Result<V1Pattern> parse_v1_pattern(std::string_view text);

// Whether `tag` matches `pattern`: go-glob (`*` only, case-sensitive), an unanchored RE2
// search, or Masterminds v3.1.1 (loose versions, per-comparator prerelease rule).
bool v1_matches(const V1Pattern& pattern, std::string_view tag);

// Whether the pattern orders by creation time (glob, regexp) rather than by version (semver).
bool v1_needs_times(const V1Pattern& pattern);

// Return the tags of `tags` that are v1 candidates, in order: valid tags matching the pattern,
// without any `latest` (any case) unless the pattern is exactly `latest`/`glob:latest`. Only
// these need creation times.
std::vector<std::string> v1_candidates(const std::vector<std::string>& tags,
                                       const V1Pattern& pattern);

struct V1Candidate {
  std::string tag;
  std::optional<int64_t> created; // ns since the epoch; glob/regexp only
};

struct V1Selection {
  std::optional<V1Candidate> pick;      // none: no candidate (nothing to do, not an error)
  std::vector<CandidateReport> explain; // filled only when asked for, in input order
};

// Pick among `tags` (all of a repository's tags, or only the candidates) as Flux v1 sorts:
// semver the highest version, equal versions → the lexically greater `image_name:tag`;
// glob/regexp the newest `created`, equal times → the lexically smaller `image_name:tag`,
// missing times last. No comparison with the current tag: a lower pick is still the pick.
V1Selection select_v1(const std::vector<V1Candidate>& tags,
                      const V1Pattern& pattern,
                      std::string_view image_name,
                      Explain explain);

// Flux v1 skips a glob/regexp container when the current image or the pick has no creation
// time. Return why (for the report), or nullopt when the pick may be written. The caller passes
// nullopt for a current image that is untagged or missing from the registry.
std::optional<std::string> v1_missing_time(const V1Pattern& pattern,
                                           std::optional<int64_t> current_created,
                                           const V1Selection& selection);

// ---- Flux v2 -------------------------------------------------------------------------------

struct V2Compiled; // the compiled regular expressions and constraint, defined in flux_v2.cpp

enum class V2Order { asc, desc };

// An ImagePolicy with its ImageRepository's exclusion list, validated and compiled.
struct V2Policy {
  enum class Kind { semver, alphabetical, numerical };
  Kind kind = Kind::semver;
  std::string range;                   // semver
  V2Order order = V2Order::asc;        // alphabetical, numerical
  std::vector<std::string> exclusions; // as applied (the default when none given)
  std::string filter_pattern;          // empty: keep every tag
  std::string extract;                 // empty: the policy sees the tag itself
  std::shared_ptr<const V2Compiled> compiled;
};

// What make_v2_policy reads; exactly one of `semver_range`, `alphabetical`, `numerical` should
// be set (if several are, semver wins, then alphabetical, as Flux's factory does).
struct V2PolicySpec {
  std::optional<std::vector<std::string>> exclusion_list; // nullopt or empty: `^.*\.sig$`
  std::string filter_pattern;
  std::string extract;
  std::optional<std::string> semver_range;
  std::optional<V2Order> alphabetical;
  std::optional<V2Order> numerical;
};

inline constexpr size_t k_max_exclusions = 25;
// An extract template is expanded for every tag: at most this long, with this many `$`.
inline constexpr size_t k_max_extract_size = 1024;
inline constexpr size_t k_max_extract_references = 32;

// Validate and compile `spec`: at most 25 exclusions, each an RE2 that compiles; a filter
// pattern that compiles; a policy kind; a semver range that parses (Masterminds v3.5). Fails
// with `invalid_input` naming the field and the value.
util::Result<V2Policy> make_v2_policy(const V2PolicySpec& spec);

struct V2Selection {
  std::optional<std::string> pick;      // the ORIGINAL tag; none: no match (status no-match)
  std::vector<CandidateReport> explain; // filled only when asked for, in input order
};

// Select as IRC does: drop tags matching an exclusion; keep tags the filter pattern is found in,
// each seen through `extract` (the first tag wins an extracted value); then semver (exactly
// `X.Y.Z`, optional `v`; highest, first wins a tie), alphabetical (byte-wise; asc the greatest,
// desc the smallest) or numerical (Go ParseFloat; asc the maximum, desc the minimum). Fails
// (`invalid_input`) only when a numerical value does not parse.
util::Result<V2Selection>
select_v2(const std::vector<std::string>& tags, const V2Policy& policy, Explain explain);

// Expand `tmpl` as Go's Regexp.Expand does, with `groups[i]` the text of group i (nullopt when
// it did not take part) and `names[i]` its name (empty when unnamed): `$1`, `$name`, `${name}`,
// `$$`; an unknown or unmatched group expands to nothing.
std::string expand_go_template(std::string_view tmpl,
                               const std::vector<std::optional<std::string_view>>& groups,
                               const std::vector<std::string>& names);

// Parse `text` as Go's strconv.ParseFloat(text, 64) does; nullopt when Go returns an error.
std::optional<double> parse_go_float(std::string_view text);

} // namespace argoimg::tag::flux
