// SPDX-License-Identifier: Apache-2.0
#include "chunked_stream.hpp"
#include "report.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <rapidjson/prettywriter.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <string>

namespace argoimg::cmd {

namespace {

using Writer = rapidjson::PrettyWriter<ChunkedStream>;

// Every string value passes through here: secrets redacted, invalid UTF-8 replaced (control
// characters are escaped by the JSON writer itself).
void string_value(Writer& w, std::string_view value) {
  std::string safe = util::valid_utf8(util::redact(value));
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

void optional_string(Writer& w, const char* key, const std::optional<std::string>& value) {
  w.Key(key);
  if (value) {
    string_value(w, *value);
  } else {
    w.Null();
  }
}

void string_field(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  string_value(w, value);
}

void optional_count(Writer& w, const char* key, const std::optional<uint64_t>& value) {
  w.Key(key);
  if (value) {
    w.Uint64(*value);
  } else {
    w.Null();
  }
}

// summary.rateLimits: per registry host, the numbers its rate-limit headers carried.
void write_rate_limits(Writer& w, const std::map<std::string, registry::RateLimitStatus>& limits) {
  w.Key("rateLimits");
  w.StartObject();
  for (const auto& [host, status] : limits) {
    std::string key = util::redact(host);
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    w.StartObject();
    optional_count(w, "limit", status.limit);
    optional_count(w, "remaining", status.remaining);
    optional_count(w, "windowSeconds", status.window_seconds);
    optional_count(w, "resetSeconds", status.reset_seconds);
    optional_string(w,
                    "resetAt",
                    status.reset_at ? std::optional<std::string>(util::format_utc(*status.reset_at))
                                    : std::nullopt);
    optional_count(w, "retryAfterSeconds", status.retry_after_seconds);
    w.EndObject();
  }
  w.EndObject();
}

// summary.budget, only when --max-requests is given or a registry's rate limit ran out.
void write_budget(Writer& w, const registry::Client::BudgetReport& budget, size_t skipped) {
  if (!budget.limit && budget.exhausted.empty() && skipped == 0) {
    return;
  }
  w.Key("budget");
  w.StartObject();
  optional_count(w, "maxRequests", budget.limit);
  w.Key("used");
  w.Uint64(budget.used);
  optional_count(w,
                 "remaining",
                 budget.limit
                     ? std::optional<uint64_t>(*budget.limit - std::min(budget.used, *budget.limit))
                     : std::nullopt);
  w.Key("refused");
  w.Uint64(budget.refused);
  w.Key("skippedImages");
  w.Uint64(skipped);
  w.Key("exhaustedRegistries");
  w.StartObject();
  for (const auto& [host, reason] : budget.exhausted) {
    std::string key = util::valid_utf8(util::redact(host));
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    string_value(w, reason);
  }
  w.EndObject();
  w.EndObject();
}

void write_image(Writer& w, const updater::ImageResult& image, bool explain) {
  w.StartObject();
  optional_string(w, "alias", image.alias);
  if (image.field) {
    string_field(w, "field", *image.field);
  }
  string_field(w, "image", image.image);
  string_field(w, "repository", image.repository);
  optional_string(w, "constraint", image.constraint);
  string_field(
      w, "strategy", image.strategy_name.value_or(std::string(tag::to_string(image.strategy))));
  optional_string(w, "current", image.current);
  optional_string(w, "currentDigest", image.current_digest);
  optional_string(w, "new", image.new_tag);
  optional_string(w, "newDigest", image.new_digest);
  string_field(w, "status", updater::to_string(image.status));
  optional_string(w, "reason", image.reason);
  if (explain) {
    w.Key("explain");
    w.StartArray();
    for (const auto& candidate : image.explain) {
      w.StartObject();
      string_field(w, "tag", candidate.tag);
      string_field(w, "verdict", tag::to_string(candidate.verdict));
      optional_string(
          w, "detail", candidate.detail.empty() ? std::nullopt : std::optional(candidate.detail));
      w.EndObject();
    }
    w.EndArray();
    w.Key("invalidTags");
    w.Uint64(image.invalid_tags);
  }
  w.EndObject();
}

// Where each application's changes are: (file change, index among its applications).
using ChangesByApplication =
    std::map<std::string, std::vector<std::pair<const updater::FileChange*, size_t>>>;

ChangesByApplication index_changes(const std::vector<updater::FileChange>& changes) {
  ChangesByApplication out;
  for (const auto& change : changes) {
    for (size_t i = 0; i < change.applications.size(); ++i) {
      out[change.applications[i]].emplace_back(&change, i);
    }
  }
  return out;
}

// One application's share of each file: its own images; the diff only when the file is its
// alone (a file of many applications, a `kind: List`, has its diff once, under `files`).
void write_changes(Writer& w,
                   const ChangesByApplication& index,
                   const std::string& application,
                   bool dry_run) {
  w.Key("changes");
  w.StartArray();
  auto found = index.find(application);
  for (const auto& [change, i] :
       found == index.end() ? ChangesByApplication::mapped_type{} : found->second) {
    w.StartObject();
    string_field(w, "file", change->display);
    string_field(w, "application", application);
    w.Key("images");
    w.StartArray();
    bool own = change->images_by_application.size() == change->applications.size();
    for (const auto& image : own ? change->images_by_application[i] : change->images) {
      string_value(w, image);
    }
    w.EndArray();
    w.Key("created");
    w.Bool(change->created);
    if (dry_run && change->applications.size() == 1) {
      string_field(w, "diff", change->diff);
    }
    w.EndObject();
  }
  w.EndArray();
}

// Every file once: the applications that change it, and its diff with --dry-run.
void write_files(Writer& w, const std::vector<updater::FileChange>& changes, bool dry_run) {
  w.Key("files");
  w.StartArray();
  for (const auto& change : changes) {
    w.StartObject();
    string_field(w, "file", change.display);
    w.Key("applications");
    w.StartArray();
    for (const auto& name : change.applications) {
      string_value(w, name);
    }
    w.EndArray();
    w.Key("created");
    w.Bool(change.created);
    if (dry_run) {
      string_field(w, "diff", change.diff);
    }
    w.EndObject();
  }
  w.EndArray();
}

void write_strings(Writer& w, const char* key, const std::vector<std::string>& values) {
  w.Key(key);
  w.StartArray();
  for (const auto& value : values) {
    string_value(w, value);
  }
  w.EndArray();
}

void write_pull_request(Writer& w, const run::PullRequestRecord& request) {
  w.Key("pullRequest");
  w.StartObject();
  string_field(w, "provider", request.provider);
  w.Key("number");
  if (request.number > 0) {
    w.Int64(request.number);
  } else {
    w.Null();
  }
  optional_string(w, "url", request.url.empty() ? std::nullopt : std::optional(request.url));
  string_field(w, "head", request.head);
  string_field(w, "base", request.base);
  string_field(w, "action", request.action);
  string_field(w, "message", request.message);
  string_field(w, "title", request.title);
  string_field(w, "body", request.body);
  write_strings(w, "calls", request.calls);
  w.Key("reads");
  w.Uint64(request.reads);
  w.Key("writes");
  w.Uint64(request.writes);
  write_strings(w, "warnings", request.warnings);
  w.EndObject();
}

void write_commits(Writer& w, const std::vector<CommitRecord>& commits) {
  w.Key("commits");
  w.StartArray();
  for (const auto& commit : commits) {
    w.StartObject();
    string_field(w, "repository", commit.repository);
    string_field(w, "branch", commit.branch);
    auto null_if_empty = [](const std::string& text) {
      return text.empty() ? std::nullopt : std::optional<std::string>(text);
    };
    optional_string(w, "baseBranch", null_if_empty(commit.base_branch));
    string_field(w, "status", commit.status);
    optional_string(w, "sha", null_if_empty(commit.sha));
    string_field(w, "message", commit.message);
    write_strings(w, "files", commit.files);
    write_strings(w, "applications", commit.applications);
    w.Key("pushed");
    w.Bool(commit.pushed);
    w.Key("attempts");
    w.Int(commit.attempts);
    if (commit.pull_request) {
      write_pull_request(w, *commit.pull_request);
    }
    w.EndObject();
  }
  w.EndArray();
}

void write_application(Writer& w,
                       const updater::ApplicationResult& app,
                       bool explain,
                       const ReportInput& input,
                       const ChangesByApplication& changes) {
  w.StartObject();
  optional_string(w, "kind", app.kind);
  optional_string(w, "name", app.anonymous ? std::nullopt : std::optional(app.name));
  optional_string(w, "namespace", app.anonymous ? std::nullopt : std::optional(app.app_namespace));
  string_field(w, "origin", app.origin);
  optional_string(w, "type", app.type);
  w.Key("writeBack");
  if (app.write_back_method) {
    w.StartObject();
    optional_string(w, "method", app.write_back_method);
    optional_string(w, "target", app.write_back_target);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("images");
  w.StartArray();
  for (const auto& image : app.images) {
    write_image(w, image, explain);
  }
  w.EndArray();
  optional_string(w,
                  "error",
                  app.status == updater::AppStatus::error && app.images.empty() ? app.reason
                                                                                : std::nullopt);
  string_field(w, "status", updater::to_string(app.status));
  optional_string(w, "reason", app.reason);
  write_strings(w, "warnings", app.warnings);
  if (input.command == "update" || input.command == "commit") {
    write_changes(w, changes, app.name, input.dry_run);
  }
  w.EndObject();
}

} // namespace

void write_json_report(const ReportInput& input, std::ostream& out) {
  ChunkedStream stream(out);
  Writer w(stream);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("schemaVersion");
  w.Int(1);
  string_field(w, "command", input.command);
  w.Key("applications");
  w.StartArray();
  auto changes = index_changes(input.changes);
  for (const auto& app : input.applications) {
    write_application(w, app, input.explain, input, changes);
  }
  w.EndArray();
  if (input.command == "update" || input.command == "commit") {
    write_files(w, input.changes, input.dry_run);
  }
  w.Key("images");
  w.StartArray();
  for (const auto& image : input.images) {
    write_image(w, image, input.explain);
  }
  w.EndArray();
  if (input.command == "commit") {
    write_commits(w, input.commits);
  }
  write_strings(w, "fileErrors", input.file_errors);
  write_strings(w, "warnings", input.warnings);
  ReportCounts c = count(input);
  w.Key("summary");
  w.StartObject();
  w.Key("applications");
  w.Uint64(c.applications);
  w.Key("images");
  w.Uint64(c.images);
  w.Key("updates");
  w.Uint64(c.updates);
  w.Key("upToDate");
  w.Uint64(c.up_to_date);
  w.Key("skipped");
  w.Uint64(c.skipped);
  w.Key("errors");
  w.Uint64(c.errors);
  if (input.shard_count > 0) {
    w.Key("shard");
    w.StartObject();
    w.Key("index");
    w.Uint64(input.shard_index);
    w.Key("count");
    w.Uint64(input.shard_count);
    w.EndObject();
  }
  w.Key("requests");
  w.StartObject();
  for (const auto& [host, n] : input.requests) {
    std::string key = util::valid_utf8(util::redact(host));
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    w.Uint64(n);
  }
  w.EndObject();
  // Answers the persistent cache gave without asking the registry: not in `requests`.
  w.Key("cacheHits");
  w.StartObject();
  for (const auto& [host, n] : input.cache_hits) {
    std::string key = util::valid_utf8(util::redact(host));
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    w.Uint64(n);
  }
  w.EndObject();
  write_rate_limits(w, input.rate_limits);
  write_budget(w, input.budget, c.budget_skipped);
  w.EndObject();
  w.EndObject();
  stream.Flush();
  out << '\n';
}

} // namespace argoimg::cmd
