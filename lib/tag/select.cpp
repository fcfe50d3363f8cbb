// SPDX-License-Identifier: Apache-2.0
#include "tag/select.hpp"

#include <algorithm>

namespace argoimg::tag {

namespace {

struct Judged {
  Verdict verdict = Verdict::older; // `older` means: still in the running
  std::string detail;
  std::optional<Version> version;
  std::optional<int64_t> created; // newest-build: the date that counts
};

// Apply the metadata rules of newest-build and digest: platform match, then a date or digest.
void judge_metadata(const TagCandidate& candidate, const TagPolicy& policy, Judged& j) {
  bool dated = policy.strategy == Strategy::newest_build;
  if (!dated && policy.strategy != Strategy::digest) {
    return;
  }
  j.created = candidate.created;
  if (!candidate.builds.empty()) {
    bool any_wanted = false;
    j.created.reset();
    for (const auto& build : candidate.builds) {
      if (!platform_wanted(policy.platforms, build.platform)) {
        continue;
      }
      any_wanted = true;
      if (build.created && (!j.created || *build.created > *j.created)) {
        j.created = build.created;
      }
    }
    if (!any_wanted) {
      j.verdict = Verdict::wrong_platform;
      return;
    }
  }
  if ((dated && !j.created) || (!dated && candidate.digest.empty())) {
    j.verdict = Verdict::no_metadata;
    j.detail = candidate.metadata_problem;
  }
}

// Apply filters and the strategy's own eligibility rule to one tag.
Judged judge(std::string_view tag, const TagPolicy& policy) {
  Judged j;
  if (!policy.allow.matches(tag)) {
    j.verdict = Verdict::filtered_allow;
    j.detail = policy.allow.problem().value_or(policy.allow.text());
    return j;
  }
  if (auto pattern = policy.ignore.match(tag)) {
    j.verdict = Verdict::filtered_ignore;
    j.detail = *pattern;
    return j;
  }
  switch (policy.strategy) {
  case Strategy::semver: {
    j.version = parse_version(tag);
    if (!j.version) {
      j.verdict = Verdict::not_semver;
      return j;
    }
    if (policy.constraint) {
      auto check = policy.constraint->check(*j.version);
      if (check == ConstraintCheck::prerelease_excluded) {
        j.verdict = Verdict::prerelease;
      } else if (check == ConstraintCheck::outside) {
        j.verdict = Verdict::outside_constraint;
        j.detail = policy.constraint->text();
      }
    } else if (!j.version->prerelease.empty()) {
      j.verdict = Verdict::prerelease;
    }
    return j;
  }
  case Strategy::digest:
    if (tag != policy.tracked_tag) {
      j.verdict = Verdict::not_tracked;
    }
    return j;
  case Strategy::newest_build:
  case Strategy::alphabetical:
    return j;
  }
  return j;
}

// True if candidate `a` should win over `b` under `strategy`.
bool better(const TagCandidate& a,
            const Judged& ja,
            const TagCandidate& b,
            const Judged& jb,
            Strategy strategy) {
  switch (strategy) {
  case Strategy::semver:
    return compare_for_sort(*ja.version, *jb.version) > 0;
  case Strategy::newest_build:
    if (*ja.created != *jb.created) {
      return *ja.created > *jb.created;
    }
    return a.name > b.name;
  case Strategy::alphabetical:
  case Strategy::digest:
    return a.name > b.name;
  }
  return false;
}

} // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::picked:
    return "picked";
  case Verdict::filtered_allow:
    return "filtered-allow";
  case Verdict::filtered_ignore:
    return "filtered-ignore";
  case Verdict::not_semver:
    return "not-semver";
  case Verdict::prerelease:
    return "prerelease";
  case Verdict::outside_constraint:
    return "outside-constraint";
  case Verdict::not_tracked:
    return "not-tracked";
  case Verdict::wrong_platform:
    return "wrong-platform";
  case Verdict::no_metadata:
    return "no-metadata";
  case Verdict::too_young:
    return "too-young";
  case Verdict::older:
    return "older";
  }
  return "older";
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) {
    return false;
  }
  auto word = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag.front())) {
    return false;
  }
  return std::all_of(
      tag.begin(), tag.end(), [&word](char c) { return word(c) || c == '.' || c == '-'; });
}

std::vector<std::string> prefilter(const std::vector<std::string>& tags, const TagPolicy& policy) {
  std::vector<std::string> kept;
  for (const auto& tag : tags) {
    if (judge(tag, policy).verdict == Verdict::older) {
      kept.push_back(tag);
    }
  }
  return kept;
}

Selection select_tag(const std::vector<TagCandidate>& candidates,
                     const TagPolicy& policy,
                     Explain explain,
                     const AgeRule* age) {
  Selection selection;
  std::optional<size_t> best;
  Judged best_judged;
  std::vector<Judged> judged;
  if (explain == Explain::yes) {
    judged.reserve(candidates.size());
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto& candidate = candidates[i];
    Judged j = judge(candidate.name, policy);
    if (j.verdict == Verdict::older) {
      judge_metadata(candidate, policy, j);
    }
    if (j.verdict == Verdict::older && age != nullptr) {
      if (auto young = too_young(candidate.name, j.created, *age)) {
        j.verdict = Verdict::too_young;
        j.detail = std::move(young->detail);
        ++selection.too_young;
        if (young->eligible_at
            && (!selection.next_eligible || *young->eligible_at < *selection.next_eligible)) {
          selection.next_eligible = young->eligible_at;
        }
      }
    }
    if (j.verdict == Verdict::older
        && (!best || better(candidate, j, candidates[*best], best_judged, policy.strategy))) {
      best = i;
      best_judged = j;
    }
    if (explain == Explain::yes) {
      judged.push_back(std::move(j));
    }
  }
  if (best) {
    selection.pick = candidates[*best];
  }
  if (explain == Explain::yes) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      Verdict verdict = (best && i == *best) ? Verdict::picked : judged[i].verdict;
      selection.explain.push_back({candidates[i].name, verdict, std::move(judged[i].detail)});
    }
  }
  return selection;
}

} // namespace argoimg::tag
