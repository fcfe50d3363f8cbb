// SPDX-License-Identifier: Apache-2.0
#include "choices.hpp"

#include "tag/strategy.hpp"

namespace argoimg::cmd {

namespace {

constexpr const char* k_validator_name = "choices";

} // namespace

std::vector<std::string> output_formats() {
  return {"text", "json", "plan"};
}

std::vector<std::string> log_levels() {
  return {"error", "warn", "info", "debug"};
}

std::vector<std::string> update_strategies() {
  std::vector<std::string> names;
  for (auto strategy : {tag::Strategy::semver,
                        tag::Strategy::newest_build,
                        tag::Strategy::alphabetical,
                        tag::Strategy::digest}) {
    names.emplace_back(tag::to_string(strategy));
  }
  return names;
}

std::vector<std::string> pr_modes() {
  return {"upsert", "aiu"};
}

std::vector<std::string> forges() {
  return {"github", "gitlab", "gitea"};
}

std::vector<std::string> signing_methods() {
  return {"openpgp", "ssh"};
}

CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& values) {
  std::string description = "{";
  for (const auto& value : values) {
    description += (description.size() > 1 ? "," : "") + value;
  }
  description += "}";
  // Accepts everything: CLI11's IsMember would reject with its own words and without the
  // deprecated aliases the run still takes (update strategy 'latest').
  CLI::Validator validator(
      [](const std::string&) { return std::string(); }, description, k_validator_name);
  return option->check(validator);
}

std::vector<std::string> choices_of(CLI::Option& option) {
  CLI::Validator* validator = nullptr;
  try {
    validator = option.get_validator(k_validator_name);
  } catch (const CLI::OptionNotFound&) {
    return {};
  }
  std::string text = validator->get_description();
  std::vector<std::string> values;
  std::string current;
  for (char c : text.substr(1, text.size() - 2)) {
    if (c == ',') {
      values.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  values.push_back(current);
  return values;
}

} // namespace argoimg::cmd
