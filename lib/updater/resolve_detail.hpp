// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parts of resolve.cpp shared with resolve_ages.cpp (min-age). Include only from those.

#include "registry/client.hpp"
#include "registry/first_seen.hpp"
#include "tag/select.hpp"
#include "updater/resolve.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace argoimg::updater::detail {

// A repository's tags that fit the tag grammar, and how many did not.
struct Listing {
  std::vector<std::string> tags;
  size_t invalid = 0;
};
using TagList = util::Result<Listing>;

struct Target {
  registry::Endpoint endpoint;
  std::string path; // repository path in API URLs
  std::string key;  // api_url/path: the dedup key
};

// The targets of a run, each held once: thousands of images share a few hundred repositories,
// and a Target (endpoint, credentials, path, key) per image was most of a large run's memory.
class Targets {
public:
  // The target equal to `target` (every field: images of one key may differ in, say, a
  // registries.conf entry's tag sort mode), added when new. Addresses stay valid.
  const Target* add(Target target);

private:
  std::deque<Target> m_targets;
  std::map<std::string, std::vector<const Target*>> m_by_key;
};

// Whether resolving `request` reads manifests (digest; newest-build without a tag sort mode).
bool needs_metadata(const ImageRequest& request, const Target& target);

// List the tags of each repository the runnable images need, once per repository (the first
// image's target stands for it), `options.concurrency` at a time, in the order that matters for
// a budget: repositories with an image needing only its tags first, then the most shared. Tags
// outside the grammar are dropped and counted. A listing the budget refused is named in
// `refused` (key -> reason). `targets` and `runnable` are parallel to `requests`.
std::map<std::string, TagList> fetch_tag_lists(const std::vector<ImageRequest>& requests,
                                               const std::vector<const Target*>& targets,
                                               const std::vector<bool>& runnable,
                                               registry::Client& client,
                                               const ResolveOptions& options,
                                               std::map<std::string, std::string>& refused);

// What min-age needs of a run: its clock and the first-seen times of each repository.
struct Ages {
  int64_t now = 0;
  std::map<std::string, registry::SeenTimes> seen; // by Target::key
  std::string problem;                             // why first-seen times are unknown
};

// Why an image kept its tag although newer ones exist: how many were too young, and when the first
// becomes eligible.
std::string too_young_reason(const tag::Selection& selection, const ImageRequest& request);

// Record the first-seen times of the repositories whose images have a min-age (see the .cpp).
// `targets` is parallel to `requests`; images of one repository share one Target.
Ages observe_ages(const std::vector<ImageRequest>& requests,
                  const std::vector<const Target*>& targets,
                  const std::vector<bool>& runnable,
                  const std::map<std::string, TagList>& tag_lists,
                  const ResolveOptions& options,
                  const util::Logger& logger);

} // namespace argoimg::updater::detail
