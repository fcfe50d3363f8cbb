// SPDX-License-Identifier: Apache-2.0
// Reading configuration files (issue 12): never more than a cap, never blocked for ever by a
// FIFO, a directory or socket refused, the path named in every error.

#include "util/bounded_file.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace argoimg;
using namespace std::chrono_literals;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string name = (std::filesystem::temp_directory_path() / "argoimg-bounded-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

} // namespace

TEST_CASE("bounded reads: a regular file up to the cap, the cap named above it", "[util]") {
  TempDir dir;
  auto file = (dir.path / "conf").string();
  std::ofstream(file) << "registries: []\n";
  auto text = util::read_file_bounded(file, 1024);
  REQUIRE(text);
  CHECK(*text == "registries: []\n");

  auto small = util::read_file_bounded(file, 4, "raise it with --flag");
  REQUIRE_FALSE(small);
  CHECK(small.error().kind == util::ErrorKind::invalid_input);
  CHECK_THAT(small.error().message,
             Catch::Contains("the file has 15 bytes, more than the limit of 4 bytes; raise it "
                             "with --flag"));
  CHECK_THAT(small.error().message, Catch::Contains(file));
}

TEST_CASE("bounded reads: /dev/zero stops at the cap", "[util]") {
  auto zero = util::read_file_bounded("/dev/zero", 1 << 20);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().kind == util::ErrorKind::invalid_input);
  CHECK_THAT(zero.error().message, Catch::Contains("holds more than the limit of 1048576 bytes"));
}

TEST_CASE("bounded reads: a FIFO nobody writes to fails after the wait", "[util]") {
  TempDir dir;
  auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto started = std::chrono::steady_clock::now();
  auto text = util::read_file_bounded(fifo, 1024, "", 300ms);
  REQUIRE_FALSE(text);
  CHECK(text.error().kind == util::ErrorKind::io);
  CHECK_THAT(text.error().message, Catch::Contains("a FIFO nobody writes to"));
  CHECK(std::chrono::steady_clock::now() - started < 20s);
}

TEST_CASE("bounded reads: a FIFO with a writer is read to its end", "[util]") {
  TempDir dir;
  auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&fifo] {
    std::this_thread::sleep_for(50ms);
    std::ofstream(fifo) << "from a pipe\n";
  });
  auto text = util::read_file_bounded(fifo, 1024, "", 10s);
  writer.join();
  REQUIRE(text);
  CHECK(*text == "from a pipe\n");
}

TEST_CASE("bounded reads: missing, directories and sockets", "[util]") {
  TempDir dir;
  auto missing = util::read_file_bounded((dir.path / "nope").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::not_found);

  auto directory = util::read_file_bounded(dir.path.string());
  REQUIRE_FALSE(directory);
  CHECK_THAT(directory.error().message, Catch::Contains("it is a directory"));

  CHECK_FALSE(util::require_regular_file(dir.path.string()));
  auto fifo = (dir.path / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto regular = util::require_regular_file(fifo);
  REQUIRE_FALSE(regular);
  CHECK_THAT(regular.error().message, Catch::Contains("not a regular file"));
  auto file = (dir.path / "ca.pem").string();
  std::ofstream(file) << "pem";
  CHECK(util::require_regular_file(file));
}
