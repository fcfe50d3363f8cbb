// SPDX-License-Identifier: Apache-2.0
#include "check_command.hpp"

#include "exit_codes.hpp"
#include "report.hpp"

#include "registry/curl_transport.hpp"
#include "registry/registries_conf.hpp"
#include "tag/platform.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace argoimg::cmd {

namespace {

constexpr const char* k_check_summary =
    "Resolve the newest tag of images and report what would change";

constexpr const char* k_check_details = R"(Synopsis:
  argoimg check --image REF[:CONSTRAINT] [--image ...] [flags]
  argoimg check [PATH...]            (Application files: not implemented yet)

REF is [registry[:port]/]path, optionally prefixed by ALIAS=. The part after the image's last
':' that is not a registry port is the constraint: a semver range for 'semver', the tag to
follow for 'digest'. Each --image is one element and is never split at ',' (so a constraint may
use ',' for AND).

Examples:
  argoimg check --image nginx:~1.26
  argoimg check --image 'registry.example.com:5000/team/app:>=1.2 <2' -o json
  argoimg check --image ghcr.io/org/tool --update-strategy newest-build --platforms linux/arm64
  argoimg check --image web=nginx:1.x --explain)";

// Build one request from an --image value and the shared policy flags.
util::Result<updater::ImageRequest> make_request(const std::string& text,
                                                 const CheckOptions& options,
                                                 const tag::ParsedStrategy& strategy,
                                                 const std::vector<tag::Platform>& platforms) {
  auto entry = image::parse_image_list_entry(text);
  if (!entry) {
    return tl::unexpected(entry.error());
  }
  updater::ImageRequest request;
  request.entry = std::move(*entry);
  request.policy.strategy = strategy.strategy;
  request.policy.allow = tag::parse_allow_tags(options.allow_tags);
  for (const auto& value : options.ignore_tags) {
    auto parsed = tag::parse_ignore_tags(value);
    request.policy.ignore.patterns.insert(
        request.policy.ignore.patterns.end(), parsed.patterns.begin(), parsed.patterns.end());
  }
  request.policy.platforms = platforms;
  if (!options.credentials.empty()) {
    request.pull_secret = options.credentials;
  }
  if (request.entry.constraint) {
    if (strategy.strategy == tag::Strategy::semver) {
      auto constraint = tag::parse_constraint(*request.entry.constraint);
      if (!constraint) {
        return util::fail(constraint.error().kind,
                          "image " + util::quote(text) + ": " + constraint.error().message);
      }
      request.policy.constraint = std::move(*constraint);
    } else if (strategy.strategy == tag::Strategy::digest) {
      request.policy.tracked_tag = *request.entry.constraint;
    }
  }
  return request;
}

int exit_code_for(const std::vector<updater::ImageResult>& images, bool pending_matters) {
  auto has = [&images](updater::ImageStatus status) {
    return std::any_of(images.begin(), images.end(), [status](const auto& image) {
      return image.status == status;
    });
  };
  if (has(updater::ImageStatus::error)) {
    return k_exit_failures;
  }
  return (pending_matters && has(updater::ImageStatus::update)) ? k_exit_pending_updates
                                                                : k_exit_ok;
}

updater::ImageResult error_result(const std::string& text, const util::Error& error) {
  updater::ImageResult result;
  result.image = text;
  result.status = updater::ImageStatus::error;
  result.reason = error.message;
  return result;
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
  sub->add_option("--update-strategy",
                  options.update_strategy,
                  "semver, newest-build, alphabetical or digest")
      ->capture_default_str();
  sub->add_option("--allow-tags", options.allow_tags, "Only consider tags matching 'regexp:<RE2>'");
  sub->add_option("--ignore-tags",
                  options.ignore_tags,
                  "Ignore tags matching these globs, comma-separated (repeatable)");
  sub->add_option("--platforms",
                  options.platforms,
                  "Platforms for newest-build and digest, os/arch[/variant],... (default: "
                      + tag::host_platform().to_string() + ")");
  sub->add_option("--insecure-registry",
                  options.insecure_registries,
                  "Registry host that may be reached over plain HTTP (repeatable); loopback "
                  "registries always may");
  sub->add_option("--registries-conf",
                  options.registries_conf,
                  "AIU registries.conf: API URLs, prefixes, credentials, limits, CAs");
  sub->add_option("--credentials",
                  options.credentials,
                  "Credentials for every --image: env:VAR, ext:/path, pullsecret:ns/name or "
                  "secret:ns/name#field");
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

int run_check(const CheckOptions& options, const GlobalOptions& global) {
  if (!options.paths.empty()) {
    print_error("check: loading applications from " + util::quote(options.paths.front())
                + " is not implemented yet; use --image");
    return k_exit_usage;
  }
  if (options.images.empty()) {
    print_error("check: nothing to check; give --image REF (Application files are not "
                "supported yet)");
    return k_exit_usage;
  }
  if (!validate_global_options(global)) {
    return k_exit_usage;
  }
  auto strategy = tag::parse_strategy(options.update_strategy);
  if (!strategy) {
    print_error("--update-strategy: " + strategy.error().message);
    return k_exit_usage;
  }
  std::vector<tag::Platform> platforms = {tag::host_platform()};
  if (!options.platforms.empty()) {
    auto parsed = tag::parse_platforms(options.platforms);
    if (!parsed) {
      print_error("--platforms: " + parsed.error().message);
      return k_exit_usage;
    }
    platforms = std::move(*parsed);
  }
  updater::ResolveOptions resolve_options;
  auto registries = load_registries(options.registries_conf, options.insecure_registries);
  if (!registries) {
    print_error(registries.error().message);
    return k_exit_usage;
  }
  resolve_options.registries = std::move(*registries);
  util::Logger logger = make_logger(*util::parse_log_level(global.log_level));
  if (strategy->warning) {
    logger.warn(*strategy->warning);
  }

  std::vector<updater::ImageRequest> requests;
  std::vector<std::optional<updater::ImageResult>> early(options.images.size());
  for (size_t i = 0; i < options.images.size(); ++i) {
    auto request = make_request(options.images[i], options, *strategy, platforms);
    if (!request) {
      print_error(request.error().message);
      early[i] = error_result(options.images[i], request.error());
      continue;
    }
    requests.push_back(std::move(*request));
  }

  registry::CurlTransport transport(curl_options(global), logger);
  auto client_settings = client_options(global);
  client_settings.max_tag_pages = options.max_tag_pages;
  registry::Client client(transport, logger, client_settings);
  registry::CredentialResolver credentials(
      credential_environment(options.docker_config, global, transport));
  resolve_options.credentials = &credentials;
  resolve_options.explain = options.explain ? tag::Explain::yes : tag::Explain::no;
  resolve_options.concurrency = options.concurrency;
  auto resolved = updater::resolve_images(requests, client, resolve_options, logger);

  ReportInput report;
  report.command = "check";
  report.explain = options.explain;
  report.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  for (size_t i = 0, next = 0; i < options.images.size(); ++i) {
    report.images.push_back(early[i] ? std::move(*early[i]) : std::move(resolved[next++]));
  }
  report.requests = client.requests_per_registry();
  if (global.output == "json") {
    write_json_report(report, std::cout);
  } else {
    write_text_report(report, std::cout);
  }
  return exit_code_for(report.images, options.exit_code);
}

} // namespace argoimg::cmd
