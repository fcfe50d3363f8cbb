// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "applications.hpp"
#include "check_command.hpp"
#include "report.hpp"

#include "git/working_copy.hpp"
#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "registry/curl_transport.hpp"
#include "updater/labels.hpp"

#include <memory>
#include <optional>
#include <variant>

namespace argoimg::cmd {

// Everything `check` computes, kept alive for `update` to write from.
struct Evaluation {
  CheckOptions options; // with ARGOCD_SERVER / ARGOCD_AUTH_TOKEN applied
  util::Logger logger;
  std::unique_ptr<registry::CurlTransport> transport;
  std::unique_ptr<registry::Client> client;
  std::unique_ptr<registry::CredentialResolver> credentials;
  std::unique_ptr<RepoFinder> finder;
  updater::PlanOptions plan;
  git::RemoteAuth git_auth;              // commit: --git-credentials, resolved once
  std::vector<updater::PlannedApp> apps; // parallel to report.applications
  ReportInput report;
  // commit: the new images' OCI config labels, [application][image] (empty: not read)
  std::vector<std::vector<updater::ImageLabels>> image_labels;
};

// Load, resolve and decide as `check` does. Returns an exit code instead when the run cannot
// start (usage or configuration errors, an unreachable Argo CD API), after printing why.
std::variant<std::unique_ptr<Evaluation>, int>
evaluate(const CheckOptions& options, const GlobalOptions& global, const std::string& command);

// Write the report for `global.output` and return the exit code: 1 on errors, 3 with
// `--exit-code` when updates are pending, else 0.
int finish_report(const Evaluation& evaluation, const GlobalOptions& global);

} // namespace argoimg::cmd
