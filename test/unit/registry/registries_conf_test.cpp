// SPDX-License-Identifier: Apache-2.0
#include "image/image_ref.hpp"
#include "registry/client.hpp"
#include "registry/endpoint.hpp"
#include "registry/registries_conf.hpp"
#include "util/duration.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::registry;

namespace {

Endpoint resolve(const Registries& registries, const char* image) {
  return registries.endpoint_for(*image::parse_image_ref(image));
}

// The repository path `image` is looked up under at the endpoint serving it.
std::string path_at(const Registries& registries, const char* image) {
  auto ref = image::parse_image_ref(image);
  REQUIRE(ref);
  return registry_path(registries.endpoint_for(*ref), *ref);
}

Registries with_conf(const std::string& text) {
  Registries registries;
  auto entries = parse_registries_conf(text, "r.conf");
  REQUIRE(entries);
  registries.add(*entries);
  return registries;
}

} // namespace

TEST_CASE("registries.conf in AIU's format parses every field", "[registry]") {
  auto entries = parse_registries_conf(R"(registries:
- name: Docker Hub
  api_url: https://registry-1.docker.io/
  ping: yes
  credentials: env:DOCKER_HUB_CREDS
  credsexpire: 1h30m
  defaultns: library
  default: true
  limit: 5
- name: Internal
  prefix: registry.internal:5000
  api_url: http://127.0.0.1:5000
  insecure: on
  tagsortmode: latest-first
  ca_file: /etc/ssl/internal.pem
  ca_data: "-----BEGIN CERTIFICATE-----"
  maxrequests: 150
)",
                                       "registries.conf");
  REQUIRE(entries);
  REQUIRE(entries->size() == 2);
  const auto& hub = (*entries)[0];
  CHECK(hub.api_url == "https://registry-1.docker.io");
  CHECK(hub.ping);
  CHECK(hub.credentials == "env:DOCKER_HUB_CREDS");
  CHECK(hub.credsexpire == std::chrono::minutes(90));
  CHECK(hub.is_default);
  CHECK(hub.limit == 5);
  CHECK(hub.origin == "registries.conf:2");
  const auto& internal = (*entries)[1];
  CHECK(internal.insecure);
  CHECK(internal.tag_sort_mode == TagSortMode::latest_first);
  CHECK(internal.ca_file == "/etc/ssl/internal.pem");
  CHECK(internal.ca_data == "-----BEGIN CERTIFICATE-----");
  CHECK(internal.max_requests == std::optional<size_t>(150)); // argoimg's extension
  CHECK_FALSE(hub.max_requests);
}

TEST_CASE("registries.conf errors name file, line and column", "[registry]") {
  struct Row {
    const char* text;
    const char* message;
  };
  for (const Row& row : std::vector<Row>{
           {"registries:\n- name: a\n  api_url: https://a\n  prefx: a.io\n",
            "r.conf:4:3: unknown key 'prefx' in registry entry (did you mean 'prefix'?)"},
           {"registries:\n- api_url: https://a\n", "r.conf:2:3: registry entry without a 'name'"},
           {"registries:\n- name: a\n", "r.conf:2:3: registry 'a' has no 'api_url'"},
           {"registries:\n- name: a\n  api_url: https://a\n  credsexpire: 5 hours\n",
            "r.conf:4:16: invalid duration '5 hours' for 'credsexpire'"},
           {"registries:\n- name: a\n  api_url: https://a\n  default: maybe\n",
            "r.conf:4:12: 'default' must be true or false, not 'maybe'"},
           {"registries:\n- name: a\n  api_url: https://a\n  tagsortmode: latest-frist\n",
            "unknown tag sort mode 'latest-frist' (did you mean 'latest-first'?)"},
           {"registries:\n- name: a\n  api_url: https://a\n  limit: fast\n",
            "r.conf:4:10: 'limit' must be a number"},
           {"registries:\n- name: a\n  api_url: a.io\n", "must start with http:// or https://"},
           // A password would be written into the cache's entries; the message never shows it.
           {"registries:\n- name: a\n  api_url: https://bob:pw-xyzzy@a.io\n",
            "registry 'a': 'api_url' 'https://***:***@a.io' holds a user name or password; give "
            "them with 'credentials'"},
           {"registries:\n- name: a\n  api_url: https://a.io/v2?x=1\n",
            "'api_url' 'https://a.io/v2?x=1' has a query or fragment"},
           {"registries:\n- name: a\n  api_url: https://a.io#p\n", "has a query or fragment"},
           {"registries:\n- name: a\n  api_url: https://a\n  maxrequests: -1\n",
            "r.conf:4:16: 'maxrequests' must be a whole number of requests per run from 0 to "
            "999999999, not '-1'"},
           {"registries:\n- name: a\n  prefix: a\n  api_url: https://a\n  default: true\n"
            "- name: b\n  prefix: b\n  api_url: https://b\n  default: true\n",
            "r.conf:6:3: cannot set registry 'b' as default: only one default registry"},
           {"registries:\n- name: a\n  api_url: https://a\n- name: b\n  api_url: https://b\n",
            "there must be only one default registry (already 'a'), 'b' needs a prefix"},
           {"registry:\n- name: a\n",
            "r.conf:1:1: unknown top-level key 'registry' (did you mean 'registries'?)"},
           {"registries: [\n", "r.conf:2:1:"},
       }) {
    CAPTURE(row.text);
    auto entries = parse_registries_conf(row.text, "r.conf");
    REQUIRE_FALSE(entries);
    CHECK(entries.error().kind == util::ErrorKind::config);
    CHECK_THAT(entries.error().message, Catch::Contains(row.message));
    CHECK_THAT(entries.error().message, !Catch::Contains("pw-xyzzy"));
  }
  CHECK(parse_registries_conf("", "empty.conf")->empty());
}

TEST_CASE("Go durations parse like time.ParseDuration", "[util]") {
  using std::chrono::nanoseconds;
  CHECK(util::parse_go_duration("0") == nanoseconds(0));
  CHECK(util::parse_go_duration("5h") == std::chrono::hours(5));
  CHECK(util::parse_go_duration("1h30m") == std::chrono::minutes(90));
  CHECK(util::parse_go_duration("1.5h") == std::chrono::minutes(90));
  CHECK(util::parse_go_duration("500ms") == std::chrono::milliseconds(500));
  CHECK(util::parse_go_duration("2us") == std::chrono::microseconds(2));
  for (const char* bad : {"", "5", "h", "5x", "-5m", "1..5h", "5 h"}) {
    CAPTURE(bad);
    CHECK_FALSE(util::parse_go_duration(bad));
  }
}

TEST_CASE("endpoints resolve by default, exact and longest path prefix", "[registry]") {
  Registries registries;
  CHECK(resolve(registries, "nginx").api_url == "https://registry-1.docker.io");
  CHECK(resolve(registries, "nginx").default_namespace == "library");
  CHECK(resolve(registries, "nginx").rate_limit == 10);
  CHECK(resolve(registries, "index.docker.io/bitnami/redis").api_url
        == "https://registry-1.docker.io");
  CHECK(resolve(registries, "ghcr.io/o/app").api_url == "https://ghcr.io");
  CHECK(resolve(registries, "127.0.0.1:5000/x").api_url == "http://127.0.0.1:5000");
  CHECK(resolve(registries, "localhost/x").api_url == "http://localhost");
  registries.add_insecure_host("lab.example.com");
  CHECK(resolve(registries, "lab.example.com/x").api_url == "http://lab.example.com");

  auto entries = parse_registries_conf(R"(registries:
- name: mirror
  prefix: docker.io
  api_url: https://mirror.example.com
  defaultns: library
- name: team one
  prefix: reg.example.com/team1
  api_url: https://team1.example.com
- name: whole registry
  prefix: reg.example.com
  api_url: https://reg.example.com
  insecure: true
  limit: 0
)",
                                       "r.conf");
  REQUIRE(entries);
  registries.add(*entries);
  CHECK(resolve(registries, "nginx").api_url == "https://mirror.example.com");
  CHECK(resolve(registries, "nginx").name == "mirror");
  CHECK(resolve(registries, "docker.io/bitnami/redis").api_url == "https://mirror.example.com");
  CHECK(resolve(registries, "reg.example.com/team1/app").api_url == "https://team1.example.com");
  CHECK(resolve(registries, "reg.example.com/team10/app").api_url == "https://reg.example.com");
  CHECK_FALSE(resolve(registries, "reg.example.com/x").verify_tls);
  CHECK(resolve(registries, "reg.example.com/x").rate_limit == 0);
}

TEST_CASE("a configured default entry serves images without a registry", "[registry]") {
  Registries registries;
  auto entries = parse_registries_conf(
      "registries:\n- name: corp\n  prefix: corp.example.com\n  api_url: https://corp.example.com\n"
      "  defaultns: base\n  default: true\n",
      "r.conf");
  REQUIRE(entries);
  registries.add(*entries);
  auto endpoint = resolve(registries, "nginx");
  CHECK(endpoint.api_url == "https://corp.example.com");
  CHECK(endpoint.default_namespace == "base");
}

TEST_CASE("defaultns replaces library/ for one-part names at a Docker Hub mirror", "[registry]") {
  SECTION("a docker.io prefix with its own namespace") {
    auto registries = with_conf("registries:\n- name: Hub mirror\n  prefix: docker.io\n"
                                "  api_url: https://mirror.example\n  defaultns: myorg\n");
    for (const char* image : {"demo:1.2.0", "docker.io/demo", "index.docker.io/demo"}) {
      CAPTURE(image);
      CHECK(resolve(registries, image).api_url == "https://mirror.example");
      CHECK(path_at(registries, image) == "myorg/demo");
    }
    CHECK(path_at(registries, "team/demo") == "team/demo");
    CHECK(path_at(registries, "docker.io/library/demo") == "library/demo");
    CHECK(path_at(registries, "index.docker.io/team/demo") == "team/demo");
  }
  SECTION("a default entry without a prefix") {
    auto registries = with_conf("registries:\n- name: corp\n  api_url: https://corp.example\n"
                                "  defaultns: base\n  default: true\n");
    CHECK(resolve(registries, "demo").api_url == "https://corp.example");
    CHECK(path_at(registries, "demo") == "base/demo");
    CHECK(path_at(registries, "team/demo") == "team/demo");
  }
  SECTION("without defaultns Docker Hub names keep library/, other registries none") {
    Registries builtin;
    CHECK(path_at(builtin, "demo") == "library/demo");
    CHECK(path_at(builtin, "index.docker.io/demo") == "library/demo");
    auto registries = with_conf("registries:\n- name: Hub mirror\n  prefix: docker.io\n"
                                "  api_url: https://mirror.example\n"
                                "- name: other\n  prefix: reg.example.com\n"
                                "  api_url: https://reg.example.com\n");
    CHECK(path_at(registries, "demo") == "library/demo");
    CHECK(path_at(registries, "reg.example.com/demo") == "demo");
    CHECK(path_at(registries, "ghcr.io/demo") == "demo");
  }
  SECTION("a namespace on another registry's prefix") {
    auto registries = with_conf("registries:\n- name: ns\n  prefix: reg.example.com\n"
                                "  api_url: https://reg.example.com\n  defaultns: team\n");
    CHECK(path_at(registries, "reg.example.com/demo") == "team/demo");
    CHECK(path_at(registries, "reg.example.com/a/demo") == "a/demo");
    CHECK(path_at(registries, "demo") == "library/demo"); // still the built-in Docker Hub
  }
}

TEST_CASE("trust labels keep what is learnt under one TLS trust apart from another", "[registry]") {
  registry::Endpoint verified;
  CHECK(registry::trust_label(verified).empty()); // the default: keys as they always were
  registry::Endpoint insecure = verified;
  insecure.verify_tls = false;
  registry::Endpoint own_ca = verified;
  own_ca.ca_pem = "-----BEGIN CERTIFICATE-----\n...";
  CHECK(registry::trust_label(insecure) == " insecure");
  CHECK(registry::trust_label(own_ca).rfind(" ca ", 0) == 0);
  CHECK(registry::trust_label(own_ca) != registry::trust_label(insecure));
}

TEST_CASE("cache keys keep two APIs apart even when API and path join to one URL", "[registry]") {
  registry::Endpoint under_prefix;
  under_prefix.api_url = "http://127.0.0.1:5000/prefix"; // its repository `app`
  registry::Endpoint at_root;
  at_root.api_url = "http://127.0.0.1:5000"; // its repository `prefix/app`
  CHECK(registry::repository_cache_key(under_prefix, "app")
        != registry::repository_cache_key(at_root, "prefix/app"));
  CHECK(registry::api_cache_key(under_prefix) != registry::api_cache_key(at_root));
  registry::Endpoint insecure = at_root;
  insecure.verify_tls = false;
  CHECK(registry::repository_cache_key(insecure, "prefix/app")
        != registry::repository_cache_key(at_root, "prefix/app"));
  CHECK(registry::repository_cache_key(at_root, "prefix/app")
        == "21:http://127.0.0.1:5000 0: prefix/app");
}
