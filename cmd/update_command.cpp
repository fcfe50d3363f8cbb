// SPDX-License-Identifier: Apache-2.0
#include "update_command.hpp"

#include "run/run.hpp"

namespace argoimg::cmd {

namespace {

constexpr const char* k_update_details = R"(Synopsis:
  argoimg update [PATH...] [--server URL] [--dry-run] [flags of check]

Resolves like 'check', then writes each application's new tags where its write-back method
puts them: the Application manifest itself (write-back-method argocd, read from a file), the
git write-back target in the source repository on disk (.argocd-source-<app>.yaml, a
kustomization, a Helm values file; see --repo-root), or the Argo CD API (applications read
with --server). Only the changed scalars' bytes change; every edit is re-parsed and checked
before anything is written, and files are replaced atomically.

Examples:
  argoimg update apps/ --dry-run
  argoimg update apps/ --repo-root https://github.com/org/gitops.git=.
  argoimg update --server argocd.example.com --auth-token "$TOKEN" --match-application-name web)";

} // namespace

CLI::App* setup_update_command(CLI::App& app,
                               UpdateOptions& options,
                               const GlobalOptions& global,
                               int& exit_code) {
  auto* sub = app.add_subcommand("update", "Resolve like 'check', then write the new tags");
  sub->footer(k_update_details);
  add_check_flags(sub, options.check, false);
  sub->add_flag(
      "--dry-run", options.dry_run, "Print a unified diff of what would change; write nothing");
  sub->add_option("--plan",
                  options.check.plan,
                  "Apply this saved plan (check -o plan) exactly, asking no registry; refuse "
                  "if anything changed since");
  sub->callback([&options, &global, &exit_code] {
    exit_code = run_command("update", options.check, global, [&](run::Effects& effects) {
      UpdateOptions given = options;
      given.check = with_globals(options.check, global);
      return run::update(given, effects);
    });
  });
  return sub;
}

} // namespace argoimg::cmd
