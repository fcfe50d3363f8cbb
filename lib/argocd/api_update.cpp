// SPDX-License-Identifier: Apache-2.0
#include "argocd/api_client.hpp"
#include "argocd/api_detail.hpp"

#include "app/current_image.hpp"
#include "image/image_ref.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace argoimg::argocd {

namespace {

using rapidjson::Document;
using rapidjson::Value;

std::string repository_of(std::string_view name) {
  auto ref = image::parse_image_ref(name);
  return ref ? ref->repository() : std::string(name);
}

Value&
member(Value& object, const char* name, rapidjson::Type type, Document::AllocatorType& alloc) {
  if (!object.HasMember(name) || object[name].GetType() != type) {
    if (object.HasMember(name)) {
      object.RemoveMember(name);
    }
    object.AddMember(Value(name, alloc), Value(type), alloc);
  }
  return object[name];
}

void set_parameter(Value& helm,
                   const std::string& name,
                   const std::string& value,
                   bool only_if_other_repository,
                   Document::AllocatorType& alloc) {
  Value& parameters = member(helm, "parameters", rapidjson::kArrayType, alloc);
  for (auto& parameter : parameters.GetArray()) {
    if (parameter.IsObject() && parameter.HasMember("name") && parameter["name"].IsString()
        && name == parameter["name"].GetString()) {
      if (only_if_other_repository && parameter.HasMember("value") && parameter["value"].IsString()
          && repository_of(parameter["value"].GetString()) == repository_of(value)) {
        return;
      }
      member(parameter, "value", rapidjson::kStringType, alloc).SetString(value.c_str(), alloc);
      return;
    }
  }
  if (only_if_other_repository) {
    return; // no name parameter: the chart's default stays
  }
  Value entry(rapidjson::kObjectType);
  entry.AddMember("name", Value(name.c_str(), alloc), alloc);
  entry.AddMember("value", Value(value.c_str(), alloc), alloc);
  entry.AddMember("forceString", true, alloc);
  parameters.PushBack(entry, alloc);
}

void set_values_object(Value& helm,
                       const std::string& path,
                       const std::string& value,
                       Document::AllocatorType& alloc) {
  Value* node = &member(helm, "valuesObject", rapidjson::kObjectType, alloc);
  auto parts = util::split(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    node = &member(*node, std::string(parts[i]).c_str(), rapidjson::kObjectType, alloc);
  }
  member(*node, std::string(parts.back()).c_str(), rapidjson::kStringType, alloc)
      .SetString(value.c_str(), alloc);
}

void set_kustomize_image(Value& kustomize,
                         const writeback::ImageChange& change,
                         Document::AllocatorType& alloc) {
  Value& images = member(kustomize, "images", rapidjson::kArrayType, alloc);
  const auto& config = *change.config;
  std::string value =
      (config.kustomize_image_name ? *config.kustomize_image_name + "=" : "") + change.full_value();
  std::string wanted =
      repository_of(config.kustomize_image_name.value_or(config.entry.image.name()));
  for (auto& entry : images.GetArray()) {
    if (!entry.IsString()) {
      continue;
    }
    std::string text = entry.GetString();
    size_t eq = text.find('=');
    std::string name =
        eq == std::string::npos ? app::split_image_text(text).name : text.substr(0, eq);
    if (repository_of(name) == wanted || repository_of(name) == config.entry.image.repository()) {
      entry.SetString(value.c_str(), alloc);
      return;
    }
  }
  images.PushBack(Value(value.c_str(), alloc), alloc);
}

std::string to_json(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// Build the merge patch for `images` from the Application JSON `doc`.
util::Result<std::string> build_patch(Document& doc,
                                      const app::Application& application,
                                      const app::TypeDecision& type,
                                      const std::vector<writeback::ImageChange>& images) {
  auto& alloc = doc.GetAllocator();
  if (!doc.IsObject() || !doc.HasMember("spec") || !doc["spec"].IsObject()) {
    return util::fail(util::ErrorKind::network, "the server's Application has no spec");
  }
  Value& spec = doc["spec"];
  Value* source = nullptr;
  if (application.multi_source) {
    if (!spec.HasMember("sources") || !spec["sources"].IsArray()
        || spec["sources"].Size() <= type.source_index) {
      return util::fail(util::ErrorKind::conflict,
                        "the server's Application no longer has that source");
    }
    source = &spec["sources"][static_cast<rapidjson::SizeType>(type.source_index)];
    if (!source->IsObject()) { // a hostile or broken answer: RapidJSON asserts on non-objects
      return util::fail(util::ErrorKind::network,
                        "the server's Application has a source that is not an object");
    }
  } else {
    source = &member(spec, "source", rapidjson::kObjectType, alloc);
  }
  const auto& src = application.sources[type.source_index];
  for (const auto& change : images) {
    if (type.type == app::AppType::kustomize) {
      set_kustomize_image(
          member(*source, "kustomize", rapidjson::kObjectType, alloc), change, alloc);
      continue;
    }
    Value& helm = member(*source, "helm", rapidjson::kObjectType, alloc);
    auto names = app::helm_names(*change.config);
    auto current = app::find_current_image(application, type, *change.config, {}, {}, nullptr);
    bool in_values_object = !src.helm_values_object.empty() && current
                            && current->found_in.find("valuesObject") != std::string::npos;
    if (in_values_object) {
      set_values_object(helm,
                        names.spec.value_or(names.tag),
                        names.spec ? change.full_value() : change.tag_value(),
                        alloc);
    } else if (names.spec) {
      set_parameter(helm, *names.spec, change.full_value(), false, alloc);
    } else {
      set_parameter(helm, names.name, change.config->entry.image.name(), true, alloc);
      set_parameter(helm, names.tag, change.tag_value(), false, alloc);
    }
  }
  // Only the changed fields travel: the source's helm/kustomize block (single source), or
  // the sources list (a merge patch replaces lists whole).
  Document patch(rapidjson::kObjectType);
  auto& palloc = patch.GetAllocator();
  Value patch_spec(rapidjson::kObjectType);
  if (application.multi_source) {
    patch_spec.AddMember("sources", Value(spec["sources"], palloc), palloc);
  } else {
    Value patch_source(rapidjson::kObjectType);
    const char* block = type.type == app::AppType::kustomize ? "kustomize" : "helm";
    patch_source.AddMember(Value(block, palloc), Value((*source)[block], palloc), palloc);
    patch_spec.AddMember("source", patch_source, palloc);
  }
  patch.AddMember("spec", patch_spec, palloc);
  return to_json(patch);
}

// The merge patch `merge` as JSON patch operations, after a test of the resourceVersion:
// Argo CD applies them to the object as it reads it, so a moved object fails the test.
std::string conditional_patch(const std::string& merge, const std::string& resource_version) {
  Document patch;
  patch.Parse(merge.c_str(), merge.size());
  Document ops(rapidjson::kArrayType);
  auto& alloc = ops.GetAllocator();
  auto op = [&](const char* name, const std::string& path, const Value& value) {
    Value entry(rapidjson::kObjectType);
    entry.AddMember("op", Value(name, alloc), alloc);
    entry.AddMember("path", Value(path.c_str(), alloc), alloc);
    entry.AddMember("value", Value(value, alloc), alloc);
    ops.PushBack(entry, alloc);
  };
  op("test", "/metadata/resourceVersion", Value(resource_version.c_str(), alloc));
  const Value& spec = patch["spec"];
  if (spec.HasMember("sources")) {
    op("add", "/spec/sources", spec["sources"]);
  } else {
    for (const auto& block : spec["source"].GetObject()) {
      op("add", std::string("/spec/source/") + block.name.GetString(), block.value);
    }
  }
  return to_json(ops);
}

} // namespace

util::Result<std::string>
update_application_images(registry::HttpTransport& http,
                          const ServerOptions& options,
                          const app::Application& application,
                          const app::TypeDecision& type,
                          const std::vector<writeback::ImageChange>& images,
                          Write write,
                          const std::optional<SeenState>& seen) {
  auto server = server_url(options);
  if (!server) {
    return tl::unexpected(server.error());
  }
  std::string base = server->redacted(); // for messages; requests go to server->str()
  std::string url =
      server->str() + "/api/v1/applications/" + registry::url_encode(application.name);
  std::string query = application.app_namespace.empty()
                          ? ""
                          : "?appNamespace=" + registry::url_encode(application.app_namespace);
  std::string what =
      "Argo CD API " + util::quote(base) + ": application " + util::quote(application.name);
  auto request = [&](std::string method, std::string body) {
    registry::HttpRequest r;
    r.method = std::move(method);
    r.url = url + query;
    r.body = std::move(body);
    r.verify_tls = !options.insecure;
    r.headers.emplace_back("Accept", "application/json");
    r.headers.emplace_back("Content-Type", "application/json");
    if (!options.auth_token.empty()) {
      util::register_secret(options.auth_token);
      r.headers.emplace_back("Authorization", "Bearer " + options.auth_token);
    }
    return r;
  };
  auto check = [&](const util::Result<registry::HttpResponse>& response) -> util::Result<bool> {
    if (!response) {
      return tl::unexpected(util::with_context(response.error(), what));
    }
    if (response->status == 401 || response->status == 403) {
      return util::fail(
          util::ErrorKind::auth,
          detail::auth_failure(
              what, *response, !options.auth_token.empty(), "update this application"));
    }
    if (response->status == 404) {
      return util::fail(util::ErrorKind::not_found, what + ": not found on the server");
    }
    if (response->status == 409) {
      return false;
    }
    if (response->status != 200) {
      std::string message = detail::server_message(response->body);
      return util::fail(
          util::ErrorKind::network,
          fmt::format(
              "{}: HTTP {}{}", what, response->status, message.empty() ? "" : ": " + message));
    }
    return true;
  };
  util::JitterSource jitter(options.jitter_seed);
  for (int attempt = 1;; ++attempt) {
    auto fetched = http.send(request("GET", ""));
    auto ok = check(fetched);
    if (!ok) {
      return tl::unexpected(ok.error());
    }
    Document doc;
    util::parse_json_guarded(doc, fetched->body);
    if (doc.HasParseError()) {
      return util::fail(util::ErrorKind::network, what + ": malformed JSON");
    }
    if (seen) {
      auto now = detail::object_state(fetched->body);
      if (now.resource_version != seen->resource_version
          || now.state_sha256 != seen->state_sha256) {
        return util::fail(util::ErrorKind::conflict,
                          what + ": changed since the plan was made (resourceVersion "
                              + util::quote(seen->resource_version) + ", now "
                              + util::quote(now.resource_version) + "); nothing was written");
      }
    }
    auto patch = build_patch(doc, application, type, images);
    if (!patch || write == Write::dry_run) {
      return patch;
    }
    Document body(rapidjson::kObjectType);
    auto& alloc = body.GetAllocator();
    body.AddMember("name", Value(application.name.c_str(), alloc), alloc);
    if (!application.app_namespace.empty()) {
      body.AddMember("appNamespace", Value(application.app_namespace.c_str(), alloc), alloc);
    }
    std::string sent = seen ? conditional_patch(*patch, seen->resource_version) : *patch;
    body.AddMember("patch", Value(sent.c_str(), alloc), alloc);
    body.AddMember("patchType", rapidjson::StringRef(seen ? "json" : "merge"), alloc);
    auto patched = http.send(request("PATCH", to_json(body)));
    auto accepted = check(patched);
    if (!accepted) {
      return tl::unexpected(accepted.error());
    }
    if (*accepted) {
      return patch;
    }
    if (seen) {
      return util::fail(util::ErrorKind::conflict,
                        what + ": changed while the plan was applied (HTTP 409); not retried");
    }
    if (!options.conflict_backoff.may_retry(attempt)) {
      return util::fail(
          util::ErrorKind::conflict,
          fmt::format("{}: still conflicting after {} attempts (HTTP 409)", what, attempt));
    }
    if (options.sleep) {
      // Someone else wrote: wait, then read again.
      options.sleep(options.conflict_backoff.delay(attempt, jitter.next()));
    }
  }
}

} // namespace argoimg::argocd
