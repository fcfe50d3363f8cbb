// SPDX-License-Identifier: Apache-2.0
#include "evaluate.hpp"

#include "argocd/api_client.hpp"
#include "exit_codes.hpp"
#include "file_io.hpp"
#include "image_requests.hpp"
#include "input_file.hpp"

#include "app/repository.hpp"
#include "git/working_copy.hpp"
#include "tag/glob.hpp"
#include "util/redact.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace argoimg::cmd {

namespace {

// For git remotes a secret without ':' is an access token, sent as the password of user
// "x-access-token" (what GitHub expects; GitLab and Gitea accept any user with a token).
constexpr const char* k_token_user = "x-access-token:";

registry::CredentialResolver git_credential_resolver(const CheckOptions& options,
                                                     const GlobalOptions& global,
                                                     registry::HttpTransport& transport) {
  auto environment = credential_environment(options.docker_config, global, transport);
  auto as_pair = [](std::string text) {
    return util::trim(text).find(':') == std::string_view::npos
               ? k_token_user + std::string(util::trim(text))
               : text;
  };
  environment.getenv = [getenv = environment.getenv, as_pair](const std::string& name) {
    auto value = getenv(name);
    return value ? std::optional<std::string>(as_pair(*value)) : value;
  };
  environment.run = [run = environment.run, as_pair](const std::vector<std::string>& argv,
                                                     const std::string& input,
                                                     std::chrono::milliseconds timeout) {
    auto ran = run(argv, input, timeout);
    if (ran && ran->exit_code == 0) {
      ran->out = as_pair(ran->out);
    }
    return ran;
  };
  return registry::CredentialResolver(std::move(environment));
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

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

} // namespace

std::variant<std::unique_ptr<Evaluation>, int>
evaluate(const CheckOptions& given, const GlobalOptions& global, const std::string& command) {
  auto run = std::make_unique<Evaluation>();
  run->options = given;
  CheckOptions& options = run->options;
  if (options.server.empty() && options.paths.empty() && options.images.empty()) {
    options.server = env_or_empty("ARGOCD_SERVER");
  }
  if (!options.server.empty() && options.auth_token.empty()) {
    options.auth_token = env_or_empty("ARGOCD_AUTH_TOKEN");
  }
  if (!options.auth_token.empty()) {
    util::register_secret(options.auth_token); // redacted from every message from here on
  }
  if (options.paths.empty() && options.images.empty() && options.server.empty()) {
    print_error(command + ": nothing to " + command
                + "; give Application files or directories, --server, or "
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
  auto name_globs = check_name_globs(options.match_names);
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
                            max_file_size ? nullptr : &max_file_size.error()}) {
    if (error) {
      print_error(error->message);
      return k_exit_usage;
    }
  }
  if (!options.match_labels.empty()) {
    selection.labels = *labels;
  }
  run->logger = make_logger(*util::parse_log_level(global.log_level));
  const util::Logger& logger = run->logger;
  for (const auto& warning : images->warnings) {
    logger.warn(warning);
  }
  run->transport = std::make_unique<registry::CurlTransport>(curl_options(global), logger);
  auto& transport = *run->transport;
  auto client_settings = client_options(global);
  client_settings.max_tag_pages = options.max_tag_pages;
  run->client = std::make_unique<registry::Client>(transport, logger, client_settings);
  auto& client = *run->client;
  run->credentials = std::make_unique<registry::CredentialResolver>(
      credential_environment(options.docker_config, global, transport));
  auto& credentials = *run->credentials;
  if (!options.git_credentials.empty()) {
    auto resolved =
        git_credential_resolver(options, global, transport).resolve(options.git_credentials, "git");
    if (!resolved) {
      print_error("--git-credentials: " + resolved.error().message);
      return k_exit_usage;
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

  ReportInput& report = run->report;
  report.command = command;
  report.explain = options.explain;
  report.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  if (!options.paths.empty() || !options.server.empty()) {
    app::LoadLimits limits;
    limits.max_file_size = *max_file_size;
    auto documents = read_documents(options.paths, limits, logger);
    if (!options.server.empty()) {
      auto listed = list_server_applications(options, transport);
      if (!listed) {
        print_error(listed.error().message);
        return k_exit_failures;
      }
      std::move(listed->applications.begin(),
                listed->applications.end(),
                std::back_inserter(documents.applications));
      for (const auto& error : listed->errors) {
        documents.file_errors.push_back(error.message); // counted and reported like a bad file
      }
    }
    auto loaded = configure_applications(std::move(documents), selection, logger);
    for (const auto& error : loaded.file_errors) {
      print_error(error);
    }
    run->finder = std::make_unique<RepoFinder>(std::move(*roots), limits);
    if (options.clone_into) {
      run->finder->set_cloner(
          [root = *options.clone_into, auth = &run->git_auth](const std::string& url,
                                                              const std::string& branch) {
            auto dir = cache_checkout_dir(root, url, branch);
            // Held until the process exits: runs sharing a cache take turns per checkout.
            if (auto locked = lock_for_process(dir + ".lock"); !locked) {
              return util::Result<std::string>(tl::unexpected(locked.error()));
            }
            auto copy = git::prepare_cache_checkout(url, dir, branch, *auth);
            return copy ? util::Result<std::string>(dir) : tl::unexpected(copy.error());
          },
          logger);
    }
    plan.repo_for = [finder = run->finder.get()](const app::Application& a, const app::Source& s) {
      return finder->find(a, s);
    };
    report.applications = updater::plan_applications(loaded.apps, client, plan, logger);
    for (auto& result : report.applications) {
      const auto& failures = run->finder->clone_failures();
      if (auto failed = failures.find(result.name); failed != failures.end()) {
        result.status = "error";
        result.reason = failed->second;
      }
    }
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
  return run;
}

int finish_report(const Evaluation& evaluation, const GlobalOptions& global) {
  if (global.output == "json") {
    write_json_report(evaluation.report, std::cout);
  } else {
    write_text_report(evaluation.report, std::cout);
  }
  ReportCounts counts = count(evaluation.report);
  if (counts.errors > 0) {
    return k_exit_failures;
  }
  return (evaluation.options.exit_code && counts.updates > 0) ? k_exit_pending_updates : k_exit_ok;
}

} // namespace argoimg::cmd
