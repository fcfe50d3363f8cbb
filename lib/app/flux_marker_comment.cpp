// SPDX-License-Identifier: Apache-2.0
// Reading a setter marker comment: a strict JSON object of strings (what Go's json.Unmarshal
// into a map[string]string accepts), then the `$imagepolicy` value.
// Hand-written rather than RapidJSON: RapidJSON is not linked into lib/app, and Flux reads the
// comment with Go's semantics, which it does not share: the last of duplicate members wins, and
// a lone surrogate escape becomes U+FFFD instead of failing the parse.
#include "app/flux_markers.hpp"
#include "util/strings.hpp"

#include <cstdint>

namespace argoimg::app {

namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonObjectOfStrings {
public:
  explicit JsonObjectOfStrings(std::string_view text) : m_text(text) {}

  // Parse the whole text; call `member` for each key/value; false when it is not exactly one
  // object of string members.
  template <typename Member> bool parse(Member&& member) {
    skip_space();
    if (!take('{')) {
      return false;
    }
    skip_space();
    if (!take('}')) {
      for (;;) {
        std::string key;
        std::string value;
        skip_space();
        if (!string(key)) {
          return false;
        }
        skip_space();
        if (!take(':')) {
          return false;
        }
        skip_space();
        if (!string(value)) {
          return false; // a number, null, object...: not a marker
        }
        member(key, value);
        skip_space();
        if (take('}')) {
          break;
        }
        if (!take(',')) {
          return false;
        }
      }
    }
    skip_space();
    return m_pos == m_text.size();
  }

private:
  void skip_space() {
    while (m_pos < m_text.size() && is_json_space(m_text[m_pos])) {
      ++m_pos;
    }
  }

  bool take(char c) {
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }

  bool hex4(uint32_t& out) {
    if (m_text.size() - m_pos < 4) {
      return false;
    }
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = m_text[m_pos++];
      uint32_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      out = out * 16 + digit;
    }
    return true;
  }

  bool escape(std::string& out) {
    if (m_pos >= m_text.size()) {
      return false;
    }
    char c = m_text[m_pos++];
    switch (c) {
    case '"':
    case '\\':
    case '/':
      out += c;
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return false;
    }
    uint32_t cp = 0;
    if (!hex4(cp)) {
      return false;
    }
    if (cp >= 0xD800 && cp < 0xDC00 && m_text.substr(m_pos, 2) == "\\u") {
      size_t back = m_pos;
      m_pos += 2;
      uint32_t low = 0;
      if (!hex4(low)) {
        return false;
      }
      if (low >= 0xDC00 && low < 0xE000) {
        append_utf8(out, 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00));
        return true;
      }
      m_pos = back; // not a pair: the next escape is read on its own
    }
    // A lone surrogate becomes U+FFFD, as in Go.
    append_utf8(out, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
    return true;
  }

  bool string(std::string& out) {
    if (!take('"')) {
      return false;
    }
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos++];
      if (c == '"') {
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
      if (c == '\\') {
        if (!escape(out)) {
          return false;
        }
      } else {
        out += c;
      }
    }
    return false;
  }

  std::string_view m_text;
  size_t m_pos = 0;
};

} // namespace

std::optional<MarkerRef> read_marker_comment(std::string_view comment) {
  size_t start = comment.find_first_not_of('#');
  comment.remove_prefix(start == std::string_view::npos ? comment.size() : start);
  std::optional<std::string> setter;
  bool object = JsonObjectOfStrings(comment).parse([&](const std::string& key, std::string& value) {
    if (key == "$imagepolicy") {
      setter = std::move(value); // the last one wins, as in Go
    }
  });
  if (!object || !setter) {
    return std::nullopt;
  }
  auto parts = util::split(*setter, ':');
  if ((parts.size() != 2 && parts.size() != 3) || parts[0].empty() || parts[1].empty()) {
    return std::nullopt;
  }
  MarkerRef ref;
  ref.policy_namespace = std::string(parts[0]);
  ref.policy_name = std::string(parts[1]);
  ref.setter = *setter;
  if (parts.size() == 3) {
    if (parts[2] == "tag") {
      ref.field = FluxMarker::Field::tag;
    } else if (parts[2] == "name") {
      ref.field = FluxMarker::Field::name;
    } else if (parts[2] == "digest") {
      ref.field = FluxMarker::Field::digest;
    } else {
      return std::nullopt;
    }
  }
  return ref;
}

} // namespace argoimg::app
