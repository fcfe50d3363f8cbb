// SPDX-License-Identifier: Apache-2.0
// Splitting a YAML file at its document markers (`---`, with the `%` directives above them).
#include "app/yaml_split_detail.hpp"

namespace argoimg::app::yaml {

namespace {

bool starts_marker(std::string_view line) {
  return line.size() >= 3 && line.substr(0, 3) == "---"
         && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r'
             || line[3] == '\n');
}

} // namespace

// Split at every line that starts a document (`---` in column 1, with the `%` directive lines
// just before it). YAML forbids such a line inside any scalar, so this is where documents
// start; one broken document cannot swallow the next.
std::vector<Chunk> split_documents(std::string_view text) {
  std::vector<Chunk> chunks;
  size_t start = 0;
  int start_line = 0;
  int line = 0;
  size_t directives = std::string_view::npos; // first of the `%` lines just above
  int directives_line = 0;
  for (size_t pos = 0; pos < text.size(); ++line) {
    size_t end = text.find('\n', pos);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string_view current = text.substr(pos, end - pos);
    if (!current.empty() && current.front() == '%') {
      if (directives == std::string_view::npos) {
        directives = pos;
        directives_line = line;
      }
    } else {
      if (starts_marker(current)) {
        size_t cut = directives == std::string_view::npos ? pos : directives;
        int cut_line = directives == std::string_view::npos ? line : directives_line;
        if (cut > start) {
          chunks.push_back(Chunk{text.substr(start, cut - start), start_line});
        }
        start = cut;
        start_line = cut_line;
      }
      directives = std::string_view::npos;
    }
    pos = end;
  }
  if (start < text.size() || chunks.empty()) {
    chunks.push_back(Chunk{text.substr(start), start_line});
  }
  return chunks;
}

} // namespace argoimg::app::yaml
