// SPDX-License-Identifier: Apache-2.0
// The cheaper proof of an edit made only of scalar replacements (verify.hpp): it must accept
// what YamlText::set writes, and refuse — so that the full re-parse decides — any text that
// changed elsewhere or any token that is not one whole scalar reading as the intended string.
#include "writeback/verify.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace argoimg::writeback;

namespace {

YamlPath path(const std::string& helm_path) {
  return *parse_helm_path(helm_path);
}

using Replacement = YamlText::Replacement;

} // namespace

TEST_CASE("replacement proof: set() edits are proven without a re-parse", "[writeback][proof]") {
  const std::string before = "# values\nweb:\n  image: {repository: a/web, tag: 1.0.0}\n"
                             "worker:\n  tag: '1.0.0' # pinned\nlist: [x, \"y\"]\n";
  YamlText yaml(before);
  REQUIRE(yaml.set(0, path("web.image.tag"), "1.2.3"));
  REQUIRE(yaml.set(0, path("worker.tag"), "1.10"));
  REQUIRE(yaml.set(0, path("list[1]"), "z,w"));
  std::vector<ExpectedValue> expected = {{0, path("web.image.tag"), "1.2.3"},
                                         {0, path("worker.tag"), "1.10"},
                                         {0, path("list[1]"), "z,w"}};
  REQUIRE(yaml.replacements().size() == 3);
  CHECK(proven_by_replacements(before, yaml.text(), yaml.replacements(), expected));
  // The full check agrees.
  CHECK(verify_edit(before,
                    yaml.text(),
                    expected,
                    {{0, path("web.image.tag")}, {0, path("worker.tag")}, {0, path("list[1]")}}));
}

TEST_CASE("replacement proof: a text changed elsewhere is not proven", "[writeback][proof]") {
  const std::string before = "a: 1\nb: x\n";
  std::vector<Replacement> replacements = {{8, "x", "z", "x", "z"}};
  std::vector<ExpectedValue> expected = {{0, path("b"), "z"}};
  CHECK(proven_by_replacements(before, "a: 1\nb: z\n", replacements, expected));
  // `a` changed too: the replay does not give this text, and the full check refuses it.
  CHECK_FALSE(proven_by_replacements(before, "a: 2\nb: z\n", replacements, expected));
  CHECK_FALSE(verify_edit(before, "a: 2\nb: z\n", expected, {{0, path("b")}}));
  // A comment after the value removed: not what the replacements say either.
  CHECK_FALSE(proven_by_replacements("a: 1\nb: x # c\n", "a: 1\nb: z\n", replacements, expected));
  // The old token is not at the recorded place.
  CHECK_FALSE(proven_by_replacements("a: 1\nb: y\n", "a: 1\nb: z\n", replacements, expected));
  // An edit the replacements do not account for (a value appended): not proven.
  CHECK_FALSE(proven_by_replacements(
      before, "a: 1\nb: z\n", replacements, {{0, path("b"), "z"}, {0, path("c"), "q"}}));
  CHECK_FALSE(proven_by_replacements(before, before, {}, {}));
}

TEST_CASE("replacement proof: a token that is not one whole string scalar is refused",
          "[writeback][proof]") {
  const std::string before = "a: [x, y]\nb: old # note\n";
  auto proven = [&](size_t at,
                    const std::string& old_token,
                    const std::string& token,
                    const std::string& value) {
    std::string after = before;
    after.replace(at, old_token.size(), token);
    return proven_by_replacements(
        before, after, {{at, old_token, token, old_token, value}}, {{0, path("b"), value}});
  };
  size_t b = before.find("old");
  CHECK(proven(b, "old", "new", "new"));
  CHECK(proven(b, "old", "'a: b'", "a: b"));
  // Each of these would change the tree beyond the one scalar, or read as something else.
  CHECK_FALSE(proven(b, "old", "new: key", "new: key"));   // a mapping
  CHECK_FALSE(proven(b, "old", "new # c", "new # c"));     // a comment swallows the rest
  CHECK_FALSE(proven(b, "old", "- new", "- new"));         // a sequence
  CHECK_FALSE(proven(b, "old", "1.10", "1.10"));           // reads as a number
  CHECK_FALSE(proven(b, "old", "true", "true"));           // reads as a boolean
  CHECK_FALSE(proven(b, "old", "*anchor", "*anchor"));     // an alias
  CHECK_FALSE(proven(b, "old", "&a new", "&a new"));       // an anchor
  CHECK_FALSE(proven(b, "old", "!!str new", "!!str new")); // a tag
  CHECK_FALSE(proven(b, "old", "'new\n  x'", "new x"));    // two lines
  CHECK_FALSE(proven(b, "old", "'unterminated", "'unterminated"));
  CHECK_FALSE(proven(b, "old", "new", "other")); // not the intended value
  // Inside a flow sequence a plain `,` or `]` would end the value: refused even in block
  // context, where the proof cannot tell the difference.
  size_t y = before.find('y');
  CHECK_FALSE(proven(y, "y", "p, q", "p, q"));
  CHECK_FALSE(proven(y, "y", "p]", "p]"));
  CHECK(proven(y, "y", "\"p, q\"", "p, q"));
  // The old token must be the whole scalar the parse read there.
  std::string after = before;
  after.replace(b, 2, "ne");
  CHECK_FALSE(proven_by_replacements(
      before, after, {{b, "ol", "ne", "old", "ne"}}, {{0, path("b"), "ne"}}));
}

TEST_CASE("property: whatever the proof accepts, the full check accepts", "[writeback][proof]") {
  std::mt19937 rng(16);
  const std::vector<std::string> files = {"tag: v1\n",
                                          "a:\n  b: 'q' # c\n  c: [1, two, \"three\"]\n",
                                          "m: {k: v, n: 1}\nl:\n- x\n- 'y'\n",
                                          "\xEF\xBB\xBFtag: &t v1\nother: *t\n",
                                          "x: \"a\\tb\"\r\ny: plain text # here\r\n"};
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"tag", ""}, {"a.b", ""}, {"a.c[1]", ""}, {"m.k", ""}, {"l[1]", ""}, {"x", ""}, {"y", ""}};
  const std::vector<std::string> values = {"1.2.3",
                                           "1.10",
                                           "a: b",
                                           "x # y",
                                           "p, q",
                                           "it's",
                                           "say \"hi\"",
                                           "",
                                           " lead",
                                           "tab\there",
                                           "~",
                                           "null",
                                           "-1",
                                           "#x",
                                           "ok-value",
                                           "a]b",
                                           "{c}"};
  size_t proven = 0;
  for (int round = 0; round < 2000; ++round) {
    const auto& file = files[rng() % files.size()];
    YamlText yaml(file);
    std::vector<ExpectedValue> expected;
    std::vector<std::pair<size_t, YamlPath>> allowed;
    for (int k = 0; k < 2; ++k) {
      const auto& target = targets[rng() % targets.size()].first;
      const auto& value = values[rng() % values.size()];
      if (auto done = yaml.set(0, path(target), value); done) {
        expected.push_back({0, path(target), value});
        allowed.emplace_back(0, path(target));
      }
    }
    if (file.find("&t") != std::string::npos) {
      allowed.emplace_back(0, path("other"));
    }
    if (proven_by_replacements(file, yaml.text(), yaml.replacements(), expected)) {
      ++proven;
      CAPTURE(file, yaml.text());
      CHECK(verify_edit(file, yaml.text(), expected, allowed));
    }
  }
  CHECK(proven > 100);
}

TEST_CASE("replacement proof: tokens read without a parser read as yaml-cpp reads them",
          "[writeback][proof]") {
  // simple_token_reading decides the common tokens (1.2.3, "v1", 'a b') without YAML::Load; for
  // every token it answers, yaml-cpp must read the same scalar, alone and in a flow sequence.
  const std::string alphabet = "aZ09._+/-\"' \\#:,[]{}!&*|>%@`~?=\t";
  std::mt19937 rng(1234);
  size_t answered = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string token;
    size_t length = 1 + rng() % 8;
    for (size_t i = 0; i < length; ++i) {
      token += alphabet[rng() % (round % 2 == 0 ? 7 : alphabet.size())];
    }
    if (round % 3 == 0) {
      char quote = round % 2 == 0 ? '"' : '\'';
      token = quote + token + quote;
    }
    auto simple = detail::simple_token_reading(token);
    if (!simple) {
      continue;
    }
    ++answered;
    CAPTURE(token);
    for (const std::string& text : {token, "[" + token + "]"}) {
      YAML::Node node;
      REQUIRE_NOTHROW(node = YAML::Load(text));
      if (text.front() == '[') {
        REQUIRE((node.IsSequence() && node.size() == 1));
        node = node[0];
      }
      REQUIRE(node.IsScalar());
      CHECK(node.Scalar() == simple->value);
      CHECK(node.Tag() == (simple->quoted ? "!" : "?"));
    }
  }
  CHECK(answered > 3000);
  CHECK_FALSE(detail::simple_token_reading("-1"));
  CHECK_FALSE(detail::simple_token_reading("a:b"));
  CHECK_FALSE(detail::simple_token_reading("\"a\\\"b\""));
  CHECK(detail::simple_token_reading("'a b'")->value == "a b");
}

TEST_CASE("replacement proof: YAML's special plain words are read as yaml-cpp reads them",
          "[writeback][proof]") {
  // yaml-cpp reads a plain null word as no scalar at all: the parser-free reading must leave
  // such tokens to the parser, as it must every token yaml-cpp reads otherwise than as itself.
  for (const std::string word :
       {"null",    "Null",   "NULL",       "nULL",    "true",     "False", "yes",   "No",
        "on",      "OFF",    "y",          "n",       "1e3",      "0x1F",  "0o17",  "1_000",
        "12",      "1.5",    "2024-01-05", "v1",      "a-b",      "a/b",   "a+b",   "a.",
        "1-",      "'null'", "\"null\"",   "'a # b'", "\"a: b\"", "' a '", "\"#\"", "'--- '",
        "\"...\"", "'&a'",   "\"*a\"",     "'!x'",    "\"%YAML\""}) {
    auto simple = detail::simple_token_reading(word);
    if (!simple) {
      continue;
    }
    CAPTURE(word);
    for (const std::string& text : {word, "[" + word + "]", "k: " + word, "{k: " + word + "}"}) {
      CAPTURE(text);
      YAML::Node node = YAML::Load(text);
      if (text.front() == '[') {
        REQUIRE((node.IsSequence() && node.size() == 1));
        node = node[0];
      } else if (text.front() != word.front()) {
        REQUIRE(node.IsMap());
        node = node["k"];
      }
      REQUIRE(node.IsScalar());
      CHECK(node.Scalar() == simple->value);
      CHECK(node.Tag() == (simple->quoted ? "!" : "?"));
    }
  }
}
