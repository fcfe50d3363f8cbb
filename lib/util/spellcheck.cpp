// SPDX-License-Identifier: Apache-2.0
#include "util/spellcheck.hpp"

#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::util {

namespace {
// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
// transpositions ("gti" -> "git") each cost 1.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}
} // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& known) {
  // A third of the word's length, at least 1 and at most 3 edits: close enough to be a typo,
  // far enough not to suggest nonsense for short words.
  size_t limit = std::clamp<size_t>((word.size() + 2) / 3, 1, 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  std::string lowered = to_lower(word);
  for (const auto& candidate : known) {
    size_t distance = edit_distance(lowered, to_lower(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& known) {
  auto match = closest_match(word, known);
  return match ? " (did you mean " + quote(*match) + "?)" : "";
}

} // namespace argoimg::util
