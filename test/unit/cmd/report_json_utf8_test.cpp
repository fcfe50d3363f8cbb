// SPDX-License-Identifier: Apache-2.0
// -o json stays a JSON document (UTF-8) whatever bytes the input files held.
#include "report.hpp"

#include <catch2/catch.hpp>

#include <sstream>

TEST_CASE("-o json replaces invalid UTF-8 from the inputs", "[cmd][json]") {
  argoimg::run::ReportInput input;
  input.command = "check";
  input.file_errors = {"app2.yaml:4:9: metadata.name 'x\xfey' is not a valid Kubernetes name"};
  std::ostringstream out;
  argoimg::cmd::write_json_report(input, out);
  CHECK(out.str().find('\xfe') == std::string::npos);
  CHECK(out.str().find("'x\xef\xbf\xbdy'") != std::string::npos);
}
