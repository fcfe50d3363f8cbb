// SPDX-License-Identifier: Apache-2.0
#include "not_implemented_command.hpp"

#include "cli_context.hpp"
#include "exit_codes.hpp"

namespace argoimg::cmd {

namespace {

void setup_placeholder(CLI::App& app,
                       const std::string& name,
                       const std::string& summary,
                       const std::string& details,
                       int& exit_code) {
  auto* sub = app.add_subcommand(name, summary);
  sub->footer(details);
  sub->allow_extras();
  sub->callback([name, &exit_code] {
    print_error("'" + name + "' is not implemented yet");
    exit_code = k_exit_usage;
  });
}

} // namespace

void setup_commit_command(CLI::App& app, int& exit_code) {
  setup_placeholder(app,
                    "commit",
                    "Resolve and write like 'update', then commit and push (not implemented yet)",
                    "Synopsis:\n"
                    "  argoimg commit [PATH...] [--dry-run] [--no-push]\n\n"
                    "Commits the write-backs with git and pushes them, recomputing the edits on\n"
                    "the new remote tip when a concurrent push wins.\n\n"
                    "Status: not implemented yet; exits 2; nothing is committed or pushed.",
                    exit_code);
}

} // namespace argoimg::cmd
