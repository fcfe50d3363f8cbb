// SPDX-License-Identifier: Apache-2.0
#include "run/evaluate.hpp"

#include "argocd/api_client.hpp"
#include "run/credentials.hpp"
#include "run/image_requests.hpp"
#include "run/input_file.hpp"
#include "run/saved_plan.hpp"
#include "run/shard.hpp"

#include "app/repository.hpp"
#include "git/working_copy.hpp"
#include "registry/rate_limit.hpp"
#include "tag/glob.hpp"
#include "util/redact.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <cctype>
#include <filesystem>

namespace argoimg::run {

namespace {

util::Result<argocd::ApplicationList> list_server_applications(const CheckOptions& options,
                                                               registry::HttpTransport& http) {
  argocd::ServerOptions server{
      options.server, options.auth_token, options.insecure, options.plaintext, {}};
  argocd::ListQuery query{options.match_labels, options.project, options.app_namespace};
  return argocd::list_applications(http, server, query);
}

// A cache checkout's directory: readable (host and path) and unique (a hash of the exact
// URL and branch).
std::string
cache_checkout_dir(const std::string& root, const std::string& url, const std::string& branch) {
  std::string readable;
  for (char c : app::normalize_repo_url(url)) {
    readable += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  if (readable.size() > 80) {
    readable.erase(0, readable.size() - 80);
  }
  std::string hash = util::sha256_hex(url + "\n" + branch).substr(0, 12);
  return (std::filesystem::path(root) / (readable + "-" + hash)).string();
}

// Fail on the first malformed `--match-application-name` glob, naming where it goes wrong.
util::Result<bool> check_name_globs(const std::vector<std::string>& globs) {
  for (const auto& glob : globs) {
    if (auto problem = tag::glob_problem(glob)) {
      return util::fail(util::ErrorKind::config,
                        "--match-application-name " + util::quote(shorten(glob))
                            + ": malformed glob at position " + std::to_string(problem->offset + 1)
                            + ": " + problem->what);
    }
  }
  return true;
}

// --server and --auth-token, else ARGOCD_SERVER (when no other input is given) and
// ARGOCD_AUTH_TOKEN.
void apply_environment(CheckOptions& options, const util::Environment& environment) {
  if (options.server.empty() && options.paths.empty() && options.images.empty()) {
    options.server = environment.get("ARGOCD_SERVER").value_or("");
  }
  if (!options.server.empty() && options.auth_token.empty()) {
    options.auth_token = environment.get("ARGOCD_AUTH_TOKEN").value_or("");
  }
}

} // namespace

std::optional<std::string> missing_input(const CheckOptions& given,
                                         const util::Environment& environment,
                                         const std::string& command) {
  CheckOptions options = given;
  apply_environment(options, environment);
  if (options.paths.empty() && options.images.empty() && options.server.empty()
      && options.plan.empty()) { // a saved plan records its inputs
    return command + ": nothing to " + command
           + "; give Application files or directories, --server, or --image REF";
  }
  if (options.images.empty()) {
    // Applications take these from their annotations: silently ignoring the flag would look
    // like it applied.
    for (auto [flag, given_flag] :
         {std::pair{"--update-strategy", options.update_strategy != "semver"},
          std::pair{"--allow-tags", !options.allow_tags.empty()},
          std::pair{"--ignore-tags", !options.ignore_tags.empty()},
          std::pair{"--credentials", !options.credentials.empty()}}) {
      if (given_flag) {
        return command + ": " + flag
               + " applies to --image only; an Application's images take it from their "
                 "annotations (argocd-image-updater.argoproj.io/<alias>.*)";
      }
    }
  }
  return std::nullopt;
}

std::variant<std::unique_ptr<Evaluation>, Status>
evaluate(const CheckOptions& given, Effects& effects, const std::string& command) {
  auto run = std::make_unique<Evaluation>(effects);
  run->options = given;
  CheckOptions& options = run->options;
  util::Result<SavedPlan> saved = SavedPlan{};
  bool plan_gives_inputs = !options.plan.empty() && options.paths.empty() && options.images.empty();
  if (plan_gives_inputs) { // `update --plan FILE` alone: the planning run's inputs
    saved = read_saved_plan(options.plan);
    if (saved && !saved->inputs) {
      saved = util::fail(util::ErrorKind::config,
                         "--plan " + util::quote(options.plan)
                             + " does not record the planning run's inputs (an older argoimg "
                               "made it); give them again: Application files or directories, "
                               "--repo-root, --server");
    }
    if (!saved) {
      effects.print_error(saved.error().message);
      return Status::usage;
    }
    use_plan_inputs(options, *saved->inputs);
    run->logger.info("--plan " + util::quote(options.plan) + ": the planning run's inputs: "
                     + std::to_string(options.paths.size()) + " paths, "
                     + std::to_string(options.repo_roots.size()) + " repository roots");
  }
  std::string planned_server = plan_gives_inputs ? saved->inputs->server : std::string();
  bool plan_read_server = plan_gives_inputs && (!planned_server.empty() || !saved->api.empty());
  if (plan_read_server && options.server.empty()) {
    // the server is the user's to name (flag or environment), whatever paths the plan gave; a
    // plan of files alone asks no server, ARGOCD_SERVER set or not (as a run given paths)
    options.server = effects.environment.get("ARGOCD_SERVER").value_or("");
  }
  apply_environment(options, effects.environment);
  if (plan_read_server && options.server.empty()) {
    effects.print_error("--plan " + util::quote(options.plan)
                        + ": the plan was made with Applications from the Argo CD API"
                        + (planned_server.empty() ? "" : " at " + util::quote(planned_server))
                        + "; give --server (or ARGOCD_SERVER) and its token again: a plan never "
                          "chooses where a token is sent");
    return Status::usage;
  }
  if (!options.auth_token.empty()) {
    util::register_secret(options.auth_token); // redacted from every message from here on
  }
  if (auto missing = missing_input(options, effects.environment, command)) {
    effects.print_error(*missing);
    return Status::usage;
  }
  auto images = prepare_image_requests(options);
  auto registries = load_registries(options.registries_conf, options.insecure_registries);
  auto roots = parse_repo_roots(options.repo_roots);
  ApplicationSelection selection{options.match_names, std::nullopt};
  auto labels = app::parse_label_selector(options.match_labels);
  auto name_globs = check_name_globs(options.match_names);
  auto shard = options.shard.empty() ? util::Result<Shard>(Shard{}) : parse_shard(options.shard);
  if (shard && !options.shard.empty() && !options.images.empty()) {
    shard = util::fail(util::ErrorKind::config,
                       "--shard partitions applications by their repository; --image requests "
                       "are not sharded (run them without --shard)");
  }
  if (!options.plan.empty() && !plan_gives_inputs) {
    saved = !options.images.empty() ? util::fail(util::ErrorKind::config,
                                                 "--plan applies a saved plan of Applications; "
                                                 "--image has nothing to apply")
                                    : read_saved_plan(options.plan);
  }
  auto max_file_size = parse_byte_size(options.max_file_size);
  if (!max_file_size) {
    max_file_size =
        util::fail(max_file_size.error().kind, "--max-file-size " + max_file_size.error().message);
  }
  for (const auto* error : {images ? nullptr : &images.error(),
                            registries ? nullptr : &registries.error(),
                            roots ? nullptr : &roots.error(),
                            labels ? nullptr : &labels.error(),
                            name_globs ? nullptr : &name_globs.error(),
                            shard ? nullptr : &shard.error(),
                            saved ? nullptr : &saved.error(),
                            max_file_size ? nullptr : &max_file_size.error()}) {
    if (error) {
      effects.print_error(error->message);
      return Status::usage;
    }
  }
  if (!options.match_labels.empty()) {
    selection.labels = *labels;
  }
  const util::Logger& logger = run->logger;
  for (const auto& warning : images->warnings) {
    logger.warn(warning);
  }
  auto& transport = *effects.http;
  run->client =
      std::make_unique<registry::Client>(transport, logger, client_options(options, effects));
  auto& client = *run->client;
  run->credentials =
      std::make_unique<registry::CredentialResolver>(credential_environment(options, effects));
  auto& credentials = *run->credentials;
  if (!options.git_credentials.empty()) {
    auto resolved =
        git_credential_resolver(options, effects).resolve(options.git_credentials, "git");
    if (!resolved) {
      effects.print_error("--git-credentials: " + resolved.error().message);
      return Status::usage;
    }
    run->git_auth.username = resolved->username;
    run->git_auth.password = resolved->password;
  }
  run->git_auth.ssh_key = options.ssh_key;
  run->git_auth.ssh_known_hosts = options.ssh_known_hosts;
  run->git_auth.ssh_skip_host_key_check = options.insecure_ignore_host_key;

  updater::PlanOptions& plan = run->plan;
  plan.resolve.registries = std::move(*registries);
  plan.resolve.credentials = &credentials;
  plan.resolve.explain = options.explain ? tag::Explain::yes : tag::Explain::no;
  plan.resolve.concurrency = options.concurrency;
  plan.resolve.kubernetes_secrets = kubernetes_configured(options, effects);
  if (effects.progress) {
    plan.resolve.progress = [&effects](size_t done, size_t total) {
      effects.progress(Effects::Stage::resolving, done, total);
    };
  }
  plan.argocd_namespace = options.argocd_namespace;
  if (!options.plan.empty()) {
    run->saved_plan = std::make_shared<const SavedPlan>(std::move(*saved));
    plan.preset = preset_from(run->saved_plan);
  }
  plan.default_platforms = images->default_platforms;
  plan.default_min_age_s = images->min_age_s;
  plan.resolve.wall_now = effects.wall_now;
  plan.resolve.first_seen = effects.first_seen;

  ReportInput& report = run->report;
  report.command = command;
  report.explain = options.explain;
  if (!options.paths.empty() || !options.server.empty()) {
    app::LoadLimits limits;
    limits.max_file_size = *max_file_size;
    auto documents =
        read_documents(options.paths, limits, logger, [&effects](size_t done, size_t total) {
          if (effects.progress) {
            effects.progress(Effects::Stage::loading, done, total);
          }
        });
    if (!options.server.empty()) {
      auto listed = list_server_applications(options, transport);
      if (!listed) {
        effects.print_error(listed.error().message);
        return Status::failures;
      }
      std::move(listed->applications.begin(),
                listed->applications.end(),
                std::back_inserter(documents.applications));
      for (const auto& error : listed->errors) {
        documents.file_errors.push_back(error.message); // counted and reported like a bad file
        documents.file_error_files.emplace_back();
      }
    }
    select_flux(documents, options.paths, selection);
    updater::FluxInputs flux = std::move(documents.flux);
    auto loaded = configure_applications(std::move(documents), selection, logger);
    if (!options.shard.empty()) {
      keep_shard(*shard, loaded, loaded.file_error_files, flux);
      report.shard_index = shard->index;
      report.shard_count = shard->count;
    }
    for (const auto& error : loaded.file_errors) {
      effects.print_error(error);
    }
    run->finder = std::make_unique<RepoFinder>(std::move(*roots), limits, effects);
    for (const auto& planned : loaded.apps) {
      if (planned.config) {
        run->finder->set_write_back(planned.application, planned.config->write_back);
      }
    }
    if (options.clone_into) {
      run->finder->set_cloner([root = *options.clone_into, auth = &run->git_auth, &effects](
                                  const std::string& url, const std::string& branch) {
        auto dir = cache_checkout_dir(root, url, branch);
        // Held until the process exits: runs sharing a cache take turns per checkout.
        if (auto locked = effects.lock_for_process(dir + ".lock"); !locked) {
          return util::Result<std::string>(tl::unexpected(locked.error()));
        }
        auto copy = effects.git->prepare_cache_checkout(url, dir, branch, *auth);
        return copy ? util::Result<std::string>(dir) : tl::unexpected(copy.error());
      });
    }
    plan.repo_for = [finder = run->finder.get()](const app::Application& a, const app::Source& s) {
      return finder->find(a, s);
    };
    report.applications = updater::plan_applications(loaded.apps, client, plan, logger);
    for (auto& result : report.applications) {
      const auto& failures = run->finder->clone_failures();
      if (auto failed = failures.find(result.name); failed != failures.end()) {
        result.status = updater::AppStatus::error;
        result.reason = failed->second;
      }
    }
    // With --plan, Flux objects are the plan's (decided and located when it was made); its
    // file hashes refuse the run when a file they write changed since.
    auto planned = run->saved_plan ? flux_from_plan(*run->saved_plan, updater::FluxWriteCheck(flux))
                                   : updater::plan_flux(flux, client, plan, logger);
    run->flux_first = report.applications.size();
    run->flux_writes = std::move(planned.writes);
    for (auto& warning : planned.warnings) {
      logger.warn(warning);
      report.warnings.push_back(std::move(warning));
    }
    std::move(
        planned.results.begin(), planned.results.end(), std::back_inserter(report.applications));
    run->apps = std::move(loaded.apps);
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
  report.cache_hits = client.cache_hits_per_registry();
  report.rate_limits = client.rate_limits();
  report.budget = client.budget();
  for (const auto& [host, budget] : report.rate_limits) {
    logger.info(registry::describe_rate_limit(host, budget));
  }
  return run;
}

Outcome finish(Evaluation& evaluation) {
  ReportCounts counts = count(evaluation.report);
  Outcome outcome;
  outcome.status = counts.errors > 0                                      ? Status::failures
                   : (evaluation.options.exit_code && counts.updates > 0) ? Status::pending_updates
                                                                          : Status::ok;
  outcome.report = std::move(evaluation.report);
  return outcome;
}

} // namespace argoimg::run

namespace argoimg::run {

Outcome check(const CheckOptions& options, Effects& effects) {
  auto evaluated = evaluate(options, effects, "check");
  if (auto* status = std::get_if<Status>(&evaluated)) {
    return {*status, std::nullopt};
  }
  auto& run = *std::get<std::unique_ptr<Evaluation>>(evaluated);
  if (options.make_plan) {
    auto rendered = make_saved_plan(run);
    if (!rendered) {
      effects.print_error(rendered.error().message);
      return {Status::failures, std::nullopt};
    }
    run.report.saved_plan = std::move(*rendered);
  }
  return finish(run);
}

} // namespace argoimg::run
