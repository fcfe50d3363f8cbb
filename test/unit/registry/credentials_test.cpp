// SPDX-License-Identifier: Apache-2.0
// Credential resolution (issue 13 §1): AIU's precedence (the image's pull secret, then the
// registry entry's `credentials`, then Docker's config.json, else anonymous), each reference
// form and its precise errors, `credsexpire` caching, and no secret in any message. The
// environment comes in as lambdas that record what was asked.

#include "registry/credentials.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <vector>

using namespace argoimg;
using namespace argoimg::registry;
using namespace std::chrono_literals;

namespace {

// A fake machine: environment variables, programs' answers, Secrets, config.json, a clock.
struct Machine {
  std::map<std::string, std::string> variables;
  std::map<std::string, util::Result<util::ProcessOutput>> programs; // by argv[0]
  std::map<std::string, std::map<std::string, std::string>> secrets; // by "ns/name"
  std::optional<std::string> docker_config;
  std::chrono::steady_clock::time_point now{};
  bool kubernetes = true;

  std::vector<std::string> asked; // "env:VAR", "run:/path", "secret:ns/name", "file:path"

  CredentialEnvironment environment() {
    CredentialEnvironment env;
    env.getenv = [this](const std::string& name) -> std::optional<std::string> {
      asked.push_back("env:" + name);
      auto it = variables.find(name);
      return it == variables.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    env.run = [this](const std::vector<std::string>& argv,
                     const std::string&,
                     std::chrono::milliseconds) -> util::Result<util::ProcessOutput> {
      asked.push_back("run:" + argv.at(0));
      auto it = programs.find(argv.at(0));
      if (it == programs.end()) {
        return util::fail(util::ErrorKind::io, "cannot run " + util::quote(argv.at(0)));
      }
      return it->second;
    };
    env.read_file = [this](const std::string& path) -> util::Result<std::string> {
      asked.push_back("file:" + path);
      if (!docker_config) {
        return util::fail(util::ErrorKind::not_found, "no such file");
      }
      return *docker_config;
    };
    env.now = [this] { return now; };
    env.docker_config_dir = "/home/u/.docker";
    if (kubernetes) {
      env.read_secret =
          [this](const std::string& ns,
                 const std::string& name) -> util::Result<std::map<std::string, std::string>> {
        asked.push_back("secret:" + ns + "/" + name);
        auto it = secrets.find(ns + "/" + name);
        if (it == secrets.end()) {
          return util::fail(util::ErrorKind::not_found,
                            "secret " + util::quote(ns + "/" + name) + " not found");
        }
        return it->second;
      };
    }
    return env;
  }
};

RegistryEntry entry_with(const std::string& credentials, std::chrono::nanoseconds expire = {}) {
  RegistryEntry entry;
  entry.name = "Internal";
  entry.prefix = "reg.example.com";
  entry.api_url = "https://reg.example.com";
  entry.credentials = credentials;
  entry.credsexpire = expire;
  entry.origin = "registries.conf:2";
  entry.credentials_origin = "registries.conf:6:16";
  return entry;
}

const std::string k_docker_config =
    R"({"auths":{"reg.example.com":{"auth":"ZG9ja2VyOmRvY2tlci1wYXNz"}}})"; // docker:docker-pass

struct Fresh {
  Fresh() { util::clear_secrets_for_testing(); }
  ~Fresh() { util::clear_secrets_for_testing(); }
};

} // namespace

TEST_CASE("the image's pull secret wins over the registry's credentials and config.json",
          "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  m.variables = {{"IMAGE_CREDS", "image:image-pass"}, {"REG_CREDS", "reg:reg-pass"}};
  m.docker_config = k_docker_config;
  auto entry = entry_with("env:REG_CREDS");

  CredentialResolver image_first(m.environment());
  auto found = image_first.for_image(std::string("env:IMAGE_CREDS"), &entry, "reg.example.com");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->username == "image");
  CHECK((*found)->password == "image-pass");
  CHECK((*found)->source == "env:IMAGE_CREDS");
  CHECK(m.asked == std::vector<std::string>{"env:IMAGE_CREDS"}); // nothing else consulted

  m.asked.clear();
  CredentialResolver registry_next(m.environment());
  auto from_entry = registry_next.for_image(std::nullopt, &entry, "reg.example.com");
  REQUIRE(from_entry);
  REQUIRE(*from_entry);
  CHECK((*from_entry)->username == "reg");
  CHECK((*from_entry)->source == "env:REG_CREDS");
  CHECK(m.asked == std::vector<std::string>{"env:REG_CREDS"});

  // An empty pull secret is unset (AIU: the key exists, its value empty): the registry's.
  auto empty = registry_next.for_image(std::string(""), &entry, "reg.example.com");
  REQUIRE(empty);
  REQUIRE(*empty);
  CHECK((*empty)->username == "reg");

  m.asked.clear();
  CredentialResolver docker_last(m.environment());
  auto bare = entry_with("");
  auto from_docker = docker_last.for_image(std::nullopt, &bare, "reg.example.com");
  REQUIRE(from_docker);
  REQUIRE(*from_docker);
  CHECK((*from_docker)->username == "docker");
  CHECK((*from_docker)->password == "docker-pass");
  CHECK(m.asked == std::vector<std::string>{"file:/home/u/.docker/config.json"});

  auto anonymous = docker_last.for_image(std::nullopt, nullptr, "other.example.com");
  REQUIRE(anonymous);
  CHECK_FALSE(*anonymous);

  // Every secret resolved is registered for redaction, the user name alone is not.
  CHECK(util::redact("x image-pass reg-pass docker-pass image")
        == "x <redacted> <redacted> "
           "<redacted> image");
}

TEST_CASE("a failing pull secret is the image's error; the registry's is not tried",
          "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  m.variables = {{"REG_CREDS", "reg:reg-pass"}};
  auto entry = entry_with("env:REG_CREDS");
  CredentialResolver resolver(m.environment());
  auto found = resolver.for_image(std::string("env:IMAGE_CREDS"), &entry, "reg.example.com");
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == util::ErrorKind::config);
  CHECK(found.error().message
        == "credentials 'env:IMAGE_CREDS': environment variable 'IMAGE_CREDS' is not set");
  CHECK(m.asked == std::vector<std::string>{"env:IMAGE_CREDS"});

  // The registry's own failure names the registry.
  auto missing = entry_with("env:NOT_SET");
  auto failed = resolver.for_image(std::nullopt, &missing, "reg.example.com");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message
        == "registry 'Internal': credentials 'env:NOT_SET': environment variable 'NOT_SET' is "
           "not set");

  // A password written where the reference belongs is never echoed.
  auto literal = entry_with("alice:hunter2-literal");
  auto refused = resolver.for_image(std::nullopt, &literal, "reg.example.com");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::config);
  CHECK(refused.error().message
        == "registry 'Internal': credentials in 'registries.conf:6:16' are not a reference "
           "(env:VAR, ext:/path, pullsecret:ns/name, secret:ns/name#field)");
  CHECK(util::redact("alice:hunter2-literal") == "<redacted>");
}

TEST_CASE("env: values must be user:password and are never echoed", "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  m.variables = {{"TOKEN_ONLY", "ghp-0123456789abcdef"}, {"NO_USER", ":p4ssword"}};
  CredentialResolver resolver(m.environment());
  for (const char* reference : {"env:TOKEN_ONLY", "env:NO_USER"}) {
    CAPTURE(reference);
    auto resolved = resolver.resolve(reference, "reg.example.com");
    REQUIRE_FALSE(resolved);
    CHECK(resolved.error().kind == util::ErrorKind::config);
    CHECK(resolved.error().message
          == "credentials from '" + std::string(reference)
                 + "' are not in the form 'user:password'");
  }
  auto typed = resolver.resolve("env:", "reg.example.com");
  REQUIRE_FALSE(typed);
  CHECK_THAT(typed.error().message, Catch::Contains("is not an environment variable name"));
}

TEST_CASE("ext: runs the absolute script; its failures are precise and secret-free",
          "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  m.programs["/opt/creds/ok.sh"] = util::ProcessOutput{0, "robot:ext-pass-1\n", ""};
  m.programs["/opt/creds/fails.sh"] =
      util::ProcessOutput{3, "robot:half-printed-secret", "token endpoint down"};
  m.programs["/opt/creds/garbage.sh"] = util::ProcessOutput{0, "just-a-token-value\n", ""};
  m.programs["/opt/creds/slow.sh"] =
      util::Result<util::ProcessOutput>(util::fail(util::ErrorKind::timeout, "killed after 10s"));
  CredentialResolver resolver(m.environment());

  auto ok = resolver.resolve("ext:/opt/creds/ok.sh", "reg.example.com");
  REQUIRE(ok);
  CHECK(ok->username == "robot");
  CHECK(ok->password == "ext-pass-1"); // the trailing newline is not part of it
  CHECK(ok->source == "ext:/opt/creds/ok.sh");

  auto failed = resolver.resolve("ext:/opt/creds/fails.sh", "reg.example.com");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == util::ErrorKind::auth);
  CHECK(failed.error().message
        == "credentials 'ext:/opt/creds/fails.sh': the script exited with status 3");

  auto garbage = resolver.resolve("ext:/opt/creds/garbage.sh", "reg.example.com");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind == util::ErrorKind::config);
  CHECK(garbage.error().message
        == "credentials from 'ext:/opt/creds/garbage.sh' are not in the form 'user:password'");

  auto slow = resolver.resolve("ext:/opt/creds/slow.sh", "reg.example.com");
  REQUIRE_FALSE(slow);
  CHECK(slow.error().kind == util::ErrorKind::timeout);
  CHECK(slow.error().message == "credentials 'ext:/opt/creds/slow.sh': killed after 10s");

  m.asked.clear();
  auto relative = resolver.resolve("ext:creds.sh", "reg.example.com");
  REQUIRE_FALSE(relative);
  CHECK(relative.error().kind == util::ErrorKind::config);
  CHECK(relative.error().message == "credentials 'ext:creds.sh': the script path must be absolute");
  CHECK(m.asked.empty()); // never run

  // Failures are not cached: the next lookup runs the script again.
  m.asked.clear();
  CHECK_FALSE(resolver.resolve("ext:/opt/creds/fails.sh", "reg.example.com"));
  CHECK(m.asked == std::vector<std::string>{"run:/opt/creds/fails.sh"});
}

TEST_CASE("registry credentials are cached until credsexpire", "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  int runs = 0;
  CredentialEnvironment env = m.environment();
  env.run = [&](const std::vector<std::string>& argv,
                const std::string&,
                std::chrono::milliseconds) -> util::Result<util::ProcessOutput> {
    ++runs;
    CHECK(argv == std::vector<std::string>{"/opt/ecr-login.sh"});
    return util::ProcessOutput{0, "AWS:ecr-token-" + std::to_string(runs) + "\n", ""};
  };
  CredentialResolver resolver(env);
  auto expiring = entry_with("ext:/opt/ecr-login.sh", 30min);
  auto get = [&] {
    auto found = resolver.for_image(std::nullopt, &expiring, "reg.example.com");
    REQUIRE(found);
    REQUIRE(*found);
    return (*found)->password;
  };
  CHECK(get() == "ecr-token-1");
  m.now += 29min;
  CHECK(get() == "ecr-token-1");
  CHECK(runs == 1);
  m.now += 2min; // past 30 minutes since the read
  CHECK(get() == "ecr-token-2");
  CHECK(runs == 2);
  m.now += 10min;
  CHECK(get() == "ecr-token-2");
  CHECK(runs == 2);

  // credsexpire 0: read once for the whole run.
  auto forever = entry_with("ext:/opt/ecr-login.sh");
  forever.name = "Forever";
  CredentialResolver once(env);
  runs = 0;
  for (int i = 0; i < 3; ++i) {
    m.now += 24h;
    auto found = once.for_image(std::nullopt, &forever, "reg.example.com");
    REQUIRE(found);
    CHECK((**found).password == "ecr-token-1");
  }
  CHECK(runs == 1);
}

TEST_CASE("pullsecret: and secret: read Kubernetes Secrets", "[registry][credentials]") {
  Fresh fresh;
  Machine m;
  // Docker Hub's usual key matches docker.io (AIU's prefix match misses it).
  m.secrets["apps/regcred"] = {
      {".dockerconfigjson",
       R"({"auths":{"https://index.docker.io/v1/":{"username":"hub","password":"hub-pass"}}})"}};
  m.secrets["apps/plain"] = {{"creds", "robot:plain-pass"}};
  CredentialResolver resolver(m.environment());

  auto hub = resolver.resolve("pullsecret:apps/regcred", "docker.io");
  REQUIRE(hub);
  CHECK(hub->username == "hub");
  CHECK(hub->password == "hub-pass");
  CHECK(hub->source == "pullsecret:apps/regcred");

  auto other = resolver.resolve("pullsecret:apps/regcred", "ghcr.io");
  REQUIRE_FALSE(other);
  CHECK(other.error().kind == util::ErrorKind::auth);
  CHECK(other.error().message
        == "credentials 'pullsecret:apps/regcred': no entry for registry 'ghcr.io'");

  auto field = resolver.resolve("secret:apps/plain#creds", "reg.example.com");
  REQUIRE(field);
  CHECK(field->username == "robot");
  CHECK(field->password == "plain-pass");

  auto no_field = resolver.resolve("secret:apps/plain#password", "reg.example.com");
  REQUIRE_FALSE(no_field);
  CHECK(no_field.error().message
        == "credentials 'secret:apps/plain#password': the secret has no field 'password'");

  auto no_hash = resolver.resolve("secret:apps/plain", "reg.example.com");
  REQUIRE_FALSE(no_hash);
  CHECK(no_hash.error().message
        == "credentials 'secret:apps/plain': expected 'secret:<namespace>/<name>#<field>'");

  auto absent = resolver.resolve("pullsecret:apps/nope", "docker.io");
  REQUIRE_FALSE(absent);
  CHECK(absent.error().kind == util::ErrorKind::not_found);
  CHECK(absent.error().message
        == "credentials 'pullsecret:apps/nope': secret 'apps/nope' not found");

  Machine offline;
  offline.kubernetes = false;
  CredentialResolver without(offline.environment());
  auto no_cluster = without.resolve("pullsecret:apps/regcred", "docker.io");
  REQUIRE_FALSE(no_cluster);
  CHECK(no_cluster.error().kind == util::ErrorKind::config);
  CHECK_THAT(no_cluster.error().message, Catch::Contains("no Kubernetes access"));
}
