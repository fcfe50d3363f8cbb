// SPDX-License-Identifier: Apache-2.0
#include "util/rare_string.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <utility>

using argoimg::util::RareString;

TEST_CASE("rare strings: a pointer when unset, read as std::optional", "[util][rare_string]") {
  STATIC_REQUIRE(sizeof(RareString) == sizeof(void*));

  RareString unset;
  CHECK_FALSE(unset.has_value());
  CHECK_FALSE(static_cast<bool>(unset));
  CHECK(unset == std::nullopt);
  CHECK(unset.value_or("fallback") == "fallback");
  CHECK(std::optional<std::string>(unset) == std::nullopt);

  RareString set = "v1.2.3";
  REQUIRE(set.has_value());
  CHECK(*set == "v1.2.3");
  CHECK(set->size() == 6);
  CHECK(set == "v1.2.3");
  CHECK(set == std::string_view("v1.2.3"));
  CHECK(set.value_or("fallback") == "v1.2.3");
  CHECK(std::optional<std::string>(set) == std::optional<std::string>("v1.2.3"));

  // An empty string is a value, as for std::optional.
  RareString empty = std::string();
  CHECK(empty.has_value());
  CHECK_FALSE(empty == unset);
  CHECK(empty == "");
}

TEST_CASE("rare strings: copies are deep, moves leave nothing", "[util][rare_string]") {
  RareString a = std::optional<std::string>("sha256:abc");
  RareString b = a;
  *b += "d";
  CHECK(*a == "sha256:abc");
  CHECK(*b == "sha256:abcd");
  CHECK_FALSE(a == b);

  RareString c = std::move(b);
  CHECK(*c == "sha256:abcd");

  a = std::nullopt;
  CHECK_FALSE(a.has_value());
  a = c;
  CHECK(a == c);
  c.reset();
  CHECK(*a == "sha256:abcd");
  CHECK(a == std::optional<std::string>("sha256:abcd"));
  CHECK_FALSE(c == std::optional<std::string>("sha256:abcd"));
  CHECK(c == std::optional<std::string>());
  a.emplace("x");
  CHECK(a.value() == "x");
}
