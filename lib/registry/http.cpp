// SPDX-License-Identifier: Apache-2.0
#include "registry/http.hpp"

#include "util/url.hpp"

namespace argoimg::registry {

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (key == name) {
      values.push_back(value);
    }
  }
  return values;
}

std::string redact_url(std::string_view url) {
  // util::Url's one rule for the user information; the query goes too, as storage redirects
  // carry signatures there.
  return util::redact_url_credentials(url.substr(0, url.find('?')));
}

std::string resolve_url(std::string_view base, std::string_view reference) {
  if (reference.find("://") != std::string_view::npos) {
    return std::string(reference);
  }
  size_t scheme = base.find("://");
  size_t authority_end = base.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  std::string origin(base.substr(0, authority_end));
  if (!reference.empty() && reference.front() == '/') {
    return origin + std::string(reference);
  }
  std::string_view path = base.substr(0, base.find('?'));
  size_t last_slash = path.rfind('/');
  return std::string(path.substr(0, last_slash + 1)) + std::string(reference);
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                 || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace argoimg::registry
