// SPDX-License-Identifier: Apache-2.0
// The Argo CD API client against an in-memory server (issue 13 §1): authentication failures
// name the server and never the token, unknown applications name the application, a 409 on
// update reads the Application again and recomputes the patch, a persistent conflict is a
// conflict error, and a server echoing the token does not put it into an error message.

#include "argocd/api_client.hpp"
#include "support/fake_http_transport.hpp"

#include "app/config.hpp"
#include "app/load.hpp"
#include "util/redact.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using argoimg::test::FakeHttpTransport;
using argoimg::test::header_of;
using registry::HttpRequest;
using registry::HttpResponse;

namespace {

const std::string k_token = "argocd-token-7f3a9c2e51";
const std::string k_base = "https://argocd.example";
const std::string k_list = k_base + "/api/v1/applications";
const std::string k_app_url = k_base + "/api/v1/applications/web";

argocd::ServerOptions server(std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
  argocd::ServerOptions options;
  options.server = "argocd.example/";
  options.auth_token = k_token;
  if (sleeps) {
    options.sleep = [sleeps](std::chrono::milliseconds ms) { sleeps->push_back(ms); };
  }
  return options;
}

// The Application "web" as the server returns it, with `parameters` as its helm.parameters.
std::string web_json(const std::string& parameters) {
  return R"({"metadata":{"name":"web","annotations":{)"
         R"("argocd-image-updater.argoproj.io/image-list":"web=nginx:~1.25"}},)"
         R"("spec":{"project":"default","source":{"repoURL":"https://x/y.git","path":"charts/web",)"
         R"("helm":{"parameters":[)"
         + parameters + R"(]}}},"status":{"sourceType":"Helm"}})";
}

const std::string k_params = R"({"name":"image.name","value":"nginx"},)"
                             R"({"name":"image.tag","value":"1.25.3","forceString":true})";

struct Update {
  app::Application application;
  app::TypeDecision type;
  std::vector<writeback::ImageChange> images;
};

Update web_update() {
  auto application = app::parse_application_json(web_json(k_params), k_base);
  REQUIRE(application);
  auto config = app::config_from_annotations(*application);
  REQUIRE(config);
  REQUIRE(config->images.size() == 1);
  auto type = app::detect_type(*application, config->write_back);
  REQUIRE(type.type == app::AppType::helm);
  return Update{*application, type, {writeback::owned_change(config->images[0], "1.25.4", "")}};
}

util::Result<std::string> update(FakeHttpTransport& http,
                                 const argocd::ServerOptions& options,
                                 argocd::Write write = argocd::Write::yes) {
  auto u = web_update();
  return argocd::update_application_images(http, options, u.application, u.type, u.images, write);
}

HttpResponse argocd_error(long status, int code, const std::string& message) {
  return HttpResponse{status,
                      {{"content-type", "application/json"}},
                      R"({"error":")" + message + R"(","code":)" + std::to_string(code)
                          + R"(,"message":")" + message + R"("})"};
}

size_t count_method(const FakeHttpTransport& http, const std::string& method) {
  size_t n = 0;
  for (const auto& r : http.requests) {
    n += r.method == method;
  }
  return n;
}

} // namespace

TEST_CASE("a rejected token names the server and never the token", "[argocd]") {
  FakeHttpTransport http;
  http.on("GET", k_list, [](const HttpRequest&) {
    return argocd_error(401, 16, "invalid session: token signature is invalid");
  });
  auto listed = argocd::list_applications(http, server(), {});
  REQUIRE_FALSE(listed);
  CHECK(listed.error().kind == util::ErrorKind::auth);
  CHECK(listed.error().message
        == "Argo CD API 'https://argocd.example': authentication failed (HTTP 401): the server "
           "rejected the token (invalid session: token signature is invalid); check --auth-token "
           "or ARGOCD_AUTH_TOKEN");
  CHECK(listed.error().message.find(k_token) == std::string::npos);
  REQUIRE(http.requests.size() == 1);
  CHECK(header_of(http.requests[0], "Authorization") == "Bearer " + k_token);

  http.on("GET", k_app_url, [](const HttpRequest&) {
    return argocd_error(401, 16, "invalid session: token has expired");
  });
  auto updated = update(http, server());
  REQUIRE_FALSE(updated);
  CHECK(updated.error().kind == util::ErrorKind::auth);
  CHECK_THAT(updated.error().message,
             Catch::StartsWith("Argo CD API 'https://argocd.example': application 'web': "
                               "authentication failed (HTTP 401): the server rejected the token"));
  CHECK(updated.error().message.find(k_token) == std::string::npos);
  CHECK(count_method(http, "PATCH") == 0);
}

TEST_CASE("no token sent and a token without permission are told apart", "[argocd]") {
  FakeHttpTransport http;
  http.on("GET", k_list, [](const HttpRequest& request) {
    return header_of(request, "Authorization").empty()
               ? argocd_error(401, 16, "no session information")
               : argocd_error(403, 7, "permission denied");
  });
  auto anonymous = server();
  anonymous.auth_token.clear();
  auto missing = argocd::list_applications(http, anonymous, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::auth);
  CHECK_THAT(missing.error().message,
             Catch::Contains("authentication failed (HTTP 401): no token was sent"));

  auto forbidden = argocd::list_applications(http, server(), {});
  REQUIRE_FALSE(forbidden);
  CHECK(forbidden.error().kind == util::ErrorKind::auth);
  CHECK_THAT(forbidden.error().message,
             Catch::Contains("authentication failed (HTTP 403): the token may not list "
                             "applications (permission denied)"));

  // A 403 on the write itself: nothing is retried, the error names the application.
  http.on_json(k_app_url, web_json(k_params));
  http.on("PATCH", k_app_url, [](const HttpRequest&) {
    return argocd_error(403, 7, "permission denied: applications, update, default/web");
  });
  auto denied = update(http, server());
  REQUIRE_FALSE(denied);
  CHECK(denied.error().kind == util::ErrorKind::auth);
  CHECK_THAT(denied.error().message,
             Catch::Contains("application 'web': authentication failed (HTTP 403): the token "
                             "may not update this application"));
  CHECK(count_method(http, "PATCH") == 1);
}

TEST_CASE("an application missing on the server is not_found and named", "[argocd]") {
  FakeHttpTransport http;
  http.on("GET", k_app_url, [](const HttpRequest&) {
    return argocd_error(404, 5, R"(applications.argoproj.io \"web\" not found)");
  });
  auto updated = update(http, server());
  REQUIRE_FALSE(updated);
  CHECK(updated.error().kind == util::ErrorKind::not_found);
  CHECK(updated.error().message
        == "Argo CD API 'https://argocd.example': application 'web': not found on the server");
  CHECK(count_method(http, "PATCH") == 0);

  // Deleted between the read and the write: the same error, and no success.
  FakeHttpTransport racing;
  racing.on_json(k_app_url, web_json(k_params));
  racing.on("PATCH", k_app_url, [](const HttpRequest&) {
    return argocd_error(404, 5, R"(applications.argoproj.io \"web\" not found)");
  });
  auto deleted = update(racing, server());
  REQUIRE_FALSE(deleted);
  CHECK(deleted.error().kind == util::ErrorKind::not_found);
  CHECK_THAT(deleted.error().message, Catch::Contains("application 'web': not found"));

  // Listing from a path that is no Argo CD API.
  FakeHttpTransport nowhere;
  auto listed = argocd::list_applications(nowhere, server(), {});
  REQUIRE_FALSE(listed);
  CHECK(listed.error().kind == util::ErrorKind::not_found);
  CHECK_THAT(listed.error().message,
             Catch::Contains("'https://argocd.example': listing applications: HTTP 404"));
}

TEST_CASE("a 409 reads the Application again and recomputes the patch", "[argocd]") {
  FakeHttpTransport http;
  int reads = 0;
  http.on("GET", k_app_url, [&reads](const HttpRequest&) {
    // Another writer added a parameter between our first read and our write.
    ++reads;
    return HttpResponse{
        200,
        {},
        web_json(reads == 1 ? k_params : k_params + R"(,{"name":"replicas","value":"3"})")};
  });
  int writes = 0;
  http.on("PATCH", k_app_url, [&writes](const HttpRequest&) {
    return ++writes == 1 ? argocd_error(409, 10, "the object has been modified")
                         : HttpResponse{200, {}, "{}"};
  });
  std::vector<std::chrono::milliseconds> sleeps;
  auto updated = update(http, server(&sleeps));
  REQUIRE(updated);
  // The patch sent last is built from the second read: the other writer's parameter stays.
  CHECK(*updated
        == R"({"spec":{"source":{"helm":{"parameters":[{"name":"image.name","value":"nginx"},)"
           R"({"name":"image.tag","value":"1.25.4","forceString":true},)"
           R"({"name":"replicas","value":"3"}]}}}})");
  CHECK(reads == 2);
  CHECK(writes == 2);
  // One wait, jittered within the first step of the shared policy (100-200 ms).
  REQUIRE(sleeps.size() == 1);
  CHECK(sleeps[0] >= std::chrono::milliseconds(100));
  CHECK(sleeps[0] <= std::chrono::milliseconds(200));
  const auto& first = http.requests[1];
  const auto& second = http.requests[3];
  REQUIRE(first.method == "PATCH");
  REQUIRE(second.method == "PATCH");
  CHECK(first.body.find("replicas") == std::string::npos);
  CHECK(second.body.find("replicas") != std::string::npos);
  CHECK(second.body.find(R"("patchType":"merge")") != std::string::npos);
  CHECK(header_of(second, "Authorization") == "Bearer " + k_token);
}

TEST_CASE("a conflict that persists is a conflict error, never a success", "[argocd]") {
  FakeHttpTransport http;
  http.on_json(k_app_url, web_json(k_params));
  http.on("PATCH", k_app_url, [](const HttpRequest&) {
    return argocd_error(409, 10, "the object has been modified");
  });
  std::vector<std::chrono::milliseconds> sleeps;
  auto updated = update(http, server(&sleeps));
  REQUIRE_FALSE(updated);
  CHECK(updated.error().kind == util::ErrorKind::conflict);
  CHECK(updated.error().message
        == "Argo CD API 'https://argocd.example': application 'web': still conflicting after 5 "
           "attempts (HTTP 409)");
  CHECK(count_method(http, "GET") == 5);
  CHECK(count_method(http, "PATCH") == 5);
  using ms = std::chrono::milliseconds;
  // Four waits between the tries, each within its doubling step (equal jitter: half to all).
  REQUIRE(sleeps.size() == 4);
  for (size_t i = 0; i < sleeps.size(); ++i) {
    ms step(200 << i);
    CHECK(sleeps[i] >= step / 2);
    CHECK(sleeps[i] <= step);
  }
}

TEST_CASE("a dry run reads and sends nothing", "[argocd]") {
  FakeHttpTransport http;
  http.on_json(k_app_url, web_json(k_params));
  auto planned = update(http, server(), argocd::Write::dry_run);
  REQUIRE(planned);
  CHECK_THAT(*planned, Catch::Contains(R"({"name":"image.tag","value":"1.25.4")"));
  CHECK(count_method(http, "PATCH") == 0);
  CHECK(count_method(http, "GET") == 1);
}

TEST_CASE("a server echoing the token does not put it into an error message", "[argocd]") {
  util::clear_secrets_for_testing();
  const std::string echoed = "rejected 'Authorization: " + k_token + "' from 10.0.0.1";
  FakeHttpTransport http;
  http.on("GET", k_list, [&](const HttpRequest&) { return argocd_error(401, 16, echoed); });
  auto listed = argocd::list_applications(http, server(), {});
  REQUIRE_FALSE(listed);
  CHECK(listed.error().message.find(k_token) == std::string::npos);
  CHECK_THAT(listed.error().message, Catch::Contains("Authorization: <redacted>"));

  http.on("GET", k_list, [&](const HttpRequest&) { return argocd_error(500, 13, echoed); });
  auto failed = argocd::list_applications(http, server(), {});
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == util::ErrorKind::network);
  CHECK(failed.error().message.find(k_token) == std::string::npos);
  CHECK_THAT(failed.error().message, Catch::Contains("listing applications: HTTP 500: rejected"));

  // Not JSON: the page's first bytes are quoted, redacted.
  http.on("GET", k_list, [&](const HttpRequest&) {
    return HttpResponse{502, {{"content-type", "text/html"}}, "<p>Bearer " + k_token + "</p>"};
  });
  auto proxy = argocd::list_applications(http, server(), {});
  REQUIRE_FALSE(proxy);
  CHECK(proxy.error().message.find(k_token) == std::string::npos);
  CHECK_THAT(proxy.error().message, Catch::Contains("HTTP 502: 'text/html' starting"));

  http.on_json(k_app_url, web_json(k_params));
  http.on("PATCH", k_app_url, [&](const HttpRequest&) { return argocd_error(500, 13, echoed); });
  auto updated = update(http, server());
  REQUIRE_FALSE(updated);
  CHECK(updated.error().kind == util::ErrorKind::network);
  CHECK(updated.error().message.find(k_token) == std::string::npos);
  CHECK_THAT(updated.error().message,
             Catch::Contains("application 'web': HTTP 500: rejected 'Authorization: <redacted>'"));
  util::clear_secrets_for_testing();
}

TEST_CASE("a large list is read whole in one request, filters in the query", "[argocd]") {
  // The Argo CD API does not page ApplicationList: one answer holds every Application.
  const size_t count = 3000;
  std::string body = R"({"metadata":{"resourceVersion":"1"},"items":[)";
  for (size_t i = 0; i < count; ++i) {
    body += std::string(i ? "," : "") + R"({"metadata":{"name":"app-)" + std::to_string(i)
            + R"(","namespace":"argocd"},"spec":{"source":{"repoURL":"https://x/y.git"}}})";
  }
  body += "]}";
  FakeHttpTransport http;
  const std::string url = k_list + "?selector=team%3Dweb%2Ctier%21%3Dfront&project=default";
  http.on_json(url, body);
  auto listed = argocd::list_applications(http, server(), {"team=web,tier!=front", "default", ""});
  REQUIRE(listed);
  CHECK(listed->errors.empty());
  REQUIRE(listed->applications.size() == count);
  CHECK(listed->applications.front().name == "app-0");
  CHECK(listed->applications.back().name == "app-2999");
  CHECK(listed->applications.back().origin_text == k_base);
  CHECK(http.requests.size() == 1);
  CHECK(http.requests[0].max_body >= body.size());

  // grpc-gateway omits an empty list.
  FakeHttpTransport empty;
  empty.on_json(k_list, R"({"metadata":{}})");
  auto none = argocd::list_applications(empty, server(), {});
  REQUIRE(none);
  CHECK(none->applications.empty());
  CHECK(none->errors.empty());
}

TEST_CASE("a saved plan's update is refused when the object moved, else conditional", "[argocd]") {
  auto versioned = [](const std::string& version, const std::string& parameters) {
    std::string text = web_json(parameters);
    return text.replace(
        text.find(R"("name":"web")"), 12, R"("name":"web","resourceVersion":")" + version + R"(")");
  };
  FakeHttpTransport http;
  http.on_json(k_list, R"({"items":[)" + versioned("7", k_params) + "]}");
  auto listed = argocd::list_applications(http, server(), {});
  REQUIRE(listed);
  REQUIRE(listed->applications.size() == 1);
  const auto& listed_app = listed->applications[0];
  CHECK(listed_app.resource_version == "7");
  CHECK(listed_app.state_sha256.size() == 64);
  argocd::SeenState seen{listed_app.resource_version, listed_app.state_sha256};
  auto u = web_update();

  SECTION("unchanged: a JSON patch testing the resourceVersion first") {
    http.on_json(k_app_url, versioned("7", k_params));
    http.on("PATCH", k_app_url, [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
    auto updated = argocd::update_application_images(
        http, server(), u.application, u.type, u.images, argocd::Write::yes, seen);
    REQUIRE(updated);
    const auto& patch = http.requests.back();
    REQUIRE(patch.method == "PATCH");
    CHECK(patch.body.find(R"("patchType":"json")") != std::string::npos);
    CHECK_THAT(
        patch.body,
        Catch::Contains(R"([{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",)"
                        R"(\"value\":\"7\"},{\"op\":\"add\",\"path\":\"/spec/source/helm\")"));
  }
  SECTION("moved since: refused without a write") {
    http.on_json(k_app_url, versioned("9", k_params + R"(,{"name":"replicas","value":"3"})"));
    auto updated = argocd::update_application_images(
        http, server(), u.application, u.type, u.images, argocd::Write::yes, seen);
    REQUIRE_FALSE(updated);
    CHECK(updated.error().kind == util::ErrorKind::conflict);
    CHECK(updated.error().message
          == "Argo CD API 'https://argocd.example': application 'web': changed since the plan "
             "was made (resourceVersion '7', now '9'); nothing was written");
    CHECK(count_method(http, "PATCH") == 0);
  }
  SECTION("a conflict while writing is not retried") {
    http.on_json(k_app_url, versioned("7", k_params));
    http.on("PATCH", k_app_url, [](const HttpRequest&) {
      return argocd_error(409, 10, "the object has been modified");
    });
    auto updated = argocd::update_application_images(
        http, server(), u.application, u.type, u.images, argocd::Write::yes, seen);
    REQUIRE_FALSE(updated);
    CHECK(updated.error().kind == util::ErrorKind::conflict);
    CHECK(count_method(http, "PATCH") == 1);
  }
}
