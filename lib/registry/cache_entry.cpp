// SPDX-License-Identifier: Apache-2.0
// The pure parts of the persistent cache: which requests qualify, keys, entries, eviction order.
#include "registry/cache.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace argoimg::registry {

namespace {

constexpr std::string_view k_magic = "argoimg-http-cache ";
// The response headers the client reads from a manifest or blob answer (client.cpp): the
// media type decides how a manifest is parsed. Nothing else is kept.
constexpr std::string_view k_kept_headers[] = {"content-type", "docker-content-digest"};

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool is_sha256_digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  return digest.size() == prefix.size() + 64 && digest.substr(0, prefix.size()) == prefix
         && is_lower_hex(digest.substr(prefix.size()));
}

struct UrlParts {
  std::string scheme;
  std::string host; // with the port, lowercased
  std::string path;
  bool has_query = false;
};

std::optional<UrlParts> split_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = util::to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  auto path_start = rest.find('/');
  if (path_start == std::string_view::npos || path_start == 0) {
    return std::nullopt;
  }
  parts.host = util::to_lower(rest.substr(0, path_start));
  std::string_view path = rest.substr(path_start);
  auto cut = path.find_first_of("?#");
  parts.has_query = cut != std::string_view::npos;
  parts.path = std::string(path.substr(0, cut));
  if (parts.host.find('@') != std::string::npos) {
    return std::nullopt; // user information in a URL: never a key, never on disk
  }
  return parts;
}

std::optional<std::string> accept_header(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (util::to_lower(name) == "accept") {
      return value;
    }
  }
  return std::nullopt;
}

bool is_manifest_path(std::string_view path) {
  return path.find("/manifests/") != std::string_view::npos;
}

// Read one "\n"-terminated line from `data` at `at`.
std::optional<std::string_view> next_line(std::string_view data, size_t& at) {
  auto end = data.find('\n', at);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view line = data.substr(at, end - at);
  at = end + 1;
  return line;
}

} // namespace

bool body_matches_digest(std::string_view body, std::string_view digest) {
  return is_sha256_digest(digest) && util::sha256_hex(body) == digest.substr(7);
}

std::optional<std::string> cacheable_digest(const HttpRequest& request) {
  if (request.method != "GET" || !request.body.empty()) {
    return std::nullopt;
  }
  auto parts = split_url(request.url);
  if (!parts || parts->has_query || (parts->scheme != "https" && parts->scheme != "http")
      || parts->path.rfind("/v2/", 0) != 0) {
    return std::nullopt;
  }
  std::string_view path = parts->path;
  auto slash = path.rfind('/');
  std::string_view reference = path.substr(slash + 1);
  std::string_view before = path.substr(0, slash);
  auto kind_slash = before.rfind('/');
  std::string_view kind = before.substr(kind_slash + 1);
  if ((kind != "manifests" && kind != "blobs") || kind_slash <= 3 // a repository name is needed
      || !is_sha256_digest(reference)) {
    return std::nullopt;
  }
  return std::string(reference);
}

std::string cache_key(const HttpRequest& request) {
  auto parts = split_url(request.url);
  std::string material = "argoimg-http-cache " + std::to_string(k_cache_format_version) + "\n";
  if (parts) {
    material += parts->scheme + "://" + parts->host + parts->path + "\n";
    if (is_manifest_path(parts->path)) {
      material += "accept " + accept_header(request).value_or("") + "\n";
    }
  } else {
    material += request.url + "\n";
  }
  return util::sha256_hex(material);
}

std::optional<std::string>
encode_cache_entry(const HttpResponse& response, std::string_view digest, std::string_view key) {
  if (response.status != 200 || !body_matches_digest(response.body, digest)
      || key.find_first_of("\r\n") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string out = std::string(k_magic) + std::to_string(k_cache_format_version) + "\n";
  out += "key " + std::string(key) + "\n";
  out += "digest " + std::string(digest) + "\n";
  for (auto name : k_kept_headers) {
    auto value = response.header(name);
    // a value with a line break could forge lines of the entry; such a header is dropped
    if (value && value->find_first_of("\r\n") == std::string::npos) {
      out += "header " + std::string(name) + " " + *value + "\n";
    }
  }
  out += "body " + std::to_string(response.body.size()) + "\n";
  out += response.body;
  return out;
}

std::optional<HttpResponse>
decode_cache_entry(std::string_view data, std::string_view digest, std::string_view key) {
  size_t at = 0;
  auto magic = next_line(data, at);
  if (!magic || *magic != std::string(k_magic) + std::to_string(k_cache_format_version)) {
    return std::nullopt;
  }
  // Bound to its name: whoever can write the directory cannot rename an entry (another
  // repository's manifest, another Accept's answer) into the answer to another question.
  auto key_line = next_line(data, at);
  if (!key_line || *key_line != "key " + std::string(key)) {
    return std::nullopt;
  }
  auto digest_line = next_line(data, at);
  if (!digest_line || *digest_line != "digest " + std::string(digest)) {
    return std::nullopt;
  }
  HttpResponse response;
  response.status = 200;
  while (true) {
    auto line = next_line(data, at);
    if (!line) {
      return std::nullopt;
    }
    if (line->rfind("header ", 0) == 0) {
      std::string_view rest = line->substr(7);
      auto space = rest.find(' ');
      if (space == std::string_view::npos) {
        return std::nullopt;
      }
      std::string name(rest.substr(0, space));
      if (std::find(std::begin(k_kept_headers), std::end(k_kept_headers), name)
          == std::end(k_kept_headers)) {
        return std::nullopt;
      }
      response.headers.emplace_back(std::move(name), std::string(rest.substr(space + 1)));
      continue;
    }
    if (line->rfind("body ", 0) != 0) {
      return std::nullopt;
    }
    std::string_view count = line->substr(5);
    size_t size = 0;
    auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), size);
    if (error != std::errc() || end != count.data() + count.size() || data.size() - at != size) {
      return std::nullopt; // truncated, or followed by something
    }
    response.body = std::string(data.substr(at));
    break;
  }
  if (!body_matches_digest(response.body, digest)) {
    return std::nullopt;
  }
  return response;
}

std::vector<std::string> choose_evictions(std::vector<CacheFile> files, uint64_t max_bytes) {
  std::sort(files.begin(), files.end(), [](const CacheFile& a, const CacheFile& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.name < b.name;
  });
  uint64_t total = 0;
  for (const auto& file : files) {
    total += file.size;
  }
  std::vector<std::string> evicted;
  for (const auto& file : files) {
    if (total <= max_bytes) {
      break;
    }
    evicted.push_back(file.name);
    total -= file.size;
  }
  return evicted;
}

} // namespace argoimg::registry
