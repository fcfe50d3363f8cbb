// SPDX-License-Identifier: Apache-2.0
#include "util/redact.hpp"
#include "util/url.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::util;

TEST_CASE("urls: every part, as written", "[util][url]") {
  auto url =
      parse_url("HTTPS://bot:s3cr3t@Registry.Example.com:5000/v2/app/tags/list?n=10&last=b#f");
  REQUIRE(url);
  CHECK(url->scheme == "https");
  CHECK(url->user == "bot");
  CHECK(url->password == "s3cr3t");
  CHECK(url->has_password);
  CHECK(url->host == "registry.example.com");
  CHECK(url->port == 5000);
  CHECK(url->path == "/v2/app/tags/list");
  CHECK(url->query == "n=10&last=b");
  CHECK(url->fragment == "f");
  CHECK(url->host_port() == "registry.example.com:5000");
  CHECK(url->str()
        == "https://bot:s3cr3t@registry.example.com:5000/v2/app/tags/list?n=10&last=b#f");
  CHECK(url->redacted()
        == "https://***:***@registry.example.com:5000/v2/app/tags/list?n=10&last=b#f");

  auto bare = parse_url("http://argocd.local");
  REQUIRE(bare);
  CHECK(bare->path.empty());
  CHECK_FALSE(bare->port);
  CHECK(bare->port_or_default() == 80);
  CHECK(parse_url("https://h/x")->port_or_default() == 443);
  CHECK(parse_url("ssh://h/x")->port_or_default() == 22);
  CHECK(parse_url("git://h/x")->port_or_default() == 9418);
  CHECK(parse_url("file:///srv/git/repo.git")->path == "/srv/git/repo.git");
  CHECK(parse_url("https://host?x=1")->query == "x=1");
}

TEST_CASE("urls: IPv6 literals", "[util][url]") {
  auto v6 = parse_url("http://[::1]:5000/v2/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 5000);
  CHECK(v6->host_port() == "[::1]:5000");
  CHECK(v6->str() == "http://[::1]:5000/v2/");
  CHECK(parse_url("https://[2001:DB8::7]/x")->host == "2001:db8::7");
  CHECK_FALSE(parse_url("http://[::1/x"));
  CHECK_FALSE(parse_url("http://[::1]x/"));
  CHECK_FALSE(parse_url("http://[example.com]/"));
  CHECK_FALSE(parse_url("http://[::g]/"));
}

TEST_CASE("urls: scp-like git addresses", "[util][url]") {
  auto scp = parse_git_url("git@github.com:org/repo.git");
  REQUIRE(scp);
  CHECK(scp->scp_like);
  CHECK(scp->scheme == "ssh");
  CHECK(scp->user == "git");
  CHECK(scp->host == "github.com");
  CHECK(scp->path == "org/repo.git");
  CHECK(scp->port_or_default() == 22);
  CHECK(scp->str() == "git@github.com:org/repo.git");
  CHECK(scp->redacted() == "git@github.com:org/repo.git"); // an ssh login is no secret
  auto v6 = parse_git_url("[::1]:srv/repo.git");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->str() == "[::1]:srv/repo.git");
  CHECK(parse_git_url("https://github.com/org/repo")->scheme == "https");
  CHECK_FALSE(parse_git_url("/srv/git/repo.git"));
  CHECK_FALSE(parse_git_url("./dir:with/colon"));
  CHECK_FALSE(parse_git_url(":path"));
  // git would take "git" as the host; argoimg reads a user and password before the '@' so that
  // the password is never shown as part of a path.
  CHECK(parse_git_url("git:pw@host:path")->host == "host");
  CHECK_FALSE(parse_url("git@github.com:org/repo.git")); // not a URL
}

TEST_CASE("urls: hostile inputs are refused with the reason", "[util][url]") {
  auto message = [](std::string_view text) {
    auto url = parse_url(text);
    REQUIRE_FALSE(url);
    CHECK(url.error().kind == ErrorKind::invalid_input);
    return url.error().message;
  };
  CHECK_THAT(message("https://host/a\nb"), Catch::Contains("holds a control character"));
  CHECK_THAT(message("https://host/a\nb"), Catch::Contains("a\\nb")); // shown escaped
  CHECK_THAT(message(std::string("https://host/\0x", 14)), Catch::Contains("control character"));
  CHECK_THAT(message("https://host/\x1b[31m"), Catch::Contains("control character"));
  CHECK_THAT(message("https://ho st/"), Catch::Contains("holds a space"));
  CHECK_THAT(message("https:///path"), Catch::Contains("has no host"));
  CHECK_THAT(message("https://user:pw@/path"), Catch::Contains("has no host"));
  CHECK_THAT(message("https://host:0/"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(message("https://host:65536/"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(message("https://host:99999999999999999999/"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(message("https://host:-1/"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(message("https://host:80x/"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(message("https://ho<st/"), Catch::Contains("a host name cannot hold"));
  CHECK_THAT(message("https://*.example.com/"), Catch::Contains("a host name cannot hold"));
  CHECK_THAT(message("host/path"), Catch::Contains("has no scheme"));
  CHECK_THAT(message("://host/path"), Catch::Contains("has no scheme"));
  CHECK_THAT(message("ht tp://host/"), Catch::Contains("holds a space"));
  CHECK_THAT(message("1http://host/"), Catch::Contains("scheme cannot hold"));
  CHECK(message("") == "URL is empty");
  std::string long_url = "https://host/" + std::string(k_max_url_size, 'a');
  std::string too_long = message(long_url);
  CHECK_THAT(too_long, Catch::Contains("is longer than 8192 characters (8205)"));
  CHECK(too_long.size() < 400); // the input is shown cut short
  // A password in a refused URL is not shown.
  CHECK_THAT(message("https://bot:hunter22@ho st/"), !Catch::Contains("hunter22"));
}

TEST_CASE("urls: '@' in a password, ':' and '@' in the user information", "[util][url]") {
  auto url = parse_url("https://bot:p@ss:w@rd@host.example.com/x");
  REQUIRE(url);
  CHECK(url->user == "bot");
  CHECK(url->password == "p@ss:w@rd");
  CHECK(url->host == "host.example.com");
  CHECK(url->redacted() == "https://***:***@host.example.com/x");
  auto empty_password = parse_url("https://bot:@host/x");
  REQUIRE(empty_password);
  CHECK(empty_password->has_password);
  CHECK(empty_password->redacted() == "https://***:***@host/x");
  // An '@' after the path starts is no userinfo.
  auto at_in_path = parse_url("https://host/org/repo@v1");
  REQUIRE(at_in_path);
  CHECK(at_in_path->user.empty());
  CHECK(at_in_path->redacted() == "https://host/org/repo@v1");
}

TEST_CASE("urls: the one redaction rule", "[util][url]") {
  // A lone user name over http may be a token (GitHub accepts them so); over ssh it is a login.
  CHECK(parse_url("https://ghp_abcdef0123@github.com/o/r")->redacted()
        == "https://***@github.com/o/r");
  CHECK(parse_url("ssh://git@host:2222/r")->redacted() == "ssh://git@host:2222/r");
  CHECK(parse_url("ssh://git:pw@host/r")->redacted() == "ssh://git:***@host/r");
  CHECK(redact_url("https://oauth2:glpat-123@gitlab.example.com/g/p.git")
        == "https://oauth2:***@gitlab.example.com/g/p.git");
  CHECK(redact_url("git@github.com:o/r.git") == "git@github.com:o/r.git");
  // What does not parse still loses its userinfo.
  CHECK(redact_url("https://bot:pw@ho st/x") == "https://***:***@ho st/x");
  CHECK(redact_url("/srv/git/repo.git") == "/srv/git/repo.git");

  CHECK(redact_url_credentials("clone 'https://bot:pw1234@h.example.com/r' and "
                               "http://tok@h2/x, not mail@example.com or https://h3/a@b")
        == "clone 'https://***:***@h.example.com/r' and http://***@h2/x, not mail@example.com "
           "or https://h3/a@b");
  // redact() applies it to every message.
  CHECK(redact("fetch from 'https://bot:hunter2@git.example.com/r.git' failed")
        == "fetch from 'https://***:***@git.example.com/r.git' failed");
}

TEST_CASE("url patterns of git config may hold host wildcards", "[util][url]") {
  auto pattern = parse_url_pattern("https://*.example.com");
  REQUIRE(pattern);
  CHECK(pattern->host == "*.example.com");
  CHECK_FALSE(parse_url_pattern("https://*.exa mple.com"));
}

TEST_CASE("urls: tokens in the user name, passwords with '/', '?' or '#', scp-like passwords",
          "[util][url]") {
  // GitHub's "TOKEN:x-oauth-basic": the user name is the secret.
  CHECK(redact_url("https://ghp_SECRETTOKEN123456:x-oauth-basic@github.com/org/repo.git")
        == "https://***:***@github.com/org/repo.git");
  CHECK(redact_url_credentials("see https://ghp_SECRETTOKEN123456:x@github.com/o/r now")
        == "see https://***:***@github.com/o/r now");
  // A password that holds '/', '?' or '#' does not end the userinfo early.
  for (const char* url : {"https://user:pa/ss-SECRET@github.invalid/org/repo.git",
                          "https://user:p#SECRETPW99@github.invalid/org/repo.git",
                          "https://user:p?SECRETPW99@github.invalid/org/repo.git"}) {
    std::string shown = redact_url(url);
    CHECK(shown.find("SECRET") == std::string::npos);
    CHECK(shown == "https://***:***@github.invalid/org/repo.git");
    CHECK(redact(std::string("cloning '") + url + "' failed").find("SECRET") == std::string::npos);
    auto parsed = parse_url(url);
    if (!parsed) {
      CHECK(parsed.error().message.find("SECRET") == std::string::npos);
    }
  }
  // scp-like with a password: the host is after the '@', the secret is not shown.
  auto scp = parse_git_url("git:SECRETPW99@github.invalid:org/repo.git");
  REQUIRE(scp);
  CHECK(scp->host == "github.invalid");
  CHECK(scp->path == "org/repo.git");
  CHECK(scp->redacted() == "git:***@github.invalid:org/repo.git");
  CHECK(redact_url("git:SECRETPW99@github.invalid:org/repo.git").find("SECRET")
        == std::string::npos);
  CHECK(redact_url("us er:SECRETPW99@github.invalid:org/repo.git").find("SECRET")
        == std::string::npos);
}
