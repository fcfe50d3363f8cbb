// SPDX-License-Identifier: Apache-2.0
// Go's text/template built-in functions, one case each; the expected strings are what Go
// prints (fmt's verbs and spacing rules, html/js/urlquery escaping tables).
#include "template_test_support.hpp"

#include "git/template.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::git;
using namespace argoimg::git::test;

TEST_CASE("template function index", "[git][template-functions]") {
  CHECK(render("{{ index .Labels \"k2\" }}") == "v2");
  CHECK(render("[{{ index .Labels \"missing\" }}]") == "[]"); // the zero value of string
  CHECK(render("{{ index .Items 1 }} {{ index .Nested 0 1 }} {{ index \"abc\" 1 }}") == "b y 98");
  CHECK(render("{{ index .Items }}") == "[a b]");
  CHECK_THAT(render_error("{{ index .Items 5 }}"),
             Catch::Contains("error calling index: index out of range: 5"));
  CHECK_THAT(render_error("{{ index .Items 2 }}"),
             Catch::Contains("error calling index: reflect: slice index out of range"));
  CHECK_THAT(render_error("{{ index .Items -1 }}"), Catch::Contains("index out of range: -1"));
  CHECK_THAT(render_error("{{ index .Items \"0\" }}"),
             Catch::Contains("cannot index slice/array with type string"));
  CHECK_THAT(render_error("{{ index .Labels 1 }}"),
             Catch::Contains("value has type int; should be string"));
  CHECK_THAT(render_error("{{ index 1 0 }}"), Catch::Contains("can't index item of type int"));
  CHECK_THAT(render_error("{{ index nil 0 }}"), Catch::Contains("index of untyped nil"));
}

TEST_CASE("template function len", "[git][template-functions]") {
  CHECK(render("{{ len \"h\xC3\xA9llo\" }} {{ len .Items }} {{ len .Labels }} {{ len .Empty }}")
        == "6 2 2 0");
  CHECK_THAT(render_error("{{ len 3 }}"), Catch::Contains("error calling len: len of type int"));
  CHECK_THAT(render_error("{{ len 1 2 }}"),
             Catch::Contains("wrong number of args for len: want 1 got 2"));
}

TEST_CASE("template function slice", "[git][template-functions]") {
  CHECK(render("{{ slice \"abcdef\" 1 3 }} {{ slice \"abc\" 1 }} {{ slice \"abc\" }}")
        == "bc bc abc");
  CHECK(render("{{ slice .Items 1 }} {{ slice .Items 0 1 2 }} {{ slice .Items 2 }}")
        == "[b] [a] []");
  CHECK_THAT(render_error("{{ slice \"abc\" 2 1 }}"),
             Catch::Contains("invalid slice index: 2 > 1"));
  CHECK_THAT(render_error("{{ slice \"abc\" 0 4 }}"), Catch::Contains("index out of range: 4"));
  CHECK_THAT(render_error("{{ slice \"abc\" 0 1 2 }}"),
             Catch::Contains("cannot 3-index slice a string"));
  CHECK_THAT(render_error("{{ slice 5 1 }}"), Catch::Contains("can't slice item of type int"));
}

TEST_CASE("template function printf", "[git][template-functions]") {
  CHECK(render("{{ printf \"%s-%d\" \"a\" 5 }}") == "a-5");
  CHECK(render("{{ printf \"%5s|%-5s|%.2s\" \"ab\" \"cd\" \"xyz\" }}") == "   ab|cd   |xy");
  CHECK(render("{{ printf \"%05d|%+d|%5d|%-5d|%05d|%.3d\" 42 5 -42 42 -42 7 }}")
        == "00042|+5|  -42|42   |-0042|007");
  CHECK(render("{{ printf \"%v %v %v %v\" true 3 \"x\" .Items }}") == "true 3 x [a b]");
  CHECK(render("{{ printf \"%q %q %#q\" \"a\\\"b\\n\" 65 \"raw\" }}") == "\"a\\\"b\\n\" 'A' `raw`");
  CHECK(render("{{ printf \"%x %X %x %#x %o %b %c\" \"hi\" 255 255 255 8 5 9786 }}")
        == "6869 FF ff 0xff 10 101 \xE2\x98\xBA");
  CHECK(render("{{ printf \"%t %t\" true 1 }}") == "true %!t(int=1)");
  CHECK(render("{{ printf \"%d\" \"x\" }}") == "%!d(string=x)");
  CHECK(render("{{ printf \"100%%\" }} {{ printf \"%s\" }} {{ printf \"%s\" \"a\" \"b\" }}")
        == "100% %!s(MISSING) a%!(EXTRA string=b)");
  CHECK(render("{{ printf \"%s|%d\" .Items .Items }}") == "[a b]|[%!d(string=a) %!d(string=b)]");
  CHECK(render("{{ printf \"%v\" .Labels }}") == "map[k1:v1 k2:v2]");
  CHECK(render("{{ printf \"%*d|%-*d|\" 4 7 3 1 }}") == "   7|1  |");
  CHECK(render("{{ printf \"%T %T %T %T\" \"a\" 1 true .Labels }}")
        == "string int bool map[string]string");
  CHECK(render("{{ printf \"%z\" 1 }} {{ printf \"%\" }} {{ printf \"%v|%s\" nil nil }}")
        == "%!z(int=1) %!(NOVERB) <nil>|%!s(<nil>)");
  CHECK(render("{{ printf \"%s\" .Labels.missing }}") == "%!s(<nil>)");
  CHECK(render("{{ printf \"%d\" 9999999999 }}") == "9999999999");
  CHECK(render("{{ printf \"%99999999d\" 1 }}") == "%!(NOVERB)%!(EXTRA int=1)");
  CHECK_THAT(render_error("{{ printf 3 }}"),
             Catch::Contains("wrong type for value; expected string; got int"));
  CHECK_THAT(render_error("{{ printf }}"),
             Catch::Contains("wrong number of args for printf: want at least 1 got 0"));
}

TEST_CASE("template functions print and println", "[git][template-functions]") {
  // Go adds a space between operands when neither is a string.
  CHECK(render("{{ print \"a\" \"b\" }}|{{ print 1 2 }}|{{ print \"a\" 1 2 \"b\" }}|"
               "{{ print 1 \"a\" }}|{{ print true false }}|{{ print }}|{{ print nil 1 }}")
        == "ab|1 2|a1 2b|1a|true false||<nil> 1");
  // println always adds spaces, and a newline.
  CHECK(render("{{ println \"a\" \"b\" 1 }}") == "a b 1\n");
  CHECK(render("{{ println }}") == "\n");
}

TEST_CASE("template comparison functions", "[git][template-functions]") {
  CHECK(render("{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ eq .Name \"x\" }} {{ eq true true }}")
        == "true true false true");
  CHECK(render("{{ ne 1 2 }} {{ ne \"a\" \"a\" }}") == "true false");
  CHECK(render("{{ lt 1 2 }} {{ lt \"b\" \"a\" }} {{ le 2 2 }} {{ le 3 2 }}")
        == "true false true false");
  CHECK(render("{{ gt 3 2 }} {{ gt 2 2 }} {{ ge 2 2 }} {{ ge 1 2 }}") == "true false true false");
  CHECK_THAT(
      render_error("{{ eq 1 \"1\" }}"),
      Catch::Contains("error calling eq: incompatible types for comparison: int and string"));
  CHECK(render("{{ eq .Labels.missing \"x\" }} {{ eq nil nil }}") == "false true");
  CHECK_THAT(render_error("{{ eq 1 }}"),
             Catch::Contains("error calling eq: missing argument for comparison"));
  CHECK_THAT(render_error("{{ ne 1 }}"),
             Catch::Contains("wrong number of args for ne: want 2 got 1"));
  CHECK_THAT(render_error("{{ lt true false }}"),
             Catch::Contains("error calling lt: invalid type for comparison"));
  CHECK_THAT(render_error("{{ gt 1 \"a\" }}"),
             Catch::Contains("incompatible types for comparison: int and string"));
  CHECK_THAT(render_error("{{ lt .Items .Items }}"),
             Catch::Contains("invalid type for comparison"));
  CHECK_THAT(render_error("{{ eq .Items .Items }}"), Catch::Contains("non-comparable type"));
}

TEST_CASE("template functions and, or, not: the deciding operand, short-circuit",
          "[git][template-functions]") {
  CHECK(render("{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" \"x\" }} [{{ or 0 \"\" }}]")
        == "0 2 x []");
  CHECK(render("{{ not 0 }} {{ not .Labels }} {{ not .Empty }}") == "true false true");
  // The operand after the deciding one is never evaluated (it would fail).
  CHECK(render("{{ or .Name (index .Items 9) }} [{{ and .Empty (index .Items 9) }}]") == "web []");
  CHECK(render("{{ .Name | and true }}") == "web");
  CHECK_THAT(render_error("{{ and }}"),
             Catch::Contains("wrong number of args for and: want at least 1 got 0"));
  CHECK_THAT(render_error("{{ not 1 2 }}"),
             Catch::Contains("wrong number of args for not: want 1 got 2"));
}

TEST_CASE("template functions html, js and urlquery escape like Go", "[git][template-functions]") {
  CHECK(render("{{ html \"<a href=\\\"x\\\">O'Neil & co</a>\" }}")
        == "&lt;a href=&#34;x&#34;&gt;O&#39;Neil &amp; co&lt;/a&gt;");
  CHECK(render("{{ html 1 2 }}|{{ html .Labels.missing }}|{{ html }}") == "1 2|&lt;no value&gt;|");
  CHECK(render("{{ js \"it's \\\"q\\\" <b> & =\\n\\\\ \xC3\xA9\" }}")
        == "it\\'s \\\"q\\\" \\u003Cb\\u003E \\u0026 \\u003D\\u000A\\\\ \xC3\xA9");
  CHECK(render("{{ js \"\xE2\x80\xA8|\xC2\x85\" }}") == "\\u2028|\\u0085");
  CHECK(render("{{ urlquery \"a b&c=d/\xC3\xA9~_.-\" }}") == "a+b%26c%3Dd%2F%C3%A9~_.-");
  CHECK(render("{{ \"x y\" | urlquery }}") == "x+y");
}
