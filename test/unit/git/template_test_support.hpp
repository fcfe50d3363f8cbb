// SPDX-License-Identifier: Apache-2.0
#pragma once

// The data and the render helpers that the template tests share.

#include "git/template.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace argoimg::git::test {

inline TemplateValue data() {
  return TemplateValue::Map{{"Name", "web"},
                            {"Empty", ""},
                            {"Flag", true},
                            {"Items", TemplateValue::List{"a", "b"}},
                            {"Nested", TemplateValue::List{TemplateValue::List{"x", "y"}}},
                            {"Nums", TemplateValue::List{1, 2, 3, 4, 5}},
                            {"None", TemplateValue::List{}},
                            {"Sub", TemplateValue::Map{{"Deep", "d"}}},
                            {"Labels", TemplateValue::Strings{{"k1", "v1"}, {"k2", "v2"}}}};
}

// The output of `text` on `value`; a parse or render error fails the test.
inline std::string render(const std::string& text, const TemplateValue& value = data()) {
  auto parsed = parse_template(text, "t");
  REQUIRE(parsed);
  auto out = parsed->render(value);
  if (!out) {
    FAIL(out.error().message);
  }
  return *out;
}

// The message of a render error (always of kind `config`); success fails the test.
inline std::string render_error(const std::string& text, const TemplateLimits& limits = {}) {
  auto parsed = parse_template(text, "t");
  REQUIRE(parsed);
  auto out = parsed->render(data(), limits);
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == util::ErrorKind::config);
  return out.error().message;
}

// The message of a parse error (always of kind `config`) in "commit.tmpl".
inline std::string parse_error(const std::string& text) {
  auto parsed = parse_template(text, "commit.tmpl");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().kind == util::ErrorKind::config);
  return parsed.error().message;
}

} // namespace argoimg::git::test
