// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app {

// One requirement of a Kubernetes label selector.
struct LabelRequirement {
  enum class Op { equals, not_equals, in, not_in, exists, does_not_exist };
  std::string key;
  Op op = Op::exists;
  std::vector<std::string> values;
};

// A Kubernetes label selector: every requirement must hold.
struct LabelSelector {
  std::vector<LabelRequirement> requirements;
  bool matches(const std::map<std::string, std::string>& labels) const;
};

// Parse the selector syntax of `kubectl -l`: `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
// `k notin (a,b)`, `k`, `!k`, joined by commas. Fails with `config` naming the bad part.
util::Result<LabelSelector> parse_label_selector(std::string_view text);

// Match an Application name against a glob (`*`, `?`, `[...]`), as AIU's
// --match-application-name does.
bool name_matches(std::string_view pattern, std::string_view name);

} // namespace argoimg::app
