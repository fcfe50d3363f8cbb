// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tag/version.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::tag {

// One comparison such as `>=1.2`, `~1.2.x` or `^0.3`, as Masterminds semver v3 reads it.
struct Comparator {
  enum class Op { equal, not_equal, greater, less, greater_equal, less_equal, tilde, caret };
  Op op = Op::equal;
  Version version;          // the bound, wildcards replaced by 0
  bool dirty = false;       // some part was a wildcard or missing
  bool minor_dirty = false; // the minor part was a wildcard or missing
  bool patch_dirty = false; // the patch part was a wildcard or missing
};

// Why a version does not satisfy a constraint.
enum class ConstraintCheck { satisfied, prerelease_excluded, outside };

// Which comparators may accept a prerelease version. Masterminds v3.2+ (AIU, Flux v2) lets a
// whole AND-group accept one when any comparator in it names a prerelease; v3.1.1 (Flux v1)
// lets each comparator accept one only when that comparator itself names a prerelease.
enum class PrereleaseRule { per_and_group, per_comparator };

// A full Masterminds v3 constraint: OR-groups (`||`) of AND-ed comparators (space or comma).
class Constraint {
public:
  // Return true if `version` satisfies at least one OR-group. A prerelease version can only
  // satisfy a group that names a prerelease in one of its comparators (or, per comparator,
  // only comparators that name one).
  bool allows(const Version& version, PrereleaseRule rule = PrereleaseRule::per_and_group) const {
    return check(version, rule) == ConstraintCheck::satisfied;
  }

  // Like `allows`, but say why a version is rejected.
  ConstraintCheck check(const Version& version,
                        PrereleaseRule rule = PrereleaseRule::per_and_group) const;

  const std::string& text() const { return m_text; }

  friend util::Result<Constraint> parse_constraint(std::string_view text);

private:
  std::vector<std::vector<Comparator>> m_groups;
  std::vector<bool> m_group_has_prerelease;
  std::string m_text;
};

// Parse `text` in the complete Masterminds v3 language: `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`,
// `=<`, `~`, `~>`, `^`, bare versions, wildcards `x`/`X`/`*`, hyphen ranges `1.2 - 1.4.5`, AND by
// space or comma, OR by `||`, an optional `v`. Fails with `invalid_input` naming the bad part.
util::Result<Constraint> parse_constraint(std::string_view text);

} // namespace argoimg::tag
