// SPDX-License-Identifier: Apache-2.0
#include "util/sha256.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::util;

TEST_CASE("sha256 matches the standard test vectors", "[util]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a'))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("RFC 3339 timestamps parse to nanoseconds since the epoch", "[util]") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2024-01-02T03:04:05Z") == int64_t{1704164645} * 1'000'000'000);
  CHECK(parse_rfc3339("2024-01-02T03:04:05.5Z")
        == int64_t{1704164645} * 1'000'000'000 + 500'000'000);
  CHECK(parse_rfc3339("2024-01-02T05:04:05+02:00") == int64_t{1704164645} * 1'000'000'000);
  CHECK(parse_rfc3339("2024-01-02T03:04:05.123456789123Z")
        == int64_t{1704164645} * 1'000'000'000 + 123'456'789);
  for (const char* bad : {"",
                          "2024-01-02",
                          "2024-13-01T00:00:00Z",
                          "2024-01-02T03:04:05",
                          "2024-01-02T03:04:05.Z",
                          "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
}

// Found by fuzz_manifest: a schema 1 `created` in the year 9430 overflowed int64 nanoseconds
// (signed overflow, undefined behaviour; a garbage date in a release build).
TEST_CASE("RFC 3339 timestamps outside the int64 nanosecond range are rejected", "[util]") {
  CHECK(parse_rfc3339("2262-04-11T23:47:16.854775807Z") == INT64_MAX);
  CHECK(parse_rfc3339("1677-09-21T00:12:43.145224192Z") == INT64_MIN);
  for (const char* out : {"9430-01-01T00:00:00.123456789Z",
                          "9999-12-31T23:59:59Z",
                          "2262-04-11T23:47:16.854775808Z",
                          "2262-04-11T23:47:17Z",
                          "2262-04-11T22:47:17-01:00",
                          "1677-09-21T00:12:43.145224191Z",
                          "0000-01-01T00:00:00Z"}) {
    CAPTURE(out);
    CHECK_FALSE(parse_rfc3339(out));
  }
}

TEST_CASE("HTTP dates (IMF-fixdate) parse to seconds since the epoch", "[util]") {
  CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("  Thu, 03 Dec 2026 12:00:20 GMT\r\n") == 1'796'299'220);
  CHECK(parse_http_date("Tue, 29 Feb 2028 23:59:60 GMT") == 1'835'481'600); // a leap second
  for (const char* bad : {"",
                          "784111777",
                          "Sunday, 06-Nov-94 08:49:37 GMT", // RFC 850, obsolete
                          "Sun Nov  6 08:49:37 1994",       // asctime, obsolete
                          "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 Nov 1994 08:49:37 +0000",
                          "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:49:37 GMT",
                          "Sun, 06 Nov 1994 08:60:37 GMT",
                          "Sun, 06 Nov 1994 08:49:61 GMT",
                          "Sun, 06 Nov -994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMTX",
                          "Sun, 6 Nov 1994 08:49:37 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_http_date(bad));
  }
}

TEST_CASE("did-you-mean suggests close names only", "[util]") {
  CHECK(did_you_mean("semvr", {"semver", "digest"}) == " (did you mean 'semver'?)");
  CHECK(did_you_mean("zzzzzz", {"semver", "digest"}).empty());
  CHECK(closest_match("JSON", {"text", "json"}) == std::optional<std::string>("json"));
}

TEST_CASE("string helpers trim, split and compare", "[util]") {
  CHECK(trim("  a b \t\n") == "a b");
  CHECK(split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(iequals("SemVer", "semver"));
  CHECK(is_digits("0123"));
  CHECK_FALSE(is_digits(""));
}

#include "util/json_guard.hpp"

TEST_CASE("JSON depth is measured outside strings", "[util]") {
  CHECK(json_depth_ok("{\"a\":[1,{\"b\":[]}]}", 4));
  CHECK_FALSE(json_depth_ok("{\"a\":[1,{\"b\":[]}]}", 3));
  CHECK(json_depth_ok("{\"a\":\"[[[[[[\\\"[[[[\"}", 1));
  CHECK(json_depth_ok(std::string(256, '[')));
  CHECK_FALSE(json_depth_ok(std::string(257, '[')));
}

TEST_CASE("valid_utf8 keeps well-formed UTF-8 and replaces every other byte", "[util][utf8]") {
  using argoimg::util::valid_utf8;
  CHECK(valid_utf8("plain é ✓ 🙂") == "plain é ✓ 🙂");
  CHECK(valid_utf8("x\xfey") == "x\xef\xbf\xbdy");
  CHECK(valid_utf8("\xc3") == "\xef\xbf\xbd");                                 // cut short
  CHECK(valid_utf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                 // overlong '/'
  CHECK(valid_utf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
  CHECK(valid_utf8("\xf4\x90\x80\x80").find("\xf4\x90") == std::string::npos); // > U+10FFFF
}

TEST_CASE("is_valid_utf8 accepts exactly what valid_utf8 keeps unchanged", "[util][utf8]") {
  using argoimg::util::is_valid_utf8;
  using argoimg::util::valid_utf8;
  for (std::string text : {"",
                           "plain é ✓ 🙂",
                           "x\xfey",
                           "\xc3",
                           "\xc0\xaf",
                           "\xed\xa0\x80",
                           "\xf4\x90\x80\x80",
                           "\xf4\x8f\xbf\xbf",
                           "a\xe2\x82"}) {
    INFO(text);
    CHECK(is_valid_utf8(text) == (valid_utf8(text) == text));
  }
  CHECK(is_valid_utf8("\xf4\x8f\xbf\xbf")); // U+10FFFF itself
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));
}
