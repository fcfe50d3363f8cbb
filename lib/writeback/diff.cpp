// SPDX-License-Identifier: Apache-2.0
#include "writeback/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace argoimg::writeback {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op { keep, remove, add };

// Myers' O((N+M)D) shortest edit script, returned as one Op per output line.
std::vector<Op> edit_script(const std::vector<std::string_view>& a,
                            const std::vector<std::string_view>& b) {
  const long n = static_cast<long>(a.size());
  const long m = static_cast<long>(b.size());
  const long max = n + m;
  std::vector<long> v(static_cast<size_t>(2 * max + 2), 0);
  std::vector<std::vector<long>> trace;
  for (long d = 0; d <= max; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      auto at = [&](long kk) -> long& { return v[static_cast<size_t>(kk + max)]; };
      long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
      long y = x - k;
      while (x < n && y < m && a[static_cast<size_t>(x)] == b[static_cast<size_t>(y)]) {
        ++x;
        ++y;
      }
      at(k) = x;
      if (x >= n && y >= m) {
        std::vector<Op> ops;
        for (long dd = d; dd > 0; --dd) {
          const auto& vv = trace[static_cast<size_t>(dd)];
          auto prev_at = [&](long kk) { return vv[static_cast<size_t>(kk + max)]; };
          long kk = x - y;
          long prev_k =
              (kk == -dd || (kk != dd && prev_at(kk - 1) < prev_at(kk + 1))) ? kk + 1 : kk - 1;
          long prev_x = prev_at(prev_k);
          long prev_y = prev_x - prev_k;
          while (x > prev_x && y > prev_y) {
            ops.push_back(Op::keep);
            --x;
            --y;
          }
          ops.push_back(x == prev_x ? Op::add : Op::remove);
          x = prev_x;
          y = prev_y;
        }
        while (x > 0 && y > 0) {
          ops.push_back(Op::keep);
          --x;
          --y;
        }
        std::reverse(ops.begin(), ops.end());
        return ops;
      }
    }
  }
  return {};
}

// For big files (a List of thousands of Applications): Myers keeps O(D) arrays of O(N+M) per
// step, far too much there. Our edits are scattered replacements and insertions between long
// equal runs, so walk both files and, at each difference, resynchronise at the nearest pair of
// positions (fewest lines skipped) where `k_sync` lines agree; the skipped lines are removed
// and added. Linear for such edits; the result is a correct, not always minimal, script.
std::vector<Op> resync_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  constexpr size_t k_sync = 3;
  constexpr size_t k_window = 400;
  auto agree = [&](size_t i, size_t j) {
    for (size_t t = 0; t < k_sync; ++t) {
      bool a_end = i + t >= a.size();
      bool b_end = j + t >= b.size();
      if (a_end || b_end) {
        return a_end && b_end;
      }
      if (a[i + t] != b[j + t]) {
        return false;
      }
    }
    return true;
  };
  std::vector<Op> ops;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      ops.push_back(Op::keep);
      ++i;
      ++j;
      continue;
    }
    size_t skip_a = a.size() - i;
    size_t skip_b = b.size() - j; // no resync: the rest is removed and added
    bool found = false;
    for (size_t sum = 1; sum <= 2 * k_window && !found; ++sum) {
      for (size_t da = 0; da <= sum && !found; ++da) {
        size_t db = sum - da;
        if (i + da <= a.size() && j + db <= b.size() && da <= k_window && db <= k_window
            && agree(i + da, j + db)) {
          skip_a = da;
          skip_b = db;
          found = true;
        }
      }
    }
    ops.insert(ops.end(), skip_a, Op::remove);
    ops.insert(ops.end(), skip_b, Op::add);
    i += skip_a;
    j += skip_b;
  }
  return ops;
}

std::string show(std::string_view line) {
  if (!line.empty() && line.back() == '\n') {
    return std::string(line);
  }
  return std::string(line) + "\n\\ No newline at end of file\n";
}

} // namespace

std::string
unified_diff(std::string_view path, std::string_view before, std::string_view after, bool created) {
  if (before == after && !created) {
    return {};
  }
  auto a = lines_of(before);
  auto b = lines_of(after);
  auto ops = a.size() + b.size() <= 4000 ? edit_script(a, b) : resync_script(a, b);
  std::string out =
      fmt::format("--- {}\n+++ b/{}\n", created ? "/dev/null" : "a/" + std::string(path), path);
  constexpr size_t context = 3;
  size_t i = 0;
  size_t counted = 0; // ops before `counted` are counted in a_line / b_line
  size_t a_line = 0;
  size_t b_line = 0;
  while (i < ops.size()) {
    if (ops[i] == Op::keep) {
      ++i;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` after the last nearby one.
    size_t start = i >= context ? i - context : 0;
    size_t end = i;
    size_t keeps = 0;
    while (end < ops.size() && keeps <= 2 * context) {
      keeps = ops[end] == Op::keep ? keeps + 1 : 0;
      ++end;
    }
    end = std::min(ops.size(), end - (keeps > context ? keeps - context : 0));
    for (; counted < start; ++counted) {
      a_line += ops[counted] != Op::add;
      b_line += ops[counted] != Op::remove;
    }
    size_t a_count = 0;
    size_t b_count = 0;
    std::string body;
    size_t ai = a_line;
    size_t bi = b_line;
    for (size_t j = start; j < end; ++j) {
      if (ops[j] == Op::keep) {
        body += " " + show(a[ai++]);
        ++bi;
        ++a_count;
        ++b_count;
      } else if (ops[j] == Op::remove) {
        body += "-" + show(a[ai++]);
        ++a_count;
      } else {
        body += "+" + show(b[bi++]);
        ++b_count;
      }
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n",
                       a_count ? a_line + 1 : a_line,
                       a_count,
                       b_count ? b_line + 1 : b_line,
                       b_count);
    out += body;
    i = end;
  }
  return out;
}

} // namespace argoimg::writeback
