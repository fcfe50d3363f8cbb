// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/applications.hpp"
#include "run/effects.hpp"
#include "run/options.hpp"
#include "run/report.hpp"
#include "run/run.hpp"

#include "git/working_copy.hpp"
#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "updater/flux.hpp"
#include "updater/labels.hpp"

#include <memory>
#include <optional>
#include <variant>

namespace argoimg::run {

// Everything `check` computes, kept alive for `update` and `commit` to write from.
struct SavedPlan;

struct Evaluation {
  explicit Evaluation(Effects& given) : effects(given), logger(given.logger) {}
  Effects& effects;
  CheckOptions options; // with ARGOCD_SERVER / ARGOCD_AUTH_TOKEN applied
  util::Logger logger;
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<registry::CredentialResolver> credentials;
  std::unique_ptr<RepoFinder> finder;
  updater::PlanOptions plan;
  git::RemoteAuth git_auth;              // commit: --git-credentials, resolved once
  std::vector<updater::PlannedApp> apps; // parallel to the first report.applications
  // Flux objects: report.applications from `flux_first` on, and the scalars to rewrite.
  size_t flux_first = 0;
  std::vector<updater::FluxWrite> flux_writes;
  ReportInput report;
  std::shared_ptr<const SavedPlan> saved_plan; // --plan: the decisions; null otherwise
  // commit: the new images' OCI config labels, [application][image] (empty: not read)
  std::vector<std::vector<updater::ImageLabels>> image_labels;
};

// Load, resolve and decide as `check` does. Returns a status instead when the run cannot
// start (usage or configuration errors, an unreachable Argo CD API), after printing why.
std::variant<std::unique_ptr<Evaluation>, Status>
evaluate(const CheckOptions& options, Effects& effects, const std::string& command);

// The outcome of a finished run: `failures` on errors, `pending_updates` with `--exit-code`
// when updates are pending, else `ok`; the report moves out.
Outcome finish(Evaluation& evaluation);

} // namespace argoimg::run
