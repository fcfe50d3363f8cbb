// SPDX-License-Identifier: Apache-2.0
// Issue 17: min-age's first-seen store (registry/first_seen.hpp).
#include "registry/first_seen.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

using namespace argoimg::registry;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path()
           / ("argoimg-seen-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("first-seen: format round trip, corrupt files refused", "[registry]") {
  const std::string repo = "https://r.example/team/app";
  SeenTimes seen{{"1.0.0", 100}, {"latest", 200}};
  auto text = encode_first_seen(seen, repo);
  std::string lines = "100 1.0.0\n200 latest\n";
  CHECK(text
        == "argoimg-first-seen 3\nrepository " + repo + "\nsha256 "
               + argoimg::util::sha256_hex(lines) + "\n" + lines);
  CHECK(decode_first_seen(text, repo) == std::optional<SeenTimes>(seen));
  CHECK(decode_first_seen(encode_first_seen({}, repo), repo)
        == std::optional<SeenTimes>(SeenTimes{}));
  // another repository's file copied over this one's name
  CHECK_FALSE(decode_first_seen(text, "https://r.example/team/other"));
  // one digit flipped: the tag would look older than it is
  std::string flipped = text;
  flipped[flipped.rfind("100 1.0.0")] = '0';
  CHECK_FALSE(decode_first_seen(flipped, repo));
  auto with_lines = [&repo](const std::string& body) {
    return "argoimg-first-seen 3\nrepository " + repo + "\nsha256 "
           + argoimg::util::sha256_hex(body) + "\n" + body;
  };
  for (const std::string& bad : {std::string(""),
                                 std::string("argoimg-first-seen 1\n1 a\n"),
                                 std::string("argoimg-first-seen 2\nrepository ") + repo
                                     + "\nsha256 " + argoimg::util::sha256_hex("1 a\n") + "\n1 a\n",
                                 text.substr(0, text.size() - 1),
                                 with_lines("100 1.0.0"),
                                 with_lines("x 1.0.0\n"),
                                 with_lines("100\n"),
                                 with_lines("100 a b\n"),
                                 // before the epoch a tag would look old enough for any min-age;
                                 // past year 9999 the time would overflow adding a min-age to it
                                 with_lines("-5 1.0.0\n"),
                                 with_lines("9223372036854775807 1.0.0\n")}) {
    INFO(bad);
    CHECK_FALSE(decode_first_seen(bad, repo));
  }
}

TEST_CASE("first-seen: merge keeps earlier times and bounds the size", "[registry]") {
  SeenTimes stored{{"a", 10}, {"gone", 20}, {"old-gone", 5}};
  // a tag no longer listed is forgotten: pushed again, it waits its min-age again
  auto merged = merge_first_seen(stored, {"a", "b"}, 100);
  CHECK(merged == SeenTimes{{"a", 10}, {"b", 100}});
  CHECK(merge_first_seen(merged, {"a", "b", "gone"}, 300)
        == SeenTimes{{"a", 10}, {"b", 100}, {"gone", 300}});
  // over the bound, the longest known go first: the new tag keeps its time and can age
  CHECK(merge_first_seen(stored, {"a", "b"}, 100, 1) == SeenTimes{{"b", 100}});
  auto next = merge_first_seen(SeenTimes{{"b", 100}}, {"a", "b"}, 200, 1);
  CHECK(next == SeenTimes{{"a", 200}}); // "a" starts over: younger, never wrongly old
  CHECK(merge_first_seen({}, {"x", "y"}, 100, 1).size() == 1);
  CHECK(first_seen_file_name("https://r.example/team/app").size() == 64);
  CHECK(first_seen_file_name("https://r.example/team/app")
        != first_seen_file_name("http://r.example/team/app"));
}

TEST_CASE("first-seen: the store records, keeps and repairs", "[registry]") {
  TempDir dir;
  std::vector<std::string> warnings;
  auto warn = [&warnings](const std::string& message) { warnings.push_back(message); };
  std::string seen_dir = (dir.path / "seen").string();
  const std::string repo = "https://r.example/team/app";
  {
    DiskFirstSeen store(seen_dir, warn);
    CHECK(store.observe(repo, {"1.0.0"}, 100) == SeenTimes{{"1.0.0", 100}});
    CHECK(store.observe(repo, {"1.0.0", "1.1.0"}, 200)
          == SeenTimes{{"1.0.0", 100}, {"1.1.0", 200}});
  }
  auto file = std::filesystem::path(seen_dir) / first_seen_file_name(repo);
  CHECK(slurp(file) == encode_first_seen({{"1.0.0", 100}, {"1.1.0", 200}}, repo));
  CHECK((std::filesystem::status(seen_dir).permissions() & std::filesystem::perms::all)
        == std::filesystem::perms::owner_all);
  {
    // a later run (another store) sees the earlier times; only listed tags are returned
    DiskFirstSeen store(seen_dir, warn);
    CHECK(store.observe(repo, {"1.1.0"}, 300) == SeenTimes{{"1.1.0", 200}});
    CHECK(store.observe("https://r.example/other", {"1.1.0"}, 300) == SeenTimes{{"1.1.0", 300}});
  }
  CHECK(warnings.empty());
  std::ofstream(file) << "garbage";
  {
    DiskFirstSeen store(seen_dir, warn);
    CHECK(store.observe(repo, {"1.0.0"}, 400) == SeenTimes{{"1.0.0", 400}});
  }
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("is corrupt; it is rewritten") != std::string::npos);
  CHECK(slurp(file) == encode_first_seen({{"1.0.0", 400}}, repo));
}

TEST_CASE("first-seen: concurrent observers lose no entry", "[registry]") {
  // Every observer lists the same tag at its own, later and later, time: the first time
  // recorded must be the one every observer gets back; a lost update would record a later one.
  TempDir dir;
  std::string seen_dir = (dir.path / "seen").string();
  const std::string repo = "https://r.example/team/app";
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<int64_t> returned;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      DiskFirstSeen store(seen_dir, [](const std::string&) {});
      for (int i = 0; i < 20; ++i) {
        auto times = store.observe(repo, {"x"}, 1000 + t * 100 + i);
        std::lock_guard lock(mutex);
        returned.insert(times.at("x"));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(returned.size() == 1);
  auto decoded =
      decode_first_seen(slurp(std::filesystem::path(seen_dir) / first_seen_file_name(repo)), repo);
  REQUIRE(decoded);
  CHECK(*decoded == SeenTimes{{"x", *returned.begin()}});
}

TEST_CASE("first-seen: an unwritable directory keeps times in memory, one warning", "[registry]") {
  TempDir dir;
  std::ofstream(dir.path / "file") << "x";
  std::vector<std::string> warnings;
  DiskFirstSeen store((dir.path / "file" / "seen").string(),
                      [&warnings](const std::string& message) { warnings.push_back(message); });
  CHECK(store.observe("https://r.example/a", {"1"}, 50) == SeenTimes{{"1", 50}});
  CHECK(store.observe("https://r.example/a", {"1"}, 60) == SeenTimes{{"1", 60}});
  CHECK(warnings.size() == 1);
}

TEST_CASE("first-seen: the store stays in the directory it was given open, not its path",
          "[registry]") {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path / "checked");
  fs::create_directories(dir.path / "elsewhere");
  fs::create_directory_symlink(dir.path / "checked", dir.path / "cache");
  auto opened = std::make_shared<const argoimg::util::Fd>(
      ::open((dir.path / "cache").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(opened->valid());
  DiskFirstSeen store((dir.path / "cache" / "seen").string(), opened, [](const std::string&) {});
  // The link is pointed elsewhere after the cache directory was checked and opened.
  fs::remove(dir.path / "cache");
  fs::create_directory_symlink(dir.path / "elsewhere", dir.path / "cache");
  const std::string repo = "https://r.example/team/app";
  CHECK(store.observe(repo, {"1.0.0"}, 100) == SeenTimes{{"1.0.0", 100}});
  CHECK(fs::exists(dir.path / "checked" / "seen" / first_seen_file_name(repo)));
  CHECK_FALSE(fs::exists(dir.path / "elsewhere" / "seen"));
}
