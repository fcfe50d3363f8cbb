// SPDX-License-Identifier: Apache-2.0
#include "git/credential_helper.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::git;

TEST_CASE("credential helpers that apply to a URL, in config order", "[git]") {
  std::vector<ConfigEntry> config = {
      {"credential.helper", "cache"},
      {"credential.https://git.example.com.helper", "store --file /tmp/x"},
      {"credential.https://git.example.com/team.helper", "!team-helper"},
      {"credential.https://other.example.com.helper", "other"},
      {"credential.http://git.example.com.helper", "plain-http"},
      {"credential.usehttppath", "true"},
  };
  CHECK(helpers_for(config, "https://git.example.com/team/repo.git")
        == std::vector<std::string>{"cache", "store --file /tmp/x", "!team-helper"});
  CHECK(helpers_for(config, "https://git.example.com/teamless/repo.git")
        == std::vector<std::string>{"cache", "store --file /tmp/x"});
  CHECK(helpers_for(config, "https://GIT.example.com:443x/repo").size() == 1);
  CHECK(helpers_for(config, "http://git.example.com/repo")
        == std::vector<std::string>{"cache", "plain-http"});

  // An empty value resets the list, as in git.
  config.push_back({"credential.helper", ""});
  config.push_back({"credential.helper", "last"});
  CHECK(helpers_for(config, "https://git.example.com/team/repo.git")
        == std::vector<std::string>{"last"});
}

TEST_CASE("helper commands and the request they read", "[git]") {
  CHECK(helper_command("store --file /tmp/x", "get") == "git credential-store --file /tmp/x get");
  CHECK(helper_command("!f() { echo x; }; f", "get") == "f() { echo x; }; f get");
  CHECK(helper_command("/usr/local/bin/helper", "get") == "/usr/local/bin/helper get");

  CHECK(credential_request("https://git.example.com:8443/org/repo.git")
        == "protocol=https\nhost=git.example.com:8443\n\n");
  CHECK(credential_request("https://bot@git.example.com/org/repo.git")
        == "protocol=https\nhost=git.example.com\nusername=bot\n\n");
}

TEST_CASE("helper answers are parsed field by field", "[git]") {
  auto answer = parse_helper_answer("protocol=https\r\nusername=bot\npassword=a=b\nquit=0\n");
  CHECK(answer.username == "bot");
  CHECK(answer.password == "a=b");
  CHECK_FALSE(answer.quit);
  CHECK(parse_helper_answer("quit=1\n").quit);
}

TEST_CASE("helpers are asked in turn until one answers", "[git]") {
  auto found = ask_credential_helpers({"!exit 1",
                                       "!echo username=nobody; :",
                                       "!f() { test \"$1\" = get && cat >/dev/null && "
                                       "echo username=bot && echo password=s3cret; }; f"},
                                      "https://git.example.com/repo");
  REQUIRE(found);
  CHECK(found->username == "bot");
  CHECK(found->password == "s3cret");
  CHECK(found->helper.find("f()") == 1);

  CHECK_FALSE(ask_credential_helpers({"!echo quit=1; :", "!echo username=u; echo password=p; :"},
                                     "https://x/y"));
  CHECK_FALSE(ask_credential_helpers({}, "https://x/y"));
}
