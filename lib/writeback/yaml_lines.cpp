// SPDX-License-Identifier: Apache-2.0
#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_lines_detail.hpp"

namespace argoimg::writeback::detail {

using util::ErrorKind;

namespace {
bool is_eol(char c) {
  return c == '\n' || c == '\r';
}
} // namespace

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
  size_t start = line_start(text, pos);
  if (start == 0 && pos >= 3 && text.rfind("\xEF\xBB\xBF", 0) == 0) {
    start = 3; // a byte order mark is not indentation
  }
  return pos - start;
}

// The byte after a flow collection opening at `open` ('{' or '[').
util::Result<size_t> flow_end(std::string_view text, size_t open) {
  int depth = 0;
  char previous = '\0'; // the last significant character
  for (size_t i = open; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || is_eol(c)) {
      continue;
    }
    if (c == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t' || is_eol(text[i - 1]))) {
      i = line_end(text, i) - 1; // a comment inside a multi-line flow collection
      continue;
    }
    // A quote opens a quoted scalar only where a value starts (not inside `it's`).
    bool value_start =
        previous != '\0' && std::string_view("{[,:?").find(previous) != std::string_view::npos;
    previous = c;
    if ((c == '"' || c == '\'') && value_start) {
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

namespace {

size_t spaces_at(std::string_view text, size_t start) {
  size_t i = start;
  while (i < text.size() && text[i] == ' ') {
    ++i;
  }
  return i - start;
}

bool blank_line(std::string_view text, size_t start) {
  size_t i = start;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  return i >= text.size() || text[i] == '\n' || text[i] == '\r';
}

// The chomping indicator of a block scalar header ending the line at `start` ('+', '-', or
// ' ' for clip), or '\0' when the line does not end in one.
char header_chomping(std::string_view text, size_t start) {
  std::string_view line = text.substr(start, line_end(text, start) - start);
  if (size_t hash = line.find(" #"); hash != std::string_view::npos) {
    line = line.substr(0, hash);
  }
  while (!line.empty() && std::string_view(" \t\r\n").find(line.back()) != std::string_view::npos) {
    line.remove_suffix(1);
  }
  size_t i = line.size();
  while (i > 0 && std::string_view("+-0123456789").find(line[i - 1]) != std::string_view::npos) {
    --i;
  }
  if (i == 0 || (line[i - 1] != '|' && line[i - 1] != '>')) {
    return '\0';
  }
  if (i >= 2 && line[i - 2] != ' ' && line[i - 2] != ':' && line[i - 2] != '-') {
    return '\0'; // part of a plain value like `a|+`
  }
  std::string_view indicators = line.substr(i);
  return indicators.find('+') != std::string_view::npos   ? '+'
         : indicators.find('-') != std::string_view::npos ? '-'
                                                          : ' ';
}

// The chomping of the block scalar the last non-blank line before `end` belongs to, or '\0'.
char chomping_before(std::string_view text, size_t end) {
  size_t pos = end;
  size_t last = std::string_view::npos;
  while (pos > 0) {
    pos = line_start(text, pos - 1);
    if (!blank_line(text, pos)) {
      last = pos;
      break;
    }
  }
  if (last == std::string_view::npos) {
    return '\0';
  }
  if (char own = header_chomping(text, last)) {
    return own;
  }
  size_t indent = spaces_at(text, last);
  for (pos = last; pos > 0;) {
    pos = line_start(text, pos - 1);
    if (blank_line(text, pos) || spaces_at(text, pos) >= indent) {
      continue;
    }
    return header_chomping(text, pos); // the first line left of it: its header, or not one
  }
  return '\0';
}

} // namespace

util::Result<size_t> insertion_point(std::string_view text, size_t end) {
  char chomping = chomping_before(text, end);
  if (chomping == '+') {
    while (end < text.size() && blank_line(text, end)) {
      end = line_end(text, end);
    }
  }
  if (chomping != '\0' && chomping != '-' && end == text.size() && !text.empty()
      && text.back() != '\n') {
    return util::fail(ErrorKind::unsupported,
                      "cannot add lines after a block scalar that ends the file without a final "
                      "newline");
  }
  return end;
}

size_t skip_properties(std::string_view text, size_t pos) {
  while (pos < text.size() && (text[pos] == '&' || text[pos] == '!')) {
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n'
           && text[pos] != '\r') {
      ++pos;
    }
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) {
      ++pos;
    }
  }
  return pos;
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
