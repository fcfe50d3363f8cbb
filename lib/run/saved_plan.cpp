// SPDX-License-Identifier: Apache-2.0
#include "run/saved_plan.hpp"

#include "run/saved_plan_detail.hpp"
#include "run/update.hpp"

#include "tag/select.hpp"
#include "util/bounded_file.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <filesystem>
#include <map>
#include <set>

namespace argoimg::run {

using detail::absolute_path;
using detail::app_key;
using detail::changes;
using detail::image_key;

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// Plan strings are valid UTF-8 (names and reasons can come from any file's bytes); a name so
// replaced no longer matches when applied, which refuses the plan instead of guessing.
void string_field(Writer& w, const char* key, std::string_view value) {
  std::string safe = util::valid_utf8(value);
  w.Key(key);
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

void optional_field(Writer& w, const char* key, const std::optional<std::string>& value) {
  if (value) {
    string_field(w, key, *value);
  }
}

void strings_field(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& value : values) {
    std::string safe = util::valid_utf8(value);
    w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
  }
  w.EndArray();
}

void write_images(Writer& w, const updater::ApplicationResult& result) {
  w.Key("images");
  w.StartArray();
  for (const auto& image : result.images) {
    w.StartObject();
    string_field(w, "alias", image_key(image));
    string_field(w, "image", image.image);
    string_field(w, "status", updater::to_string(image.status));
    optional_field(w, "current", image.current);
    optional_field(w, "currentDigest", image.current_digest);
    optional_field(w, "new", image.new_tag);
    optional_field(w, "newDigest", image.new_digest);
    optional_field(w, "reason", image.reason ? image.reason : result.reason);
    w.EndObject();
  }
  w.EndArray();
}

void write_application(Writer& w, const updater::ApplicationResult& result) {
  w.StartObject();
  string_field(w, "name", result.name);
  string_field(w, "namespace", result.app_namespace);
  write_images(w, result);
  w.EndObject();
}

// Flux objects: the results and the scalars their updates rewrite.
void write_flux(Writer& w, const Evaluation& run) {
  w.Key("flux");
  w.StartArray();
  for (size_t i = run.flux_first; i < run.report.applications.size(); ++i) {
    const auto& result = run.report.applications[i];
    w.StartObject();
    optional_field(w, "kind", result.kind);
    if (!result.anonymous) {
      string_field(w, "name", result.name);
    }
    string_field(w, "namespace", result.app_namespace);
    string_field(w, "origin", result.origin);
    write_images(w, result);
    w.Key("writes");
    w.StartArray();
    for (const auto& write : run.flux_writes) {
      if (run.flux_first + write.result != i || result.status != updater::AppStatus::update) {
        continue;
      }
      w.StartObject();
      string_field(w, "file", absolute_path(write.file));
      w.Key("document");
      w.Uint64(write.edit.doc);
      w.Key("path");
      w.StartArray();
      for (const auto& step : write.edit.path) {
        if (step.index) {
          w.Uint64(*step.index);
        } else {
          std::string safe = util::valid_utf8(step.key);
          w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
        }
      }
      w.EndArray();
      string_field(w, "current", write.edit.current);
      string_field(w, "value", write.edit.value);
      string_field(w, "described", write.described);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

// Applications updated through the Argo CD API: the object state each update depends on.
void write_api(Writer& w, const Evaluation& run, const updater::WritePlan& writes) {
  w.Key("api");
  w.StartArray();
  for (const auto& change : writes.api) {
    const auto& application = run.apps[change.application].application;
    w.StartObject();
    string_field(w, "name", application.name);
    string_field(w, "namespace", application.app_namespace);
    string_field(w, "resourceVersion", application.resource_version);
    string_field(w, "sha256", application.state_sha256);
    std::vector<std::string> images;
    for (const auto& image : change.images) {
      images.push_back(image.config->entry.alias.value_or(image.config->entry.image_text) + ": -> "
                       + image.tag_value());
    }
    strings_field(w, "images", images);
    w.EndObject();
  }
  w.EndArray();
}

// `scheme://user:password@host/path` as `scheme://host/path`; other forms as they are.
std::string without_userinfo(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return url; // scp-like `git@host:path`: a user name, no password
  }
  size_t start = scheme + 3;
  size_t end = url.find('/', start);
  size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < start) {
    return url;
  }
  return url.substr(0, start) + url.substr(at + 1);
}

void write_inputs(Writer& w, const SavedPlanInputs& inputs) {
  w.Key("inputs");
  w.StartObject();
  strings_field(w, "paths", inputs.paths);
  strings_field(w, "repoRoots", inputs.repo_roots);
  string_field(w, "server", inputs.server);
  strings_field(w, "matchNames", inputs.match_names);
  string_field(w, "matchLabels", inputs.match_labels);
  string_field(w, "appNamespace", inputs.app_namespace);
  string_field(w, "project", inputs.project);
  string_field(w, "argocdNamespace", inputs.argocd_namespace);
  string_field(w, "shard", inputs.shard);
  w.EndObject();
}

} // namespace

SavedPlanInputs plan_inputs(const CheckOptions& options) {
  SavedPlanInputs inputs;
  for (const auto& path : options.paths) {
    inputs.paths.push_back(absolute_path(path));
  }
  for (const auto& root : options.repo_roots) {
    size_t eq = root.rfind('='); // parse_repo_roots' rule
    if (eq == std::string::npos) {
      continue; // refused by the planning run already
    }
    // without a user name or password, which a plan must not carry (matching ignores them)
    inputs.repo_roots.push_back(without_userinfo(root.substr(0, eq)) + "="
                                + absolute_path(root.substr(eq + 1)));
  }
  // A server given with user:password@ is not written down: the apply run names it again.
  inputs.server = options.server.find('@') == std::string::npos ? options.server : "";
  inputs.match_names = options.match_names;
  inputs.match_labels = options.match_labels;
  inputs.app_namespace = options.app_namespace;
  inputs.project = options.project;
  inputs.argocd_namespace = options.argocd_namespace;
  inputs.shard = options.shard;
  return inputs;
}

void use_plan_inputs(CheckOptions& options, const SavedPlanInputs& inputs) {
  options.paths = inputs.paths; // not the server: a plan never chooses where a token is sent
  if (options.repo_roots.empty()) {
    options.repo_roots = inputs.repo_roots;
  }
  if (options.match_names.empty()) {
    options.match_names = inputs.match_names;
  }
  for (auto [field, planned] : {std::pair{&options.match_labels, &inputs.match_labels},
                                std::pair{&options.app_namespace, &inputs.app_namespace},
                                std::pair{&options.project, &inputs.project},
                                std::pair{&options.shard, &inputs.shard}}) {
    if (field->empty()) {
      *field = *planned;
    }
  }
  if (options.argocd_namespace == CheckOptions{}.argocd_namespace
      && !inputs.argocd_namespace.empty()) {
    options.argocd_namespace = inputs.argocd_namespace;
  }
}

util::Result<std::string> render_saved_plan(const Evaluation& run,
                                            const updater::WritePlan& writes) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  string_field(w, "kind", "argoimg.plan");
  w.Key("planVersion");
  w.Int(k_plan_version);
  string_field(w, "argoimg", ARGOIMG_VERSION);
  write_inputs(w, plan_inputs(run.options));
  w.Key("applications");
  w.StartArray();
  for (size_t i = 0; i < run.flux_first && i < run.report.applications.size(); ++i) {
    write_application(w, run.report.applications[i]);
  }
  w.EndArray();
  w.Key("files");
  w.StartArray();
  for (const auto& file : writes.files) {
    if (!changes(file)) {
      continue;
    }
    w.StartObject();
    string_field(w, "path", absolute_path(file.path));
    string_field(w, "sha256", file.created ? "" : util::sha256_hex(file.before));
    w.Key("created");
    w.Bool(file.created);
    strings_field(w, "applications", file.applications);
    strings_field(w, "images", file.images);
    w.EndObject();
  }
  w.EndArray();
  if (run.report.applications.size() > run.flux_first) {
    write_flux(w, run);
  }
  if (!writes.api.empty()) {
    write_api(w, run, writes);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

util::Result<std::string> make_saved_plan(Evaluation& run) {
  RepoFiles files;
  auto writes = plan_confined_writes(run, files);
  return render_saved_plan(run, writes);
}

} // namespace argoimg::run
