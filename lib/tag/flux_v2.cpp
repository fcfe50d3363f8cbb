// SPDX-License-Identifier: Apache-2.0
#include "tag/constraint.hpp"
#include "tag/flux.hpp"
#include "util/strings.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace argoimg::tag::flux {

struct V2Compiled {
  std::vector<std::unique_ptr<RE2>> exclusions;
  std::unique_ptr<RE2> filter; // null: keep every tag
  std::vector<std::string> group_names;
  std::optional<Constraint> constraint;
};

namespace {

constexpr std::string_view k_default_exclusion = R"(^.*\.sig$)";

util::Result<std::unique_ptr<RE2>> compile(const std::string& text, std::string_view field) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(text, options);
  if (!re->ok()) {
    return util::fail(util::ErrorKind::invalid_input,
                      "invalid " + std::string(field) + " " + util::quote(text) + ": "
                          + re->error());
  }
  return re;
}

// fluxcd/pkg version.ParseVersion: exactly three dot-separated numeric parts before any
// prerelease or build, an optional `v`; then read loosely like Masterminds NewVersion.
std::optional<Version> parse_three_part_version(std::string_view text) {
  std::string_view core = text.substr(0, 1) == "v" ? text.substr(1) : text;
  core = core.substr(0, core.find_first_of("-+"));
  size_t parts = 1;
  for (size_t i = 0; i < core.size(); ++i) {
    if (core[i] == '.') {
      if (i == 0 || core[i - 1] == '.' || i + 1 == core.size()) {
        return std::nullopt;
      }
      ++parts;
    } else if (core[i] < '0' || core[i] > '9') {
      return std::nullopt;
    }
  }
  if (core.empty() || parts != 3) {
    return std::nullopt;
  }
  return parse_version(text);
}

struct Value {
  std::string tag;   // the original tag
  std::string value; // what the policy sees
};

void note(
    V2Selection& selection, Explain explain, std::string tag, Verdict verdict, std::string detail) {
  if (explain == Explain::yes) {
    selection.explain.push_back(CandidateReport{std::move(tag), verdict, std::move(detail)});
  }
}

// Exclusion, then filterTags with extract; duplicates of an extracted value collapse (first wins).
std::vector<Value> filtered_values(const std::vector<std::string>& tags,
                                   const V2Policy& policy,
                                   V2Selection& selection,
                                   Explain explain) {
  const V2Compiled& compiled = *policy.compiled;
  std::vector<Value> values;
  std::map<std::string, std::string> seen; // extracted value -> first tag
  for (const auto& tag : tags) {
    re2::StringPiece input(tag.data(), tag.size());
    auto excluded = std::find_if(compiled.exclusions.begin(),
                                 compiled.exclusions.end(),
                                 [&](const auto& re) { return RE2::PartialMatch(input, *re); });
    if (excluded != compiled.exclusions.end()) {
      note(selection,
           explain,
           tag,
           Verdict::filtered_ignore,
           "exclusionList " + util::quote((*excluded)->pattern()));
      continue;
    }
    std::string value = tag;
    if (compiled.filter) {
      size_t count = static_cast<size_t>(compiled.filter->NumberOfCapturingGroups()) + 1;
      std::vector<re2::StringPiece> pieces(count);
      if (!compiled.filter->Match(
              input, 0, tag.size(), RE2::UNANCHORED, pieces.data(), static_cast<int>(count))) {
        note(selection,
             explain,
             tag,
             Verdict::filtered_allow,
             "filterTags " + util::quote(policy.filter_pattern));
        continue;
      }
      if (!policy.extract.empty()) {
        std::vector<std::optional<std::string_view>> groups;
        for (const auto& piece : pieces) {
          groups.push_back(piece.data() ? std::optional<std::string_view>(
                               std::string_view(piece.data(), piece.size()))
                                        : std::nullopt);
        }
        value = expand_go_template(policy.extract, groups, compiled.group_names);
      }
    }
    auto [it, inserted] = seen.emplace(value, tag);
    if (!inserted) {
      note(selection,
           explain,
           tag,
           Verdict::older,
           "extracts " + util::quote(value) + " like " + util::quote(it->second));
      continue;
    }
    values.push_back(Value{tag, std::move(value)});
  }
  return values;
}

std::string with_value(const Value& v, std::string_view what) {
  std::string detail(what);
  if (v.value != v.tag) {
    detail += " of " + util::quote(v.value);
  }
  return detail;
}

} // namespace

util::Result<V2Policy> make_v2_policy(const V2PolicySpec& spec) {
  V2Policy policy;
  auto compiled = std::make_shared<V2Compiled>();
  if (spec.exclusion_list && spec.exclusion_list->size() > k_max_exclusions) {
    return util::fail(util::ErrorKind::invalid_input,
                      "exclusionList has " + std::to_string(spec.exclusion_list->size())
                          + " entries, at most " + std::to_string(k_max_exclusions)
                          + " are allowed");
  }
  auto references = static_cast<size_t>(std::count(spec.extract.begin(), spec.extract.end(), '$'));
  if (spec.extract.size() > k_max_extract_size || references > k_max_extract_references) {
    return util::fail(util::ErrorKind::invalid_input,
                      "filterTags extract has " + std::to_string(spec.extract.size())
                          + " characters and " + std::to_string(references)
                          + " references; at most " + std::to_string(k_max_extract_size) + " and "
                          + std::to_string(k_max_extract_references) + " are allowed");
  }
  // Flux treats an empty list like a missing one: the cosign default applies.
  if (spec.exclusion_list && !spec.exclusion_list->empty()) {
    policy.exclusions = *spec.exclusion_list;
  } else {
    policy.exclusions = {std::string(k_default_exclusion)};
  }
  for (const auto& text : policy.exclusions) {
    auto re = compile(text, "exclusionList entry");
    if (!re) {
      return tl::unexpected(re.error());
    }
    compiled->exclusions.push_back(std::move(*re));
  }
  policy.filter_pattern = spec.filter_pattern;
  policy.extract = spec.extract;
  if (!spec.filter_pattern.empty()) {
    auto re = compile(spec.filter_pattern, "filterTags pattern");
    if (!re) {
      return tl::unexpected(re.error());
    }
    compiled->group_names.assign(static_cast<size_t>((*re)->NumberOfCapturingGroups()) + 1, "");
    for (const auto& [name, index] : (*re)->NamedCapturingGroups()) {
      compiled->group_names[static_cast<size_t>(index)] = name;
    }
    compiled->filter = std::move(*re);
  }
  if (spec.semver_range) {
    policy.kind = V2Policy::Kind::semver;
    policy.range = *spec.semver_range;
    if (util::trim(policy.range).empty()) {
      return util::fail(util::ErrorKind::invalid_input, "semver range is empty");
    }
    auto constraint = parse_constraint(policy.range);
    if (!constraint) {
      return util::fail(util::ErrorKind::invalid_input,
                        "invalid semver range " + util::quote(policy.range) + ": "
                            + constraint.error().message);
    }
    compiled->constraint = std::move(*constraint);
  } else if (spec.alphabetical) {
    policy.kind = V2Policy::Kind::alphabetical;
    policy.order = *spec.alphabetical;
  } else if (spec.numerical) {
    policy.kind = V2Policy::Kind::numerical;
    policy.order = *spec.numerical;
  } else {
    return util::fail(util::ErrorKind::invalid_input,
                      "the policy has none of semver, alphabetical or numerical");
  }
  policy.compiled = std::move(compiled);
  return policy;
}

util::Result<V2Selection>
select_v2(const std::vector<std::string>& tags, const V2Policy& policy, Explain explain) {
  V2Selection selection;
  std::vector<Value> values = filtered_values(tags, policy, selection, explain);
  const Value* best = nullptr;
  std::string picked_detail;
  switch (policy.kind) {
  case V2Policy::Kind::semver: {
    std::optional<Version> best_version;
    for (const auto& v : values) {
      auto version = parse_three_part_version(v.value);
      if (!version) {
        note(selection, explain, v.tag, Verdict::not_semver, with_value(v, "not X.Y.Z"));
        continue;
      }
      auto check = policy.compiled->constraint->check(*version);
      if (check != ConstraintCheck::satisfied) {
        bool pre = check == ConstraintCheck::prerelease_excluded;
        note(selection,
             explain,
             v.tag,
             pre ? Verdict::prerelease : Verdict::outside_constraint,
             pre ? "no comparator names a prerelease" : policy.range);
        continue;
      }
      if (!best_version || compare_precedence(*version, *best_version) > 0) {
        best_version = std::move(version);
        best = &v;
      }
    }
    picked_detail = "highest version (Flux v2 semver)";
    break;
  }
  case V2Policy::Kind::alphabetical:
    for (const auto& v : values) {
      bool asc = policy.order == V2Order::asc;
      if (!best || (asc ? v.value >= best->value : v.value <= best->value)) {
        best = &v;
      }
    }
    picked_detail = policy.order == V2Order::asc ? "greatest (Flux v2 alphabetical asc)"
                                                 : "smallest (Flux v2 alphabetical desc)";
    break;
  case V2Policy::Kind::numerical: {
    double best_number = 0;
    for (const auto& v : values) {
      auto number = parse_go_float(v.value);
      if (!number) {
        return util::fail(util::ErrorKind::invalid_input,
                          "numerical policy: " + util::quote(v.value) + " (tag "
                              + util::quote(v.tag) + ") is not a number");
      }
      bool asc = policy.order == V2Order::asc;
      // IRC keeps the later of equal values.
      if (!best || !(asc ? *number < best_number : *number > best_number)) {
        best = &v;
        best_number = *number;
      }
    }
    picked_detail = policy.order == V2Order::asc ? "maximum (Flux v2 numerical asc)"
                                                 : "minimum (Flux v2 numerical desc)";
    break;
  }
  }
  if (best) {
    selection.pick = best->tag;
  }
  if (explain == Explain::yes) {
    // The filter's reports by tag (in order, for a tag listed twice): one lookup per tag.
    std::unordered_map<std::string, std::vector<size_t>> reported;
    for (size_t i = selection.explain.size(); i-- > 0;) {
      reported[selection.explain[i].tag].push_back(i);
    }
    std::vector<CandidateReport> ordered;
    for (const auto& tag : tags) { // input order, one report per tag
      auto it = reported.find(tag);
      if (it != reported.end() && !it->second.empty()) {
        ordered.push_back(std::move(selection.explain[it->second.back()]));
        it->second.pop_back();
      } else if (best && tag == best->tag) {
        ordered.push_back(CandidateReport{tag, Verdict::picked, with_value(*best, picked_detail)});
      } else {
        ordered.push_back(CandidateReport{tag, Verdict::older, ""});
      }
    }
    selection.explain = std::move(ordered);
  }
  return selection;
}

} // namespace argoimg::tag::flux
