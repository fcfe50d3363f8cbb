// SPDX-License-Identifier: Apache-2.0
#pragma once

// Splitting a YAML file into its documents, for the bounded loading of yaml_load.cpp. Include
// only from lib/app sources.

#include <string_view>
#include <vector>

namespace argoimg::app::yaml {

// A document (or a run of documents) of the file and the number of lines before it.
struct Chunk {
  std::string_view text;
  int first_line = 0;
};

// The documents of `text`, cut where a line starts one (see yaml_split.cpp).
std::vector<Chunk> split_documents(std::string_view text);

} // namespace argoimg::app::yaml
