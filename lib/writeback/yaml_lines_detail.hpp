// SPDX-License-Identifier: Apache-2.0
#pragma once

// Line-level helpers of YamlText: positions, indentation, block and flow extents, inserting
// lines in the file's newline style. Pure text functions; include only from writeback sources.

#include "util/result.hpp"
#include "writeback/yaml_text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback::detail {

std::string newline_of(std::string_view text);

size_t line_start(std::string_view text, size_t pos);

size_t line_end(std::string_view text, size_t pos);

// Indentation of the line at `start`, or npos for blank and comment-only lines.
size_t content_indent(std::string_view text, size_t start);

size_t column_of(std::string_view text, size_t pos);

// The byte after a flow collection opening at `open` ('{' or '[').
util::Result<size_t> flow_end(std::string_view text, size_t open);

// The end (past the newline) of the last line belonging to the block collection whose
// entries start at column `indent`, starting with the line of `first`. Trailing blank and
// comment lines are left to what follows.
size_t block_end(std::string_view text, size_t first, size_t indent, bool sequence);

// Where lines can be inserted at a block end `end`: past the trailing blank lines when the
// block ends in a keep-chomped block scalar (`|+`, `>+`: they are its value); refused when it
// ends in a block scalar without a final newline (a new line would change its value).
util::Result<size_t> insertion_point(std::string_view text, size_t end);

// The start of a node's value at `pos`, past its anchor (`&a`) and tag (`!t`) properties.
size_t skip_properties(std::string_view text, size_t pos);

// The indentation step the file uses (2 when it cannot tell).
size_t indent_unit(std::string_view text);

// The lines that create `path[from..]` = `value` under a mapping at column `indent`.
std::vector<std::string> nested_lines(
    const YamlPath& path, size_t from, size_t indent, size_t unit, const std::string& rendered);

// Insert `lines` as new lines at `pos` (a line start, or the end of a file without a final
// newline), keeping the file's newline style.
void insert_lines(std::string& text, size_t pos, const std::vector<std::string>& lines);

} // namespace argoimg::writeback::detail
