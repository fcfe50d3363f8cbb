// SPDX-License-Identifier: Apache-2.0
// Issue 17: a tag list kept whole in the persistent cache is revalidated at once, and the walk
// still gives what a cold walk gives whatever changed (docs/cache.md#tags).
#include "registry/cache.hpp"
#include "registry/client.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

using namespace argoimg;
using namespace argoimg::registry;

namespace {

const std::string k_api = "https://reg.example.com";

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device device;
    path = std::filesystem::temp_directory_path()
           / ("argoimg-chain-test-" + std::to_string(device()) + std::to_string(device()));
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

util::Logger quiet() {
  return util::Logger(util::LogLevel::error, [](util::LogLevel, const std::string&) {});
}

std::string query_value(const std::string& url, const std::string& name) {
  auto question = url.find('?');
  if (question == std::string::npos) {
    return "";
  }
  std::string query = url.substr(question + 1);
  size_t at = 0;
  while (at <= query.size()) {
    size_t end = std::min(query.find('&', at), query.size());
    std::string part = query.substr(at, end - at);
    if (part.rfind(name + "=", 0) == 0) {
      return part.substr(name.size() + 1);
    }
    at = end + 1;
  }
  return "";
}

// A registry paging like the CNCF distribution registry: tags in lexical order, `n` per page,
// `Link: <…?last=<last tag>&n=…>` to the next, an ETag per page answered 304 on If-None-Match.
// Tag pages are held a little so that pages asked at once overlap.
class PagedRegistry : public HttpTransport {
public:
  std::vector<std::string> tags;
  std::string link_origin; // "" for a relative Link; else an absolute one to this origin
  std::vector<HttpRequest> requests;
  size_t most_at_once = 0;

  util::Result<HttpResponse> send(const HttpRequest& request) override {
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      requests.push_back(request);
    }
    if (request.url == k_api + "/v2/") {
      return HttpResponse{200, {}, "{}"};
    }
    if (request.url.rfind(k_api + "/v2/a/tags/list", 0) != 0) {
      return HttpResponse{404, {}, "{}"};
    }
    size_t now = ++m_in_flight;
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      most_at_once = std::max(most_at_once, now);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    HttpResponse response = page(request);
    --m_in_flight;
    return response;
  }

  size_t tag_requests() const {
    return static_cast<size_t>(std::count_if(requests.begin(), requests.end(), [](const auto& r) {
      return r.url.find("/tags/list") != std::string::npos;
    }));
  }

private:
  HttpResponse page(const HttpRequest& request) {
    std::vector<std::string> all;
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      all = tags;
    }
    std::sort(all.begin(), all.end());
    std::string n_text = query_value(request.url, "n");
    size_t n = n_text.empty() ? 100 : std::stoul(n_text);
    std::string last = query_value(request.url, "last");
    auto from = last.empty() ? all.begin() : std::upper_bound(all.begin(), all.end(), last);
    auto to = all.end() - from > static_cast<long>(n) ? from + static_cast<long>(n) : all.end();
    std::string body = R"({"name":"a","tags":[)";
    for (auto it = from; it != to; ++it) {
      body += (it == from ? "\"" : ",\"") + *it + "\"";
    }
    body += "]}";
    std::string etag = "\"" + util::sha256_hex(body).substr(0, 16) + "\"";
    HttpResponse response{200, {{"content-type", "application/json"}, {"etag", etag}}, body};
    if (to != all.end()) {
      response.headers.emplace_back("link",
                                    "<" + link_origin + "/v2/a/tags/list?last=" + *(to - 1)
                                        + "&n=" + std::to_string(n) + ">; rel=\"next\"");
    }
    for (const auto& [name, value] : request.headers) {
      if (name == "If-None-Match" && value == etag) {
        response.status = 304;
        response.body.clear();
      }
    }
    return response;
  }

  std::mutex m_mutex;
  std::atomic<size_t> m_in_flight{0};
};

Endpoint endpoint() {
  Endpoint result;
  result.host = "reg.example.com";
  result.api_url = k_api;
  return result;
}

ClientOptions paged_by(size_t n) {
  ClientOptions options;
  options.tags_page_size = n;
  return options;
}

// One run: a client over the cache in `dir` (or none), listing repository "a".
util::Result<std::vector<std::string>>
run(PagedRegistry& registry, const TempDir* dir, ClientOptions options = paged_by(3)) {
  auto logger = quiet();
  if (dir == nullptr) {
    Client client(registry, logger, options);
    return client.list_tags(endpoint(), "a");
  }
  CachingTransport caching(registry, *DiskCache::open(dir->path.string(), 1 << 24), logger);
  Client client(caching, logger, options);
  return client.list_tags(endpoint(), "a");
}

std::vector<std::string> versions(size_t count, const std::string& prefix = "1.") {
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back(prefix + std::to_string(100 + i));
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  return tags;
}

} // namespace

TEST_CASE("tag chain: a list kept whole is revalidated at once, no request more", "[cache]") {
  TempDir dir;
  PagedRegistry registry;
  registry.tags = versions(14); // five pages of three
  auto cold = run(registry, &dir);
  REQUIRE(cold);
  CHECK(registry.tag_requests() == 5);
  CHECK(registry.most_at_once == 1); // a cold walk is one page after another

  registry.requests.clear();
  registry.most_at_once = 0;
  auto warm = run(registry, &dir);
  REQUIRE(warm);
  CHECK(*warm == *cold);
  CHECK(registry.tag_requests() == 5); // each page once, as before
  CHECK(registry.most_at_once > 1);    // at once
  for (const auto& request : registry.requests) {
    if (request.url.find("/tags/list") != std::string::npos) {
      bool conditional = std::any_of(request.headers.begin(),
                                     request.headers.end(),
                                     [](const auto& h) { return h.first == "If-None-Match"; });
      CHECK(conditional);
    }
  }

  SECTION("one page at a time when the run asks for that") {
    registry.requests.clear();
    registry.most_at_once = 0;
    ClientOptions options = paged_by(3);
    options.page_concurrency = 1;
    CHECK(*run(registry, &dir, options) == *cold);
    CHECK(registry.most_at_once == 1);
    CHECK(registry.tag_requests() == 5);
  }
}

TEST_CASE("tag chain: whatever changed, the warm walk gives what a cold walk gives", "[cache]") {
  using Change = std::function<void(std::vector<std::string>&)>;
  std::vector<std::pair<std::string, Change>> changes = {
      {"added on the first page", [](auto& t) { t.push_back("0.1"); }},
      {"added on a middle page", [](auto& t) { t.push_back("1.106a"); }},
      {"added on the last page", [](auto& t) { t.push_back("1.2"); }},
      {"removed from the first page", [](auto& t) { t.erase(t.begin()); }},
      {"removed from a middle page", [](auto& t) { t.erase(t.begin() + 7); }},
      {"removed from the last page", [](auto& t) { t.pop_back(); }},
      {"the chain grows",
       [](auto& t) {
         t.insert(t.end(), {"1.3", "1.4", "1.5"});
       }},
      {"the chain shrinks", [](auto& t) { t.resize(5); }},
      {"one page left", [](auto& t) { t.resize(2); }},
      {"nothing left", [](auto& t) { t.clear(); }},
      {"a tag replaced in place", [](auto& t) { t[4] = "1.104b"; }},
  };
  for (const auto& [name, change] : changes) {
    DYNAMIC_SECTION(name) {
      TempDir dir;
      PagedRegistry registry;
      // Five full pages: a tag added after the last one leaves that page's body (and ETag) as
      // it was, and only its Link says that a page follows now.
      registry.tags = versions(15);
      REQUIRE(run(registry, &dir));
      change(registry.tags);
      auto warm = run(registry, &dir);
      REQUIRE(warm);
      CHECK(sorted(*warm) == sorted(registry.tags));
      PagedRegistry cold_registry;
      cold_registry.tags = registry.tags;
      CHECK(*warm == *run(cold_registry, nullptr));
      // and the run after that, with the cache now holding the changed chain
      registry.requests.clear();
      CHECK(*run(registry, &dir) == *warm);
    }
  }
}

TEST_CASE("tag chain: random changes between runs never give another list", "[cache]") {
  std::mt19937 random(17);
  for (int round = 0; round < 40; ++round) {
    TempDir dir;
    PagedRegistry registry;
    registry.tags = versions(random() % 20);
    REQUIRE(run(registry, &dir));
    for (int step = 0; step < 3; ++step) {
      size_t edits = random() % 4;
      for (size_t e = 0; e < edits; ++e) {
        if (!registry.tags.empty() && random() % 2 == 0) {
          registry.tags.erase(registry.tags.begin()
                              + static_cast<long>(random() % registry.tags.size()));
        } else {
          registry.tags.push_back("1." + std::to_string(random() % 300));
        }
      }
      std::sort(registry.tags.begin(), registry.tags.end());
      registry.tags.erase(std::unique(registry.tags.begin(), registry.tags.end()),
                          registry.tags.end());
      auto warm = run(registry, &dir, paged_by(1 + random() % 4));
      REQUIRE(warm);
      CHECK(sorted(*warm) == registry.tags);
    }
  }
}

TEST_CASE("tag chain: a Link to another origin is refused as in a cold walk", "[cache]") {
  TempDir dir;
  PagedRegistry registry;
  registry.tags = versions(10);
  REQUIRE(run(registry, &dir));
  registry.link_origin = "https://elsewhere.example.com";
  registry.requests.clear();
  auto warm = run(registry, &dir);
  REQUIRE_FALSE(warm);
  CHECK(warm.error().message.find("refusing to follow a Link to another host")
        != std::string::npos);
  for (const auto& request : registry.requests) {
    CHECK(request.url.find("elsewhere") == std::string::npos);
  }
}

TEST_CASE("tag chain: a budget that runs out during revalidation fails the list whole", "[cache]") {
  TempDir dir;
  PagedRegistry registry;
  registry.tags = versions(14);
  REQUIRE(run(registry, &dir));
  for (size_t budget : {size_t{1}, size_t{3}, size_t{5}}) {
    ClientOptions options = paged_by(3);
    options.max_requests = budget; // the ping, and fewer pages than the five
    Client::BudgetWatch watch;
    auto warm = run(registry, &dir, options);
    CHECK_FALSE(warm);
    CHECK(watch.refused()); // on the caller's thread: the image is skipped, never picked
  }
  ClientOptions enough = paged_by(3);
  enough.max_requests = 6;
  Client::BudgetWatch watch;
  auto warm = run(registry, &dir, enough);
  REQUIRE(warm);
  CHECK(warm->size() == 14);
  CHECK_FALSE(watch.refused());
}

TEST_CASE("tag chain: repositories revalidated together share the run's helper threads",
          "[cache]") {
  TempDir dir;
  PagedRegistry registry;
  registry.tags = versions(14); // five pages of three
  REQUIRE(run(registry, &dir));
  registry.requests.clear();
  registry.most_at_once = 0;
  // Four walks at once (as --concurrency repositories are listed in parallel), two helper
  // threads for the whole client: at most the four callers plus two helpers are ever in flight,
  // where helpers per walk would be eight.
  auto logger = quiet();
  CachingTransport caching(registry, *DiskCache::open(dir.path.string(), 1 << 24), logger);
  ClientOptions options = paged_by(3);
  options.page_concurrency = 2;
  Client client(caching, logger, options);
  std::vector<util::Result<std::vector<std::string>>> lists(
      4, util::fail(util::ErrorKind::internal, "not listed"));
  std::vector<std::thread> walks;
  for (size_t i = 0; i < lists.size(); ++i) {
    walks.emplace_back([&client, &lists, i] { lists[i] = client.list_tags(endpoint(), "a"); });
  }
  for (auto& walk : walks) {
    walk.join();
  }
  for (const auto& list : lists) {
    REQUIRE(list);
    CHECK(*list == sorted(registry.tags));
  }
  CHECK(registry.most_at_once <= 4 + 2);
}
