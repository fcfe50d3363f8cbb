// SPDX-License-Identifier: Apache-2.0
#include "image/image_list.hpp"
#include "image/image_ref.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::image;

TEST_CASE("references normalise Docker Hub names to one repository", "[image]") {
  for (const char* text : {"nginx",
                           "docker.io/nginx",
                           "docker.io/library/nginx",
                           "index.docker.io/library/nginx",
                           "library/nginx",
                           "nginx:1.25",
                           "registry-1.docker.io/library/nginx"}) {
    CAPTURE(text);
    auto ref = parse_image_ref(text);
    REQUIRE(ref);
    CHECK(ref->repository() == "docker.io/library/nginx");
  }
  CHECK(parse_image_ref("bitnami/redis")->repository() == "docker.io/bitnami/redis");
}

TEST_CASE("library/ is added only for single-component Docker Hub names", "[image]") {
  CHECK(parse_image_ref("harbor.example.com/library/x")->repository()
        == "harbor.example.com/library/x");
  CHECK(parse_image_ref("ghcr.io/x")->repository() == "ghcr.io/x");
  CHECK(parse_image_ref("localhost/x")->repository() == "localhost/x");
  CHECK(parse_image_ref("localhost:5000/team/app")->repository() == "localhost:5000/team/app");
}

TEST_CASE("references split registry, path, tag and digest per the Docker grammar", "[image]") {
  std::string digest = "sha256:" + std::string(64, 'a');
  auto ref = parse_image_ref("registry:5000/team/app:1.2@" + digest);
  REQUIRE(ref);
  CHECK(ref->registry == "registry:5000");
  CHECK(ref->path == "team/app");
  CHECK(ref->tag == "1.2");
  CHECK(ref->digest == digest);
  CHECK(ref->to_string() == "registry:5000/team/app:1.2@" + digest);
  auto plain = parse_image_ref("team/app");
  CHECK(plain->registry.empty());
  CHECK(plain->name() == "team/app");
  auto ip = parse_image_ref("127.0.0.1:5000/x");
  CHECK(ip->registry == "127.0.0.1:5000");
  auto upper = parse_image_ref("MyRegistry/x");
  CHECK(upper->registry == "MyRegistry");
  CHECK(parse_image_ref("[::1]:5000/x")->registry == "[::1]:5000");
}

TEST_CASE("invalid references say what is wrong", "[image]") {
  struct Row {
    const char* text;
    const char* detail;
  };
  for (const Row& row : std::vector<Row>{
           {"", "empty reference"},
           {"Nginx", "invalid path component 'Nginx'"},
           {"nginx:~1.2", "invalid tag '~1.2'"},
           {"nginx:-x", "invalid tag '-x'"},
           {"nginx@sha256:abc", "needs 64 lowercase hex digits"},
           {"nginx@md5:abc", "unsupported algorithm 'md5'"},
           {"a//b", "invalid path component ''"},
           {"a/b-/c", "invalid path component 'b-'"},
           {"reg.example.com/", "missing repository path"},
           {"bad_host.com/x", "invalid registry 'bad_host.com'"},
       }) {
    CAPTURE(row.text);
    auto ref = parse_image_ref(row.text);
    REQUIRE_FALSE(ref);
    CHECK_THAT(ref.error().message, Catch::Contains(row.detail));
  }
  CHECK(parse_image_ref("a__b/c.d/e--f_g")); // every separator form
  CHECK(parse_image_ref("x:" + std::string(128, 'a')));
  CHECK_FALSE(parse_image_ref("x:" + std::string(129, 'a')));
}

TEST_CASE("loopback registries are recognised like Docker does", "[image]") {
  CHECK(is_loopback_host("localhost"));
  CHECK(is_loopback_host("localhost:5000"));
  CHECK(is_loopback_host("127.0.0.1:5000"));
  CHECK(is_loopback_host("127.10.20.30"));
  CHECK(is_loopback_host("[::1]:5000"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.example.com"));
  CHECK_FALSE(is_loopback_host("localhost.example.com"));
  CHECK_FALSE(is_loopback_host("10.0.0.1"));
}

TEST_CASE("image-list elements keep constraints that contain '='", "[image]") {
  struct Row {
    const char* element;
    const char* alias;
    const char* image;
    const char* constraint;
  };
  for (const Row& row : std::vector<Row>{
           {"nginx", "", "nginx", ""},
           {"web=nginx", "web", "nginx", ""},
           {"web = nginx:~1.26", "web", "nginx", "~1.26"},
           {"nginx:>=1.2", "", "nginx", ">=1.2"},
           {"x:=1.0", "", "x", "=1.0"},
           {"x:!=1.3", "", "x", "!=1.3"},
           {"a=x:>=1.0 <2.0", "a", "x", ">=1.0 <2.0"},
           {"registry:5000/team/x:~1", "", "registry:5000/team/x", "~1"},
           {"registry:5000/team/x", "", "registry:5000/team/x", ""},
           {"argoproj/argocd=quay.io/argoproj/argocd:^1.0 || ^2.0",
            "argoproj/argocd",
            "quay.io/argoproj/argocd",
            "^1.0 || ^2.0"},
           {"app=ghcr.io/o/app:1.x-0", "app", "ghcr.io/o/app", "1.x-0"},
           {"  spaced = nginx:latest  ", "spaced", "nginx", "latest"},
       }) {
    CAPTURE(row.element);
    auto entry = parse_image_list_entry(row.element);
    REQUIRE(entry);
    CHECK(entry->alias.value_or("") == row.alias);
    CHECK(entry->image_text == row.image);
    CHECK(entry->constraint.value_or("") == row.constraint);
  }
}

TEST_CASE("image-list values split at every comma and report bad elements alone", "[image]") {
  auto entries = parse_image_list("a=nginx:~1.2, b=Bad/Image ,, c=redis");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0]);
  REQUIRE_FALSE(entries[1]);
  CHECK_THAT(entries[1].error().message, Catch::StartsWith("image-list element 'b=Bad/Image'"));
  CHECK(entries[2]->alias == std::optional<std::string>("c"));
  CHECK_FALSE(parse_image_list_entry("x="));
  CHECK_FALSE(parse_image_list_entry("nginx:"));
}
