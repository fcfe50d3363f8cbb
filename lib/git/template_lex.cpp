// SPDX-License-Identifier: Apache-2.0
// Splitting a template into text and actions, and an action into tokens (Go's lexer rules).

#include "git/template_detail.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace argoimg::git::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Go's isAlphaNumeric, with every non-ASCII byte taken as a letter.
bool is_alnum(char c) {
  auto u = static_cast<unsigned char>(c);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || u >= 0x80;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Scanner {
public:
  explicit Scanner(std::string_view source) : m_source(source) {
    m_line_starts.push_back(0);
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\n') {
        m_line_starts.push_back(i + 1);
      }
    }
  }

  Position at(size_t offset) const {
    auto it = std::upper_bound(m_line_starts.begin(), m_line_starts.end(), offset);
    size_t line = static_cast<size_t>(it - m_line_starts.begin());
    return Position{static_cast<int>(line), static_cast<int>(offset - m_line_starts[line - 1] + 1)};
  }

  tl::unexpected<util::Error> error(size_t offset, const std::string& what) const {
    Position p = at(offset);
    return util::fail(util::ErrorKind::config, fmt::format("{}:{}: {}", p.line, p.column, what));
  }

  util::Result<std::vector<Segment>> run();

private:
  // Lex one action's tokens from `i` (after `{{` and any trim marker); set `end` past the
  // closing delimiter and `trim_after` for ` -}}`.
  util::Result<std::vector<Token>>
  action(size_t open, size_t i, size_t& end, bool& trim_after) const;
  util::Result<Token> literal(size_t& i) const;

  std::string_view m_source;
  std::vector<size_t> m_line_starts;
};

util::Result<Token> Scanner::literal(size_t& i) const {
  Token token;
  token.at = at(i);
  size_t start = i;
  char c = m_source[i];
  if (c == '"' || c == '\'') {
    ++i;
    while (i < m_source.size() && m_source[i] != c) {
      if (m_source[i] == '\n') {
        break;
      }
      i += m_source[i] == '\\' ? size_t{2} : size_t{1};
    }
    if (i >= m_source.size() || m_source[i] != c) {
      return error(start,
                   c == '"' ? "unterminated quoted string" : "unterminated character constant");
    }
    ++i;
    std::string value;
    if (!unquote(m_source.substr(start + 1, i - start - 2), c, value)) {
      return error(start, "bad escape in " + std::string(m_source.substr(start, i - start)));
    }
    if (c == '"') {
      token.kind = Token::Kind::string;
      token.text = value;
      return token;
    }
    // A character constant: one rune, as its code point.
    size_t size = 0;
    uint32_t rune = value.empty() ? 0xFFFFFFFF : decode_rune(value, 0, size);
    if (rune == 0xFFFFFFFF || size != value.size()) {
      return error(
          start, "malformed character constant: " + std::string(m_source.substr(start, i - start)));
    }
    token.kind = Token::Kind::number;
    token.number = rune;
    token.text = std::string(m_source.substr(start, i - start));
    return token;
  }
  if (c == '`') {
    size_t close = m_source.find('`', i + 1);
    if (close == std::string_view::npos) {
      return error(start, "unterminated raw quoted string");
    }
    token.kind = Token::Kind::string;
    token.text = std::string(m_source.substr(i + 1, close - i - 1));
    token.text.erase(std::remove(token.text.begin(), token.text.end(), '\r'), token.text.end());
    i = close + 1;
    return token;
  }
  // A number: sign, digits, letters (bases, exponents), dots and exponent signs.
  if (c == '+' || c == '-') {
    ++i;
  }
  while (i < m_source.size()) {
    char d = m_source[i];
    char prev = static_cast<char>(m_source[i - 1] | 0x20);
    if (is_alnum(d) || d == '.' || ((d == '+' || d == '-') && (prev == 'e' || prev == 'p'))) {
      ++i;
    } else {
      break;
    }
  }
  std::string_view text = m_source.substr(start, i - start);
  token.kind = Token::Kind::number;
  token.text = std::string(text);
  if (!parse_integer(text, token.number)) {
    bool is_float = text.find('.') != std::string_view::npos
                    || (text.find_first_of("eE") != std::string_view::npos
                        && text.find_first_of("xX") == std::string_view::npos);
    return error(start,
                 is_float ? "floating-point numbers are not supported: " + std::string(text)
                          : "bad number syntax: " + std::string(text));
  }
  return token;
}

util::Result<std::vector<Token>>
Scanner::action(size_t open, size_t i, size_t& end, bool& trim_after) const {
  std::vector<Token> tokens;
  bool spaced = false;
  auto simple = [&](Token::Kind kind, size_t length) {
    Token token;
    token.kind = kind;
    token.at = at(i);
    token.text = std::string(m_source.substr(i, length));
    token.spaced = spaced;
    tokens.push_back(std::move(token));
    i += length;
    spaced = false;
  };
  while (true) {
    if (i >= m_source.size()) {
      return error(open, "unclosed action");
    }
    char c = m_source[i];
    if (is_space(c)) {
      if (m_source.compare(i + 1, 3, "-}}") == 0) {
        trim_after = true;
        end = i + 4;
        break;
      }
      spaced = true;
      ++i;
      continue;
    }
    if (m_source.compare(i, 2, "}}") == 0) {
      end = i + 2;
      break;
    }
    size_t start = i;
    if (c == '|') {
      simple(Token::Kind::pipe, 1);
    } else if (c == '(') {
      simple(Token::Kind::lparen, 1);
    } else if (c == ')') {
      simple(Token::Kind::rparen, 1);
    } else if (c == ',') {
      simple(Token::Kind::comma, 1);
    } else if (c == '=') {
      simple(Token::Kind::assign, 1);
    } else if (c == ':') {
      if (m_source.compare(i, 2, ":=") != 0) {
        return error(i, "expected :=");
      }
      simple(Token::Kind::declare, 2);
    } else if (c == '$' || (c == '.' && (i + 1 >= m_source.size() || !is_digit(m_source[i + 1])))) {
      ++i;
      while (i < m_source.size() && is_alnum(m_source[i])) {
        ++i;
      }
      Token token;
      token.kind = c == '$'         ? Token::Kind::variable
                   : i == start + 1 ? Token::Kind::dot
                                    : Token::Kind::field;
      token.text = std::string(m_source.substr(start, i - start));
      token.at = at(start);
      token.spaced = spaced;
      tokens.push_back(std::move(token));
      spaced = false;
    } else if (c == '"' || c == '\'' || c == '`' || is_digit(c) || c == '.'
               || ((c == '+' || c == '-') && i + 1 < m_source.size()
                   && (is_digit(m_source[i + 1]) || m_source[i + 1] == '.'))) {
      auto token = literal(i);
      if (!token) {
        return tl::unexpected(token.error());
      }
      token->spaced = spaced;
      tokens.push_back(std::move(*token));
      spaced = false;
    } else if (is_alnum(c)) {
      while (i < m_source.size() && is_alnum(m_source[i])) {
        ++i;
      }
      Token token;
      token.text = std::string(m_source.substr(start, i - start));
      token.kind = token.text == "true" || token.text == "false" ? Token::Kind::boolean
                   : token.text == "nil"                         ? Token::Kind::nil
                                                                 : Token::Kind::identifier;
      token.at = at(start);
      token.spaced = spaced;
      tokens.push_back(std::move(token));
      spaced = false;
    } else {
      return error(
          i,
          fmt::format("unrecognized character in action: U+{:04X}", static_cast<unsigned char>(c)));
    }
  }
  Token last;
  last.kind = Token::Kind::end;
  last.at = at(i);
  tokens.push_back(std::move(last));
  return tokens;
}

util::Result<std::vector<Segment>> Scanner::run() {
  std::vector<Segment> segments;
  size_t pos = 0;
  bool trim_next = false;
  while (pos <= m_source.size()) {
    size_t open = m_source.find("{{", pos);
    bool trim_before = open != std::string_view::npos && open + 3 < m_source.size()
                       && m_source[open + 2] == '-' && is_space(m_source[open + 3]);
    std::string_view text =
        m_source.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    if (trim_next) {
      size_t first = text.find_first_not_of(" \t\r\n");
      text = first == std::string_view::npos ? std::string_view() : text.substr(first);
    }
    if (trim_before) {
      size_t last = text.find_last_not_of(" \t\r\n");
      text = last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
    }
    if (!text.empty()) {
      Segment segment;
      segment.text = std::string(text);
      segment.at = at(pos);
      segments.push_back(std::move(segment));
    }
    if (open == std::string_view::npos) {
      break;
    }
    size_t inside = open + (trim_before ? 4 : 2);
    size_t end = 0;
    bool trim_after = false;
    if (m_source.compare(inside, 2, "/*") == 0) {
      size_t close = m_source.find("*/", inside + 2);
      if (close == std::string_view::npos) {
        return error(open, "unclosed comment");
      }
      size_t after = close + 2;
      if (m_source.compare(after, 2, "}}") == 0) {
        end = after + 2;
      } else if (after < m_source.size() && is_space(m_source[after])
                 && m_source.compare(after + 1, 3, "-}}") == 0) {
        trim_after = true;
        end = after + 4;
      } else {
        return error(open, "comment ends before closing delimiter");
      }
    } else {
      auto tokens = action(open, inside, end, trim_after);
      if (!tokens) {
        return tl::unexpected(tokens.error());
      }
      Segment segment;
      segment.is_action = true;
      size_t close = end - (trim_after ? 4 : 2);
      segment.text = std::string(util::trim(m_source.substr(inside, close - inside)));
      segment.tokens = std::move(*tokens);
      segment.at = at(open);
      segments.push_back(std::move(segment));
    }
    trim_next = trim_after;
    pos = end;
  }
  return segments;
}

} // namespace

util::Result<std::vector<Segment>> scan_template(std::string_view source) {
  return Scanner(source).run();
}

} // namespace argoimg::git::detail
