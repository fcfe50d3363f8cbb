// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/http.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace argoimg::test {

// An in-memory HttpTransport: a handler per "METHOD url" (exact), recording every request.
class FakeHttpTransport : public registry::HttpTransport {
public:
  using Handler = std::function<registry::HttpResponse(const registry::HttpRequest&)>;

  void on(const std::string& method, const std::string& url, Handler handler) {
    m_handlers[method + " " + url] = std::move(handler);
  }

  void on_json(const std::string& url,
               std::string body,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    on("GET", url, [body, headers](const registry::HttpRequest&) {
      return registry::HttpResponse{200, headers, body};
    });
  }

  util::Result<registry::HttpResponse> send(const registry::HttpRequest& request) override {
    std::lock_guard<std::mutex> guard(m_mutex);
    requests.push_back(request);
    auto it = m_handlers.find(request.method + " " + request.url);
    if (it == m_handlers.end()) {
      return registry::HttpResponse{
          404, {}, R"({"errors":[{"code":"NOT_FOUND","message":"no route"}]})"};
    }
    return it->second(request);
  }

  size_t count(const std::string& url_prefix) const {
    size_t n = 0;
    for (const auto& r : requests) {
      n += r.url.rfind(url_prefix, 0) == 0;
    }
    return n;
  }

  std::vector<registry::HttpRequest> requests;

private:
  std::mutex m_mutex;
  std::map<std::string, Handler> m_handlers;
};

inline std::string header_of(const registry::HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

} // namespace argoimg::test
