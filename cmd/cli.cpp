// SPDX-License-Identifier: Apache-2.0
#include "cli.hpp"

#include "choices.hpp"

namespace argoimg::cmd {

Cli::Cli()
    : app("argoimg: keep the container image tags of Argo CD applications current.\n"
          "Reads Argo CD Image Updater annotations; asks registries for tags; reports, "
          "edits or commits the new tags.",
          "argoimg") {
  app.set_version_flag("--version", std::string("argoimg ") + ARGOIMG_VERSION);
  with_choices(app.add_option("-o,--output",
                              global.output,
                              "Result format on stdout: text, json, or plan (check: a saved plan)")
                   ->capture_default_str(),
               output_formats());
  with_choices(app.add_option("--log-level",
                              global.log_level,
                              "error, warn, info or debug (on "
                              "stderr)")
                   ->capture_default_str(),
               log_levels());
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
  app.add_option("--cache-dir",
                 global.cache_dir,
                 "Persistent cache of manifests, configs and tag lists (default: "
                 "$XDG_CACHE_HOME/argoimg/http, else ~/.cache/argoimg/http)");
  app.add_option("--cache-max-size",
                 global.cache_max_size,
                 "Bound of the cache directory; least recently used entries go first "
                 "(bytes, or KiB, MiB, GiB)")
      ->capture_default_str();
  app.add_flag("--no-cache", global.no_cache, "Neither read nor write the persistent cache");
  app.add_option("--cache-ttl",
                 global.cache_ttl,
                 "Trust cached tag lists younger than this without asking the registry (a "
                 "duration: 10m, 1h, 1d; 0 revalidates every run)")
      ->capture_default_str();
  app.add_option("--max-requests",
                 global.max_requests,
                 "At most this many registry requests go to the network; images they cannot "
                 "resolve whole are skipped (cached answers cost nothing)")
      ->check(CLI::Range(0L, 1'000'000'000L));
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Exit codes: 0 ok; 1 some application or image failed; 2 usage or configuration "
             "error; 3 'check --exit-code' found pending updates.\n"
             "Documentation: docs/cli/*.md");
  setup_check_command(app, check, global, exit_code);
  setup_update_command(app, update, global, exit_code);
  setup_commit_command(app, commit, global, exit_code);
}

} // namespace argoimg::cmd
