// SPDX-License-Identifier: Apache-2.0
#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_lines_detail.hpp"

namespace argoimg::writeback::detail {

using util::ErrorKind;

std::string newline_of(std::string_view text) {
  return text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
}

size_t line_start(std::string_view text, size_t pos) {
  size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
  return (pos == 0 || nl == std::string_view::npos) ? 0 : nl + 1;
}

size_t line_end(std::string_view text, size_t pos) { // past the newline
  size_t nl = text.find('\n', pos);
  return nl == std::string_view::npos ? text.size() : nl + 1;
}

// Indentation of the line at `start`, or npos for blank and comment-only lines.
size_t content_indent(std::string_view text, size_t start) {
  size_t i = start;
  while (i < text.size() && text[i] == ' ') {
    ++i;
  }
  if (i >= text.size() || text[i] == '\n' || text[i] == '\r' || text[i] == '#') {
    return std::string_view::npos;
  }
  return i - start;
}

size_t column_of(std::string_view text, size_t pos) {
  return pos - line_start(text, pos);
}

// The byte after a flow collection opening at `open` ('{' or '[').
util::Result<size_t> flow_end(std::string_view text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      auto span = scalar_span(text, i);
      if (!span) {
        return tl::unexpected(span.error());
      }
      i = span->end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return util::fail(ErrorKind::invalid_input, "unterminated flow collection");
}

// The end (past the newline) of the last line belonging to the block collection whose
// entries start at column `indent`, starting with the line of `first`. Trailing blank and
// comment lines are left to what follows.
size_t block_end(std::string_view text, size_t first, size_t indent, bool sequence) {
  size_t end = line_end(text, first);
  for (size_t pos = end; pos < text.size();) {
    size_t next = line_end(text, pos);
    size_t ind = content_indent(text, pos);
    if (ind != std::string_view::npos) {
      std::string_view rest = text.substr(pos + ind);
      bool marker = ind == 0 && (rest.rfind("---", 0) == 0 || rest.rfind("...", 0) == 0);
      if (marker || ind < indent || (ind == indent && sequence && rest.front() != '-')) {
        break;
      }
      end = next;
    }
    pos = next;
  }
  return end;
}

// The indentation step the file uses (2 when it cannot tell).
size_t indent_unit(std::string_view text) {
  size_t unit = 0;
  size_t previous = 0;
  for (size_t pos = 0; pos < text.size(); pos = line_end(text, pos)) {
    size_t ind = content_indent(text, pos);
    if (ind == std::string_view::npos) {
      continue;
    }
    if (ind > previous && (unit == 0 || ind - previous < unit)) {
      unit = ind - previous;
    }
    previous = ind;
  }
  return unit == 0 ? 2 : unit;
}

// The lines that create `path[from..]` = `value` under a mapping at column `indent`.
std::vector<std::string> nested_lines(
    const YamlPath& path, size_t from, size_t indent, size_t unit, const std::string& rendered) {
  std::vector<std::string> lines;
  for (size_t i = from; i < path.size(); ++i) {
    std::string pad(indent + (i - from) * unit, ' ');
    lines.push_back(pad + path[i].key + ":" + (i + 1 == path.size() ? " " + rendered : ""));
  }
  return lines;
}

// Insert `lines` as new lines at `pos` (a line start, or the end of a file without a final
// newline), keeping the file's newline style.
void insert_lines(std::string& text, size_t pos, const std::vector<std::string>& lines) {
  std::string nl = newline_of(text);
  std::string block;
  bool at_unterminated_end = pos == text.size() && !text.empty() && text.back() != '\n';
  for (size_t i = 0; i < lines.size(); ++i) {
    block += (at_unterminated_end || i > 0 ? nl : "") + lines[i];
  }
  if (!at_unterminated_end) {
    block += nl;
  }
  text.insert(pos, block);
}

} // namespace argoimg::writeback::detail
