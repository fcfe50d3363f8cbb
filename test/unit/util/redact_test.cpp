// SPDX-License-Identifier: Apache-2.0
#include "util/base64.hpp"
#include "util/log.hpp"
#include "util/redact.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace argoimg::util;

namespace {

struct Fresh {
  Fresh() { clear_secrets_for_testing(); }
  ~Fresh() { clear_secrets_for_testing(); }
};

} // namespace

TEST_CASE("registered secrets and their base64 forms are redacted", "[util][redact]") {
  Fresh fresh;
  register_credentials("alice", "s3cr3t-pass");
  register_secret("tok-ABCDEF123456");
  std::string b64 = base64_encode("alice:s3cr3t-pass");
  CHECK(redact("password s3cr3t-pass here") == "password <redacted> here");
  CHECK(redact("echo: Authorization: Basic " + b64) == "echo: Authorization: Basic <redacted>");
  CHECK(redact("pair alice:s3cr3t-pass") == "pair <redacted>");
  CHECK(redact("raw " + b64) == "raw <redacted>");
  CHECK(redact("b64 " + base64_encode("s3cr3t-pass")) == "b64 <redacted>");
  CHECK(redact("token tok-ABCDEF123456 twice tok-ABCDEF123456")
        == "token <redacted> twice <redacted>");
  CHECK(redact("user alice is fine") == "user alice is fine");
  SECTION("short values are not registered") {
    register_secret("ab");
    CHECK(redact("about abba") == "about abba");
  }
}

TEST_CASE("a body repeating a secret is redacted everywhere, matches side by side too",
          "[util][redact]") {
  Fresh fresh;
  register_secret("s3cr3t-pass");
  CHECK(redact("s3cr3t-passs3cr3t-pass!") == "<redacted><redacted>!");
  // A server echoing the header 50,000 times (550 KB): every copy goes, nothing else changes.
  std::string body;
  for (int i = 0; i < 50000; ++i) {
    body += "s3cr3t-pass,";
  }
  std::string out = redact(body);
  CHECK(out.find("s3cr3t") == std::string::npos);
  CHECK(out.size() == 50000 * std::string("<redacted>,").size());
  CHECK(out.substr(0, 22) == "<redacted>,<redacted>,");
}

TEST_CASE("Bearer and Basic credentials are redacted even when unknown", "[util][redact]") {
  Fresh fresh;
  CHECK(redact("HTTP 401: header was 'Authorization: Bearer eyJhbGciOi.J9.xyz123'")
        == "HTTP 401: header was 'Authorization: Bearer <redacted>'");
  CHECK(redact("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, then") == "basic <redacted>, then");
  // challenges and words stay readable
  CHECK(redact(R"(Bearer realm="https://auth/token",service="reg")")
        == R"(Bearer realm="https://auth/token",service="reg")");
  CHECK(redact("requires credentials (Basic authentication)")
        == "requires credentials (Basic authentication)");
  CHECK(redact("a bearer token") == "a bearer token");
}

TEST_CASE("control characters are escaped for the terminal", "[util][redact]") {
  CHECK(escape_control("a\x1b[31mred\nline\tx\r\x7f") == "a\\x1b[31mred\\nline\\tx\\r\\x7f");
  CHECK(escape_control("csi \xc2\x9b"
                       "2J done")
        == "csi \\u009b2J done");
  CHECK(escape_control("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93");
  CHECK(escape_control_keep_lines("one\ntwo\t\x1b") == "one\ntwo\t\\x1b");
  CHECK(escape_control_keep_lines("crlf\r\nlone\rx") == "crlf\r\nlone\\rx");
}

TEST_CASE("the logger redacts and escapes every line", "[util][redact]") {
  Fresh fresh;
  register_secret("hunter2-secret");
  std::vector<std::string> lines;
  Logger logger(LogLevel::debug,
                [&lines](LogLevel, const std::string& message) { lines.push_back(message); });
  logger.error("body said hunter2-secret\x1b[2J");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "body said <redacted>\\x1b[2J");
}

TEST_CASE("registering and redacting from many threads is safe", "[util][redact]") {
  Fresh fresh;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) {
        std::string secret = "secret-" + std::to_string(t) + "-" + std::to_string(i);
        register_secret(secret);
        CHECK(redact("x " + secret + " y") == "x <redacted> y");
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
}
