// SPDX-License-Identifier: Apache-2.0
// Issue 17: the persistent cache's tag-list pages (ETag revalidation, --cache-ttl), newest-build's
// manifests by tag, and remembered page sizes (registry/cache_tags.hpp).
#include "support/fake_http_transport.hpp"

#include "registry/cache.hpp"
#include "registry/cache_tags.hpp"
#include "registry/client.hpp"
#include "registry/rate_limit.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";
const std::string k_page_url = k_api + "/v2/team/app/tags/list?n=100";
const std::string k_page = R"({"name":"team/app","tags":["1.0.0","1.1.0"]})";

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

HttpResponse page(const std::string& body, const std::string& etag = "") {
  HttpResponse response{200, {{"content-type", "application/json"}}, body};
  if (!etag.empty()) {
    response.headers.emplace_back("etag", etag);
  }
  return response;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device device;
    path = std::filesystem::temp_directory_path()
           / ("argoimg-tags-cache-test-" + std::to_string(device()) + std::to_string(device()));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

util::Logger quiet() {
  return util::Logger(util::LogLevel::error, [](util::LogLevel, const std::string&) {});
}

std::optional<std::string> header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

} // namespace

TEST_CASE("tag cache: tag-list pages qualify with their query in the key", "[cache]") {
  CHECK(is_tag_list_request(get(k_page_url)));
  CHECK(is_tag_list_request(get(k_api + "/v2/team/app/tags/list")));
  CHECK_FALSE(is_tag_list_request(get(k_api + "/v2/tags/list")));
  CHECK_FALSE(is_tag_list_request(get("https://user:pw@reg.example.com/v2/a/tags/list")));
  HttpRequest head = get(k_page_url);
  head.method = "HEAD";
  CHECK_FALSE(is_tag_list_request(head));
  CHECK(tag_page_key(get(k_page_url)) != tag_page_key(get(k_api + "/v2/team/app/tags/list")));
  CHECK(tag_page_key(get(k_page_url))
        != tag_page_key(get(k_api + "/v2/team/app/tags/list?last=1.1.0&n=100")));
  CHECK(tag_page_key(get(k_page_url))
        != tag_page_key(get("http://reg.example.com/v2/team/app/tags/list?n=100")));
  HttpRequest with_auth = get(k_page_url);
  with_auth.headers.emplace_back("Authorization", "Bearer secret");
  CHECK(tag_page_key(with_auth) == tag_page_key(get(k_page_url)));
  // An answer read without verifying TLS, or trusting another CA, is never served to a run
  // that trusts differently; the keys of default requests are as before.
  HttpRequest insecure = get(k_page_url);
  insecure.verify_tls = false;
  HttpRequest other_ca = get(k_page_url);
  other_ca.ca_pem = "-----BEGIN CERTIFICATE-----\n...";
  CHECK(tag_page_key(insecure) != tag_page_key(get(k_page_url)));
  CHECK(tag_page_key(other_ca) != tag_page_key(get(k_page_url)));
  CHECK(tag_page_key(other_ca) != tag_page_key(insecure));
  HttpRequest manifest = get(k_api + "/v2/team/app/manifests/1.1.0");
  manifest.immutable_tag = true;
  HttpRequest insecure_manifest = manifest;
  insecure_manifest.verify_tls = false;
  REQUIRE(immutable_tag_key(manifest));
  CHECK(immutable_tag_key(manifest) != immutable_tag_key(insecure_manifest));
  // What one set of credentials read is never served to a run with other ones, or none (a
  // private repository's tags to a run without access to it).
  HttpRequest alice = get(k_page_url);
  alice.cache_identity = "a1";
  HttpRequest bob = get(k_page_url);
  bob.cache_identity = "b2";
  CHECK(tag_page_key(alice) != tag_page_key(get(k_page_url)));
  CHECK(tag_page_key(alice) != tag_page_key(bob));
  HttpRequest alice_manifest = manifest;
  alice_manifest.cache_identity = "a1";
  CHECK(immutable_tag_key(alice_manifest) != immutable_tag_key(manifest));
}

TEST_CASE("tag cache: page entries round-trip and refuse anything damaged", "[cache]") {
  HttpResponse response = page(k_page, "\"abc\"");
  response.headers.emplace_back("link", "</v2/team/app/tags/list?last=1.1.0&n=100>; rel=\"next\"");
  response.headers.emplace_back("authorization", "Bearer never-stored");
  const std::string key = tag_page_key(get(k_page_url));
  auto entry = encode_tag_page(response, 1000, key);
  REQUIRE(entry);
  CHECK(entry->find("never-stored") == std::string::npos);
  auto decoded = decode_tag_page(*entry, key);
  REQUIRE(decoded);
  CHECK(decoded->fetched_unix == 1000);
  CHECK(decoded->etag == "\"abc\"");
  CHECK(decoded->body == k_page);
  CHECK(tag_page_response(*decoded).header("link").value_or("").find("last=1.1.0")
        != std::string::npos);

  for (size_t at : {size_t{0}, size_t{30}, entry->size() - 3}) {
    std::string damaged = *entry;
    damaged[at] ^= 0x20;
    CHECK_FALSE(decode_tag_page(damaged, key));
  }
  CHECK_FALSE(decode_tag_page(entry->substr(0, entry->size() - 1), key));
  CHECK_FALSE(decode_tag_page("", key));
  // Another version is a miss, never parsed: the one before (no key line) included.
  for (const char* version : {"argoimg-tags-cache 1", "argoimg-tags-cache 3"}) {
    std::string other = *entry;
    other.replace(0, other.find('\n'), version);
    CHECK_FALSE(decode_tag_page(other, key));
  }
  // Bound to its name: moved over another page's name (the next page, say), it is a miss.
  CHECK_FALSE(decode_tag_page(
      *entry, tag_page_key(get(k_api + "/v2/team/app/tags/list?last=1.1.0&n=100"))));
  CHECK_FALSE(decode_tag_page(*entry, ""));

  // Tags outside the grammar are never stored, and a stored list holding one (its checksum
  // made to match) is a miss.
  CHECK_FALSE(encode_tag_page(page(R"({"tags":["1.0","\u001b[31mred"]})"), 1, key));
  CHECK_FALSE(encode_tag_page(page(R"({"tags":"1.0"})"), 1, key));
  CHECK_FALSE(encode_tag_page(HttpResponse{404, {}, "{}"}, 1, key));
  const std::string bad_body = R"({"tags":["-x"]})";
  std::string content = "key " + key + "\nfetched 1\netag \nlink \ncontent-type \nbody "
                        + std::to_string(bad_body.size()) + "\n" + bad_body;
  std::string forged = "argoimg-tags-cache 2\nsha256 " + util::sha256_hex(content) + "\n" + content;
  CHECK_FALSE(decode_tag_page(forged, key));
  // A header value with a line break could forge lines: such a page is not stored.
  CHECK_FALSE(encode_tag_page(page(k_page, "\"a\"\nbody 0"), 1, key));
}

TEST_CASE("tag cache: notes round-trip for their own key only", "[cache]") {
  auto note = encode_note("page-size https://r#10000", "1000");
  REQUIRE(note);
  CHECK(decode_note(*note, "page-size https://r#10000") == "1000");
  CHECK_FALSE(decode_note(*note, "page-size https://other#10000"));
  std::string damaged = *note;
  damaged[damaged.size() - 2] = '9';
  CHECK_FALSE(decode_note(damaged, "page-size https://r#10000"));
  CHECK_FALSE(encode_note("a\nb", "1"));
  CHECK(note_name("a") != note_name("b"));
}

TEST_CASE("tag cache: a 304's rate-limit headers reach the caller, and are not stored", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  inner.on("GET", k_page_url, [&](const HttpRequest& request) {
    if (header_of(request, "If-None-Match") == std::optional<std::string>("\"v1\"")) {
      return HttpResponse{
          304,
          {{"etag", "\"v1\""}, {"ratelimit-remaining", "0;w=21600"}, {"retry-after", "60"}},
          ""};
    }
    return page(k_page, "\"v1\"");
  });
  CachingTransport caching(inner, *DiskCache::open(dir.path.string(), 1 << 20), logger);
  caching.set_tag_list_ttl(std::chrono::seconds(0), [] { return int64_t{1'000'000}; });
  REQUIRE(caching.send(get(k_page_url)));
  auto warm = caching.send(get(k_page_url));
  REQUIRE(warm);
  CHECK(warm->body == k_page);
  auto seen = parse_rate_limit(*warm);
  REQUIRE(seen.remaining);
  CHECK(*seen.remaining == 0); // the registry said none are left: the budget must hear it
  CHECK(warm->header("retry-after") == std::optional<std::string>("60"));
  auto kept = caching.kept_tag_page(get(k_page_url));
  REQUIRE(kept);
  CHECK_FALSE(kept->header("ratelimit-remaining")); // a count of the past is not an answer
}

TEST_CASE("tag cache: pages are revalidated with their ETag, or trusted for the TTL", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  int64_t now = 1'000'000;
  int served = 0;
  bool changed = false;
  inner.on("GET", k_page_url, [&](const HttpRequest& request) {
    ++served;
    auto condition = header_of(request, "If-None-Match");
    if (!changed && condition == std::optional<std::string>("\"v1\"")) {
      return HttpResponse{304, {{"etag", "\"v1\""}}, ""};
    }
    return changed ? page(R"({"tags":["1.0.0","1.1.0","1.2.0"]})", "\"v2\"")
                   : page(k_page, "\"v1\"");
  });
  auto open = [&]() { return *DiskCache::open(dir.path.string(), 1 << 20); };

  {
    CachingTransport caching(inner, open(), logger);
    caching.set_tag_list_ttl(std::chrono::seconds(0), [&] { return now; });
    auto cold = caching.send(get(k_page_url));
    REQUIRE(cold);
    CHECK(cold->body == k_page);
    CHECK_FALSE(header_of(inner.requests.back(), "If-None-Match"));

    // A later run asks with the ETag; the 304 is answered from the entry: one request, no body.
    auto warm = caching.send(get(k_page_url));
    REQUIRE(warm);
    CHECK(warm->status == 200);
    CHECK(warm->body == k_page);
    CHECK_FALSE(warm->from_cache); // the registry was asked
    CHECK(header_of(inner.requests.back(), "If-None-Match") == "\"v1\"");
    CHECK(caching.revalidated() == 1);
    CHECK(served == 2);

    // A changed list is a 200 with its new ETag: served and stored.
    changed = true;
    auto fresh = caching.send(get(k_page_url));
    REQUIRE(fresh);
    CHECK(fresh->body.find("1.2.0") != std::string::npos);
    CHECK(served == 3);
  }
  {
    // --cache-ttl: a page confirmed less than the TTL ago is served without asking.
    CachingTransport caching(inner, open(), logger);
    caching.set_tag_list_ttl(std::chrono::seconds(600), [&] { return now + 599; });
    auto trusted = caching.send(get(k_page_url));
    REQUIRE(trusted);
    CHECK(trusted->from_cache);
    CHECK(trusted->body.find("1.2.0") != std::string::npos);
    CHECK(served == 3);
    caching.set_tag_list_ttl(std::chrono::seconds(600), [&] { return now + 600; });
    CHECK_FALSE(caching.send(get(k_page_url))->from_cache);
    CHECK(served == 4);
    // A clock gone backwards trusts nothing.
    caching.set_tag_list_ttl(std::chrono::seconds(600), [&] { return now - 10; });
    CHECK_FALSE(caching.send(get(k_page_url))->from_cache);
    CHECK(served == 5);
  }
}

TEST_CASE("tag cache: without an ETag a page is asked again in full", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  inner.on_json(k_page_url, k_page);
  CachingTransport caching(inner, *DiskCache::open(dir.path.string(), 1 << 20), logger);
  CHECK(caching.send(get(k_page_url))->body == k_page);
  CHECK(caching.send(get(k_page_url))->body == k_page);
  REQUIRE(inner.requests.size() == 2);
  CHECK_FALSE(header_of(inner.requests.back(), "If-None-Match"));
}

TEST_CASE("tag cache: a damaged page entry is dropped and the page fetched again", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  inner.on_json(k_page_url, k_page, {{"etag", "\"v1\""}});
  CachingTransport caching(inner, *DiskCache::open(dir.path.string(), 1 << 20), logger);
  caching.set_tag_list_ttl(std::chrono::seconds(3600));
  REQUIRE(caching.send(get(k_page_url)));
  auto file = dir.path / tag_page_key(get(k_page_url));
  REQUIRE(std::filesystem::exists(file));
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "argoimg-tags-cache 1\nsha256 0\n";
  auto again = caching.send(get(k_page_url));
  REQUIRE(again);
  CHECK_FALSE(again->from_cache);
  CHECK(again->body == k_page);
  CHECK(inner.requests.size() == 2);
  CHECK_FALSE(header_of(inner.requests.back(), "If-None-Match")); // the bad entry gave nothing
  CHECK(caching.send(get(k_page_url))->from_cache);               // stored again, whole
}

TEST_CASE("tag cache: only manifests read by an immutable tag are kept by tag", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  const std::string manifest = R"({"schemaVersion":2,"config":{}})";
  const std::string url = k_api + "/v2/team/app/manifests/1.0.0";
  inner.on_json(url, manifest, {{"docker-content-digest", "sha256:" + util::sha256_hex(manifest)}});
  CachingTransport caching(inner, *DiskCache::open(dir.path.string(), 1 << 20), logger);
  HttpRequest mutable_tag = get(url);
  CHECK_FALSE(immutable_tag_key(mutable_tag));
  caching.send(mutable_tag);
  caching.send(mutable_tag);
  CHECK(inner.requests.size() == 2); // digest's tags move: never from the cache

  HttpRequest newest_build = get(url);
  newest_build.immutable_tag = true;
  REQUIRE(immutable_tag_key(newest_build));
  CHECK_FALSE(caching.send(newest_build)->from_cache);
  auto hit = caching.send(newest_build);
  REQUIRE(hit);
  CHECK(hit->from_cache);
  CHECK(hit->body == manifest);
  CHECK(hit->header("docker-content-digest") == "sha256:" + util::sha256_hex(manifest));
  CHECK(inner.requests.size() == 3);

  // A body not matching the registry's digest is never kept.
  const std::string other = k_api + "/v2/team/app/manifests/2.0.0";
  inner.on_json(other, manifest, {{"docker-content-digest", "sha256:" + std::string(64, '0')}});
  HttpRequest bad = get(other);
  bad.immutable_tag = true;
  caching.send(bad);
  CHECK_FALSE(caching.send(bad)->from_cache);
}

TEST_CASE("tag cache: a refused page size is remembered for later runs", "[cache]") {
  TempDir dir;
  auto logger = quiet();
  FakeHttpTransport inner;
  inner.on_json(k_api + "/v2/", "{}");
  inner.on("GET", k_api + "/v2/a/tags/list?n=10000", [](const HttpRequest&) {
    return HttpResponse{400,
                        {{"content-type", "application/json"}},
                        R"({"errors":[{"code":"PAGINATION_NUMBER_INVALID","detail":"n must be )"
                        R"(no larger than 1000"}]})"};
  });
  inner.on_json(k_api + "/v2/a/tags/list?n=1000", k_page);
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = k_api;
  for (int run = 0; run < 2; ++run) {
    CachingTransport caching(inner, *DiskCache::open(dir.path.string(), 1 << 20), logger);
    Client client(caching, logger, {});
    CHECK(client.list_tags(endpoint, "a")->size() == 2);
  }
  std::vector<std::string> urls;
  for (const auto& request : inner.requests) {
    if (request.url.find("/tags/list") != std::string::npos) {
      urls.push_back(request.url);
    }
  }
  // The second run asks with the size that worked at once.
  CHECK(urls
        == std::vector<std::string>{k_api + "/v2/a/tags/list?n=10000",
                                    k_api + "/v2/a/tags/list?n=1000",
                                    k_api + "/v2/a/tags/list?n=1000"});
}
