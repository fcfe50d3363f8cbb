// SPDX-License-Identifier: Apache-2.0
// The tag list exchange through a Client: line 1 the `WWW-Authenticate` of the ping (empty:
// anonymous), line 2 the `Link` header of every tags page, the rest the page body (also
// served as a 404 body and as the token answer). Pagination stays bounded, the Link never
// leaves the registry's origin.
#include "fuzz_support.hpp"

#include "registry/client.hpp"

using namespace argoimg;

namespace {
constexpr std::string_view k_api = "http://127.0.0.1:5000";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 3);
  std::string challenge(parts[0]);
  std::string link(parts[1]);
  std::string body(parts[2]);
  for (long status : {200L, 404L}) {
    fuzz::FuzzTransport transport([&](const registry::HttpRequest& request) {
      if (request.url.size() > 4096) {
        fuzz::property_failed("a request URL grew to " + std::to_string(request.url.size()));
      }
      if (request.url.rfind(std::string(k_api) + "/", 0) != 0) {
        // A token realm elsewhere: answer it with the body.
        return registry::HttpResponse{200, {}, body};
      }
      if (request.url == std::string(k_api) + "/v2/") {
        if (challenge.empty()) {
          return registry::HttpResponse{200, {}, "{}"};
        }
        return registry::HttpResponse{401, {{"www-authenticate", challenge}}, ""};
      }
      return registry::HttpResponse{status, {{"link", link}}, body};
    });
    util::Logger logger;
    registry::ClientOptions options;
    options.max_tag_pages = 4;
    options.max_retries = 1;
    registry::Client client(transport, logger, options);
    registry::Endpoint endpoint;
    endpoint.host = "127.0.0.1:5000";
    endpoint.api_url = std::string(k_api);
    auto tags = client.list_tags(endpoint, "team/app");
    if (!tags && tags.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    if (transport.requests > 16) {
      fuzz::property_failed(std::to_string(transport.requests) + " requests for one tag list");
    }
  }
  return 0;
}
