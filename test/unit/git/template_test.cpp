// SPDX-License-Identifier: Apache-2.0
#include "git/messages.hpp"
#include "git/template.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::git;

namespace {

std::string render(const std::string& text, const TemplateValue& data) {
  auto parsed = parse_template(text, "t");
  REQUIRE(parsed);
  auto out = parsed->render(data);
  REQUIRE(out);
  return *out;
}

} // namespace

TEST_CASE("AIU's default commit message is reproduced byte for byte", "[git]") {
  auto parsed = parse_template(k_default_commit_template, "default");
  REQUIRE(parsed);
  auto one = commit_message(
      *parsed, {{"guestbook", {{"foo/bar", "web", "1.0", "1.1"}, {"baz", "", "v1", "v2"}}}});
  REQUIRE(one);
  CHECK(*one
        == "build: automatic update of guestbook\n\n"
           "updates image foo/bar tag '1.0' to '1.1'\n"
           "updates image baz tag 'v1' to 'v2'\n");
  auto two = commit_message(*parsed, {{"a", {{"x", "", "1", "2"}}}, {"b", {{"y", "", "3", "4"}}}});
  REQUIRE(two);
  CHECK(*two
        == "build: automatic update of 2 applications\n\n"
           "build: automatic update of a\n\nupdates image x tag '1' to '2'\n\n"
           "build: automatic update of b\n\nupdates image y tag '3' to '4'\n");
}

TEST_CASE("templates: fields, root, if/else if/else, range/else, trimming, functions", "[git]") {
  TemplateValue::Map data{
      {"Name", "web"},
      {"Empty", ""},
      {"Flag", true},
      {"Items",
       TemplateValue::List{TemplateValue::Map{{"V", "a"}}, TemplateValue::Map{{"V", "b"}}}},
      {"None", TemplateValue::List{}},
      {"Sub", TemplateValue::Map{{"Deep", "d"}}}};
  CHECK(render("x {{ .Name }} {{ .Sub.Deep }} y", data) == "x web d y");
  CHECK(render("{{ range .Items }}{{ .V }}{{ $.Name }},{{ end }}", data) == "aweb,bweb,");
  CHECK(render("{{ if .Empty }}A{{ else if .Flag }}B{{ else }}C{{ end }}", data) == "B");
  CHECK(render("{{ if .None }}A{{ else }}C{{ end }}", data) == "C");
  CHECK(render("{{ range .None }}x{{ else }}empty{{ end }}", data) == "empty");
  CHECK(render("a  \n  {{- .Name -}}  \n  b", data) == "awebb");
  CHECK(render("{{/* a comment */}}ok", data) == "ok");
  CHECK(render("{{ if eq .Name \"web\" }}yes{{ end }}{{ if ne .Name `web` }}no{{ end }}", data)
        == "yes");
  CHECK(render("{{ len .Items }} {{ not .Flag }} {{ and .Flag .Name }} {{ or .Empty .Name }}", data)
        == "2 false web web");
  CHECK(render("{{ . }}", TemplateValue("plain")) == "plain");
}

TEST_CASE("template errors name line and column", "[git]") {
  struct Row {
    const char* text;
    const char* message;
  };
  for (const Row& row : std::vector<Row>{
           {"ok\n  {{ .Name", "commit.tmpl:2:3: unclosed action"},
           {"{{ if .X }}never closed",
            "commit.tmpl:1:1: unexpected EOF: {{if}} is never closed with {{end}}"},
           {"a\nb {{ end }}", "commit.tmpl:2:3: unexpected {{end}}"},
           {"{{ printf \"%s\" .X }}", "commit.tmpl:1:1: function 'printf' not defined"},
           {"{{ lenn .X }}", "function 'lenn' not defined (did you mean 'len'?)"},
           {"{{ Name }}", "unexpected 'Name'"},
           {"{{ .A. }}", "bad field reference '.A.'"},
       }) {
    CAPTURE(row.text);
    auto parsed = parse_template(row.text, "commit.tmpl");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == util::ErrorKind::config);
    CHECK_THAT(parsed.error().message, Catch::Contains(row.message));
  }
  auto parsed = parse_template("line one\n  {{ .AppNmae }}", "commit.tmpl");
  REQUIRE(parsed);
  auto out = parsed->render(TemplateValue::Map{{"AppName", "x"}});
  REQUIRE_FALSE(out);
  CHECK(out.error().message
        == "commit.tmpl:2:3: can't evaluate field AppNmae (did you mean 'AppName'?)");
  auto range = parse_template("{{ range .AppName }}{{ end }}", "t");
  REQUIRE(range);
  CHECK_FALSE(range->render(TemplateValue::Map{{"AppName", "x"}}));
}

TEST_CASE("write-branch names: .Images, .SHA256, truncation", "[git]") {
  std::vector<ImageChangeRecord> changes{{"foo/bar", "web", "1.0", "1.1"},
                                         {"baz", "b", "v1", "v2"}};
  auto parsed = parse_template(
      "image-updater{{ range .Images }}-{{ .Name }}-{{ .NewTag }}{{ end }}", "branch");
  REQUIRE(parsed);
  CHECK(*branch_name(*parsed, changes) == "image-updater-foo/bar-1.1-baz-v2");
  auto sha = parse_template("update-{{ .SHA256 }}", "branch");
  REQUIRE(sha);
  CHECK(*branch_name(*sha, changes) == "update-" + util::sha256_hex("foo/bar-1.0-1.1,baz-v1-v2,"));
  auto long_name =
      parse_template("{{ range .Images }}" + std::string(300, 'x') + "{{ end }}", "branch");
  REQUIRE(long_name);
  CHECK(branch_name(*long_name, changes)->size() == 255);
  auto empty = parse_template("{{ if .SHA256 }}{{ end }}", "branch");
  REQUIRE(empty);
  CHECK_FALSE(branch_name(*empty, changes));
}
