// SPDX-License-Identifier: Apache-2.0
#pragma once

// An in-memory forge for the client tests: handlers per "METHOD path" (the URL without its
// query), answers queued per route for sequences (rate limits), every request recorded, and a
// pacing that records its waits on a fake clock.

#include "forge/forge.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace argoimg::test {

class FakeForge : public registry::HttpTransport {
public:
  using Handler = std::function<registry::HttpResponse(const registry::HttpRequest&)>;

  explicit FakeForge(std::string base) : m_base(std::move(base)) {}

  // Answer "METHOD <base><path>" (any query) with `handler`.
  void on(const std::string& method, const std::string& path, Handler handler) {
    m_handlers[method + " " + m_base + path] = std::move(handler);
  }
  void reply(const std::string& method,
             const std::string& path,
             long status,
             std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    on(method, path, [=](const registry::HttpRequest&) {
      return registry::HttpResponse{status, headers, body};
    });
  }
  // Answer the next call of the route with `response` before its handler.
  void queue(const std::string& method, const std::string& path, registry::HttpResponse response) {
    m_queued[method + " " + m_base + path].push_back(std::move(response));
  }

  util::Result<registry::HttpResponse> send(const registry::HttpRequest& request) override {
    requests.push_back(request);
    std::string key = request.method + " " + request.url.substr(0, request.url.find('?'));
    if (auto queued = m_queued.find(key); queued != m_queued.end() && !queued->second.empty()) {
      auto response = queued->second.front();
      queued->second.pop_front();
      return response;
    }
    auto it = m_handlers.find(key);
    if (it == m_handlers.end()) {
      return registry::HttpResponse{404, {}, R"({"message":"Not Found"})"};
    }
    return it->second(request);
  }

  std::vector<registry::HttpRequest> requests;

private:
  std::string m_base;
  std::map<std::string, Handler> m_handlers;
  std::map<std::string, std::deque<registry::HttpResponse>> m_queued;
};

inline std::string header_value(const registry::HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

inline std::string query_of(const registry::HttpRequest& request) {
  auto at = request.url.find('?');
  return at == std::string::npos ? "" : request.url.substr(at + 1);
}

// A clock that starts at 2026-12-03T12:00:00Z and moves only when the pacing sleeps.
struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'796'299'200));
  std::vector<std::chrono::milliseconds> sleeps;

  forge::Pacing pacing(std::chrono::seconds max_wait = std::chrono::seconds(60),
                       int attempts = 4,
                       std::chrono::seconds max_total_wait = std::chrono::seconds(120)) {
    forge::Pacing pacing;
    pacing.max_total_wait = max_total_wait;
    pacing.sleep = [this](std::chrono::milliseconds ms) {
      sleeps.push_back(ms);
      now += ms;
    };
    pacing.now = [this] { return now; };
    pacing.max_wait = max_wait;
    pacing.attempts = attempts;
    return pacing;
  }
  int64_t epoch() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  }
};

// A client of `repo` over a FakeForge that answers below `host` (the API base unless given),
// paced on a fake clock. Not copied or moved: the client holds the fake by reference.
struct FakeClient {
  FakeForge http;
  FakeClock clock;
  std::unique_ptr<forge::Client> client;

  FakeClient(const forge::Repository& repo, const forge::Auth& auth, const std::string& host)
      : http(host), client(forge::make_client(repo, auth, http, clock.pacing())) {}
  FakeClient(const forge::Repository& repo, const forge::Auth& auth)
      : FakeClient(repo, auth, repo.api_base) {}
  FakeClient(const FakeClient&) = delete;
  FakeClient& operator=(const FakeClient&) = delete;
};

// How many calls were writes.
inline size_t writes(const std::vector<forge::Call>& calls) {
  size_t n = 0;
  for (const auto& call : calls) {
    n += call.write;
  }
  return n;
}

} // namespace argoimg::test
