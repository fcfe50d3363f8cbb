// SPDX-License-Identifier: Apache-2.0
#include "registry/challenge.hpp"

#include "util/strings.hpp"

namespace argoimg::registry {

namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

void skip_spaces(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) {
    ++pos;
  }
}

std::string read_token(std::string_view text, size_t& pos) {
  size_t start = pos;
  while (pos < text.size() && is_token_char(text[pos])) {
    ++pos;
  }
  return std::string(text.substr(start, pos - start));
}

std::string read_quoted(std::string_view text, size_t& pos) {
  std::string value;
  ++pos; // opening quote
  while (pos < text.size() && text[pos] != '"') {
    if (text[pos] == '\\' && pos + 1 < text.size()) {
      ++pos;
    }
    value += text[pos++];
  }
  if (pos < text.size()) {
    ++pos; // closing quote
  }
  return value;
}

} // namespace

std::vector<Challenge> parse_challenges(std::string_view header) {
  std::vector<Challenge> challenges;
  size_t pos = 0;
  while (pos < header.size()) {
    skip_spaces(header, pos);
    if (pos < header.size() && header[pos] == ',') {
      ++pos;
      continue;
    }
    std::string token = read_token(header, pos);
    if (token.empty()) {
      ++pos; // skip a character we do not understand
      continue;
    }
    skip_spaces(header, pos);
    if (pos < header.size() && header[pos] == '=' && !challenges.empty()) {
      // An auth-param of the current challenge.
      ++pos;
      skip_spaces(header, pos);
      std::string value = (pos < header.size() && header[pos] == '"') ? read_quoted(header, pos)
                                                                      : read_token(header, pos);
      challenges.back().params[util::to_lower(token)] = value;
      continue;
    }
    challenges.push_back(Challenge{util::to_lower(token), {}});
  }
  return challenges;
}

} // namespace argoimg::registry
