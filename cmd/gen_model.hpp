// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

// argoimg-gen's view of the command line: what the man page and the shell completions need,
// read from the CLI::App tree that main parses with (cmd/cli.hpp).
namespace argoimg::cmd::gen {

// What a flag's value is, as far as completing it goes.
enum class ValueKind { none, text, number, choice };

struct Flag {
  std::vector<std::string> names; // "-o", "--output": short ones first
  ValueKind value = ValueKind::none;
  std::string value_name;           // "TEXT", "INT", "{text|json}"; "" for a plain flag
  std::vector<std::string> choices; // for ValueKind::choice
  std::string description;
  std::string default_value; // "" when none is shown
};

struct Command {
  std::string name;
  std::string description;
  std::string footer;
  std::vector<Flag> flags; // the ones --help lists, --help included
  std::string positional;  // the positional's name ("paths"), or "" for none
};

struct Model {
  std::string name;
  std::string version;
  std::string description;
  std::string footer;
  std::vector<Flag> global; // the app's own flags, accepted before or after the command
  std::vector<Command> commands;
};

// Read `app` (the program `version`). Flags hidden from --help are left out. Throws
// std::runtime_error when one flag name means two things in different commands, which the
// completions could not tell apart.
Model describe(CLI::App& app, const std::string& version);

// Every flag of `model` once per long name, the global ones first.
std::vector<Flag> all_flags(const Model& model);

// The flags accepted after `command`: its own and the global ones not shadowed by its own.
std::vector<Flag> flags_of(const Model& model, const Command& command);

// The first line of `text`.
std::string first_line(const std::string& text);

// `words` joined by `separator`.
std::string join(const std::vector<std::string>& words, const std::string& separator);

} // namespace argoimg::cmd::gen
