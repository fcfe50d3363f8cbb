// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "updater/resolve.hpp"

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace argoimg::cmd {

struct ReportInput {
  std::string command;                      // "check"
  std::vector<updater::ImageResult> images; // results of --image
  std::map<std::string, size_t> requests;   // per registry host
  bool explain = false;
  bool color = false;
};

// Write the schemaVersion 1 JSON document for `input` to `out`.
void write_json_report(const ReportInput& input, std::ostream& out);

// Write the text table, explanations and a one-line summary for `input` to `out`.
void write_text_report(const ReportInput& input, std::ostream& out);

} // namespace argoimg::cmd
