// SPDX-License-Identifier: Apache-2.0
#pragma once

// Flux objects as another source of images in the run (docs/flux.md): Flux v1 workloads and
// HelmReleases with their automation annotations, Flux v2 ImagePolicies and the setter markers
// that name them. Each object becomes an application result (with its `kind`); tags come from
// the same registry client (registries.conf, credentials, caches) as Applications'.

#include "app/flux.hpp"
#include "updater/apply.hpp"
#include "updater/plan.hpp"
#include "writeback/slots.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::updater {

struct FluxInputs {
  std::vector<app::FluxV1Object> v1;
  std::vector<app::FluxImageRepository> repositories;
  std::vector<app::FluxImagePolicy> policies;
  std::vector<app::FluxImageUpdateAutomation> automations;
  std::vector<app::FluxMarker> markers;
  // Parallel to `policies`: false for a policy --match-application-* leaves out (resolved only
  // for the markers that name it, not listed). Empty: all listed.
  std::vector<bool> policy_listed;
  // Parallel to `automations`: false for one another --shard lists (its error is reported
  // there). Empty: all listed.
  std::vector<bool> automation_listed;
  // Where an ImageUpdateAutomation's `update.path` is resolved: the root of the given path.
  std::string root;
  // The origin of a file for the report (relative to the given path); identity when unset.
  std::function<std::string(const std::string&)> display;
};

// One scalar to rewrite for an entry of `FluxPlan::results`.
struct FluxWrite {
  size_t result = 0;     // index into FluxPlan::results
  std::string file;      // as read
  std::string described; // "alias: old -> new"
  writeback::ScalarEdit edit;
};

struct FluxPlan {
  std::vector<ApplicationResult> results;
  std::vector<FluxWrite> writes;     // for images with status `update`, in result order
  std::vector<std::string> warnings; // of the run, not of one object (a marker naming no policy)
};

// Resolve every Flux object: each repository's tags are listed once (in parallel), creation
// times are read only for Flux v1 glob/regexp candidates, digests only for policies that
// reflect them. A bad object is an `error` result naming its file:line; the others go on.
FluxPlan plan_flux(const FluxInputs& inputs,
                   registry::Client& client,
                   const PlanOptions& options,
                   const util::Logger& logger);

// Add `writes` to `plan`: one change per file with all its scalars, verified; a file the plan
// already changes is edited on from its new text, in that change. The Flux results are
// `results` from index `first` on (FluxWrite::result counts from there). Objects setting one
// scalar to different values, and those writing a file that cannot be edited, fail.
void add_flux_writes(WritePlan& plan,
                     const std::vector<FluxWrite>& writes,
                     std::vector<ApplicationResult>& results,
                     size_t first,
                     const FileReader& read);

// A saved plan's Flux writes, checked against this run's Flux objects (docs/plan.md): a write
// must name a scalar a setter marker or an automated Flux v1 container holds, and its value must
// be one the ImagePolicy or v1 pattern could pick — a plan decides without a registry, but never
// outside what the run's own objects allow.
class FluxWriteCheck {
public:
  explicit FluxWriteCheck(const FluxInputs& inputs);
  // nullopt when `value` may be written at the scalar (file, document, path); else why not.
  std::optional<std::string> refusal(const std::string& file,
                                     size_t document,
                                     const writeback::YamlPath& path,
                                     const std::string& value) const;

private:
  struct Slot {
    const app::FluxMarker* marker = nullptr;
    const app::FluxV1Object* object = nullptr;
    const app::FluxV1Container* container = nullptr;
    const app::ScalarSlot* scalar = nullptr;
  };
  std::optional<std::string> marker_refusal(const app::FluxMarker& marker,
                                            const std::string& value) const;
  std::optional<std::string> v1_refusal(const Slot& slot, const std::string& value) const;

  const FluxInputs& m_inputs;
  std::map<std::string, Slot> m_slots; // by scalar: absolute file, document, path
};

} // namespace argoimg::updater
