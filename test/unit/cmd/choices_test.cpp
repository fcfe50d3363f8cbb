// SPDX-License-Identifier: Apache-2.0
#include "choices.hpp"
#include "cli.hpp"
#include "forge/forge.hpp"
#include "run/pull_request.hpp"

#include "git/signing.hpp"
#include "tag/strategy.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg;

TEST_CASE("every choice the CLI offers is one the run accepts", "[cmd]") {
  for (const auto& level : cmd::log_levels()) {
    CHECK(util::parse_log_level(level).has_value());
  }
  for (const auto& name : cmd::update_strategies()) {
    auto parsed = tag::parse_strategy(name);
    REQUIRE(parsed.has_value());
    CHECK_FALSE(parsed->warning.has_value()); // only canonical names are offered
  }
  for (const auto& mode : cmd::pr_modes()) {
    run::PullRequestOptions options;
    options.mode = mode;
    CHECK(run::head_branch_template(options).has_value());
  }
  for (const auto& forge : cmd::forges()) {
    CHECK(forge::parse_kind(forge).has_value());
  }
  for (const auto& method : cmd::signing_methods()) {
    CHECK(git::parse_signing_method(method).has_value());
  }
}

TEST_CASE("the enum flags carry their choices for --help and argoimg-gen", "[cmd]") {
  cmd::Cli cli;
  auto choices = [&](const std::string& command, const std::string& flag) {
    CLI::App* app = command.empty() ? &cli.app : cli.app.get_subcommand(command);
    return cmd::choices_of(*app->get_option(flag));
  };
  CHECK(choices("", "--output") == cmd::output_formats());
  CHECK(choices("", "--log-level") == cmd::log_levels());
  CHECK(choices("check", "--update-strategy") == cmd::update_strategies());
  CHECK(choices("commit", "--pr-mode") == cmd::pr_modes());
  CHECK(choices("commit", "--forge") == cmd::forges());
  CHECK(choices("commit", "--signing-method") == cmd::signing_methods());
  CHECK(choices("check", "--server").empty());
  CHECK(cli.app.get_option("--output")->get_type_name() == "TEXT:{text,json,plan}");
}

TEST_CASE("a value outside the choices still parses, for the run's own error", "[cmd]") {
  cmd::Cli cli;
  cli.app.get_subcommand("check")->callback([] {}); // parse only, run nothing
  CHECK_NOTHROW(cli.app.parse("check --update-strategy x -o jsn", false));
  CHECK(cli.global.output == "jsn");
  CHECK(cli.check.update_strategy == "x");
}
