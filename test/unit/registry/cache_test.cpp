// SPDX-License-Identifier: Apache-2.0
// Issue 17: the persistent cache of content read by digest (registry/cache.hpp).
#include "registry/cache.hpp"
#include "util/fd.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <map>
#include <mutex>
#include <pwd.h>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>

using namespace argoimg;
using namespace argoimg::registry;

namespace {

const std::string k_config = R"({"created":"2024-01-01T00:00:00Z"})";
const std::string k_config_digest = "sha256:" + util::sha256_hex(k_config);
const std::string k_blob_url = "https://reg.example.com/v2/team/app/blobs/" + k_config_digest;
const std::string k_manifest = R"({"schemaVersion":2})";
const std::string k_manifest_digest = "sha256:" + util::sha256_hex(k_manifest);
const std::string k_manifest_url =
    "https://reg.example.com/v2/team/app/manifests/" + k_manifest_digest;

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

HttpResponse ok(const std::string& body, const std::string& type = "application/json") {
  return HttpResponse{200, {{"content-type", type}, {"docker-content-digest", "x"}}, body};
}

// An inner transport answering each URL from a map, counting calls; thread-safe.
class FakeInner : public HttpTransport {
public:
  util::Result<HttpResponse> send(const HttpRequest& request) override {
    ++calls;
    std::lock_guard<std::mutex> guard(mutex);
    seen.push_back(request);
    if (auto it = answers.find(request.url); it != answers.end()) {
      return it->second;
    }
    return HttpResponse{404, {}, "{}"};
  }
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::map<std::string, HttpResponse> answers;
  std::vector<HttpRequest> seen;
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device device;
    path = std::filesystem::temp_directory_path()
           / ("argoimg-cache-test-" + std::to_string(device()) + std::to_string(device()));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// What a file of `bytes` costs the disk in `dir`'s filesystem (the bound counts allocated
// blocks): measured, since block sizes differ between filesystems.
uint64_t disk_cost(const std::filesystem::path& dir, size_t bytes) {
  auto probe = dir / "probe-file";
  std::ofstream(probe) << std::string(bytes, 'p');
  struct stat st {};
  REQUIRE(::stat(probe.c_str(), &st) == 0);
  std::filesystem::remove(probe);
  return std::max(static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_blocks) * 512);
}

std::vector<std::filesystem::path> entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().size() == 64) {
      out.push_back(entry.path());
    }
  }
  return out;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

util::Logger quiet() {
  return util::Logger(util::LogLevel::error, [](util::LogLevel, const std::string&) {});
}

} // namespace

TEST_CASE("cache: only GETs by sha256 digest of manifests and blobs qualify", "[cache]") {
  CHECK(cacheable_digest(get(k_blob_url)) == k_config_digest);
  CHECK(cacheable_digest(get(k_manifest_url)) == k_manifest_digest);
  CHECK_FALSE(cacheable_digest(get("https://reg.example.com/v2/team/app/manifests/1.2.3")));
  CHECK_FALSE(cacheable_digest(get("https://reg.example.com/v2/team/app/tags/list")));
  CHECK_FALSE(cacheable_digest(get(k_blob_url + "?sig=abc")));
  CHECK_FALSE(cacheable_digest(get("https://reg.example.com/v2/blobs/" + k_config_digest)));
  CHECK_FALSE(cacheable_digest(get("https://reg.example.com/v2/team/app/blobs/sha256:abc")));
  CHECK_FALSE(cacheable_digest(
      get("https://reg.example.com/v2/team/app/blobs/sha512:" + std::string(128, 'a'))));
  auto head = get(k_manifest_url);
  head.method = "HEAD";
  CHECK_FALSE(cacheable_digest(head));
  auto post = get(k_blob_url);
  post.method = "POST";
  post.body = "x";
  CHECK_FALSE(cacheable_digest(post));
}

TEST_CASE("cache: keys hash scheme, host, path and a manifest's Accept, nothing else", "[cache]") {
  auto plain = get(k_blob_url);
  auto authorized = get(k_blob_url);
  authorized.headers.emplace_back("Authorization", "Bearer secret");
  CHECK(cache_key(plain) == cache_key(authorized));
  CHECK(cache_key(plain).size() == 64);
  CHECK(cache_key(plain)
        != cache_key(get("http://reg.example.com/v2/team/app/blobs/" + k_config_digest)));
  CHECK(cache_key(plain)
        != cache_key(get("https://other.example.com/v2/team/app/blobs/" + k_config_digest)));
  CHECK(cache_key(plain)
        == cache_key(get("https://REG.example.com/v2/team/app/blobs/" + k_config_digest)));
  auto index = get(k_manifest_url);
  index.headers.emplace_back("Accept", "application/vnd.oci.image.index.v1+json");
  auto single = get(k_manifest_url);
  single.headers.emplace_back("Accept", "application/vnd.oci.image.manifest.v1+json");
  CHECK(cache_key(index) != cache_key(single));
}

TEST_CASE("cache: entries round-trip and refuse anything not whole and verified", "[cache]") {
  const std::string key = cache_key(get(k_blob_url));
  auto entry = encode_cache_entry(
      ok(k_config, "application/vnd.oci.image.config.v1+json"), k_config_digest, key);
  REQUIRE(entry);
  auto decoded = decode_cache_entry(*entry, k_config_digest, key);
  REQUIRE(decoded);
  CHECK(decoded->status == 200);
  CHECK(decoded->body == k_config);
  CHECK(decoded->header("content-type") == "application/vnd.oci.image.config.v1+json");
  CHECK(decoded->header("docker-content-digest") == "x");

  SECTION("non-200 and mismatching bodies are never encoded") {
    CHECK_FALSE(encode_cache_entry(HttpResponse{404, {}, k_config}, k_config_digest, key));
    CHECK_FALSE(encode_cache_entry(ok("other"), k_config_digest, key));
  }
  SECTION("a truncated entry") {
    CHECK_FALSE(decode_cache_entry(entry->substr(0, entry->size() - 1), k_config_digest, key));
    CHECK_FALSE(decode_cache_entry(entry->substr(0, 10), k_config_digest, key));
    CHECK_FALSE(decode_cache_entry("", k_config_digest, key));
  }
  SECTION("a flipped byte of the body") {
    std::string bad = *entry;
    bad.back() = bad.back() == '}' ? ']' : '}';
    CHECK_FALSE(decode_cache_entry(bad, k_config_digest, key));
  }
  SECTION("another format version, the one before included") {
    for (const char* version : {" 1\n", " 3\n"}) {
      std::string other = *entry;
      other.replace(other.find(" 2\n"), 3, version);
      CHECK_FALSE(decode_cache_entry(other, k_config_digest, key));
    }
  }
  SECTION("another digest") {
    CHECK_FALSE(decode_cache_entry(*entry, k_manifest_digest, key));
  }
  SECTION("an entry moved to another name answers nothing there") {
    // Same digest, another repository (or another Accept): the content would verify, but the
    // entry was stored for another question.
    CHECK_FALSE(decode_cache_entry(
        *entry,
        k_config_digest,
        cache_key(get("https://reg.example.com/v2/other/app/blobs/" + k_config_digest))));
    CHECK_FALSE(decode_cache_entry(*entry, k_config_digest, ""));
  }
  SECTION("a header line breaking the format is dropped, not stored") {
    auto response = ok(k_config);
    response.headers.emplace_back("content-type", "x");
    response.headers[0].second = "a\nbody 0";
    auto forged = encode_cache_entry(response, k_config_digest, key);
    REQUIRE(forged);
    CHECK(forged->find("a\nbody 0") == std::string::npos);
    CHECK(decode_cache_entry(*forged, k_config_digest, key));
    CHECK_FALSE(encode_cache_entry(response, k_config_digest, "a\nbody 0"));
  }
}

TEST_CASE("cache: eviction takes the least recently used first, down to the bound", "[cache]") {
  std::vector<CacheFile> files = {{"c", 40, 300}, {"a", 40, 100}, {"b", 40, 200}, {"d", 40, 400}};
  CHECK(choose_evictions(files, 160).empty());
  CHECK(choose_evictions(files, 159) == std::vector<std::string>{"a"});
  CHECK(choose_evictions(files, 80) == std::vector<std::string>{"a", "b"});
  CHECK(choose_evictions(files, 0) == std::vector<std::string>{"a", "b", "c", "d"});
  // equal times: by name, so that two evicting runs agree
  CHECK(choose_evictions({{"y", 10, 5}, {"x", 10, 5}}, 10) == std::vector<std::string>{"x"});
}

TEST_CASE("cache: the transport serves hits without asking, and stores only what qualifies",
          "[cache]") {
  TempDir dir;
  FakeInner inner;
  inner.answers[k_blob_url] = ok(k_config);
  inner.answers[k_manifest_url] = ok(k_manifest, "application/vnd.oci.image.manifest.v1+json");
  auto logger = quiet();
  auto cache = DiskCache::open(dir.path.string(), k_default_cache_max_bytes);
  REQUIRE(cache);
  CachingTransport transport(inner, *cache, logger);

  SECTION("a hit is served without a request, a second transport shares the directory") {
    auto request = get(k_blob_url);
    request.headers.emplace_back("Authorization", "Bearer s3cret-token");
    auto first = transport.send(request);
    REQUIRE(first);
    CHECK(first->body == k_config);
    CHECK(inner.calls == 1);
    auto second = transport.send(get(k_blob_url));
    REQUIRE(second);
    CHECK(second->body == k_config);
    CHECK(second->header("content-type") == "application/json");
    CHECK(inner.calls == 1);
    CHECK(transport.hits() == 1);
    auto files = entries(dir.path);
    REQUIRE(files.size() == 1);
    // the request's headers never reach the disk
    CHECK(slurp(files[0]).find("s3cret-token") == std::string::npos);
    CHECK(slurp(files[0]).find("Authorization") == std::string::npos);
    FakeInner other;
    CachingTransport next_run(other, *DiskCache::open(dir.path.string(), 1 << 20), logger);
    REQUIRE(next_run.send(get(k_blob_url)));
    CHECK(other.calls == 0);
  }
  SECTION("a manifest is cached per Accept header") {
    auto request = get(k_manifest_url);
    request.headers.emplace_back("Accept", "application/vnd.oci.image.manifest.v1+json");
    REQUIRE(transport.send(request));
    REQUIRE(transport.send(request));
    CHECK(inner.calls == 1);
    auto other = get(k_manifest_url);
    other.headers.emplace_back("Accept", "application/vnd.docker.distribution.manifest.v2+json");
    auto answer = transport.send(other);
    REQUIRE(answer);
    CHECK(answer->header("content-type") == "application/vnd.oci.image.manifest.v1+json");
    CHECK(inner.calls == 2);
  }
  SECTION("non-200 answers, tags and bodies not matching the digest are not stored") {
    inner.answers.erase(k_blob_url);
    CHECK(transport.send(get(k_blob_url))->status == 404);
    CHECK(transport.send(get(k_blob_url))->status == 404);
    CHECK(inner.calls == 2);
    std::string by_tag = "https://reg.example.com/v2/team/app/manifests/1.0";
    inner.answers[by_tag] = ok(k_manifest);
    transport.send(get(by_tag));
    transport.send(get(by_tag));
    CHECK(inner.calls == 4);
    inner.answers[k_manifest_url] = ok("tampered");
    CHECK(transport.send(get(k_manifest_url))->body == "tampered"); // the client refuses it
    CHECK(transport.send(get(k_manifest_url))->body == "tampered");
    CHECK(inner.calls == 6);
    CHECK(entries(dir.path).empty());
  }
  SECTION("a request with a body passes through") {
    auto post = get(k_blob_url);
    post.method = "POST";
    post.body = "grant_type=refresh_token";
    transport.send(post);
    transport.send(post);
    CHECK(inner.calls == 2);
    CHECK(entries(dir.path).empty());
  }
  SECTION("a corrupt or swapped entry is deleted and refetched, never served") {
    REQUIRE(transport.send(get(k_blob_url)));
    auto files = entries(dir.path);
    REQUIRE(files.size() == 1);
    auto whole = slurp(files[0]);
    SECTION("truncated") {
      std::filesystem::resize_file(files[0], whole.size() - 3);
    }
    SECTION("body changed, length kept") {
      std::string bad = whole;
      bad[bad.size() - 2] = 'X';
      std::ofstream(files[0], std::ios::binary | std::ios::trunc) << bad;
    }
    SECTION("garbage") {
      std::ofstream(files[0], std::ios::binary | std::ios::trunc) << "not an entry";
    }
    auto again = transport.send(get(k_blob_url));
    REQUIRE(again);
    CHECK(again->body == k_config);
    CHECK(inner.calls == 2);
    CHECK(slurp(files[0]) == whole); // rewritten whole
    REQUIRE(transport.send(get(k_blob_url)));
    CHECK(inner.calls == 2);
  }
  SECTION("a body larger than the request's limit is fetched, not served") {
    REQUIRE(transport.send(get(k_blob_url)));
    auto small = get(k_blob_url);
    small.max_body = 4;
    transport.send(small);
    CHECK(inner.calls == 2);
  }
}

TEST_CASE("cache: the directory stays within its bound, oldest use evicted first", "[cache]") {
  TempDir dir;
  FakeInner inner;
  std::vector<std::string> urls;
  for (size_t i = 0; i < 6; ++i) {
    std::string body = std::string(1000, static_cast<char>(size_t{97} + i));
    std::string url = "https://reg.example.com/v2/team/app/blobs/sha256:" + util::sha256_hex(body);
    inner.answers[url] = ok(body);
    urls.push_back(url);
  }
  auto logger = quiet();
  std::filesystem::create_directories(dir.path);
  uint64_t entry = disk_cost(dir.path, 1247); // each entry is 1,247 bytes: one block or more
  uint64_t bound = 3 * entry + entry / 2;     // three entries fit, four do not
  auto cache = DiskCache::open(dir.path.string(), bound);
  REQUIRE(cache);
  {
    CachingTransport transport(inner, *cache, logger);
    for (size_t i = 0; i < 3; ++i) {
      REQUIRE(transport.send(get(urls[i])));
      std::this_thread::sleep_for(std::chrono::milliseconds(20)); // distinct mtimes
    }
    REQUIRE(transport.send(get(urls[0]))); // a hit: 0 is now the most recent
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(transport.send(get(urls[3]))); // over the bound: 1 goes
    CHECK(inner.calls == 4);
  }
  CHECK(entries(dir.path).size() == 3);
  FakeInner counting;
  for (auto& [url, answer] : inner.answers) {
    counting.answers[url] = answer;
  }
  CachingTransport later(counting, *DiskCache::open(dir.path.string(), bound), logger);
  REQUIRE(later.send(get(urls[0])));
  REQUIRE(later.send(get(urls[2])));
  REQUIRE(later.send(get(urls[3])));
  CHECK(counting.calls == 0);
  REQUIRE(later.send(get(urls[1])));
  CHECK(counting.calls == 1);
}

TEST_CASE("cache: concurrent writers of one entry leave a valid entry", "[cache]") {
  TempDir dir;
  FakeInner inner;
  inner.answers[k_blob_url] = ok(k_config);
  auto logger = quiet();
  auto cache = DiskCache::open(dir.path.string(), k_default_cache_max_bytes);
  REQUIRE(cache);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      CachingTransport transport(inner, *cache, logger);
      for (int i = 0; i < 20; ++i) {
        auto response = transport.send(get(k_blob_url));
        if (!response || response->body != k_config) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(wrong == 0);
  auto files = entries(dir.path);
  REQUIRE(files.size() == 1);
  CHECK(decode_cache_entry(slurp(files[0]), k_config_digest, cache_key(get(k_blob_url))));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    CHECK(entry.path().filename().string().rfind(".tmp-", 0) != 0); // no temporary left
  }
}

TEST_CASE("cache: a directory that cannot be used is refused with its name", "[cache]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  std::ofstream(dir.path / "file") << "x";
  auto refused = DiskCache::open((dir.path / "file" / "http").string(), 1000);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("--cache-dir") != std::string::npos);
  CHECK(refused.error().message.find("file/http") != std::string::npos);
  auto created = DiskCache::open((dir.path / "new" / "http").string(), 1000);
  REQUIRE(created);
  struct stat st {};
  REQUIRE(::stat((dir.path / "new" / "http").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("cache: a directory others can write, and their entries, are never trusted", "[cache]") {
  TempDir dir;
  auto cache = DiskCache::open(dir.path.string(), 1 << 20);
  REQUIRE(cache);
  ::chmod(dir.path.c_str(), 0770);
  auto shared = DiskCache::open(dir.path.string(), 1 << 20);
  REQUIRE_FALSE(shared);
  CHECK(shared.error().message.find("writable by its group or by others") != std::string::npos);
  ::chmod(dir.path.c_str(), 0700);
  const std::string name(64, 'e');
  REQUIRE(cache->write(name, "planted?"));
  CHECK(cache->read(name) == std::optional<std::string>("planted?"));
  if (::geteuid() == 0) { // only root can give a file or directory to another user
    REQUIRE(::chown((dir.path / name).c_str(), 65534, 65534) == 0);
    CHECK_FALSE(cache->read(name)); // another user's entry is not an answer
    REQUIRE(::chown(dir.path.c_str(), 65534, 65534) == 0);
    auto theirs = DiskCache::open(dir.path.string(), 1 << 20);
    REQUIRE_FALSE(theirs);
    CHECK(theirs.error().message.find("owned by another user (uid 65534)") != std::string::npos);
  }
}

TEST_CASE("cache: an eviction waits for another run's, then restores the bound", "[cache]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  uint64_t entry = disk_cost(dir.path, 600);
  auto cache = DiskCache::open(dir.path.string(), entry + entry / 2); // one entry fits
  REQUIRE(cache);
  for (char c : {'a', 'b', 'c'}) {
    REQUIRE(cache->write(std::string(64, c), std::string(600, c)));
  }
  // another run holds the eviction lock for a moment (as while it evicts)
  util::Fd held(::open((dir.path / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::flock(held.get(), LOCK_EX) == 0);
  std::thread other([&held] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::flock(held.get(), LOCK_UN);
  });
  CHECK(cache->evict() == 2); // waited, not skipped
  other.join();
  CHECK(entries(dir.path).size() == 1);
}

TEST_CASE("cache: a linked cache directory, or one under a directory anyone can write, is refused",
          "[cache]") {
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path / "real");
  ::chmod((dir.path / "real").c_str(), 0700);
  fs::create_directory_symlink(dir.path / "real", dir.path / "link");
  auto linked = DiskCache::open((dir.path / "link").string(), 1000);
  REQUIRE_FALSE(linked);
  CHECK(linked.error().message.find("a symbolic link is not followed") != std::string::npos);
  CHECK(DiskCache::open((dir.path / "real").string(), 1000));
  fs::create_directories(dir.path / "open" / "cache");
  ::chmod((dir.path / "open").c_str(), 0777); // not sticky: anyone could swap "cache"
  ::chmod((dir.path / "open" / "cache").c_str(), 0700);
  auto swappable = DiskCache::open((dir.path / "open" / "cache").string(), 1000);
  REQUIRE_FALSE(swappable);
  CHECK(swappable.error().message.find("could be swapped") != std::string::npos);
  // Its group could swap it too, unless the group is the user's own private one (umask 002
  // systems); a shared group (here nogroup, where the test may give the directory to it) not.
  ::chmod((dir.path / "open").c_str(), 0775);
  if (::chown((dir.path / "open").c_str(), static_cast<uid_t>(-1), 65534) == 0) {
    auto group = DiskCache::open((dir.path / "open" / "cache").string(), 1000);
    REQUIRE_FALSE(group);
    CHECK(group.error().message.find("a shared group can write it") != std::string::npos);
    ::chown((dir.path / "open").c_str(), static_cast<uid_t>(-1), ::getegid());
    if (std::string_view(::getgrgid(::getegid())->gr_name) == ::getpwuid(::geteuid())->pw_name) {
      CHECK(DiskCache::open((dir.path / "open" / "cache").string(), 1000)); // private group
    }
  }
  ::chmod((dir.path / "open").c_str(), 01777); // sticky, as /tmp: only the owner renames
  CHECK(DiskCache::open((dir.path / "open" / "cache").string(), 1000));
  // Reached through a link, or with '..' after one: the directories checked are those above
  // where it really is, not those above the path as typed.
  ::chmod((dir.path / "open").c_str(), 0777);
  fs::create_directory_symlink(dir.path / "open" / "cache", dir.path / "via-link");
  fs::create_directories(dir.path / "open" / "cache" / "sub");
  fs::create_directory_symlink(dir.path / "open" / "cache" / "sub", dir.path / "dot");
  for (const auto& path : {dir.path / "via-link" / "inner", dir.path / "dot" / ".." / "inner2"}) {
    INFO(path.string());
    auto through = DiskCache::open(path.string(), 1000);
    REQUIRE_FALSE(through);
    CHECK(through.error().message.find("could be swapped") != std::string::npos);
  }
}

TEST_CASE("cache: an eviction that waited in vain does not wait again in the same run", "[cache]") {
  TempDir dir;
  auto cache = DiskCache::open(dir.path.string(), 10);
  REQUIRE(cache);
  REQUIRE(cache->write(std::string(64, 'a'), std::string(100, 'a')));
  // a stopped process holding the eviction lock
  util::Fd held(::open((dir.path / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::flock(held.get(), LOCK_EX) == 0);
  CHECK(cache->evict() == 0); // waits its 5 s, then gives up
  auto start = std::chrono::steady_clock::now();
  CHECK(cache->evict() == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("cache: eviction never lists seen/ through a link", "[cache]") {
  TempDir dir;
  TempDir victim;
  namespace fs = std::filesystem;
  fs::create_directories(victim.path);
  const std::string precious(64, 'f');
  std::ofstream(victim.path / precious) << std::string(5000, 'v');
  auto cache = DiskCache::open(dir.path.string(), 10);
  REQUIRE(cache);
  fs::create_directory_symlink(victim.path, dir.path / "seen");
  REQUIRE(cache->write(std::string(64, 'a'), std::string(100, 'a')));
  cache->evict();
  CHECK(fs::exists(victim.path / precious));
}

TEST_CASE("cache: the first-seen files of seen/ count within the bound and go oldest first",
          "[cache]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  uint64_t file = disk_cost(dir.path, 1000);
  auto cache = DiskCache::open(dir.path.string(), 2 * file + file / 2); // two files fit
  REQUIRE(cache);
  namespace fs = std::filesystem;
  fs::create_directories(dir.path / "seen");
  const std::string seen_name(64, '1');
  std::ofstream(dir.path / "seen" / seen_name) << std::string(1000, 's');
  std::ofstream(dir.path / "seen" / ".lock") << "";
  auto now = fs::file_time_type::clock::now();
  fs::last_write_time(dir.path / "seen" / seen_name, now - std::chrono::hours(2));
  for (char c : {'a', 'b', 'c'}) {
    std::string name(64, c);
    REQUIRE(cache->write(name, std::string(1000, c)));
    fs::last_write_time(dir.path / name, now - std::chrono::minutes(c == 'a' ? 90 : 10));
  }
  // Four files over a bound of two and a half: the seen file (oldest use) and entry "a" go.
  CHECK(cache->evict() == 2);
  CHECK_FALSE(fs::exists(dir.path / "seen" / seen_name));
  CHECK_FALSE(fs::exists(dir.path / std::string(64, 'a')));
  CHECK(fs::exists(dir.path / std::string(64, 'b')));
  CHECK(fs::exists(dir.path / std::string(64, 'c')));
  CHECK(fs::exists(dir.path / "seen" / ".lock")); // not an entry: never evicted
}
