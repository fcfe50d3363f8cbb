// SPDX-License-Identifier: Apache-2.0
// argoimg: keep the container image tags of Argo CD applications current.

#include "cli.hpp"
#include "exit_codes.hpp"

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
  Cli cli;
  CLI::App& app = cli.app;
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
  return cli.exit_code;
}
