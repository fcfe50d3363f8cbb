// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/report.hpp"

#include <ostream>

namespace argoimg::cmd {

using run::CommitRecord;
using run::count;
using run::ReportCounts;
using run::ReportInput;

// Write the schemaVersion 1 JSON document for `input` to `out`.
void write_json_report(const ReportInput& input, std::ostream& out);

// Write the text tables, reasons, explanations and a one-line summary to `out`.
void write_text_report(const ReportInput& input, std::ostream& out);

} // namespace argoimg::cmd
