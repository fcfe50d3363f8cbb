// SPDX-License-Identifier: Apache-2.0
#include "check_command.hpp"

#include "applications.hpp"
#include "argocd/api_client.hpp"
#include "exit_codes.hpp"
#include "image_requests.hpp"
#include "report.hpp"

#include "util/strings.hpp"

#include <iostream>
#include <unistd.h>

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

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

util::Result<std::vector<app::Application>>
list_server_applications(const CheckOptions& options, registry::HttpTransport& http) {
  argocd::ServerOptions server{
      options.server, options.auth_token, options.insecure, options.plaintext};
  argocd::ListQuery query{options.match_labels, options.project, options.app_namespace};
  return argocd::list_applications(http, server, query);
}

} // namespace

CLI::App* setup_check_command(CLI::App& app,
                              CheckOptions& options,
                              const GlobalOptions& global,
                              int& exit_code) {
  auto* sub = app.add_subcommand("check", k_check_summary);
  sub->footer(k_check_details);
  sub->add_option("paths", options.paths, "Application YAML files or directories");
  sub->add_option("--image", options.images, "Image to resolve, REF[:CONSTRAINT] (repeatable)");
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
  sub->add_option("--update-strategy",
                  options.update_strategy,
                  "For --image: semver, newest-build, alphabetical or digest")
      ->capture_default_str();
  sub->add_option(
      "--allow-tags", options.allow_tags, "For --image: only tags matching 'regexp:<RE2>'");
  sub->add_option("--ignore-tags",
                  options.ignore_tags,
                  "For --image: ignore tags matching these globs, comma-separated (repeatable)");
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
  sub->add_option("--credentials",
                  options.credentials,
                  "For --image: env:VAR, ext:/path, pullsecret:ns/name or secret:ns/name#field");
  sub->add_option("--docker-config",
                  options.docker_config,
                  "Directory with Docker's config.json (default: $DOCKER_CONFIG, else ~/.docker)");
  sub->add_option("--concurrency", options.concurrency, "Repositories queried in parallel")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option(
         "--max-tag-pages", options.max_tag_pages, "Tag-list pages followed per repository")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  sub->add_flag("--explain", options.explain, "List every candidate tag and why it lost");
  sub->add_flag("--exit-code", options.exit_code, "Exit 3 when updates are pending");
  sub->callback([&options, &global, &exit_code] { exit_code = run_check(options, global); });
  return sub;
}

int run_check(const CheckOptions& given, const GlobalOptions& global) {
  CheckOptions options = given;
  if (options.server.empty() && options.paths.empty() && options.images.empty()) {
    options.server = env_or_empty("ARGOCD_SERVER");
  }
  if (!options.server.empty() && options.auth_token.empty()) {
    options.auth_token = env_or_empty("ARGOCD_AUTH_TOKEN");
  }
  if (options.paths.empty() && options.images.empty() && options.server.empty()) {
    print_error("check: nothing to check; give Application files or directories, --server, or "
                "--image REF");
    return k_exit_usage;
  }
  if (!validate_global_options(global)) {
    return k_exit_usage;
  }
  auto images = prepare_image_requests(options);
  auto registries = load_registries(options.registries_conf, options.insecure_registries);
  auto roots = parse_repo_roots(options.repo_roots);
  ApplicationSelection selection{options.match_names, std::nullopt};
  auto labels = app::parse_label_selector(options.match_labels);
  for (const auto* error : {images ? nullptr : &images.error(),
                            registries ? nullptr : &registries.error(),
                            roots ? nullptr : &roots.error(),
                            labels ? nullptr : &labels.error()}) {
    if (error) {
      print_error(error->message);
      return k_exit_usage;
    }
  }
  if (!options.match_labels.empty()) {
    selection.labels = *labels;
  }
  util::Logger logger = make_logger(*util::parse_log_level(global.log_level));
  for (const auto& warning : images->warnings) {
    logger.warn(warning);
  }
  registry::CurlTransport transport(curl_options(global), logger);
  auto client_settings = client_options(global);
  client_settings.max_tag_pages = options.max_tag_pages;
  registry::Client client(transport, logger, client_settings);
  registry::CredentialResolver credentials(
      credential_environment(options.docker_config, global, transport));

  updater::PlanOptions plan;
  plan.resolve.registries = std::move(*registries);
  plan.resolve.credentials = &credentials;
  plan.resolve.explain = options.explain ? tag::Explain::yes : tag::Explain::no;
  plan.resolve.concurrency = options.concurrency;
  if (isatty(STDERR_FILENO)) {
    // Only on a terminal, and only when the run is long enough to be worth watching.
    plan.resolve.progress = [](size_t done, size_t total) {
      if (total >= 20) {
        std::cerr << "\rargoimg: resolving tags: " << done << "/" << total << " repositories"
                  << (done == total ? "\r\033[K" : "") << std::flush;
      }
    };
  }
  plan.argocd_namespace = options.argocd_namespace;
  plan.default_platforms = images->default_platforms;

  ReportInput report;
  report.command = "check";
  report.explain = options.explain;
  report.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  if (!options.paths.empty() || !options.server.empty()) {
    auto documents = read_documents(options.paths, logger);
    if (!options.server.empty()) {
      auto listed = list_server_applications(options, transport);
      if (!listed) {
        print_error(listed.error().message);
        return k_exit_failures;
      }
      std::move(listed->begin(), listed->end(), std::back_inserter(documents.applications));
    }
    auto loaded = configure_applications(std::move(documents), selection, logger);
    for (const auto& error : loaded.file_errors) {
      print_error(error);
    }
    RepoFinder finder(std::move(*roots));
    plan.repo_for = [&finder](const app::Application& a, const app::Source& s) {
      return finder.find(a, s);
    };
    report.applications = updater::plan_applications(loaded.apps, client, plan, logger);
    report.file_errors = std::move(loaded.file_errors);
    for (const auto& application : report.applications) {
      for (const auto& warning : application.warnings) {
        logger.warn(warning);
      }
    }
  }
  if (!options.images.empty()) {
    report.images = resolve_image_requests(*images, client, plan.resolve, logger);
  }
  report.requests = client.requests_per_registry();
  if (global.output == "json") {
    write_json_report(report, std::cout);
  } else {
    write_text_report(report, std::cout);
  }
  ReportCounts counts = count(report);
  if (counts.errors > 0) {
    return k_exit_failures;
  }
  return (options.exit_code && counts.updates > 0) ? k_exit_pending_updates : k_exit_ok;
}

} // namespace argoimg::cmd
