// SPDX-License-Identifier: Apache-2.0
#pragma once

// The checks behind FileBatch: where a window sits in the tree, trees compared exactly, and the
// one re-parse that proves all splices of a file at once. Include only from writeback sources
// (it exposes yaml-cpp).

#include "util/result.hpp"
#include "writeback/batch.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback::detail {

// Where an edit lands: the lines of a block mapping, from the line of its first key to its
// block end, with what precedes the first key on its line (sequence dashes) blanked, so that
// the window parses on its own as that mapping, every byte at its offset.
struct Window {
  size_t begin = 0;
  size_t end = 0;
  size_t indent = 0; // bytes blanked at the start
  size_t first_line = 1;
  std::string text;
};

// The window of the block mapping `node` in `base` (whose line starts are given), or none when
// it has no window (flow style, anchors or aliases inside, something else before its first key).
std::optional<Window>
window_of(std::string_view base, const std::vector<size_t>& line_starts, const YAML::Node& node);

// One application's edit of its window, waiting to be spliced into the file.
struct PendingSplice {
  size_t begin = 0;
  size_t end = 0;
  std::string text;   // the new bytes of [begin, end)
  std::string window; // the edited window as it was parsed (dashes blanked)
  std::string tree;   // fingerprint() of the edited window's tree; empty: parse `window`
  std::string key;    // doc/path of the window's mapping
  size_t id = 0;
  FileBatch::WholeEdit whole;
};

// An exact encoding of a tree: equal for two trees exactly when they are equal in type, tag,
// scalar, and entries in order (every string length-prefixed). Windows hold no aliases.
std::string fingerprint(const YAML::Node& node);

// The combined check: `before` and `after` are equal outside the pending windows, and each
// window's mapping in `after` is the tree its own verified edit produced.
bool same_outside_windows(const std::vector<PendingSplice>& pending,
                          const std::vector<YAML::Node>& before,
                          const std::vector<YAML::Node>& after);

// A duplicate key in the mappings on the way to `scope` (not inside it).
util::Result<bool> unique_on_path(const YAML::Node& root, const YamlPath& scope);

} // namespace argoimg::writeback::detail
