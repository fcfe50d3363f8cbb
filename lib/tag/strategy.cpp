// SPDX-License-Identifier: Apache-2.0
#include "tag/strategy.hpp"

#include "util/spellcheck.hpp"
#include "util/strings.hpp"

namespace argoimg::tag {

util::Result<ParsedStrategy> parse_strategy(std::string_view text) {
  std::string name = util::to_lower(util::trim(text));
  if (name == "semver") {
    return ParsedStrategy{Strategy::semver, std::nullopt};
  }
  if (name == "newest-build") {
    return ParsedStrategy{Strategy::newest_build, std::nullopt};
  }
  if (name == "alphabetical") {
    return ParsedStrategy{Strategy::alphabetical, std::nullopt};
  }
  if (name == "digest") {
    return ParsedStrategy{Strategy::digest, std::nullopt};
  }
  if (name == "latest") {
    return ParsedStrategy{Strategy::newest_build,
                          "update strategy 'latest' is deprecated, use 'newest-build'"};
  }
  if (name == "name") {
    return ParsedStrategy{Strategy::alphabetical,
                          "update strategy 'name' is deprecated, use 'alphabetical'"};
  }
  static const std::vector<std::string> known = {
      "semver", "newest-build", "alphabetical", "digest", "latest", "name"};
  return util::fail(util::ErrorKind::config,
                    "unknown update strategy " + util::quote(text)
                        + util::did_you_mean(name, known));
}

std::string_view to_string(Strategy strategy) {
  switch (strategy) {
  case Strategy::semver:
    return "semver";
  case Strategy::newest_build:
    return "newest-build";
  case Strategy::alphabetical:
    return "alphabetical";
  case Strategy::digest:
    return "digest";
  }
  return "semver";
}

} // namespace argoimg::tag
