// SPDX-License-Identifier: Apache-2.0
// Flux v2 ImageRepository, ImagePolicy and ImageUpdateAutomation objects read by load_file.
#include "app/load.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;

namespace {

LoadedFile load(const std::string& text) {
  auto loaded = load_file(text, "flux/f.yaml");
  REQUIRE(loaded);
  CHECK(loaded->errors.empty());
  for (const auto& e : loaded->errors) {
    UNSCOPED_INFO(e.message);
  }
  return *loaded;
}

std::string object(const std::string& kind, const std::string& version, const std::string& spec) {
  return "apiVersion: image.toolkit.fluxcd.io/" + version + "\nkind: " + kind
         + "\nmetadata:\n  name: app\n  namespace: flux-system\n  labels: {team: a}\nspec:\n"
         + spec;
}

std::string error_of(const std::optional<util::Error>& error) {
  return error ? error->message : std::string();
}

} // namespace

TEST_CASE("flux v2: ImageRepository fields and versions", "[app][flux]") {
  auto loaded = load(object("ImageRepository",
                            "v1",
                            "  image: ghcr.io/org/app\n  exclusionList: ['^x', '^y']\n"
                            "  insecure: true\n  provider: aws\n  secretRef: {name: pull}\n"
                            "  certSecretRef: {name: ca}\n  serviceAccountName: sa\n"
                            "  accessFrom: {namespaceSelectors: []}\n")
                     + "---\n"
                     + object("ImageRepository",
                              "v1beta1",
                              "  image: localhost:5000/app\n  provider: aws\n  insecure: true\n"
                              "  exclusionList: []\n"));
  REQUIRE(loaded.flux_repositories.size() == 2);
  const auto& v1 = loaded.flux_repositories[0];
  CHECK(error_of(v1.error).empty());
  CHECK(v1.id.kind == "ImageRepository");
  CHECK(v1.id.name == "app");
  CHECK(v1.id.object_namespace == "flux-system");
  CHECK(v1.origin.to_string() == "flux/f.yaml:1");
  CHECK(v1.image == "ghcr.io/org/app");
  CHECK(v1.exclusion_list == std::vector<std::string>{"^x", "^y"});
  CHECK(v1.insecure);
  CHECK(v1.provider == "aws");
  CHECK(v1.secret_ref == "pull");
  CHECK(v1.cert_secret_ref == "ca");
  CHECK(v1.service_account == "sa");
  CHECK(v1.has_access_from);
  // v1beta1 has no provider and no insecure; an explicit empty list replaces the default.
  const auto& old = loaded.flux_repositories[1];
  CHECK(error_of(old.error).empty());
  CHECK(old.image == "localhost:5000/app");
  CHECK(old.provider == "generic");
  CHECK_FALSE(old.insecure);
  REQUIRE(old.exclusion_list);
  CHECK(old.exclusion_list->empty());
  CHECK_FALSE(load(object("ImageRepository", "v1beta2", "  image: app\n"))
                  .flux_repositories[0]
                  .exclusion_list);
}

TEST_CASE("flux v2: invalid objects carry their error", "[app][flux]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {object("ImageRepository", "v1", "  image: https://ghcr.io/app\n"),
       "flux/f.yaml:8:10: ImageRepository 'flux-system/app': spec.image 'https://ghcr.io/app' "
       "must not have a scheme"},
      {object("ImageRepository", "v1", "  image: ghcr.io/app:v1\n"),
       "flux/f.yaml:8:10: ImageRepository 'flux-system/app': spec.image 'ghcr.io/app:v1' must "
       "not have a tag or digest"},
      {object("ImageRepository", "v1", "  interval: 1m\n"),
       "flux/f.yaml:1:1: ImageRepository 'flux-system/app': spec.image is required"},
      {object("ImageRepository", "v1alpha1", "  image: app\n"),
       "flux/f.yaml:1:13: ImageRepository 'flux-system/app': apiVersion "
       "'image.toolkit.fluxcd.io/v1alpha1' is not supported (v1beta1, v1beta2 or v1)"},
      {object("ImagePolicy", "v1", "  imageRepositoryRef: {name: app}\n  filterTags: {}\n"),
       "flux/f.yaml:1:1: ImagePolicy 'flux-system/app': spec.policy has none of semver, "
       "alphabetical, numerical"},
      {object("ImagePolicy",
              "v1",
              "  imageRepositoryRef: {name: app}\n  policy:\n    numerical: {order: DESC}\n"),
       "flux/f.yaml:10:24: ImagePolicy 'flux-system/app': unknown order 'DESC' (asc or desc)"},
      {object("ImagePolicy", "v1", "  imageRepositoryRef: {name: app}\n  policy: {semver: }\n"),
       "flux/f.yaml:9:11: ImagePolicy 'flux-system/app': spec.policy has none of semver, "
       "alphabetical, numerical"},
      {object("ImagePolicy", "v1", "  policy: {semver: {range: '>=1'}}\n"),
       "flux/f.yaml:1:1: ImagePolicy 'flux-system/app': spec.imageRepositoryRef.name is "
       "required"},
      {object("ImagePolicy",
              "v1",
              "  imageRepositoryRef: {name: a}\n  policy: {semver: {range: '1'}}\n"
              "  digestReflectionPolicy: Sometimes\n"),
       "flux/f.yaml:10:27: ImagePolicy 'flux-system/app': unknown digestReflectionPolicy "
       "'Sometimes' (Never, IfNotPresent or Always)"},
      {object("ImageUpdateAutomation", "v1", "  update: {path: ./x, strategy: Merge}\n"),
       "flux/f.yaml:8:33: ImageUpdateAutomation 'flux-system/app': spec.update.strategy 'Merge' "
       "is not supported (only Setters)"},
      {object("ImageUpdateAutomation",
              "v1beta2",
              "  policySelector:\n    matchExpressions: [{key: a, operator: Exists}]\n"),
       "flux/f.yaml:9:23: ImageUpdateAutomation 'flux-system/app': "
       "spec.policySelector.matchExpressions is not supported"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    auto loaded = load(text);
    std::optional<util::Error> error;
    if (!loaded.flux_repositories.empty()) {
      error = loaded.flux_repositories[0].error;
    } else if (!loaded.flux_policies.empty()) {
      error = loaded.flux_policies[0].error;
    } else {
      REQUIRE(loaded.flux_automations.size() == 1);
      error = loaded.flux_automations[0].error;
    }
    CHECK(error_of(error) == message);
  }
}

TEST_CASE("flux v2: ImagePolicy kinds, defaults and precedence", "[app][flux]") {
  auto loaded =
      load(object("ImagePolicy",
                  "v1",
                  "  imageRepositoryRef: {name: repo}\n  policy:\n    alphabetical: {order: desc}\n"
                  "    semver: {range: '>=1.0.0'}\n  filterTags: {pattern: '^main-(?P<ts>.*)', "
                  "extract: '$ts'}\n  digestReflectionPolicy: IfNotPresent\n")
           + "---\n"
           + object("ImagePolicy",
                    "v1beta1",
                    "  imageRepositoryRef: {name: repo, namespace: other}\n  policy:\n"
                    "    numerical: {order: desc}\n    alphabetical: {}\n"
                    "  digestReflectionPolicy: Always\n")
           + "---\n"
           + object("ImagePolicy",
                    "v1beta2",
                    "  imageRepositoryRef: {name: r}\n  policy:\n"
                    "    numerical: {}\n"));
  REQUIRE(loaded.flux_policies.size() == 3);
  const auto& semver = loaded.flux_policies[0];
  CHECK(error_of(semver.error).empty());
  CHECK(semver.kind == FluxImagePolicy::Kind::semver);
  CHECK(semver.semver_range == ">=1.0.0");
  CHECK(semver.repository_name == "repo");
  CHECK(semver.repository_namespace == "flux-system");
  CHECK(semver.filter_pattern == std::optional<std::string>("^main-(?P<ts>.*)"));
  CHECK(semver.filter_extract == std::optional<std::string>("$ts"));
  CHECK(semver.digest_reflection == FluxImagePolicy::DigestReflection::if_not_present);
  CHECK(semver.labels == std::map<std::string, std::string>{{"team", "a"}});
  CHECK(semver.origin_text == "flux/f.yaml:1");
  // alphabetical beats numerical; v1beta1 has no digest reflection.
  const auto& alphabetical = loaded.flux_policies[1];
  CHECK(error_of(alphabetical.error).empty());
  CHECK(alphabetical.kind == FluxImagePolicy::Kind::alphabetical);
  CHECK(alphabetical.order == "asc");
  CHECK(alphabetical.repository_namespace == "other");
  CHECK(alphabetical.digest_reflection == FluxImagePolicy::DigestReflection::never);
  CHECK_FALSE(alphabetical.filter_pattern);
  const auto& numerical = loaded.flux_policies[2];
  CHECK(numerical.kind == FluxImagePolicy::Kind::numerical);
  CHECK(numerical.order == "asc");
}

TEST_CASE("flux v2: ImageUpdateAutomation and where objects are found", "[app][flux]") {
  auto loaded =
      load("apiVersion: v1\nkind: List\nitems:\n"
           "- apiVersion: image.toolkit.fluxcd.io/v1\n  kind: ImageUpdateAutomation\n"
           "  metadata: {name: auto}\n  spec:\n    update: {path: ./clusters/prod}\n"
           "    policySelector: {matchLabels: {team: a}}\n"
           "---\napiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\n"
           "metadata: {name: bare, namespace: x}\nspec: {}\n"
           "---\napiVersion: other.example.com/v1\nkind: ImagePolicy\nmetadata: {name: no}\n");
  REQUIRE(loaded.flux_automations.size() == 2);
  CHECK(loaded.flux_policies.empty());
  CHECK(loaded.skipped.size() == 1);
  const auto& automation = loaded.flux_automations[0];
  CHECK(error_of(automation.error).empty());
  CHECK(automation.id.object_namespace == "default");
  CHECK(automation.origin.to_string() == "flux/f.yaml:4");
  CHECK(automation.update_path == "./clusters/prod");
  CHECK(automation.strategy == "Setters");
  CHECK(automation.policy_selector == std::map<std::string, std::string>{{"team", "a"}});
  const auto& bare = loaded.flux_automations[1];
  CHECK(error_of(bare.error).empty());
  CHECK(bare.update_path.empty());
  CHECK(bare.strategy == "Setters");
  CHECK(bare.policy_selector.empty());
}
