// SPDX-License-Identifier: Apache-2.0
// Where the requests live (kind, API base, path from a git remote and the --forge* flags) and
// which credentials are used.

#include "forge/forge.hpp"

#include "util/redact.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

using namespace argoimg;
using forge::Kind;

namespace {

forge::Repository located(std::string_view remote, const forge::Overrides& overrides = {}) {
  auto repo = forge::locate(remote, overrides);
  INFO(std::string(remote) << ": " << (repo ? "" : repo.error().message));
  REQUIRE(repo);
  return *repo;
}

std::string refusal(std::string_view remote, const forge::Overrides& overrides = {}) {
  auto repo = forge::locate(remote, overrides);
  REQUIRE_FALSE(repo);
  CHECK(repo.error().kind == util::ErrorKind::config);
  return repo.error().message;
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/argoimg-forge-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

} // namespace

TEST_CASE("forge kinds parse by name, with a hint on typos", "[forge]") {
  CHECK(forge::parse_kind("gitlab") == Kind::gitlab);
  CHECK(forge::name_of(Kind::gitea) == "gitea");
  auto typo = forge::parse_kind("githib");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().kind == util::ErrorKind::config);
  CHECK(typo.error().message
        == "unknown forge 'githib': expected github, gitlab or gitea (did you mean 'github'?)");
}

TEST_CASE("locate: the kind, API base and path come from the remote URL", "[forge]") {
  auto github = located("https://github.com/argoproj/argo-cd.git");
  CHECK(github.kind == Kind::github);
  CHECK(github.api_base == "https://api.github.com");
  CHECK(github.path == "argoproj/argo-cd");
  CHECK(located("git@github.com:org/repo.git").api_base == "https://api.github.com");
  CHECK(located("ssh://git@github.com/org/repo/").path == "org/repo");

  auto ghe = located("git@github.example.com:team/app.git");
  CHECK(ghe.kind == Kind::github);
  CHECK(ghe.api_base == "https://github.example.com/api/v3");

  auto gitlab = located("git@gitlab.com:group/sub/project.git");
  CHECK(gitlab.kind == Kind::gitlab);
  CHECK(gitlab.api_base == "https://gitlab.com/api/v4");
  CHECK(gitlab.path == "group/sub/project");
  CHECK(located("ssh://git@gitlab.corp.example:2222/g/p.git").api_base
        == "https://gitlab.corp.example/api/v4");

  auto codeberg = located("https://codeberg.org/forgejo/forgejo");
  CHECK(codeberg.kind == Kind::gitea);
  CHECK(codeberg.api_base == "https://codeberg.org/api/v1");
  CHECK(located("https://forgejo.example:8443/o/r.git").api_base
        == "https://forgejo.example:8443/api/v1");
  // An http:// remote keeps http and its port.
  CHECK(located("http://gitea.local:3000/o/r.git").api_base == "http://gitea.local:3000/api/v1");
}

TEST_CASE("locate: flags win over the remote; unknown hosts ask for --forge", "[forge]") {
  auto message = refusal("https://git.example/org/repo.git");
  CHECK(message
        == "forge: cannot tell the forge of remote 'https://git.example/org/repo.git' from its "
           "host 'git.example': give --forge github|gitlab|gitea (and --forge-api URL when the "
           "API is not at the usual place)");

  forge::Overrides kind_only;
  kind_only.kind = Kind::gitea;
  auto gitea = located("https://git.example/org/repo.git", kind_only);
  CHECK(gitea.api_base == "https://git.example/api/v1");
  CHECK(gitea.path == "org/repo");

  forge::Overrides all{Kind::github, "http://127.0.0.1:8080/", "owner/name"};
  auto repo = located("", all);
  CHECK(repo.api_base == "http://127.0.0.1:8080");
  CHECK(repo.path == "owner/name");
  forge::Overrides path_only;
  path_only.path = "other/place";
  CHECK(located("https://github.com/org/repo.git", path_only).path == "other/place");
}

TEST_CASE("locate: with --forge, --forge-api and --forge-repo the remote is not needed",
          "[forge]") {
  // A local-path or otherwise unparsable remote says nothing the three flags do not.
  forge::Overrides all{Kind::gitea, "https://gitea.example/api/v1", "org/repo"};
  for (std::string remote : {"/srv/git/x.git", "file:///srv/git/x.git", "not a url", ""}) {
    auto repo = located(remote, all);
    CHECK(repo.kind == Kind::gitea);
    CHECK(repo.api_base == "https://gitea.example/api/v1");
    CHECK(repo.path == "org/repo");
  }
  // With one flag missing, the remote fills it in and must be readable.
  forge::Overrides two{Kind::gitea, "https://gitea.example/api/v1", ""};
  CHECK_THAT(refusal("/srv/git/x.git", two),
             Catch::Contains("give --forge, --forge-api and --forge-repo"));
}

TEST_CASE("locate: hostile remotes and flags fail precisely", "[forge]") {
  CHECK(
      refusal("https://github.com/org/../repo.git")
      == "forge: repository path 'org/../repo' (from remote 'https://github.com/org/../repo.git') "
         "has a '..' segment");
  CHECK_THAT(refusal("https://github.com/org//repo.git"), Catch::Contains("has an empty segment"));
  CHECK_THAT(refusal("https://github.com/org/repo/extra"), Catch::Contains("is not owner/name"));
  CHECK_THAT(refusal("https://gitlab.com/project"),
             Catch::Contains("is not group/project (or group/subgroup/project)"));
  CHECK_THAT(refusal("https://github.com/org/re%2Fpo"),
             Catch::Contains("holds a character other than"));
  CHECK_THAT(refusal("https://github.com/org/repo\x1b[2J"), Catch::Contains("control character"));
  CHECK_THAT(refusal("/srv/git/repo.git"),
             Catch::Contains("give --forge, --forge-api and --forge-repo"));

  forge::Overrides bad_api;
  bad_api.api_base = "https://user:secret-pass@ghe.example/api/v3";
  auto message = refusal("https://github.com/o/r", bad_api);
  CHECK_THAT(message, Catch::Contains("must not hold credentials"));
  CHECK(message.find("secret-pass") == std::string::npos);
  bad_api.api_base = "ftp://ghe.example/";
  CHECK_THAT(refusal("https://github.com/o/r", bad_api),
             Catch::Contains("is not an http or https URL"));
  forge::Overrides bad_path;
  bad_path.path = "o/r\n";
  CHECK_THAT(refusal("https://github.com/o/r", bad_path), Catch::Contains("'o/r\\n'"));
}

TEST_CASE("find_auth: token file, then the variables of the forge", "[forge]") {
  auto env = util::Environment::from_map({{"GH_TOKEN", "gh-token-1234"},
                                          {"GITLAB_TOKEN", "glpat-abcdef"},
                                          {"GITEA_TOKEN", "gitea-0987"}});
  auto github = forge::find_auth(Kind::github, "", "", "", env);
  REQUIRE(github);
  CHECK(github->token == "gh-token-1234");
  CHECK(github->source == "GH_TOKEN");
  auto both =
      util::Environment::from_map({{"GITHUB_TOKEN", "first-token"}, {"GH_TOKEN", "second"}});
  CHECK(forge::find_auth(Kind::github, "", "", "", both)->source == "GITHUB_TOKEN");
  CHECK(forge::find_auth(Kind::gitlab, "", "", "", env)->token == "glpat-abcdef");
  CHECK(forge::find_auth(Kind::gitea, "", "", "", env)->source == "GITEA_TOKEN");

  TempFile file("  file-token-5678\n\n");
  auto from_file = forge::find_auth(Kind::gitlab, file.path, "", "", env);
  REQUIRE(from_file);
  CHECK(from_file->token == "file-token-5678");
  CHECK(from_file->source == "--forge-token-file");
  // Registered as a secret: it never reaches output.
  CHECK(util::redact("token file-token-5678 here") == "token <redacted> here");

  TempFile two_lines("line-one\nline-two\n");
  auto refused = forge::find_auth(Kind::github, two_lines.path, "", "", env);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::auth);
  CHECK(refused.error().message.find("line-one") == std::string::npos);

  auto none = forge::find_auth(Kind::github, "", "", "", util::Environment());
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == util::ErrorKind::auth);
  CHECK(none.error().message
        == "forge: github: no API token: set GITHUB_TOKEN or GH_TOKEN or give "
           "--forge-token-file FILE, or --github-app-id and --github-app-key-file");
  CHECK_THAT(forge::find_auth(Kind::gitlab, "", "", "", util::Environment()).error().message,
             Catch::StartsWith("forge: gitlab: no API token: set GITLAB_TOKEN or give"));
  CHECK(forge::find_auth(Kind::github, "/nonexistent/token", "", "", env).error().kind
        == util::ErrorKind::not_found);
}

TEST_CASE("find_auth: GitHub App credentials", "[forge]") {
  std::string key_path = std::string(ARGOIMG_TEST_DATA) + "/forge/app-key.pem";
  auto app = forge::find_auth(Kind::github, "", "12345", key_path, util::Environment());
  REQUIRE(app);
  CHECK(app->token.empty());
  REQUIRE(app->github_app);
  CHECK(app->github_app->app_id == "12345");
  CHECK(app->github_app->private_key_pem.find("BEGIN RSA PRIVATE KEY") != std::string::npos);

  auto no_key = forge::find_auth(Kind::github, "", "12345", "", util::Environment());
  REQUIRE_FALSE(no_key);
  CHECK(no_key.error().message
        == "forge: a GitHub App needs both --github-app-id and --github-app-key-file");
  CHECK_THAT(forge::find_auth(Kind::github, "", "12x", key_path, {}).error().message,
             Catch::Contains("--github-app-id '12x' is not a number"));
  CHECK(forge::find_auth(Kind::gitlab, "", "1", key_path, {}).error().message
        == "forge: gitlab: --github-app-id and --github-app-key-file are for GitHub, not "
           "gitlab: set GITLAB_TOKEN or give --forge-token-file FILE");

  // The app flags name GitHub: there they win over a token file, which serves the other forges
  // of the run (and so do their variables).
  TempFile token_file("file-token-2468\n");
  auto env = util::Environment::from_map({{"GITHUB_TOKEN", "env-token"}, {"GITEA_TOKEN", "gt"}});
  auto github = forge::find_auth(Kind::github, token_file.path, "12345", key_path, env);
  REQUIRE(github);
  REQUIRE(github->github_app);
  CHECK(github->source == "GitHub App 12345");
  auto gitlab = forge::find_auth(Kind::gitlab, token_file.path, "12345", key_path, env);
  REQUIRE(gitlab);
  CHECK_FALSE(gitlab->github_app);
  CHECK(gitlab->token == "file-token-2468");
  auto gitea = forge::find_auth(Kind::gitea, "", "12345", key_path, env);
  REQUIRE(gitea);
  CHECK(gitea->source == "GITEA_TOKEN");
  TempFile not_a_key("hello\n");
  CHECK_THAT(forge::find_auth(Kind::github, "", "1", not_a_key.path, {}).error().message,
             Catch::Contains("no PEM private key in it"));
}
