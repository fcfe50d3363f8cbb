// SPDX-License-Identifier: Apache-2.0
#include "gen_model.hpp"

#include "choices.hpp"

#include <map>
#include <stdexcept>

namespace argoimg::cmd::gen {

namespace {

Flag describe_flag(CLI::Option& option) {
  Flag flag;
  for (const auto& name : option.get_snames()) {
    flag.names.push_back("-" + name);
  }
  for (const auto& name : option.get_lnames()) {
    flag.names.push_back("--" + name);
  }
  flag.description = option.get_description();
  if (option.get_items_expected_max() == 0) { // a flag
    return flag;
  }
  flag.default_value = option.get_default_str();
  flag.choices = choices_of(option);
  // The type name --help shows ("INT:INT in [1 - 3600]"), without the validators' parts.
  std::string type = option.get_type_name();
  type = type.substr(0, type.find(':'));
  if (!flag.choices.empty()) {
    flag.value = ValueKind::choice;
    flag.value_name = "{";
    for (const auto& choice : flag.choices) {
      flag.value_name += (flag.value_name.size() > 1 ? "|" : "") + choice;
    }
    flag.value_name += "}";
  } else if (type == "INT" || type == "UINT" || type == "FLOAT") {
    flag.value = ValueKind::number;
    flag.value_name = type;
  } else {
    flag.value = ValueKind::text;
    flag.value_name = type.empty() ? "TEXT" : type;
  }
  return flag;
}

// The flags --help lists: options in a group (an empty group hides one), not positionals.
std::vector<Flag> describe_flags(CLI::App& app, std::string* positional) {
  std::vector<Flag> flags;
  for (CLI::Option* option : app.get_options({})) {
    if (option->get_group().empty()) {
      continue;
    }
    if (!option->nonpositional()) {
      if (positional != nullptr) {
        *positional = option->get_name(true);
      }
      continue;
    }
    flags.push_back(describe_flag(*option));
  }
  return flags;
}

std::string long_name(const Flag& flag) {
  return flag.names.back();
}

bool same_meaning(const Flag& a, const Flag& b) {
  return a.value == b.value && a.choices == b.choices;
}

} // namespace

Model describe(CLI::App& app, const std::string& version) {
  Model model;
  model.name = app.get_name();
  model.version = version;
  model.description = app.get_description();
  model.footer = app.get_footer();
  model.global = describe_flags(app, nullptr);
  for (CLI::App* sub : app.get_subcommands({})) {
    Command command;
    command.name = sub->get_name();
    command.description = sub->get_description();
    command.footer = sub->get_footer();
    command.flags = describe_flags(*sub, &command.positional);
    model.commands.push_back(std::move(command));
  }
  all_flags(model); // throws on a name with two meanings
  return model;
}

std::vector<Flag> all_flags(const Model& model) {
  std::vector<Flag> flags;
  std::map<std::string, size_t> seen;
  auto add = [&](const Flag& flag) {
    auto [it, inserted] = seen.emplace(long_name(flag), flags.size());
    if (inserted) {
      flags.push_back(flag);
    } else if (!same_meaning(flags[it->second], flag)) {
      throw std::runtime_error("flag '" + long_name(flag)
                               + "' takes different values in "
                                 "different commands; the completions cannot tell them apart");
    }
  };
  for (const auto& flag : model.global) {
    add(flag);
  }
  for (const auto& command : model.commands) {
    for (const auto& flag : command.flags) {
      add(flag);
    }
  }
  return flags;
}

std::vector<Flag> flags_of(const Model& model, const Command& command) {
  std::vector<Flag> flags = command.flags;
  for (const auto& global : model.global) {
    bool shadowed = false;
    for (const auto& own : command.flags) {
      shadowed = shadowed || long_name(own) == long_name(global);
    }
    if (!shadowed) {
      flags.push_back(global);
    }
  }
  return flags;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    out += (i == 0 ? "" : separator) + words[i];
  }
  return out;
}

} // namespace argoimg::cmd::gen
