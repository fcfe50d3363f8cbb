// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "updater/apply.hpp"
#include "updater/plan.hpp"
#include "updater/resolve.hpp"

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace argoimg::cmd {

// One commit (or, with --dry-run, the commit that would be made) in a git working copy.
struct CommitRecord {
  std::string repository; // the working copy's root
  std::string branch;
  std::string status; // "pushed", "committed" (--no-push), "planned" (--dry-run), "up-to-date"
  std::string sha;    // empty unless committed
  std::string message;
  std::vector<std::string> files; // repository-relative
  std::vector<std::string> applications;
  bool pushed = false;
  int attempts = 0;        // commits made to get one pushed (1 without a race)
  std::string base_branch; // a write branch's base (the checked-out branch); "" otherwise
};

struct ReportInput {
  std::string command; // "check"
  std::vector<updater::ApplicationResult> applications;
  std::vector<updater::ImageResult> images; // results of --image
  std::vector<std::string> file_errors;     // input files that could not be read
  std::map<std::string, size_t> requests;   // per registry host
  std::vector<updater::FileChange> changes; // update: files written (or to write)
  std::vector<CommitRecord> commits;        // commit: per working copy and branch
  bool dry_run = false;
  bool explain = false;
  bool color = false;
};

// Counts over applications' images and --image results, as the summary reports them.
struct ReportCounts {
  size_t applications = 0;
  size_t images = 0;
  size_t updates = 0;
  size_t up_to_date = 0;
  size_t skipped = 0;
  size_t errors = 0; // failed images, failed applications and unreadable files
};
ReportCounts count(const ReportInput& input);

// Write the schemaVersion 1 JSON document for `input` to `out`.
void write_json_report(const ReportInput& input, std::ostream& out);

// Write the text tables, reasons, explanations and a one-line summary to `out`.
void write_text_report(const ReportInput& input, std::ostream& out);

} // namespace argoimg::cmd
