// SPDX-License-Identifier: Apache-2.0
// The template language: actions, control structures, variables, pipelines, errors, caps.
// Expected outputs are what Go's text/template prints for the same template and data.
#include "template_test_support.hpp"

#include "git/messages.hpp"
#include "git/template.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::git;
using namespace argoimg::git::test;

TEST_CASE("templates: fields, root, if/else if/else, range/else, trimming, comments", "[git]") {
  CHECK(render("x {{ .Name }} {{ .Sub.Deep }} y") == "x web d y");
  CHECK(render("{{ range .Items }}{{ . }}{{ $.Name }},{{ end }}") == "aweb,bweb,");
  CHECK(render("{{ if .Empty }}A{{ else if .Flag }}B{{ else }}C{{ end }}") == "B");
  CHECK(render("{{ if .None }}A{{ else }}C{{ end }}") == "C");
  CHECK(render("{{ if .Sub }}a struct is true{{ end }}") == "a struct is true");
  CHECK(render("{{ range .None }}x{{ else }}empty{{ end }}") == "empty");
  CHECK(render("a  \n  {{- .Name -}}  \n  b") == "awebb");
  CHECK(render("{{/* a comment */}}ok{{- /* trimmed */ -}}  !") == "ok!");
  CHECK(render("{{ . }}", TemplateValue("plain")) == "plain");
  CHECK(render("{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 'a' }} {{ true }} {{ `raw\\n` }} {{ \"q\\t\" }}")
        == "42 -7 31 97 true raw\\n q\t");
  CHECK(render("{{ .Labels.k1 }} {{ .Labels.missing }} {{ .Labels }}")
        == "v1 <no value> map[k1:v1 k2:v2]");
  CHECK(render("{{ .Items }} {{ .Nums }} {{ .Sub }}") == "[a b] [1 2 3 4 5] {d}");
  CHECK(render("{{ with .Sub }}{{ .Deep }}{{ end }}{{ with .Empty }}x{{ else with .Name }}"
               "{{ . }}{{ end }}")
        == "dweb");
}

TEST_CASE("templates: pipelines pass the value as the last argument", "[git]") {
  CHECK(render("{{ .Name | printf \"%s!\" }}") == "web!");
  CHECK(render("{{ \"x\" | printf \"%s-%s\" \"a\" }}") == "a-x");
  CHECK(render("{{ .Items | len }}") == "2");
  CHECK(render("{{ .Name | len | printf \"%03d\" }}") == "003");
  CHECK(render("{{ printf \"%d\" (len .Items) }} {{ (index .Items 1) }} {{ (.Sub).Deep }}")
        == "2 b d");
  CHECK(render("{{ or .Empty (print \"x\" | len) }}") == "1");
}

TEST_CASE("templates: variables, assignment and Go's scopes", "[git]") {
  CHECK(render("{{ $x := \"a\" }}{{ $x }}{{ $x = \"b\" }}{{ $x }}") == "ab");
  CHECK(render("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}") == "21");
  CHECK(render("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}") == "2");
  CHECK(render("{{ $x := 0 }}{{ range .Nums }}{{ $x = . }}{{ end }}{{ $x }}") == "5");
  CHECK(render("{{ range $i, $c := .Items }}{{ $i }}={{ $c }};{{ end }}") == "0=a;1=b;");
  CHECK(render("{{ range $c := .Items }}{{ $c }}{{ end }}") == "ab");
  CHECK(render("{{ range $k, $v := .Labels }}{{ $k }}={{ $v }},{{ end }}") == "k1=v1,k2=v2,");
  CHECK(render("{{ range $i := 3 }}{{ $i }}{{ end }}") == "012");
  CHECK(render("{{ with $x := .Name }}{{ $x }}{{ . }}{{ end }}") == "webweb");
  CHECK(render("{{ range .Items }}{{ $ := 1 }}{{ end }}{{ $.Name }}") == "web");
  CHECK(render("{{ range .Nums }}{{ if eq . 2 }}{{ continue }}{{ end }}"
               "{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}")
        == "13");
  CHECK_THAT(parse_error("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}"),
             Catch::Contains("commit.tmpl:1:39: undefined variable '$y'"));
  CHECK_THAT(parse_error("{{ $z = 1 }}"), Catch::Contains("undefined variable '$z'"));
  CHECK_THAT(parse_error("{{ $a, $b := .Items }}"), Catch::Contains("too many declarations"));
  CHECK_THAT(parse_error("{{ break }}"), Catch::Contains("{{break}} outside {{range}}"));
}

TEST_CASE("AIU's documented Upstream Commit template renders", "[git]") {
  // docs/basics/update-methods.md of argocd-image-updater, "Changing the Git commit message".
  const std::string text =
      "build: Automatic update of {{ .AppName }}\n"
      "\n"
      "{{ range .AppChanges -}}\n"
      "updates image {{ .Image }} tag '{{ .OldTag }}' to '{{ .NewTag }}'\n"
      "{{- if index .Labels \"org.opencontainers.image.revision\" }}\n"
      "{{- $source := index .Labels \"org.opencontainers.image.source\" }}\n"
      "{{- $revision := index .Labels \"org.opencontainers.image.revision\" }}\n"
      "Upstream Commit: {{ $source }}/commit/{{ $revision }}\n"
      "{{ end }}\n"
      "{{ end -}}\n";
  auto parsed = parse_template(text, "commit.template");
  REQUIRE(parsed);
  ImageChangeRecord labelled{"foo/bar",
                             "web",
                             "1.0",
                             "1.1",
                             {{"org.opencontainers.image.source", "https://github.com/org/repo"},
                              {"org.opencontainers.image.revision", "abc123"}}};
  ImageChangeRecord plain{"baz", "", "v1", "v2", {}};
  auto message = commit_message(*parsed, {{"guestbook", {labelled, plain}}});
  REQUIRE(message);
  CHECK(*message
        == "build: Automatic update of guestbook\n\n"
           "updates image foo/bar tag '1.0' to '1.1'\n"
           "Upstream Commit: https://github.com/org/repo/commit/abc123\n\n"
           "updates image baz tag 'v1' to 'v2'\n");
}

TEST_CASE("AIU's default commit message is reproduced byte for byte", "[git]") {
  auto parsed = parse_template(k_default_commit_template, "default");
  REQUIRE(parsed);
  auto one = commit_message(
      *parsed,
      {{"guestbook", {{"foo/bar", "web", "1.0", "1.1", {}}, {"baz", "", "v1", "v2", {}}}}});
  REQUIRE(one);
  CHECK(*one
        == "build: automatic update of guestbook\n\n"
           "updates image foo/bar tag '1.0' to '1.1'\n"
           "updates image baz tag 'v1' to 'v2'\n");
  auto two =
      commit_message(*parsed, {{"a", {{"x", "", "1", "2", {}}}}, {"b", {{"y", "", "3", "4", {}}}}});
  REQUIRE(two);
  CHECK(*two
        == "build: automatic update of 2 applications\n\n"
           "build: automatic update of a\n\nupdates image x tag '1' to '2'\n\n"
           "build: automatic update of b\n\nupdates image y tag '3' to '4'\n");
}

TEST_CASE("template parse errors name file, line and column", "[git]") {
  struct Row {
    const char* text;
    const char* message;
  };
  for (const Row& row : std::vector<Row>{
           {"ok\n  {{ .Name", "template: commit.tmpl:2:3: unclosed action"},
           {"{{ if .X }}never closed",
            "template: commit.tmpl:1:1: unexpected EOF: {{if}} is never closed with {{end}}"},
           {"a\nb {{ end }}", "template: commit.tmpl:2:3: unexpected {{end}}"},
           {"{{ else }}", "unexpected {{else}}"},
           {"{{ lenn .X }}", "commit.tmpl:1:4: function 'lenn' not defined (did you mean 'len'?)"},
           {"{{ Name }}", "function 'Name' not defined"},
           {"{{ .A. }}", "unexpected '.' in operand"},
           {"{{ \"a\"\"b\" }}", "unexpected 'b' in operand"},
           {"{{ printf \"%d\" (len .X }}", "unclosed left paren"},
           {"{{ .X | 3 }}", "non executable command in pipeline stage 2"},
           {"{{ 1.5 }}", "floating-point numbers are not supported"},
           {"{{ \"open }}", "unterminated quoted string"},
           {"{{/* open", "unclosed comment"},
           {"{{ # }}", "unrecognized character in action: U+0023"},
           {"{{ define \"x\" }}{{ end }}", "{{define}} is not supported"},
           {"{{ range .X }}{{ else if .Y }}{{ end }}", "{{else if}} is only allowed in {{if}}"},
           {"{{ | }}", "missing value for command"},
       }) {
    CAPTURE(row.text);
    CHECK_THAT(parse_error(row.text), Catch::Contains(row.message));
  }
  std::string deep;
  for (int i = 0; i < 150; ++i) {
    deep += "{{ if true }}";
  }
  CHECK_THAT(parse_error(deep), Catch::Contains("nested deeper than 100"));
  CHECK_THAT(parse_error("{{ " + std::string(150, '(') + "1" + std::string(150, ')') + " }}"),
             Catch::Contains("nested deeper than 100"));
}

TEST_CASE("template execution errors say where and what, like Go", "[git]") {
  auto parsed = parse_template("line one\n  {{ .AppNmae }}", "commit.tmpl");
  REQUIRE(parsed);
  auto out = parsed->render(TemplateValue::Map{{"AppName", "x"}});
  REQUIRE_FALSE(out);
  CHECK(out.error().message
        == "template: commit.tmpl:2:6: executing \"commit.tmpl\" at <.AppNmae>: can't evaluate "
           "field AppNmae (did you mean 'AppName'?)");
  CHECK_THAT(render_error("{{ range .Name }}{{ end }}"),
             Catch::Contains("range can't iterate over web"));
  CHECK_THAT(render_error("{{ .Name.X }}"),
             Catch::Contains("can't evaluate field X in type string"));
  CHECK_THAT(render_error("{{ .Name 1 }}"),
             Catch::Contains("Name has arguments but cannot be invoked as function"));
  CHECK_THAT(render_error("{{ $ 1 }}"), Catch::Contains("can't give argument to non-function $"));
  CHECK_THAT(render_error("{{ nil }}"), Catch::Contains("nil is not a command"));
  CHECK_THAT(render_error("{{ index .Items 5 }}"),
             Catch::Contains("t:1:4: executing \"t\" at <index .Items 5>: error calling index: "
                             "index out of range: 5"));
}

TEST_CASE("template caps: steps, output size and value size", "[git]") {
  TemplateLimits small;
  small.max_steps = 1000;
  CHECK_THAT(render_error("{{ range $i := 1000 }}{{ end }}", small),
             Catch::Contains("execution exceeds 1000 steps"));
  TemplateLimits little_output;
  little_output.max_output = 100;
  CHECK_THAT(render_error("{{ range .Nums }}{{ printf \"%30d\" . }}{{ end }}", little_output),
             Catch::Contains("output exceeds 100 bytes"));
  // A value doubling itself is stopped at the value cap, before it exhausts memory.
  TemplateLimits roomy;
  roomy.max_total_bytes = 64u << 20;
  CHECK_THAT(
      render_error("{{ $x := \"ab\" }}{{ range $i := 64 }}{{ $x = print $x $x }}{{ end }}", roomy),
      Catch::Contains("error calling print: the result exceeds 1048576 bytes"));
  CHECK_THAT(render_error("{{ range $i := 10000000 }}{{ end }}"),
             Catch::Contains("exceeds 100000 iterations"));
  // A nested range of 10^10 iterations stops after the default million steps.
  CHECK_THAT(render_error("{{ range $i := 100000 }}{{ range $j := 100000 }}{{ end }}{{ end }}"),
             Catch::Contains("execution exceeds 1000000 steps"));
}

TEST_CASE("template caps: a memory budget over all values made", "[git]") {
  const std::string budget = "exceeds the template's memory budget of 8388608 bytes";
  // Copies of a 1 MB value kept in top-level variables (a write-branch annotation could ask
  // for 20,000 of them) stop once their total passes the budget.
  std::string copies = "main:{{$a := printf \"%999999d\" 0}}";
  for (int i = 0; i < 20000; ++i) {
    copies += "{{$b" + std::to_string(i) + " := $a}}";
  }
  CHECK_THAT(render_error(copies),
             Catch::Contains("template: t:1:") && Catch::Contains("<$b3 := $a>")
                 && Catch::Contains(budget));
  // A 1 MB value made again in each of 100,000 iterations takes few steps but would copy
  // 100 GB: the budget stops it within a few iterations.
  CHECK_THAT(render_error("{{range 100000}}{{$x := printf \"%999999d\" 0}}{{end}}"),
             Catch::Contains("template: t:1:") && Catch::Contains(budget));
  // Reading a big variable copies it too.
  CHECK_THAT(render_error("{{$a := printf \"%999999d\" 0}}{{range 100000}}{{len $a}}{{end}}"),
             Catch::Contains(budget));
  // The budget is a limit of its own.
  TemplateLimits tight;
  tight.max_total_bytes = 1000;
  CHECK_THAT(render_error("{{ range .Nums }}{{ printf \"%300d\" . }}{{ end }}", tight),
             Catch::Contains("exceeds the template's memory budget of 1000 bytes"));
  CHECK(render("{{ $x := printf \"%300d\" 1 }}{{ len $x }}") == "300");
}

TEST_CASE("write-branch names: .Images, .SHA256, .AppName, .AppNamespace, .TargetKey", "[git]") {
  std::vector<ImageChangeRecord> changes{{"foo/bar", "web", "1.0", "1.1", {}},
                                         {"baz", "b", "v1", "v2", {}}};
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
  auto app = parse_template("{{ .AppNamespace }}/{{ .AppName }}-{{ .TargetKey }}", "branch");
  REQUIRE(app);
  std::string key = target_key("https://git.example/gitops.git", "main", "apps/web/values.yaml");
  CHECK(
      key
      == util::sha256_hex("https://git.example/gitops.git|main|apps/web/values.yaml").substr(0, 8));
  CHECK(*branch_name(*app, changes, {"web", "team-a", key}) == "team-a/web-" + key);
  CHECK(*branch_name(*app, changes) == "/-"); // without a context: empty strings, as AIU
}
