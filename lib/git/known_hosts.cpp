// SPDX-License-Identifier: Apache-2.0
#include "git/known_hosts.hpp"

#include "util/base64.hpp"
#include "util/sha1.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <vector>

namespace argoimg::git {

namespace {

// OpenSSH's pattern match: '*' any run, '?' one character, case-insensitive.
bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star = std::string_view::npos;
  size_t resume = 0;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool hashed_name_matches(std::string_view entry, const std::string& name) {
  // |1|base64(salt)|base64(hmac-sha1(salt, name))
  auto parts = util::split(entry.substr(3), '|');
  if (parts.size() != 2) {
    return false;
  }
  auto salt = util::base64_decode(parts[0]);
  auto hash = util::base64_decode(parts[1]);
  return salt && hash && util::hmac_sha1(*salt, name) == *hash;
}

// Whether the comma-separated host patterns of a line name `name` (a negated match vetoes).
bool names_host(std::string_view patterns, const std::string& name) {
  if (patterns.rfind("|1|", 0) == 0) {
    return hashed_name_matches(patterns, name);
  }
  bool matched = false;
  for (auto pattern : util::split(patterns, ',')) {
    bool negated = !pattern.empty() && pattern.front() == '!';
    if (negated) {
      pattern.remove_prefix(1);
    }
    if (glob_match(pattern, name)) {
      if (negated) {
        return false;
      }
      matched = true;
    }
  }
  return matched;
}

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

} // namespace

std::optional<SshEndpoint> ssh_endpoint(std::string_view url) {
  auto parsed = util::parse_git_url(util::trim(url));
  if (!parsed
      || !(parsed->scp_like || parsed->scheme == "ssh" || parsed->scheme == "ssh+git"
           || parsed->scheme == "git+ssh")) {
    return std::nullopt;
  }
  return SshEndpoint{parsed->user, parsed->host, parsed->port_or_default()};
}

std::string known_hosts_name(const SshEndpoint& endpoint) {
  if (endpoint.port == 22) {
    return endpoint.host;
  }
  return "[" + endpoint.host + "]:" + std::to_string(endpoint.port);
}

HostKeyVerdict
check_known_host(std::string_view known_hosts, const std::string& name, std::string_view key_blob) {
  std::string type = ssh_key_type(key_blob);
  HostKeyVerdict verdict;
  size_t number = 0;
  for (auto line : util::split(known_hosts, '\n')) {
    ++number;
    auto fields = fields_of(line);
    if (fields.empty() || fields.front().front() == '#') {
      continue;
    }
    bool revoked = false;
    if (fields.front().front() == '@') {
      if (fields.front() != "@revoked") {
        continue; // @cert-authority: certificates are not offered by our client
      }
      revoked = true;
      fields.erase(fields.begin());
    }
    if (fields.size() < 3 || !names_host(fields[0], name)) {
      continue;
    }
    auto blob = util::base64_decode(fields[2]);
    if (!blob) {
      continue;
    }
    if (*blob == key_blob) {
      if (revoked) {
        return {HostKeyMatch::revoked, number};
      }
      if (verdict.match != HostKeyMatch::match) {
        verdict = {HostKeyMatch::match, number};
      }
    } else if (!revoked && fields[1] == type && verdict.match == HostKeyMatch::unknown) {
      verdict = {HostKeyMatch::mismatch, number};
    }
  }
  return verdict;
}

std::string ssh_key_type(std::string_view key_blob) {
  if (key_blob.size() < 4) {
    return "";
  }
  auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(key_blob[i]));
  };
  uint32_t length = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
  if (length > key_blob.size() - 4) {
    return "";
  }
  return std::string(key_blob.substr(4, length));
}

bool private_key_is_encrypted(std::string_view text) {
  constexpr std::string_view begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view end = "-----END OPENSSH PRIVATE KEY-----";
  size_t start = text.find(begin);
  if (start == std::string_view::npos) {
    return text.find("ENCRYPTED") != std::string_view::npos; // PEM (RSA, EC, PKCS#8)
  }
  size_t stop = text.find(end, start);
  auto body = util::base64_decode(text.substr(
      start + begin.size(), stop == std::string_view::npos ? stop : stop - start - begin.size()));
  constexpr std::string_view magic{"openssh-key-v1\0", 15};
  if (!body || body->compare(0, magic.size(), magic) != 0) {
    return false;
  }
  return ssh_key_type(std::string_view(*body).substr(magic.size())) != "none"; // the cipher
}

std::string ssh_fingerprint(std::string_view key_blob) {
  std::string hex = util::sha256_hex(key_blob);
  std::string raw;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  std::string encoded = util::base64_encode(raw);
  while (!encoded.empty() && encoded.back() == '=') {
    encoded.pop_back();
  }
  return "SHA256:" + encoded;
}

} // namespace argoimg::git
