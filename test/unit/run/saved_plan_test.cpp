// SPDX-License-Identifier: Apache-2.0
// Saved plans: what a plan file must hold, and how its decisions answer for the registries.
#include "run/saved_plan.hpp"

#include "image/image_list.hpp"

#include <catch2/catch.hpp>

#include <tuple>

using namespace argoimg;

namespace {

const std::string k_plan = R"({
  "kind": "argoimg.plan", "planVersion": 1, "argoimg": "0.1.0",
  "applications": [
    {"name": "web", "namespace": "argocd", "images": [
      {"alias": "web", "image": "nginx", "status": "update", "current": "1.25.3", "new": "1.25.4",
       "newDigest": "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
      {"alias": "side", "image": "envoy", "status": "skipped", "reason": "no tag matches"}]}
  ],
  "files": [{"path": "/repo/values.yaml", "sha256": "ab", "created": false,
             "applications": ["web"], "images": ["web: 1.25.3 -> 1.25.4"]}]
})";

updater::ImageRequest request(const std::string& element) {
  auto entry = image::parse_image_list_entry(element);
  REQUIRE(entry);
  return updater::ImageRequest(std::make_shared<const image::ImageListEntry>(*entry));
}

app::Application application(const std::string& name, const std::string& app_namespace) {
  app::Application made;
  made.name = name;
  made.app_namespace = app_namespace;
  return made;
}

} // namespace

TEST_CASE("a saved plan is read field by field", "[run][plan]") {
  auto plan = run::parse_saved_plan(k_plan, "plan.json");
  REQUIRE(plan);
  REQUIRE(plan->applications.size() == 1);
  CHECK(plan->applications[0].images[0].new_digest
        == "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  CHECK(plan->applications[0].images[1].reason == "no tag matches");
  REQUIRE(plan->files.size() == 1);
  CHECK(plan->files[0].images == std::vector<std::string>{"web: 1.25.3 -> 1.25.4"});
}

TEST_CASE("a plan that is not exactly a plan is refused, naming the field", "[run][plan]") {
  auto replaced = [](const std::string& from, const std::string& to) {
    std::string text = k_plan;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  for (auto [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "not a plan: the file is not a JSON object"},
           {std::string(100000, '['), "not a plan: it nests arrays and objects more than 256"},
           {replaced("argoimg.plan", "argoimg.report"), "not a plan: 'kind' is not"},
           {replaced("\"planVersion\": 1", "\"planVersion\": \"1\""), "planVersion is not 1"},
           {replaced("\"status\": \"update\"", "\"status\": \"updated\""),
            "applications[0].images[0]: unknown status 'updated'"},
           {replaced("\"current\": \"1.25.3\", \"new\": \"1.25.4\",", ""), ""},
           {replaced("\"new\": \"1.25.4\"", "\"new\": 4"),
            "applications[0].images[0]: 'new' must be a string"},
           {replaced("\"created\": false", "\"created\": \"no\""),
            "files[0]: 'created' must be true or false"},
           {replaced("\"sha256\": \"ab\"", "\"sha256\": \"\""),
            "files[0]: 'sha256' must be empty exactly when created"},
           {replaced("\"/repo/values.yaml\"", "\"../values.yaml\""),
            "files[0]: 'path' must be absolute"},
           {replaced("\"images\": [\"web: 1.25.3 -> 1.25.4\"]", "\"images\": [1]"),
            "files[0]: 'images' must hold strings"},
           // Two equal keys: RapidJSON would take the first, jq and Python the last.
           {replaced("\"new\": \"1.25.4\"", "\"new\": \"1.25.0\", \"new\": \"1.25.4\""),
            "'applications[0].images[0].new' is given twice"},
           {replaced("\"kind\": \"argoimg.plan\",", "\"kind\": \"argoimg.plan\", \"files\": [],"),
            "'files' is given twice"},
           {replaced("\"alias\": \"side\"", "\"alias\": \"web\""),
            "applications[0].images[1]: image 'web' is named twice"},
           {replaced("\"/repo/values.yaml\"", "\"/etc/passwd\\u0000/repo/values.yaml\""),
            "files[0]: 'path' holds a control character"},
       }) {
    auto parsed = run::parse_saved_plan(text, "plan.json");
    if (message.empty()) { // "update" without "new"
      REQUIRE_FALSE(parsed);
      CHECK_THAT(parsed.error().message, Catch::Contains("status 'update' without 'new'"));
      continue;
    }
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == util::ErrorKind::config);
    CHECK_THAT(parsed.error().message, Catch::StartsWith("plan 'plan.json': " + message));
  }
  std::string twice = k_plan;
  auto apps = twice.find("\"applications\": [") + std::string("\"applications\": [").size();
  auto end = twice.find("\n  ],\n  \"files\"");
  std::string one = twice.substr(apps, end - apps);
  twice.insert(end, "," + one);
  auto refused = run::parse_saved_plan(twice, "plan.json");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("application 'argocd/web' is named twice"));
  std::string two_files = k_plan;
  auto files = two_files.find("\"files\": [") + std::string("\"files\": [").size();
  auto files_end = two_files.rfind("]");
  two_files.insert(files_end, "," + two_files.substr(files, files_end - files));
  auto refused_files = run::parse_saved_plan(two_files, "plan.json");
  REQUIRE_FALSE(refused_files);
  CHECK_THAT(refused_files.error().message,
             Catch::Contains("files[1]: file '/repo/values.yaml' is named twice"));
}

TEST_CASE("a plan records its run's inputs, and an apply run with none takes them", "[run][plan]") {
  run::CheckOptions planning;
  planning.paths = {"/work/apps", "/work/more/app.yaml"};
  planning.repo_roots = {"https://git.example/org/gitops.git=/work/gitops"};
  planning.server = "argocd.example:443";
  planning.match_labels = "team=web";
  planning.shard = "1/4";
  auto inputs = run::plan_inputs(planning);
  CHECK(inputs.paths == planning.paths);
  CHECK(inputs.server == "argocd.example:443");
  planning.server = "bob:secret@argocd.example:443";
  CHECK(run::plan_inputs(planning).server.empty()); // never written down with a password
  planning.repo_roots = {"https://bob:pw-xyzzy@git.example/org/gitops.git=/work/gitops"};
  CHECK(run::plan_inputs(planning).repo_roots
        == std::vector<std::string>{"https://git.example/org/gitops.git=/work/gitops"});

  std::string text = k_plan;
  text.insert(text.find("\"applications\""),
              R"("inputs": {"paths": ["/work/apps"], "repoRoots": ["https://g/o.git=/work/gitops"],
               "server": "", "matchNames": [], "matchLabels": "team=web", "appNamespace": "",
               "project": "", "argocdNamespace": "ops", "shard": "1/4"},
  )");
  auto plan = run::parse_saved_plan(text, "plan.json");
  REQUIRE(plan);
  REQUIRE(plan->inputs);
  run::CheckOptions applying;
  applying.project = "payments"; // a selection the apply run sets itself is kept
  run::use_plan_inputs(applying, *plan->inputs);
  CHECK(applying.paths == std::vector<std::string>{"/work/apps"});
  CHECK(applying.repo_roots == std::vector<std::string>{"https://g/o.git=/work/gitops"});
  CHECK(applying.match_labels == "team=web");
  CHECK(applying.shard == "1/4");
  CHECK(applying.project == "payments");
  CHECK(applying.argocd_namespace == "ops");
  CHECK_FALSE(run::parse_saved_plan(k_plan, "plan.json")->inputs); // older plans have none

  for (auto [from, to, message] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"[\"/work/apps\"]", "[\"apps\"]", "inputs: 'apps' is not an absolute path"},
           {"=/work/gitops", "=gitops", "inputs: 'https://g/o.git=gitops' is not URL=DIR"},
           {"[\"/work/apps\"]", "[\"/work/a\\npps\"]", "inputs: '/work/a\\npps' is not"},
           {"\"shard\": \"1/4\"", "\"shard\": 1", "inputs: 'shard' must be a string"},
           {"https://g/o.git=", "https://bob:pw@g/o.git=", "inputs: 'https://bob:pw@g/o.git"},
       }) {
    std::string bad = text;
    bad.replace(bad.find(from), from.size(), to);
    auto refused = run::parse_saved_plan(bad, "plan.json");
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::StartsWith("plan 'plan.json': " + message));
  }
  // A plan argoimg did not write: the same path many times is read once; too many is refused.
  const std::string listed = "[\"/work/apps\"]";
  std::string twice = text;
  twice.replace(twice.find(listed), listed.size(), "[\"/work/apps\", \"/work/apps\"]");
  auto read_once = run::parse_saved_plan(twice, "plan.json");
  REQUIRE(read_once);
  CHECK(read_once->inputs->paths.size() == 1);
  std::string many = "[\"/a\"";
  for (int i = 0; i < 10000; ++i) {
    many += ", \"/a\"";
  }
  std::string flood = text;
  flood.replace(flood.find(listed), listed.size(), many + "]");
  auto refused = run::parse_saved_plan(flood, "plan.json");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("'paths' holds more than 10000 entries"));
}

TEST_CASE("a plan's decisions answer instead of the registries", "[run][plan]") {
  auto plan = run::parse_saved_plan(k_plan, "plan.json");
  REQUIRE(plan);
  auto preset = run::preset_from(std::make_shared<const run::SavedPlan>(*plan));
  auto web = application("web", "argocd");
  auto planned = preset(web, request("web=nginx:~1.25"));
  CHECK(planned.status == updater::ImageStatus::resolved);
  CHECK(planned.new_tag == "1.25.4");
  CHECK(planned.new_digest
        == "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  CHECK(planned.constraint == "~1.25");
  auto skipped = preset(web, request("side=envoy"));
  CHECK(skipped.status == updater::ImageStatus::skipped);
  CHECK(skipped.reason == "in the saved plan: no tag matches");
  auto unknown = preset(web, request("other=redis"));
  CHECK(unknown.status == updater::ImageStatus::skipped);
  CHECK(unknown.reason == "not in the saved plan");
  // Same name, other namespace: another application.
  CHECK(preset(application("web", "prod"), request("web=nginx")).reason == "not in the saved plan");
}

TEST_CASE("a plan's tag and digest are only what a registry could answer", "[run][plan]") {
  auto with = [](const std::string& field, const std::string& value) {
    std::string text = k_plan;
    auto at = text.find("\"" + field + "\": \"");
    REQUIRE(at != std::string::npos);
    auto start = at + field.size() + 5;
    return text.replace(start, text.find('"', start) - start, value);
  };
  // Text that would change the structure of the file it is written into.
  for (const std::string& tag :
       std::vector<std::string>{"1.0\\nkind: Secret", "1.0 # x", "{{ .Values.x }}", "-1", ""}) {
    auto plan = run::parse_saved_plan(with("new", tag), "plan.json");
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message
          == "plan 'plan.json': applications[0].images[0]: 'new' is not a valid tag");
  }
  for (const std::string& digest : std::vector<std::string>{
           "sha256:aa",
           "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\n",
           ":aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
           "sha256 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    auto plan = run::parse_saved_plan(with("newDigest", digest), "plan.json");
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message
          == "plan 'plan.json': applications[0].images[0]: 'newDigest' is not a digest");
  }
}

TEST_CASE("a plan's tag outside the image's policy is an error, not an update", "[run][plan]") {
  std::string text = k_plan;
  text.replace(text.find("\"new\": \"1.25.4\""), 15, "\"new\": \"9.0.0-rc1\"");
  auto plan = run::parse_saved_plan(text, "plan.json");
  REQUIRE(plan);
  auto preset = run::preset_from(std::make_shared<const run::SavedPlan>(*plan));
  // The default semver policy takes no prerelease: a registry's 9.0.0-rc1 would never be picked.
  auto planned = preset(application("web", "argocd"), request("web=nginx"));
  CHECK(planned.status == updater::ImageStatus::error);
  CHECK(planned.reason == "the saved plan's tag '9.0.0-rc1' is not one this image's policy allows");
  CHECK_FALSE(planned.new_tag);
}

namespace {

const std::string k_sections = R"({
  "kind": "argoimg.plan", "planVersion": 1, "applications": [], "files": [],
  "flux": [
    {"namespace": "", "origin": "values.yaml:2", "images": [
      {"alias": "flux-system:app", "image": "registry.demo.local/demo/app", "status": "update",
       "current": "1.2.3", "new": "1.2.9"}],
     "writes": [{"file": "/repo/values.yaml", "document": 0, "path": ["app", "images", 1, "tag"],
                 "current": "1.2.3", "value": "1.2.9", "described": "app: 1.2.3 -> 1.2.9"}]},
    {"kind": "ImagePolicy", "name": "app", "namespace": "flux-system", "origin": "p.yaml:1",
     "images": [{"alias": "app", "image": "app", "status": "resolved", "new": "1.2.9"}],
     "writes": []}],
  "api": [{"name": "web", "namespace": "argocd", "resourceVersion": "7", "sha256": "ab",
           "images": ["web: -> 1.2.9"]}]
})";

// The run's inputs: one `:tag` marker of the ImagePolicy flux-system/app (semver `>=1.0.0`) on
// `app.images[1].tag` of document 0 of `file`.
updater::FluxInputs marked(const std::string& file, size_t index = 1) {
  updater::FluxInputs inputs;
  app::FluxMarker marker;
  marker.field = app::FluxMarker::Field::tag;
  marker.policy_namespace = "flux-system";
  marker.policy_name = "app";
  marker.slot.position.file = file;
  marker.slot.path = {{"app", std::nullopt}, {"images", std::nullopt}, {"", index}, {"tag", {}}};
  inputs.markers.push_back(marker);
  app::FluxImagePolicy policy;
  policy.id.kind = "ImagePolicy";
  policy.id.name = "app";
  policy.id.object_namespace = "flux-system";
  policy.repository_name = "app";
  policy.repository_namespace = "flux-system";
  policy.semver_range = ">=1.0.0";
  inputs.policies.push_back(policy);
  app::FluxImageRepository repository;
  repository.id.kind = "ImageRepository";
  repository.id.name = "app";
  repository.id.object_namespace = "flux-system";
  repository.image = "registry.demo.local/demo/app";
  inputs.repositories.push_back(repository);
  return inputs;
}

} // namespace

TEST_CASE("a plan's Flux and Argo CD API sections are read and rebuilt", "[run][plan]") {
  auto plan = run::parse_saved_plan(k_sections, "plan.json");
  REQUIRE(plan);
  REQUIRE(plan->api.size() == 1);
  CHECK(plan->api[0].resource_version == "7");
  auto inputs = marked("/repo/values.yaml");
  auto flux = run::flux_from_plan(*plan, updater::FluxWriteCheck(inputs));
  REQUIRE(flux.results.size() == 2);
  CHECK(flux.results[0].anonymous);
  CHECK_FALSE(flux.results[0].kind);
  CHECK(flux.results[0].status == updater::AppStatus::update);
  CHECK(flux.results[1].kind == "ImagePolicy");
  CHECK(flux.results[1].images[0].status == updater::ImageStatus::resolved);
  REQUIRE(flux.writes.size() == 1);
  const auto& write = flux.writes[0];
  CHECK(write.result == 0);
  CHECK(write.edit.path.size() == 4);
  CHECK(write.edit.path[2].index == size_t{1});
  CHECK(write.edit.path[3].key == "tag");
  CHECK(write.edit.current == "1.2.3");
  CHECK(write.edit.value == "1.2.9");
  // A plan without the sections (made by a run without Flux or --server) has none.
  auto plain = run::parse_saved_plan(k_plan, "plan.json");
  REQUIRE(plain);
  CHECK(plain->flux.empty());
  CHECK(plain->api.empty());
}

TEST_CASE("a plan's Flux writes and API objects are checked field by field", "[run][plan]") {
  auto replaced = [](const std::string& from, const std::string& to) {
    std::string text = k_sections;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {replaced(R"("file": "/repo/values.yaml")", R"("file": "values.yaml")"),
            "flux[0].writes[0]: 'file' must be absolute"},
           {replaced(R"("value": "1.2.9")", R"("value": "1.2.9\nkind: Secret")"),
            "flux[0].writes[0]: 'value' must be one line of text"},
           {replaced(R"(["app", "images", 1, "tag"])", R"(["app", -1])"),
            "flux[0].writes[0]: 'path' must hold keys and indexes"},
           {replaced(R"("document": 0)", R"("document": "0")"),
            "flux[0].writes[0]: 'document' must be a number"},
           {replaced(R"("resourceVersion": "7")", R"("resourceVersion": 7)"),
            "api[0]: 'resourceVersion' must be a string"},
           {replaced(R"("api": [)", R"("api": 1, "x": [)"), "the document: 'api' must be an array"},
       }) {
    auto plan = run::parse_saved_plan(text, "plan.json");
    REQUIRE_FALSE(plan);
    CHECK(plan.error().message == "plan 'plan.json': " + message);
  }
}

TEST_CASE("a plan's Flux write to a scalar no Flux object or marker of the run holds is refused",
          "[run][plan]") {
  auto plan = run::parse_saved_plan(k_sections, "plan.json");
  REQUIRE(plan);
  auto writes = [&plan](const updater::FluxInputs& inputs) {
    return run::flux_from_plan(*plan, updater::FluxWriteCheck(inputs));
  };
  CHECK(writes(marked("/repo/values.yaml")).writes.size() == 1);
  // The plan names its file and path itself: another file (one outside the repository, say)
  // or another scalar of the marked file is not the plan's to write.
  for (const auto& inputs :
       {updater::FluxInputs{}, marked("/repo/other.yaml"), marked("/repo/values.yaml", 0)}) {
    auto flux = writes(inputs);
    REQUIRE(flux.results.size() == 2);
    CHECK(flux.writes.empty());
    CHECK(flux.results[0].status == updater::AppStatus::error);
    CHECK(flux.results[0].reason
          == "write-back: '/repo/values.yaml': the saved plan writes a scalar that none of this "
             "run's Flux objects or markers holds; nothing is written");
  }
  // The same file spelled with '..' is the run's file, either way round.
  std::string text = k_sections;
  text.replace(text.find("\"/repo/values.yaml\""), 19, "\"/repo/sub/../values.yaml\"");
  auto dotted = run::parse_saved_plan(text, "plan.json");
  REQUIRE(dotted);
  auto inputs = marked("/repo/values.yaml");
  CHECK(run::flux_from_plan(*dotted, updater::FluxWriteCheck(inputs)).writes.size() == 1);
  CHECK(writes(marked("/repo/a/../values.yaml")).writes.size() == 1);
}

TEST_CASE("a plan's Flux value must be one the ImagePolicy or Flux v1 pattern could pick",
          "[run][plan]") {
  auto with_value = [](const std::string& value) {
    std::string text = k_sections;
    text.replace(text.find(R"("value": "1.2.9")"), 16, R"("value": ")" + value + "\"");
    auto plan = run::parse_saved_plan(text, "plan.json");
    REQUIRE(plan);
    return *plan;
  };
  auto inputs = marked("/repo/values.yaml");
  auto refused = [&inputs](const run::SavedPlan& plan) {
    auto flux = run::flux_from_plan(plan, updater::FluxWriteCheck(inputs));
    return flux.writes.empty() ? flux.results[0].reason.value_or("") : std::string();
  };
  CHECK(refused(with_value("1.2.9")).empty());
  // Outside the range, a prerelease the range does not take, not a version at all.
  for (const char* tag : {"0.9.0", "2.0.0-rc1", "latest"}) {
    CHECK(refused(with_value(tag))
          == "write-back: '/repo/values.yaml': the tag '" + std::string(tag)
                 + "' is not one the ImagePolicy 'flux-system:app' allows; nothing is written");
  }
  // A full-image marker: the repository's image and an allowed tag, an optional @digest.
  inputs.markers[0].field = app::FluxMarker::Field::image;
  CHECK(refused(with_value("registry.demo.local/demo/app:1.2.9")).empty());
  CHECK(refused(with_value("registry.demo.local/demo/app:1.2.9@sha256:"
                           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
            .empty());
  CHECK(refused(with_value("evil.example/app:1.2.9"))
        == "write-back: '/repo/values.yaml': the value is not the ImageRepository's image "
           "'registry.demo.local/demo/app' with a tag; nothing is written");
  CHECK_FALSE(refused(with_value("registry.demo.local/demo/app:0.1.0")).empty());
  // A marker no ImageUpdateAutomation of the run covers is not written by the run; nor by a plan.
  inputs.markers[0].field = app::FluxMarker::Field::tag;
  app::FluxImageUpdateAutomation automation;
  automation.id.object_namespace = "other-namespace";
  inputs.automations.push_back(automation);
  CHECK(refused(with_value("1.2.9"))
        == "write-back: '/repo/values.yaml': the marker is outside every "
           "ImageUpdateAutomation's scope; nothing is written");
  inputs.automations[0].id.object_namespace = "flux-system";
  inputs.root = "/repo";
  CHECK(refused(with_value("1.2.9")).empty());
  // A policy the run does not have valid refuses every write of its markers.
  inputs.markers[0].field = app::FluxMarker::Field::tag;
  inputs.policies[0].error = util::Error{util::ErrorKind::config, "bad"};
  CHECK(refused(with_value("1.2.9"))
        == "write-back: '/repo/values.yaml': the marker's ImagePolicy 'flux-system:app' is not "
           "among this run's valid ones; nothing is written");
}

TEST_CASE("a plan's Flux v1 write must be an automated container's tag its pattern matches",
          "[run][plan]") {
  std::string text = k_sections;
  text.replace(text.find(R"(["app", "images", 1, "tag"])"), 27, R"(["spec", "image"])");
  text.replace(text.find(R"("value": "1.2.9")"), 16, R"("value": "demo/app:1.2.9")");
  auto plan = run::parse_saved_plan(text, "plan.json");
  REQUIRE(plan);
  updater::FluxInputs inputs;
  app::FluxV1Object object;
  object.automated = true;
  app::FluxV1Container container;
  container.image.position.file = "/repo/values.yaml";
  container.image.path = {{"spec", std::nullopt}, {"image", std::nullopt}};
  container.image.value = "demo/app:1.2.3";
  container.filter.text = "semver:~1.2";
  object.containers.push_back(container);
  inputs.v1.push_back(object);
  auto refused = [&]() {
    auto flux = run::flux_from_plan(*plan, updater::FluxWriteCheck(inputs));
    return flux.writes.empty() ? flux.results[0].reason.value_or("") : std::string();
  };
  CHECK(refused().empty());
  inputs.v1[0].containers[0].filter.text = "semver:~1.3";
  CHECK(refused()
        == "write-back: '/repo/values.yaml': the tag '1.2.9' does not match the container's "
           "pattern 'semver:~1.3'; nothing is written");
  inputs.v1[0].containers[0].filter.text = "glob:*";
  inputs.v1[0].containers[0].image.value = "other/app:1.2.3";
  CHECK(refused()
        == "write-back: '/repo/values.yaml': the value is not 'other/app:1.2.3' with another "
           "tag; nothing is written");
  inputs.v1[0].containers[0].image.value = "demo/app:1.2.3";
  inputs.v1[0].locked = true;
  CHECK(refused()
        == "write-back: '/repo/values.yaml': the Flux v1 object is not automated (or locked, "
           "ignored or invalid); nothing is written");
}
