// SPDX-License-Identifier: Apache-2.0
#pragma once

// Saved plans (docs/plan.md): `check -o plan` writes every decision and the hash of every file
// it would change; `update --plan` and `commit --plan` decide from it instead of asking
// registries, and refuse, writing nothing, when a file or a decision is not what the plan says.

#include "run/evaluate.hpp"

#include "updater/apply.hpp"
#include "updater/flux.hpp"
#include "updater/plan.hpp"
#include "util/result.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::run {

inline constexpr int k_plan_version = 1;

struct SavedPlanImage {
  std::string alias; // the alias, else the image as configured
  std::string image;
  std::string status; // "update", "up-to-date", "skipped", "error"
  std::optional<std::string> current;
  std::optional<std::string> current_digest;
  std::optional<std::string> new_tag;
  std::optional<std::string> new_digest;
  std::optional<std::string> reason;
};

struct SavedPlanApplication {
  std::string name;
  std::string app_namespace;
  std::vector<SavedPlanImage> images;
};

struct SavedPlanFile {
  std::string path;   // absolute
  std::string sha256; // of the content the plan was made against; "" when created
  bool created = false;
  std::vector<std::string> applications;
  std::vector<std::string> images; // "alias: old -> new"
};

// One scalar a Flux object's update rewrites (updater::FluxWrite).
struct SavedPlanFluxWrite {
  std::string file; // absolute
  size_t document = 0;
  writeback::YamlPath path;
  std::string current;   // what the scalar holds when the plan was made
  std::string value;     // what it becomes
  std::string described; // "alias: old -> new"
};

// A Flux object or marked document (a result from Evaluation::flux_first on).
struct SavedPlanFluxObject {
  std::optional<std::string> kind;
  std::optional<std::string> name; // nullopt: a document without metadata
  std::string app_namespace;
  std::string origin;
  std::vector<SavedPlanImage> images;
  std::vector<SavedPlanFluxWrite> writes;
};

// An Application the plan updates through the Argo CD API, and the state it was planned on.
struct SavedPlanApiObject {
  std::string name;
  std::string app_namespace;
  std::string resource_version;
  std::string sha256;              // of its spec and annotations as the server gave them
  std::vector<std::string> images; // "alias: -> tag"
};

// What the planning run was given, so that `update --plan FILE` with no inputs of its own
// applies the plan to the same ones (docs/plan.md#inputs): paths and repository roots made
// absolute, the Argo CD server (never a token) and the selection.
struct SavedPlanInputs {
  std::vector<std::string> paths;
  std::vector<std::string> repo_roots; // URL=DIR
  std::string server;
  std::vector<std::string> match_names;
  std::string match_labels;
  std::string app_namespace;
  std::string project;
  std::string argocd_namespace;
  std::string shard;
};

// The inputs `options` (of a planning run) records.
SavedPlanInputs plan_inputs(const CheckOptions& options);

// Give `options` (an apply run naming no paths, --server or --image) the plan's inputs but the
// server (the apply run names it: a plan must not choose where a token is sent); the
// selection flags it sets itself are kept.
void use_plan_inputs(CheckOptions& options, const SavedPlanInputs& inputs);

struct SavedPlan {
  std::optional<SavedPlanInputs> inputs; // absent in plans made before argoimg recorded them
  std::vector<SavedPlanApplication> applications;
  std::vector<SavedPlanFile> files;
  std::vector<SavedPlanFluxObject> flux; // absent in plans of runs without Flux
  std::vector<SavedPlanApiObject> api;   // absent in plans of runs without --server
};

// The plan of an evaluated run whose writes `writes` planned (nothing written), as JSON.
util::Result<std::string> render_saved_plan(const Evaluation& run,
                                            const updater::WritePlan& writes);

// Plan the writes of `run` (nothing is written) and render them as a plan.
util::Result<std::string> make_saved_plan(Evaluation& run);

// Parse a plan; fails naming `path` and what is wrong (a version this argoimg does not know,
// a missing field, an application named twice).
util::Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& path);

// Read `path` (bounded) and parse it.
util::Result<SavedPlan> read_saved_plan(const std::string& path);

// The decisions of `plan` as updater::PlanOptions::preset: an image the plan does not list is
// skipped ("not in the saved plan"), and no registry is asked.
std::function<updater::ImageResult(const app::Application&, const updater::ImageRequest&)>
preset_from(std::shared_ptr<const SavedPlan> plan);

// The Flux results and writes of `plan`, as updater::plan_flux would have made them when the
// plan was made: with --plan, Flux objects are decided by the plan, no registry is asked.
// Each write must pass `check` (this run's Flux objects) or it fails its object: a plan names
// files, paths and values itself, and must not reach past what the run's Flux objects and
// markers hold (another file, one outside the repository, another key) nor write a tag their
// ImagePolicy or Flux v1 pattern would not pick.
updater::FluxPlan flux_from_plan(const SavedPlan& plan, const updater::FluxWriteCheck& check);

// Everything in which the run (decided from `plan`, its writes planned in `writes`) differs
// from `plan`: a file changed since (by its hash), a file or an update one has and the other
// has not, an Application read from the Argo CD API that moved since. Empty: the plan applies
// exactly.
std::vector<std::string>
plan_drift(const SavedPlan& plan, const Evaluation& run, const updater::WritePlan& writes);

// With --plan: when the run differs from its saved plan, print each difference, fail every
// application with an update ("not written: …") and return false; nothing may be written.
// Without --plan, or when the plan applies exactly: true.
bool refuse_drift(Evaluation& run, const updater::WritePlan& writes);

} // namespace argoimg::run
