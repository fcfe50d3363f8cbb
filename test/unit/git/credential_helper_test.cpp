// SPDX-License-Identifier: Apache-2.0
#include "git/credential_helper.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

using namespace argoimg;
using namespace argoimg::git;

namespace {

// A process runner that records each call and answers from a script of outputs.
struct FakeRunner {
  struct Call {
    std::vector<std::string> argv;
    std::string input;
  };
  std::vector<Call> calls;
  std::vector<util::ProcessOutput> answers; // one per call, in order; then exit 0, no output

  ProcessRunner runner() {
    return [this](const std::vector<std::string>& argv, const std::string& input) {
      calls.push_back({argv, input});
      if (calls.size() <= answers.size()) {
        return util::Result<util::ProcessOutput>(answers[calls.size() - 1]);
      }
      return util::Result<util::ProcessOutput>(util::ProcessOutput{});
    };
  }
  // The action ("fill", "approve", "get", ...) of call `i`: the last argument, or the shell
  // command's last word.
  std::string action(size_t i) const {
    std::string last = calls.at(i).argv.back();
    return last.substr(last.rfind(' ') + 1);
  }
};

CredentialTools git_tools(FakeRunner& fake) {
  CredentialTools tools;
  tools.git = "/opt/git/bin/git";
  tools.run = fake.runner();
  tools.workdir = "/work/repo/";
  return tools;
}

} // namespace

TEST_CASE("credential helpers that apply to a URL, in config order", "[git][credential]") {
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

TEST_CASE("credential URL patterns match as git's do", "[git][credential]") {
  std::vector<ConfigEntry> config = {
      {"credential.https://*.example.com.helper", "wild"},
      {"credential.https://git.example.com:443.helper", "default-port"},
      {"credential.https://git.example.com:8443.helper", "other-port"},
      {"credential.https://bot@git.example.com.helper", "bot-only"},
  };
  CHECK(helpers_for(config, "https://git.example.com/org/repo.git")
        == std::vector<std::string>{"wild", "default-port"});
  CHECK(helpers_for(config, "https://bot@git.example.com/org/repo.git")
        == std::vector<std::string>{"wild", "default-port", "bot-only"});
  CHECK(helpers_for(config, "https://git.example.com:8443/org/repo.git")
        == std::vector<std::string>{"other-port"}); // the wildcard entry means port 443
  // A `*` stands for exactly one name component.
  CHECK(helpers_for(config, "https://a.b.example.com/org").empty());
  CHECK(helpers_for(config, "https://example.com/org").empty());
}

TEST_CASE("credential.useHttpPath: the last matching entry wins", "[git][credential]") {
  std::vector<ConfigEntry> config = {{"credential.useHttpPath", "true"},
                                     {"credential.https://other.example.com.usehttppath", "false"}};
  CHECK(use_http_path(config, "https://git.example.com/org/repo.git"));
  CHECK_FALSE(use_http_path(config, "https://other.example.com/org/repo.git"));
  CHECK_FALSE(use_http_path({}, "https://git.example.com/org/repo.git"));
}

TEST_CASE("helper commands and the request they read", "[git][credential]") {
  CHECK(helper_command("store --file /tmp/x", "get") == "git credential-store --file /tmp/x get");
  CHECK(helper_command("!f() { echo x; }; f", "erase") == "f() { echo x; }; f erase");
  CHECK(helper_command("/usr/local/bin/helper", "store") == "/usr/local/bin/helper store");

  auto request = credential_request("https://git.example.com:8443/org/repo.git", false);
  REQUIRE(request);
  CHECK(*format_credential(*request) == "protocol=https\nhost=git.example.com:8443\n\n");
  request = credential_request("https://bot@git.example.com/org/repo.git", true);
  REQUIRE(request);
  CHECK(*format_credential(*request)
        == "protocol=https\nhost=git.example.com\npath=org/repo.git\nusername=bot\n\n");
  CHECK_FALSE(credential_request("/srv/repo.git", true));
  CHECK_FALSE(credential_request("https:///repo.git", true));
}

TEST_CASE("the credential protocol: answers field by field, no newline in a value",
          "[git][credential]") {
  auto answer = parse_credential("protocol=https\r\nusername=bot\npassword=a=b\nquit=0\n\nx=y\n");
  CHECK(answer.value("username") == "bot");
  CHECK(answer.value("password") == "a=b");
  CHECK(answer.value("quit") == "0");
  CHECK(answer.value("x").empty()); // after the blank line that ends the answer
  Credential hostile;
  hostile.set("path", "org/repo\nhost=evil.example.com");
  auto refused = format_credential(hostile);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("'path' holds a newline"));
}

TEST_CASE("with git installed, `git credential fill` is asked in the repository",
          "[git][credential]") {
  FakeRunner fake;
  fake.answers.push_back({0,
                          "protocol=https\nhost=git.example.com\npath=org/repo.git\n"
                          "username=bot\npassword=s3cret-99\npassword_expiry_utc=2000000000\n",
                          ""});
  auto tools = git_tools(fake);
  auto filled = fill_credential(tools, "https://git.example.com/org/repo.git");
  REQUIRE(filled);
  CHECK(filled->username == "bot");
  CHECK(filled->password == "s3cret-99");
  CHECK(filled->from_git);
  REQUIRE(fake.calls.size() == 1);
  CHECK(fake.calls[0].argv
        == std::vector<std::string>{"env",
                                    "GIT_TERMINAL_PROMPT=0",
                                    "/opt/git/bin/git",
                                    "-C",
                                    "/work/repo/",
                                    "credential",
                                    "fill"});
  // git strips the path itself unless credential.useHttpPath applies.
  CHECK(fake.calls[0].input == "protocol=https\nhost=git.example.com\npath=org/repo.git\n\n");

  // approve sends back everything fill answered, expiry included.
  approve_credential(tools, *filled);
  REQUIRE(fake.calls.size() == 2);
  CHECK(fake.action(1) == "approve");
  CHECK(fake.calls[1].input
        == "protocol=https\nhost=git.example.com\npath=org/repo.git\nusername=bot\n"
           "password=s3cret-99\npassword_expiry_utc=2000000000\n\n");
  reject_credential(tools, *filled);
  CHECK(fake.action(2) == "reject");
}

TEST_CASE("git credential fill that fails or answers half gives a precise error",
          "[git][credential]") {
  FakeRunner fake;
  fake.answers.push_back({128,
                          "",
                          "fatal: could not read Username for 'https://git.example.com': "
                          "terminal prompts disabled\n"});
  auto failed = fill_credential(git_tools(fake), "https://git.example.com/org/repo.git");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == util::ErrorKind::auth);
  CHECK(failed.error().message
        == "authentication failed: the server wants credentials and no configured "
           "credential.helper gave any ('git credential fill' exited with 128: fatal: could not "
           "read Username for 'https://git.example.com': terminal prompts disabled); pass "
           "--git-credentials");

  FakeRunner half;
  half.answers.push_back({0, "protocol=https\nhost=git.example.com\nusername=bot\n", ""});
  auto no_password = fill_credential(git_tools(half), "https://git.example.com/org/repo.git");
  REQUIRE_FALSE(no_password);
  CHECK_THAT(no_password.error().message,
             Catch::Contains("'git credential fill' answered without a password"));

  FakeRunner broken;
  auto tools = git_tools(broken);
  tools.run = [](const std::vector<std::string>&, const std::string&) {
    return util::Result<util::ProcessOutput>(
        util::fail(util::ErrorKind::timeout, "'git' timed out after 60 s"));
  };
  auto timed_out = fill_credential(tools, "https://git.example.com/org/repo.git");
  REQUIRE_FALSE(timed_out);
  CHECK_THAT(timed_out.error().message,
             Catch::Contains("'git credential fill' failed: 'git' timed out after 60 s"));
}

TEST_CASE("a credential session approves after success and rejects a refused credential",
          "[git][credential]") {
  std::string answer = "protocol=https\nhost=h.example.com\nusername=u\npassword=p4ss-word\n";
  SECTION("accepted: approve once, at the end") {
    FakeRunner fake;
    fake.answers.push_back({0, answer, ""});
    CredentialSession session(git_tools(fake));
    REQUIRE(session.fill("https://h.example.com/r.git"));
    CHECK(fake.calls.size() == 1); // nothing approved before the operation ends
    session.finish(true);
    session.finish(true);
    REQUIRE(fake.calls.size() == 2);
    CHECK(fake.action(1) == "approve");
  }
  SECTION("refused: reject when the server asks again, never approve") {
    FakeRunner fake;
    fake.answers.push_back({0, answer, ""});
    CredentialSession session(git_tools(fake));
    REQUIRE(session.fill("https://h.example.com/r.git"));
    session.refused();
    session.finish(true);
    REQUIRE(fake.calls.size() == 2);
    CHECK(fake.action(1) == "reject");
    CHECK(fake.calls[1].input.find("password=p4ss-word\n") != std::string::npos);
  }
  SECTION("failed for another reason: neither") {
    FakeRunner fake;
    fake.answers.push_back({0, answer, ""});
    CredentialSession session(git_tools(fake));
    REQUIRE(session.fill("https://h.example.com/r.git"));
    session.finish(false);
    CHECK(fake.calls.size() == 1);
  }
  SECTION("nothing filled: nothing to settle") {
    FakeRunner fake;
    fake.answers.push_back({1, "", "fatal: no\n"});
    CredentialSession session(git_tools(fake));
    CHECK_FALSE(session.fill("https://h.example.com/r.git"));
    session.refused();
    session.finish(true);
    CHECK(fake.calls.size() == 1);
  }
}

TEST_CASE("without git, the helpers are asked in turn until one answers", "[git][credential]") {
  auto tools = system_credential_tools("", {});
  tools.git.clear(); // the built-in path, with the real shell
  tools.config = {{"credential.helper", "!exit 1"},
                  {"credential.helper", "!echo username=nobody; :"},
                  {"credential.helper",
                   "!f() { test \"$1\" = get && cat >/dev/null && "
                   "echo username=bot && echo password=s3cret; }; f"}};
  auto found = fill_credential(tools, "https://git.example.com/repo");
  REQUIRE(found);
  CHECK(found->username == "bot");
  CHECK(found->password == "s3cret");
  CHECK_FALSE(found->from_git);

  tools.config = {{"credential.helper", "!echo quit=1; :"},
                  {"credential.helper", "!echo username=u; echo password=p; :"}};
  auto quit = fill_credential(tools, "https://x.example.com/y");
  REQUIRE_FALSE(quit);
  CHECK_THAT(quit.error().message,
             Catch::Contains("no configured credential.helper gave any (git is not installed"));
  tools.config.clear();
  auto none = fill_credential(tools, "https://x.example.com/y");
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().message, Catch::Contains("configure a git credential.helper"));
}

TEST_CASE("without git, approve and reject run the helpers with store and erase",
          "[git][credential]") {
  FakeRunner fake;
  fake.answers.push_back({0, "username=bot\npassword=s3cret-1\n", ""});
  CredentialTools tools;
  tools.run = fake.runner();
  tools.config = {{"credential.helper", "one"}, {"credential.useHttpPath", "true"}};
  CredentialSession session(tools);
  REQUIRE(session.fill("https://git.example.com/org/repo.git"));
  CHECK(fake.calls[0].argv == std::vector<std::string>{"/bin/sh", "-c", "git credential-one get"});
  CHECK(fake.calls[0].input == "protocol=https\nhost=git.example.com\npath=org/repo.git\n\n");
  session.refused();
  REQUIRE(fake.calls.size() == 2);
  CHECK(fake.calls[1].argv.back() == "git credential-one erase");
  CHECK(fake.calls[1].input
        == "protocol=https\nhost=git.example.com\npath=org/repo.git\nusername=bot\n"
           "password=s3cret-1\n\n");
}

TEST_CASE("a real git executable is run without a shell, prompts off", "[git][credential]") {
  std::string dir = (std::filesystem::temp_directory_path() / "argoimg-cred-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  std::string fake_git = dir + "/git";
  {
    std::ofstream script(fake_git);
    script << "#!/bin/sh\n"
              "echo \"$@\" >>\"$(dirname \"$0\")/args\"\n"
              "echo \"prompt=$GIT_TERMINAL_PROMPT\" >>\"$(dirname \"$0\")/args\"\n"
              "cat >>\"$(dirname \"$0\")/stdin\"\n"
              "test \"$3\" = credential && test \"$4\" = fill || exit 0\n"
              "echo username=robot; echo password=pa55-w0rd\n";
  }
  std::filesystem::permissions(fake_git, std::filesystem::perms::owner_all);
  auto tools = system_credential_tools(dir, {});
  tools.git = fake_git;
  CredentialSession session(tools);
  auto filled = session.fill("https://git.example.com/org/repo.git");
  REQUIRE(filled);
  CHECK(filled->password == "pa55-w0rd");
  session.finish(true);
  std::stringstream args;
  args << std::ifstream(dir + "/args").rdbuf();
  CHECK(args.str()
        == "-C " + dir + " credential fill\nprompt=0\n-C " + dir
               + " credential approve\nprompt=0\n");
  std::filesystem::remove_all(dir);
}
