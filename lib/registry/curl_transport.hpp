// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/http.hpp"
#include "util/log.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace argoimg::registry {

struct CurlOptions {
  long connect_timeout_ms = 10'000;
  long total_timeout_ms = 60'000;
  std::string user_agent = std::string("argoimg/") + ARGOIMG_VERSION;
};

// Which redirects a request may follow. A request with a body (POST, PUT, PATCH) follows none:
// libcurl would resend the body (a refresh token, say) to wherever the Location points, so
// the 3xx comes back to the caller. An https request is redirected only to https.
struct RedirectPolicy {
  bool follow = false;
  const char* protocols = "https"; // for CURLOPT_REDIR_PROTOCOLS_STR
};
RedirectPolicy redirect_policy(std::string_view method, std::string_view url);

// The real HTTP transport: libcurl with keep-alive connections, HTTP/2 where offered, shared
// DNS and TLS session caches, proxy variables honoured, TLS verification on by default.
// Thread-safe: each call uses its own handle from a small pool sharing one cache.
class CurlTransport : public HttpTransport {
public:
  CurlTransport(CurlOptions options, const util::Logger& logger);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  util::Result<HttpResponse> send(const HttpRequest& request) override;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace argoimg::registry
