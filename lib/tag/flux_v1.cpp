// SPDX-License-Identifier: Apache-2.0
#include "tag/constraint.hpp"
#include "tag/flux.hpp"
#include "util/strings.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace argoimg::tag::flux {

struct V1Compiled {
  std::optional<Constraint> constraint;
  std::unique_ptr<RE2> regexp;
};

namespace {

constexpr std::string_view k_semver_prefix = "semver:";
constexpr std::string_view k_regexp_prefix = "regexp:";
constexpr std::string_view k_regex_prefix = "regex:";
constexpr std::string_view k_glob_prefix = "glob:";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// ryanuber/go-glob v1.0.0 `Glob`, step for step (leftmost match of each inner part).
bool go_glob(std::string_view pattern, std::string_view subject) {
  if (pattern.empty()) {
    return subject.empty();
  }
  if (pattern == "*") {
    return true;
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t star = pattern.find('*'); star != std::string_view::npos;
       star = pattern.find('*', start)) {
    parts.push_back(pattern.substr(start, star - start));
    start = star + 1;
  }
  parts.push_back(pattern.substr(start));
  if (parts.size() == 1) {
    return subject == pattern;
  }
  bool leading = pattern.front() == '*';
  bool trailing = pattern.back() == '*';
  size_t end = parts.size() - 1;
  for (size_t i = 0; i < end; ++i) {
    size_t index = subject.find(parts[i]);
    if (i == 0 ? (!leading && index != 0) : index == std::string_view::npos) {
      return false;
    }
    subject.remove_prefix(index + parts[i].size());
  }
  return trailing
         || subject.substr(subject.size() - std::min(subject.size(), parts[end].size()))
                == parts[end];
}

bool is_latest(std::string_view tag) {
  return tag.size() == 6 && util::to_lower(tag) == "latest";
}

bool keeps_latest(const V1Pattern& pattern) {
  return pattern.kind == V1Pattern::Kind::glob && pattern.expression == "latest";
}

std::string reference(std::string_view image_name, std::string_view tag) {
  return std::string(image_name) + ":" + std::string(tag);
}

// Why `tag` is not a candidate, with its verdict; nullopt when it is one.
std::optional<CandidateReport> rejection(const V1Pattern& pattern, const std::string& tag) {
  if (!is_valid_tag(tag)) {
    return CandidateReport{tag, Verdict::filtered_ignore, "not a valid tag"};
  }
  if (is_latest(tag) && !keeps_latest(pattern)) {
    return CandidateReport{
        tag, Verdict::filtered_ignore, "Flux v1 never picks 'latest' unless the pattern is it"};
  }
  if (pattern.kind == V1Pattern::Kind::semver) {
    auto version = parse_version(tag);
    if (!version) {
      return CandidateReport{tag, Verdict::not_semver, ""};
    }
    auto check = pattern.compiled->constraint->check(*version, PrereleaseRule::per_comparator);
    if (check == ConstraintCheck::prerelease_excluded) {
      return CandidateReport{tag, Verdict::prerelease, "no comparator names a prerelease"};
    }
    if (check == ConstraintCheck::outside) {
      return CandidateReport{tag, Verdict::outside_constraint, pattern.expression};
    }
    return std::nullopt;
  }
  if (!v1_matches(pattern, tag)) {
    return CandidateReport{
        tag, Verdict::filtered_allow, "does not match " + util::quote(pattern.text)};
  }
  return std::nullopt;
}

struct Ranked {
  const V1Candidate* candidate = nullptr;
  std::optional<Version> version; // semver only
  std::string reference;
  size_t report = 0; // its entry in the explain list
};

std::string order_name(const V1Pattern& pattern) {
  switch (pattern.kind) {
  case V1Pattern::Kind::semver:
    return "highest version (Flux v1 semver order)";
  case V1Pattern::Kind::regexp:
    return "newest build (Flux v1 regexp order)";
  case V1Pattern::Kind::glob:
    break;
  }
  return "newest build (Flux v1 glob order)";
}

// Flux v1's sort: true when `a` comes before `b` (NewerBySemver / NewerByCreated).
bool newer(const Ranked& a, const Ranked& b, bool by_semver) {
  if (by_semver) {
    int order = compare_precedence(*a.version, *b.version);
    return order != 0 ? order > 0 : a.reference > b.reference;
  }
  const auto& ta = a.candidate->created;
  const auto& tb = b.candidate->created;
  if (ta != tb) {
    return ta.has_value() && (!tb.has_value() || *ta > *tb);
  }
  return a.reference < b.reference;
}

} // namespace

util::Result<V1Pattern> parse_v1_pattern(std::string_view text) {
  V1Pattern pattern;
  pattern.text = std::string(text);
  auto compiled = std::make_shared<V1Compiled>();
  if (starts_with(text, k_semver_prefix)) {
    pattern.kind = V1Pattern::Kind::semver;
    pattern.expression = std::string(text.substr(k_semver_prefix.size()));
    auto constraint = parse_constraint(pattern.expression);
    if (!constraint) {
      return util::fail(util::ErrorKind::invalid_input,
                        "invalid tag pattern " + util::quote(text) + ": "
                            + constraint.error().message);
    }
    compiled->constraint = std::move(*constraint);
  } else if (starts_with(text, k_regexp_prefix) || starts_with(text, k_regex_prefix)) {
    pattern.kind = V1Pattern::Kind::regexp;
    size_t prefix =
        starts_with(text, k_regexp_prefix) ? k_regexp_prefix.size() : k_regex_prefix.size();
    pattern.expression = std::string(text.substr(prefix));
    RE2::Options options;
    options.set_log_errors(false);
    compiled->regexp = std::make_unique<RE2>(pattern.expression, options);
    if (!compiled->regexp->ok()) {
      return util::fail(util::ErrorKind::invalid_input,
                        "invalid tag pattern " + util::quote(text) + ": "
                            + compiled->regexp->error());
    }
  } else {
    pattern.kind = V1Pattern::Kind::glob;
    std::string_view glob =
        starts_with(text, k_glob_prefix) ? text.substr(k_glob_prefix.size()) : text;
    pattern.expression = std::string(glob);
    return pattern;
  }
  pattern.compiled = std::move(compiled);
  return pattern;
}

bool v1_matches(const V1Pattern& pattern, std::string_view tag) {
  switch (pattern.kind) {
  case V1Pattern::Kind::glob:
    return go_glob(pattern.expression, tag);
  case V1Pattern::Kind::regexp:
    return RE2::PartialMatch(re2::StringPiece(tag.data(), tag.size()), *pattern.compiled->regexp);
  case V1Pattern::Kind::semver: {
    auto version = parse_version(tag);
    return version
           && pattern.compiled->constraint->allows(*version, PrereleaseRule::per_comparator);
  }
  }
  return false;
}

bool v1_needs_times(const V1Pattern& pattern) {
  return pattern.kind != V1Pattern::Kind::semver;
}

std::vector<std::string> v1_candidates(const std::vector<std::string>& tags,
                                       const V1Pattern& pattern) {
  std::vector<std::string> out;
  for (const auto& tag : tags) {
    if (!rejection(pattern, tag)) {
      out.push_back(tag);
    }
  }
  return out;
}

V1Selection select_v1(const std::vector<V1Candidate>& tags,
                      const V1Pattern& pattern,
                      std::string_view image_name,
                      Explain explain) {
  bool by_semver = pattern.kind == V1Pattern::Kind::semver;
  V1Selection selection;
  std::vector<Ranked> ranked;
  for (const auto& candidate : tags) {
    auto rejected = rejection(pattern, candidate.tag);
    if (rejected) {
      if (explain == Explain::yes) {
        selection.explain.push_back(std::move(*rejected));
      }
      continue;
    }
    Ranked entry{
        &candidate, std::nullopt, reference(image_name, candidate.tag), selection.explain.size()};
    if (by_semver) {
      entry.version = parse_version(candidate.tag);
    }
    ranked.push_back(std::move(entry));
    if (explain == Explain::yes) {
      bool untimed = !by_semver && !candidate.created;
      selection.explain.push_back(CandidateReport{
          candidate.tag, Verdict::older, untimed ? "no creation time (sorted last)" : ""});
    }
  }
  if (ranked.empty()) {
    return selection;
  }
  auto best =
      std::min_element(ranked.begin(), ranked.end(), [by_semver](const auto& a, const auto& b) {
        return newer(a, b, by_semver);
      });
  selection.pick = *best->candidate;
  if (explain == Explain::yes) {
    selection.explain[best->report] =
        CandidateReport{best->candidate->tag, Verdict::picked, order_name(pattern)};
  }
  return selection;
}

std::optional<std::string> v1_missing_time(const V1Pattern& pattern,
                                           std::optional<int64_t> current_created,
                                           const V1Selection& selection) {
  if (!v1_needs_times(pattern) || !selection.pick) {
    return std::nullopt;
  }
  if (!current_created) {
    return "the current image has no creation time (Flux v1 skips it for "
           + util::quote(pattern.text) + ")";
  }
  if (!selection.pick->created) {
    return "the pick " + util::quote(selection.pick->tag) + " has no creation time";
  }
  return std::nullopt;
}

} // namespace argoimg::tag::flux
