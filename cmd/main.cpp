// SPDX-License-Identifier: Apache-2.0
// argoimg: keep the container image tags of Argo CD applications current.

#include "check_command.hpp"
#include "cli_context.hpp"
#include "commit_command.hpp"
#include "exit_codes.hpp"
#include "update_command.hpp"

#include "util/redact.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#if defined(__SANITIZE_ADDRESS__)
// Debian's libgit2 1.5 leaks a few bytes outside our code, which sanitizer builds suppress:
// PCRE2 match data in git_remote_lookup (its regexp wrapper), and on every ssh connection the
// libssh2 known_hosts list and the strings naming its path. libgit2 has no frame pointers, so
// the leak's stack ends in libgit2.so itself and only the module can be named; every libgit2
// object we create is owned by a unique_ptr (libgit2_detail.hpp), which is what keeps ours
// from leaking.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpcre2-8.so\n"
         "leak:libssh2.so\n"
         "leak:libgit2.so\n";
}
#endif

int main(int argc, char** argv) {
  using namespace argoimg::cmd;
  CLI::App app{"argoimg: keep the container image tags of Argo CD applications current.\n"
               "Reads Argo CD Image Updater annotations; asks registries for tags; reports, "
               "edits or commits the new tags.",
               "argoimg"};
  app.set_version_flag("--version", std::string("argoimg ") + ARGOIMG_VERSION);
  GlobalOptions global;
  app.add_option("-o,--output",
                 global.output,
                 "Result format on stdout: text, json, or plan (check: a saved plan)")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level, "error, warn, info or debug (on stderr)")
      ->capture_default_str();
  app.add_option("--connect-timeout", global.connect_timeout_s, "Seconds to connect to a server")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--timeout",
                 global.timeout_s,
                 "Seconds for one HTTP request, and in all for one repository")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--retries", global.retries, "Retries after 429, 5xx or network errors")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  app.add_option("--kubeconfig",
                 global.kubeconfig,
                 "Kubeconfig for pullsecret:/secret: credentials and Flux secretRefs (default: "
                 "$KUBECONFIG, else the in-cluster service account, else ~/.kube/config)");
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Exit codes: 0 ok; 1 some application or image failed; 2 usage or configuration "
             "error; 3 'check --exit-code' found pending updates.\n"
             "Documentation: docs/cli/*.md");

  int exit_code = k_exit_ok;
  CheckOptions check_options;
  setup_check_command(app, check_options, global, exit_code);
  UpdateOptions update_options;
  setup_update_command(app, update_options, global, exit_code);
  CommitOptions commit_options;
  setup_commit_command(app, commit_options, global, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return k_exit_usage;
  } catch (const std::exception& e) {
    std::cerr << argoimg::util::sanitize_line(std::string("argoimg: internal error: ") + e.what())
              << '\n';
    return k_exit_failures;
  }
  return exit_code;
}
