// SPDX-License-Identifier: Apache-2.0
#include "argocd/api_client.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;

TEST_CASE("the Argo CD server's URL goes through the one URL type", "[argocd][url]") {
  argocd::ServerOptions options;
  options.server = "argocd.example.com:8443";
  CHECK(argocd::base_url(options) == "https://argocd.example.com:8443");
  options.plaintext = true;
  CHECK(argocd::base_url(options) == "http://argocd.example.com:8443");
  options.server = "https://Argo.Example.com/argocd//";
  CHECK(argocd::base_url(options) == "https://argo.example.com/argocd");
  options.server = "[::1]:8080";
  CHECK(argocd::base_url(options) == "http://[::1]:8080");

  options.server = "https://argo.example.com/?x=1";
  auto query = argocd::server_url(options);
  REQUIRE_FALSE(query);
  CHECK(query.error().kind == util::ErrorKind::config);
  CHECK_THAT(query.error().message, Catch::Contains("a query or fragment cannot be part"));

  options.server = "argo.example.com:99999";
  auto port = argocd::server_url(options);
  REQUIRE_FALSE(port);
  CHECK_THAT(port.error().message,
             Catch::StartsWith("Argo CD server: URL 'http://argo.example.com:99999' has a port"));

  options.server = "https://admin:hunter22@argo.example.com";
  auto with_password = argocd::server_url(options);
  REQUIRE(with_password);
  CHECK(with_password->redacted() == "https://***:***@argo.example.com");
}
