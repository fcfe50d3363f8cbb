// SPDX-License-Identifier: Apache-2.0
// The Argo CD API's application list (and one application) as JSON, served as the answer to
// `GET /api/v1/applications` with HTTP 200, then as an error body with HTTP 500.
#include "argocd/api_client.hpp"
#include "fuzz_support.hpp"

#include "app/load.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(fuzz::as_text(data, size));
  for (long status : {200L, 500L}) {
    fuzz::FuzzTransport transport([&](const registry::HttpRequest&) {
      return registry::HttpResponse{status, {{"content-type", "application/json"}}, body};
    });
    argocd::ServerOptions options;
    options.server = "127.0.0.1:8080";
    options.plaintext = true;
    auto apps = argocd::list_applications(transport, options, {});
    if (!apps && apps.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
  }
  (void)app::parse_application_json(body, "api");
  return 0;
}
