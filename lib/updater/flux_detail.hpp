// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the Flux planners (flux*.cpp): the registry access of a Flux run.

#include "image/image_ref.hpp"
#include "registry/client.hpp"
#include "tag/flux.hpp"
#include "updater/flux.hpp"
#include "updater/resolve.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::updater::flux_detail {

// Every repository a Flux run reads: registered first, listed once each in parallel, then asked
// for creation times and digests (cached per tag).
class Repositories {
public:
  Repositories(registry::Client& client, const ResolveOptions& options)
      : m_client(client), m_options(options) {}

  // Register `image` (read with `pull_secret`, a credential reference, when given) and return
  // its key; fails when its credentials cannot be read.
  util::Result<std::string> add(const image::ImageRef& image,
                                const std::optional<std::string>& pull_secret = std::nullopt);
  // List every registered repository's tags (tags outside the tag grammar dropped).
  void fetch();
  const util::Result<std::vector<std::string>>& tags(const std::string& key) const;
  // Why the request budget refused `key`'s tag list (its images are skipped, not failed).
  std::optional<std::string> refused(const std::string& key) const;
  const ResolveOptions& options() const { return m_options; }
  // The creation time of `tag` (linux/amd64 for an index, as Flux v1 read it); nullopt with
  // `why` set when it cannot be read.
  std::optional<int64_t> created(const std::string& key, const std::string& tag, std::string& why);
  // The digest `tag` points to (HEAD), as Flux v2's digest reflection reads it.
  util::Result<std::string> digest(const std::string& key, const std::string& tag);

private:
  struct Entry {
    registry::Endpoint endpoint;
    std::string path;
    util::Result<std::vector<std::string>> tags =
        util::fail(util::ErrorKind::internal, "tags not fetched");
    std::optional<std::string> refused; // by the request budget
  };
  registry::Client& m_client;
  const ResolveOptions& m_options;
  std::map<std::string, Entry> m_entries;
  std::mutex m_mutex;
  std::map<std::string, std::pair<std::optional<int64_t>, std::string>> m_created;
};

// Pick an ImagePolicy's tag from `tags` as Flux v2 does (no pick: no tag qualifies).
util::Result<tag::flux::V2Selection> pick_v2(const app::FluxImagePolicy& policy,
                                             const app::FluxImageRepository& repository,
                                             const std::vector<std::string>& tags,
                                             tag::Explain explain);

// The image scalar's text with its tag replaced: `[registry/]path[:tag]` → `...:<tag>`.
std::string with_tag(const std::string& reference, const std::string& tag);

// Image result defaults shared by every Flux entry.
ImageResult image_result(const std::string& alias, const std::string& image);

// The result fields of a Flux document: kind, name, namespace, origin.
ApplicationResult
object_result(const app::ObjectId& id, const app::Position& origin, const FluxInputs& inputs);

// `a.b[0].c`: a scalar's path, for messages and as a key.
std::string path_key(const writeback::YamlPath& path);

// `path` as writeback names it.
writeback::YamlPath yaml_path(const app::NodePath& path);

// Flux v1: one pending container per automatable container, resolved after the fetch.
struct V1Pending {
  size_t result = 0;
  size_t image = 0;
  const app::FluxV1Container* container = nullptr;
  std::string key; // the repository
  image::ImageRef ref;
};
std::vector<V1Pending>
prepare_v1(const FluxInputs& inputs, Repositories& repositories, FluxPlan& plan);
void finish_v1(std::vector<V1Pending>& pending,
               Repositories& repositories,
               const PlanOptions& options,
               FluxPlan& plan);

// Flux v2: policies (resolved after the fetch), then the markers that name them.
struct V2Pending {
  struct Policy {
    const app::FluxImagePolicy* policy = nullptr;
    const app::FluxImageRepository* repository = nullptr;
    size_t result = 0;
    std::string key;
    std::optional<std::string> tag; // once resolved
    std::optional<std::string> digest;
    bool hidden = false; // not listed: `result` indexes `hidden`, not the plan's results
  };
  std::vector<Policy> policies;
  std::deque<ApplicationResult> hidden; // policies resolved only for selected markers
  const FluxInputs* inputs = nullptr;
};
V2Pending prepare_v2(const FluxInputs& inputs, Repositories& repositories, FluxPlan& plan);
// `namespace:name`, how markers and policies name a policy.
std::string policy_key(const std::string& ns, const std::string& name);
// "semver", "alphabetical", "numerical": a policy's order as reported.
const char* kind_name(app::FluxImagePolicy::Kind kind);
// Whether `marker` (naming `policy`) is applied: always without an ImageUpdateAutomation, else
// only inside a valid one's update.path whose namespace and selector take the policy.
bool marker_in_scope(const FluxInputs& inputs,
                     const app::FluxMarker& marker,
                     const app::FluxImagePolicy& policy);
// Apply the selected markers (in an automation's scope, if any) with the resolved policies:
// one result per marked document, a write per changed scalar; warnings to `plan.warnings`.
void apply_markers(const FluxInputs& inputs,
                   const std::map<std::string, const V2Pending::Policy*>& all,
                   const std::map<std::string, const V2Pending::Policy*>& resolved,
                   FluxPlan& plan,
                   const util::Logger& logger);
void finish_v2(V2Pending& pending,
               Repositories& repositories,
               const PlanOptions& options,
               FluxPlan& plan,
               const util::Logger& logger);

} // namespace argoimg::updater::flux_detail
