// SPDX-License-Identifier: Apache-2.0
// --plan-out: the plan file is written whole, beside its path, never through a planted file.
#include "cli_context.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "argoimg-plan-out-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() {
    std::error_code error;
    fs::remove_all(path, error);
  }
};

} // namespace

TEST_CASE("the plan file never writes through a file planted at its temporary name",
          "[cmd][plan]") {
  TempDir dir;
  auto victim = dir.path / "victim";
  std::ofstream(victim) << "precious\n";
  auto plan = dir.path / "plan.json";
  // The name the previous version wrote to first: `path.tmp-PID`, predictable in a shared dir.
  fs::create_symlink(victim, plan.string() + ".tmp-" + std::to_string(::getpid()));
  auto written = argoimg::cmd::write_plan_file(plan.string(), "{\"kind\": \"argoimg.plan\"}\n");
  REQUIRE(written);
  CHECK(slurp(victim) == "precious\n");
  CHECK(slurp(plan) == "{\"kind\": \"argoimg.plan\"}\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path)) {
    ++entries;
  }
  CHECK(entries == 3); // victim, the planted link, the plan: no temporary file left
}

TEST_CASE("a plan file on a directory or in a missing one fails and leaves nothing",
          "[cmd][plan]") {
  TempDir dir;
  fs::create_directory(dir.path / "plan.json");
  auto into_directory = argoimg::cmd::write_plan_file((dir.path / "plan.json").string(), "{}\n");
  REQUIRE_FALSE(into_directory);
  CHECK(into_directory.error().message.find("cannot replace it") != std::string::npos);
  auto missing = argoimg::cmd::write_plan_file((dir.path / "no" / "plan.json").string(), "{}\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot create a file beside it") != std::string::npos);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path)) {
    ++entries;
  }
  CHECK(entries == 1);
}
