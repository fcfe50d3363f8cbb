// SPDX-License-Identifier: Apache-2.0
#include "image/image_ref.hpp"

#include "util/strings.hpp"

namespace argoimg::image {

namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}

// path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool valid_path_component(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
    return false;
  }
  size_t i = 0;
  while (i < part.size()) {
    if (is_lower_alnum(part[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < part.size() && !is_lower_alnum(part[i])) {
      ++i;
    }
    std::string_view separator = part.substr(start, i - start);
    bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) {
      return false;
    }
  }
  return true;
}

// domain: components of [a-zA-Z0-9-] joined by '.', optional :port, or a bracketed IPv6.
bool valid_domain(std::string_view domain) {
  std::string_view host = domain;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    std::string_view inside = host.substr(1, close - 1);
    if (inside.empty()
        || inside.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return false;
    }
    host = host.substr(close + 1);
    if (host.empty()) {
      return true;
    }
    return host.front() == ':' && util::is_digits(host.substr(1));
  }
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) {
    if (!util::is_digits(host.substr(colon + 1))) {
      return false;
    }
    host = host.substr(0, colon);
  }
  for (std::string_view label : util::split(host, '.')) {
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!is_alnum(c) && c != '-') {
        return false;
      }
    }
  }
  return true;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !is_word(tag.front())) {
    return false;
  }
  for (char c : tag) {
    if (!is_word(c) && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

util::Result<std::string> validate_digest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos) {
    return util::fail(util::ErrorKind::invalid_input,
                      "invalid digest " + util::quote(digest) + ": expected 'algorithm:hex'");
  }
  std::string_view algorithm = digest.substr(0, colon);
  std::string_view hex = digest.substr(colon + 1);
  size_t want = algorithm == "sha256"   ? 64
                : algorithm == "sha384" ? 96
                : algorithm == "sha512" ? 128
                                        : 0;
  if (want == 0) {
    return util::fail(util::ErrorKind::invalid_input,
                      "invalid digest " + util::quote(digest) + ": unsupported algorithm "
                          + util::quote(algorithm));
  }
  if (hex.size() != want || hex.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return util::fail(util::ErrorKind::invalid_input,
                      "invalid digest " + util::quote(digest) + ": " + std::string(algorithm)
                          + " needs " + std::to_string(want) + " lowercase hex digits");
  }
  return std::string(digest);
}

tl::unexpected<util::Error> invalid(std::string_view text, const std::string& detail) {
  return util::fail(util::ErrorKind::invalid_input,
                    "invalid image reference " + util::quote(text) + ": " + detail);
}

// Docker's rule: the first component names a registry when it contains '.' or ':', is
// `localhost`, or has uppercase letters; otherwise the whole name is a Docker Hub path.
bool names_registry(std::string_view component) {
  if (component == "localhost" || component.find_first_of(".:[") != std::string_view::npos) {
    return true;
  }
  for (char c : component) {
    if (c >= 'A' && c <= 'Z') {
      return true;
    }
  }
  return false;
}

} // namespace

util::Result<ImageRef> parse_image_ref(std::string_view text) {
  ImageRef ref;
  if (text.empty()) {
    return invalid(text, "empty reference");
  }
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    auto digest = validate_digest(rest.substr(at + 1));
    if (!digest) {
      return invalid(text, digest.error().message);
    }
    ref.digest = *digest;
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' starts the tag; one before it belongs to the registry's port.
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos
      && (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!valid_tag(tag)) {
      return invalid(text,
                     "invalid tag " + util::quote(tag)
                         + " (a tag is 1-128 of [A-Za-z0-9_.-] and starts with a letter, "
                           "digit or '_')");
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos && names_registry(rest.substr(0, first_slash))) {
    std::string_view domain = rest.substr(0, first_slash);
    if (!valid_domain(domain)) {
      return invalid(text, "invalid registry " + util::quote(domain));
    }
    ref.registry = std::string(domain);
    rest = rest.substr(first_slash + 1);
  }
  if (rest.empty()) {
    return invalid(text, "missing repository path");
  }
  for (std::string_view component : util::split(rest, '/')) {
    if (!valid_path_component(component)) {
      return invalid(text,
                     "invalid path component " + util::quote(component)
                         + " (lowercase letters and digits, separated by '.', '_', '__' "
                           "or dashes)");
    }
  }
  ref.path = std::string(rest);
  if (ref.registry.size() + 1 + ref.path.size() > 255) {
    return invalid(text, "repository name longer than 255 characters");
  }
  return ref;
}

std::string ImageRef::registry_host() const {
  if (registry.empty() || registry == "index.docker.io" || registry == "registry-1.docker.io") {
    return std::string(k_docker_hub);
  }
  return registry;
}

std::string ImageRef::repository_path() const {
  if (registry_host() == k_docker_hub && path.find('/') == std::string::npos) {
    return "library/" + path;
  }
  return path;
}

std::string ImageRef::repository() const {
  return registry_host() + "/" + repository_path();
}

std::string ImageRef::name() const {
  return registry.empty() ? path : registry + "/" + path;
}

std::string ImageRef::to_string() const {
  std::string out = name();
  if (!tag.empty()) {
    out += ":" + tag;
  }
  if (!digest.empty()) {
    out += "@" + digest;
  }
  return out;
}

bool is_loopback_host(std::string_view registry) {
  std::string_view host = registry;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host == "localhost") {
    return true;
  }
  auto octets = util::split(host, '.');
  if (octets.size() != 4 || octets[0] != "127") {
    return false;
  }
  for (std::string_view octet : octets) {
    if (!util::is_digits(octet) || octet.size() > 3 || std::stoi(std::string(octet)) > 255) {
      return false;
    }
  }
  return true;
}

} // namespace argoimg::image
