// SPDX-License-Identifier: Apache-2.0
#include "util/redact.hpp"

#include "util/base64.hpp"
#include "util/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace argoimg::util {

namespace {

struct SecretStore {
  std::shared_mutex mutex;
  std::vector<std::string> values; // longest first, so "user:pass" wins over "pass"
};

SecretStore& store() {
  static SecretStore instance;
  return instance;
}

void add_value(std::vector<std::string>& values, std::string value) {
  if (value.size() < k_min_secret_size
      || std::find(values.begin(), values.end(), value) != values.end()) {
    return;
  }
  auto at = std::find_if(values.begin(), values.end(), [&value](const std::string& known) {
    return known.size() < value.size();
  });
  values.insert(at, std::move(value));
}

void add_with_base64(std::vector<std::string>& values, std::string_view secret) {
  std::string encoded = base64_encode(secret);
  add_value(values, std::string(secret));
  add_value(values, encoded); // longer, so tried before the unpadded form
  while (!encoded.empty() && encoded.back() == '=') {
    encoded.pop_back(); // the unpadded form also matches inside the padded one
  }
  add_value(values, std::move(encoded));
}

bool token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-'
         || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool starts_with_ci(std::string_view text, size_t at, std::string_view word) {
  if (text.size() - at < word.size()) {
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    auto a = static_cast<unsigned char>(text[at + i]);
    auto b = static_cast<unsigned char>(word[i]);
    if (std::tolower(a) != std::tolower(b)) {
      return false;
    }
  }
  return true;
}

// Whether `token` looks like a credential rather than a word ("Basic authentication"): a digit
// or one of "+/._-~" in it, or 20+ characters of mixed case.
bool looks_like_token(std::string_view token) {
  bool digit = false;
  bool special = false;
  bool upper = false;
  bool lower = false;
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    digit = digit || std::isdigit(u) != 0;
    upper = upper || std::isupper(u) != 0;
    lower = lower || std::islower(u) != 0;
    special = special || std::isalnum(u) == 0;
  }
  return digit || special || (upper && lower && token.size() >= 20);
}

// Replace "Bearer <token68>" / "Basic <token68>" credentials, whoever issued them. A challenge's
// `Bearer realm="..."` is left alone: a token is 8+ characters, looks like one, and is not
// followed by a quote.
std::string redact_schemes(std::string_view text) {
  constexpr size_t k_min_token = 8;
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t word = 0;
    bool boundary = i == 0 || !token_char(text[i - 1]);
    if (boundary && starts_with_ci(text, i, "bearer ")) {
      word = 7;
    } else if (boundary && starts_with_ci(text, i, "basic ")) {
      word = 6;
    }
    if (word == 0) {
      out += text[i++];
      continue;
    }
    size_t start = i + word;
    while (start < text.size() && text[start] == ' ') {
      ++start;
    }
    size_t end = start;
    while (end < text.size() && token_char(text[end])) {
      ++end;
    }
    size_t body = end - start;
    while (end < text.size() && text[end] == '=') {
      ++end;
    }
    bool quoted = end < text.size() && text[end] == '"';
    if (body >= k_min_token && !quoted && looks_like_token(text.substr(start, body))) {
      out.append(text.substr(i, start - i));
      out.append(k_redacted);
      i = end;
    } else {
      out.append(text.substr(i, start - i));
      i = start;
    }
  }
  return out;
}

std::string escape(std::string_view text, bool keep_lines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool crlf = c == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
    if (keep_lines && (c == '\n' || c == '\t' || crlf)) {
      out += static_cast<char>(c); // a CRLF line end moves the cursor nowhere unexpected
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80
               && static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080-U+009F in UTF-8: C1 controls (CSI is U+009B) some terminals obey.
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

} // namespace

void register_secret(std::string_view secret) {
  if (secret.size() < k_min_secret_size) {
    return;
  }
  auto& s = store();
  std::unique_lock<std::shared_mutex> guard(s.mutex);
  add_with_base64(s.values, secret);
}

void register_credentials(std::string_view username, std::string_view password) {
  if (password.empty()) {
    return;
  }
  auto& s = store();
  std::unique_lock<std::shared_mutex> guard(s.mutex);
  add_with_base64(s.values, password);
  add_with_base64(s.values, std::string(username) + ":" + std::string(password));
}

std::string redact(std::string_view text) {
  std::string out = redact_url_credentials(text); // the URL rule first: "user:***@host"
  {
    auto& s = store();
    std::shared_lock<std::shared_mutex> guard(s.mutex);
    for (const auto& secret : s.values) {
      size_t at = out.find(secret);
      if (at == std::string::npos) {
        continue;
      }
      // Rebuilt by appending, not replaced in place: linear in the text however many matches.
      std::string replaced;
      replaced.reserve(out.size());
      size_t from = 0;
      for (; at != std::string::npos; at = out.find(secret, from)) {
        replaced.append(out, from, at - from);
        replaced.append(k_redacted);
        from = at + secret.size();
      }
      replaced.append(out, from, std::string::npos);
      out = std::move(replaced);
    }
  }
  return redact_schemes(out);
}

std::string escape_control(std::string_view text) {
  return escape(text, false);
}

std::string escape_control_keep_lines(std::string_view text) {
  return escape(text, true);
}

std::string sanitize_line(std::string_view text) {
  return escape_control(redact(text));
}

void clear_secrets_for_testing() {
  auto& s = store();
  std::unique_lock<std::shared_mutex> guard(s.mutex);
  s.values.clear();
}

} // namespace argoimg::util
