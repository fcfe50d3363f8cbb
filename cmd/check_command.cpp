// SPDX-License-Identifier: Apache-2.0
#include "check_command.hpp"

#include "choices.hpp"
#include "run/run.hpp"

#include "tag/platform.hpp"

namespace argoimg::cmd {

namespace {

constexpr const char* k_check_summary = "Resolve the newest tags and report what would change";

constexpr const char* k_check_details = R"(Synopsis:
  argoimg check [PATH...] [--image REF[:CONSTRAINT] ...] [flags]

PATH: Argo CD Application / ImageUpdater YAML files or directories (recursive, *.yaml and
*.yml, multi-document, kind: List). Applications with AIU's image-list annotation, or
selected by an ImageUpdater, are checked. The current tag comes from status.summary.images,
else from the spec, else from the write-back target in the source repository (--repo-root,
or the git working copy holding the file when its origin is the repoURL).

--image: REF is [ALIAS=][registry[:port]/]path; the part after the last ':' that is not a
registry port is the constraint (a semver range, or the tag to follow for 'digest').

Examples:
  argoimg check apps/
  argoimg check apps/ --match-application-name 'guestbook-*' -o json
  argoimg check apps/ --repo-root https://github.com/org/gitops=. --exit-code
  argoimg check --image nginx:~1.26 --image 'ghcr.io/org/app:>=1.2 <2' --explain)";

} // namespace

void add_check_flags(CLI::App* sub, CheckOptions& options, bool for_images) {
  sub->add_option("paths", options.paths, "Application YAML files or directories");
  // `update` and `commit` refuse --image (with a hint to use `check`) and ignore the flags
  // that only serve it: there they are accepted but not listed in --help.
  const std::string image_group = for_images ? "Options" : "";
  sub->add_option("--image", options.images, "Image to resolve, REF[:CONSTRAINT] (repeatable)")
      ->group(image_group);
  sub->add_option("--match-application-name",
                  options.match_names,
                  "Only applications whose name matches this glob (repeatable)");
  sub->add_option("--match-application-label",
                  options.match_labels,
                  "Only applications matching this label selector (k=v, k!=v, k in (a,b), !k)");
  sub->add_option("--repo-root",
                  options.repo_roots,
                  "Source repository checked out locally, URL=DIR (repeatable)");
  sub->add_option("--argocd-namespace",
                  options.argocd_namespace,
                  "Argo CD's namespace; apps elsewhere use .argocd-source-<ns>_<app>.yaml")
      ->capture_default_str();
  sub->add_option("--server",
                  options.server,
                  "Argo CD API server to read Applications from (env ARGOCD_SERVER)");
  sub->add_option("--auth-token", options.auth_token, "Argo CD API token (env ARGOCD_AUTH_TOKEN)");
  sub->add_flag("--insecure", options.insecure, "Skip TLS verification of the Argo CD API server");
  sub->add_flag("--plaintext", options.plaintext, "Reach the Argo CD API server over plain HTTP");
  sub->add_option(
      "--app-namespace", options.app_namespace, "Only Applications in this namespace (API)");
  sub->add_option("--project", options.project, "Only Applications of this project (API)");
  sub->add_option("--platforms",
                  options.platforms,
                  "Default platforms for newest-build and digest, os/arch[/variant],... (default: "
                      + tag::host_platform().to_string() + ")");
  sub->add_option("--insecure-registry",
                  options.insecure_registries,
                  "Registry host that may be reached over plain HTTP (repeatable)");
  sub->add_option("--registries-conf",
                  options.registries_conf,
                  "AIU registries.conf: API URLs, prefixes, credentials, limits, CAs");
  sub->add_option("--docker-config",
                  options.docker_config,
                  "Directory with Docker's config.json (default: $DOCKER_CONFIG, else ~/.docker)");
  sub->add_option("--shard",
                  options.shard,
                  "Only this part of the applications, I/N (0 <= I < N), split by the git "
                  "repository they write to");
  sub->add_option("--concurrency",
                  options.concurrency,
                  "Repositories queried in parallel; also the threads, shared by the run, that "
                  "revalidate cached tag pages at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option(
         "--max-tag-pages", options.max_tag_pages, "Tag-list pages followed per repository")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sub->add_option("--max-file-size",
                  options.max_file_size,
                  "Largest YAML file read (Applications, values, kustomizations): bytes or "
                  "KiB/MiB/GiB; also bounds YAML nodes (1 per 8 bytes) and documents (1 per 256)")
      ->capture_default_str();
  sub->add_option("--min-age",
                  options.min_age,
                  "Only tags at least this old (build date, else first seen): 2d, 1d12h, 90m; "
                  "an image's min-age annotation overrides it");
  sub->add_flag("--explain", options.explain, "List every candidate tag and why it lost");
  sub->add_flag("--exit-code", options.exit_code, "Exit 3 when updates are pending");
  with_choices(sub->add_option("--update-strategy",
                               options.update_strategy,
                               "For --image: semver, newest-build, alphabetical or digest")
                   ->capture_default_str()
                   ->group(image_group),
               update_strategies());
  sub->add_option(
         "--allow-tags", options.allow_tags, "For --image: only tags matching 'regexp:<RE2>'")
      ->group(image_group);
  sub->add_option("--ignore-tags",
                  options.ignore_tags,
                  "For --image: ignore tags matching these globs, comma-separated (repeatable)")
      ->group(image_group);
  sub->add_option("--credentials",
                  options.credentials,
                  "For --image: env:VAR, ext:/path, pullsecret:ns/name or secret:ns/name#field")
      ->group(image_group);
}

CLI::App* setup_check_command(CLI::App& app,
                              CheckOptions& options,
                              const GlobalOptions& global,
                              int& exit_code) {
  auto* sub = app.add_subcommand("check", k_check_summary);
  sub->footer(k_check_details);
  add_check_flags(sub, options, true);
  sub->add_option("--plan-out",
                  options.plan_out,
                  "Also write a saved plan of the decided changes to FILE (see -o plan)");
  sub->callback([&options, &global, &exit_code] { exit_code = run_check(options, global); });
  return sub;
}

int run_check(const CheckOptions& options, const GlobalOptions& global) {
  return run_command("check", options, global, [&](run::Effects& effects) {
    auto given = with_globals(options, global);
    given.make_plan = global.output == "plan" || !options.plan_out.empty();
    return run::check(given, effects);
  });
}

} // namespace argoimg::cmd
