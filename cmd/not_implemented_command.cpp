// SPDX-License-Identifier: Apache-2.0
#include "not_implemented_command.hpp"

#include "cli_context.hpp"
#include "exit_codes.hpp"

namespace argoimg::cmd {

namespace {

void setup_placeholder(CLI::App& app,
                       const std::string& name,
                       const std::string& description,
                       int& exit_code) {
  auto* sub = app.add_subcommand(name, description);
  sub->allow_extras();
  sub->callback([name, &exit_code] {
    print_error(name.empty() ? "not implemented yet" : "'" + name + "' is not implemented yet");
    exit_code = k_exit_usage;
  });
}

} // namespace

void setup_update_command(CLI::App& app, int& exit_code) {
  setup_placeholder(app,
                    "update",
                    "Resolve like 'check', then write the new tags into local files or the Argo "
                    "CD API.\n\n"
                    "Synopsis: argoimg update [PATH...] [--dry-run]\n"
                    "Status: not implemented yet; exits 2.",
                    exit_code);
}

void setup_commit_command(CLI::App& app, int& exit_code) {
  setup_placeholder(app,
                    "commit",
                    "Resolve like 'check', write the new tags and commit and push them with "
                    "git.\n\n"
                    "Synopsis: argoimg commit [PATH...] [--dry-run] [--no-push]\n"
                    "Status: not implemented yet; exits 2.",
                    exit_code);
}

} // namespace argoimg::cmd
