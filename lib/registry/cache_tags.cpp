// SPDX-License-Identifier: Apache-2.0
// The pure parts of the persistent cache's entries for changing answers (cache_tags.hpp).
#include "registry/cache_tags.hpp"

#include "util/json_guard.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>

namespace argoimg::registry {

namespace {

constexpr std::string_view k_page_magic = "argoimg-tags-cache ";
constexpr std::string_view k_note_magic = "argoimg-note ";

struct Target {
  std::string scheme;
  std::string host; // lowercased, with the port
  std::string path;
  std::string query;
};

std::optional<Target> split_target(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  Target target;
  target.scheme = util::to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  auto path_start = rest.find('/');
  if (path_start == std::string_view::npos || path_start == 0) {
    return std::nullopt;
  }
  target.host = util::to_lower(rest.substr(0, path_start));
  if (target.host.find('@') != std::string::npos
      || (target.scheme != "https" && target.scheme != "http")) {
    return std::nullopt; // user information in a URL: never a key
  }
  std::string_view path = rest.substr(path_start);
  path = path.substr(0, path.find('#'));
  auto question = path.find('?');
  target.path = std::string(path.substr(0, question));
  if (question != std::string_view::npos) {
    target.query = std::string(path.substr(question + 1));
  }
  return target;
}

bool is_tag_name(std::string_view tag) {
  auto word = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  return !tag.empty() && tag.size() <= 128 && word(tag.front())
         && std::all_of(
             tag.begin(), tag.end(), [&word](char c) { return word(c) || c == '.' || c == '-'; });
}

bool one_line(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos;
}

std::optional<std::string_view> next_line(std::string_view data, size_t& at) {
  auto end = data.find('\n', at);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view line = data.substr(at, end - at);
  at = end + 1;
  return line;
}

// "<word> <rest>" → rest, when the line starts with `word` and a space.
std::optional<std::string_view> field(std::optional<std::string_view> line, std::string_view word) {
  if (!line || line->size() < word.size() + 1 || line->substr(0, word.size()) != word
      || (*line)[word.size()] != ' ') {
    return std::nullopt;
  }
  return line->substr(word.size() + 1);
}

std::optional<int64_t> parse_number(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string accept_of(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (util::to_lower(name) == "accept") {
      return value;
    }
  }
  return "";
}

} // namespace

bool is_tag_list_request(const HttpRequest& request) {
  if (request.method != "GET" || !request.body.empty()) {
    return false;
  }
  auto target = split_target(request.url);
  constexpr std::string_view suffix = "/tags/list";
  return target && target->path.rfind("/v2/", 0) == 0 && target->path.size() > 4 + suffix.size()
         && target->path.substr(target->path.size() - suffix.size()) == suffix;
}

namespace {

// How the registry's answer was authenticated, when not the default (system CAs, verified, no
// credentials): an answer read without verification, or trusting another CA, is not served to
// a run that trusts differently, nor one read with credentials to a run without them. Keys of
// default requests are unchanged.
std::string trust_of(const HttpRequest& request) {
  std::string trust;
  if (!request.verify_tls) {
    trust += "\ninsecure";
  }
  if (!request.ca_file.empty() || !request.ca_pem.empty()) {
    trust += "\nca " + util::sha256_hex(request.ca_file + "\n" + request.ca_pem);
  }
  if (!request.cache_identity.empty()) {
    trust += "\nidentity " + request.cache_identity;
  }
  return trust;
}

} // namespace

std::string tag_page_key(const HttpRequest& request) {
  auto target = split_target(request.url);
  std::string material =
      std::string(k_page_magic) + std::to_string(k_tag_cache_format_version) + "\n";
  material += target ? target->scheme + "://" + target->host + target->path + "?" + target->query
                     : request.url;
  return util::sha256_hex(material + trust_of(request));
}

std::optional<std::string> immutable_tag_key(const HttpRequest& request) {
  if (!request.immutable_tag || request.method != "GET" || !request.body.empty()) {
    return std::nullopt;
  }
  auto target = split_target(request.url);
  if (!target || !target->query.empty() || target->path.rfind("/v2/", 0) != 0) {
    return std::nullopt;
  }
  auto slash = target->path.rfind('/');
  std::string_view before = std::string_view(target->path).substr(0, slash);
  if (before.size() < 14 || before.substr(before.size() - 10) != "/manifests"
      || !is_tag_name(std::string_view(target->path).substr(slash + 1))) {
    return std::nullopt;
  }
  return util::sha256_hex("argoimg-immutable-tag " + std::to_string(k_tag_cache_format_version)
                          + "\n" + target->scheme + "://" + target->host + target->path
                          + "\naccept " + accept_of(request) + "\n" + trust_of(request));
}

bool is_valid_tag_page(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return false;
  }
  auto tags = doc.FindMember("tags");
  if (tags == doc.MemberEnd() || tags->value.IsNull()) {
    return true;
  }
  if (!tags->value.IsArray()) {
    return false;
  }
  return std::all_of(tags->value.Begin(), tags->value.End(), [](const rapidjson::Value& tag) {
    return tag.IsString() && is_tag_name(std::string_view(tag.GetString(), tag.GetStringLength()));
  });
}

std::optional<std::string>
encode_tag_page(const HttpResponse& response, int64_t now_unix, std::string_view key) {
  if (response.status != 200 || !is_valid_tag_page(response.body)) {
    return std::nullopt;
  }
  std::string etag = response.header("etag").value_or("");
  std::string link = util::join(response.header_values("link"), ", ");
  std::string type = response.header("content-type").value_or("");
  if (!one_line(etag) || !one_line(link) || !one_line(type) || !one_line(key)) {
    return std::nullopt;
  }
  std::string content = "key " + std::string(key) + "\nfetched " + std::to_string(now_unix)
                        + "\netag " + etag + "\nlink " + link + "\ncontent-type " + type + "\nbody "
                        + std::to_string(response.body.size()) + "\n" + response.body;
  return std::string(k_page_magic) + std::to_string(k_tag_cache_format_version) + "\nsha256 "
         + util::sha256_hex(content) + "\n" + content;
}

std::optional<TagPageEntry> decode_tag_page(std::string_view data, std::string_view key) {
  size_t at = 0;
  auto magic = next_line(data, at);
  if (!magic || *magic != std::string(k_page_magic) + std::to_string(k_tag_cache_format_version)) {
    return std::nullopt;
  }
  auto sum = field(next_line(data, at), "sha256");
  if (!sum || *sum != util::sha256_hex(data.substr(at))) {
    return std::nullopt;
  }
  TagPageEntry entry;
  // Bound to its name: an entry moved over another page's name is a miss, not that page.
  auto stored_key = field(next_line(data, at), "key");
  if (!stored_key || *stored_key != key) {
    return std::nullopt;
  }
  auto fetched = field(next_line(data, at), "fetched");
  auto etag = field(next_line(data, at), "etag");
  auto link = field(next_line(data, at), "link");
  auto type = field(next_line(data, at), "content-type");
  auto size = field(next_line(data, at), "body");
  auto time = fetched ? parse_number(*fetched) : std::nullopt;
  auto count = size ? parse_number(*size) : std::nullopt;
  if (!time || !etag || !link || !type || !count || !one_line(*etag) || !one_line(*link)
      || !one_line(*type) || static_cast<uint64_t>(*count) != data.size() - at) {
    return std::nullopt;
  }
  entry.fetched_unix = *time;
  entry.etag = std::string(*etag);
  entry.link = std::string(*link);
  entry.content_type = std::string(*type);
  entry.body = std::string(data.substr(at));
  if (!is_valid_tag_page(entry.body)) {
    return std::nullopt; // a stored list with a tag outside the grammar is never served
  }
  return entry;
}

HttpResponse tag_page_response(const TagPageEntry& entry) {
  HttpResponse response;
  response.status = 200;
  if (!entry.content_type.empty()) {
    response.headers.emplace_back("content-type", entry.content_type);
  }
  if (!entry.link.empty()) {
    response.headers.emplace_back("link", entry.link);
  }
  if (!entry.etag.empty()) {
    response.headers.emplace_back("etag", entry.etag);
  }
  response.body = entry.body;
  return response;
}

std::string note_name(std::string_view key) {
  return util::sha256_hex(std::string(k_note_magic) + std::to_string(k_tag_cache_format_version)
                          + "\n" + std::string(key));
}

std::optional<std::string> encode_note(std::string_view key, std::string_view value) {
  if (!one_line(key) || !one_line(value)) {
    return std::nullopt;
  }
  std::string content = "key " + std::string(key) + "\nvalue " + std::string(value) + "\n";
  return std::string(k_note_magic) + std::to_string(k_tag_cache_format_version) + "\nsha256 "
         + util::sha256_hex(content) + "\n" + content;
}

std::optional<std::string> decode_note(std::string_view data, std::string_view key) {
  size_t at = 0;
  auto magic = next_line(data, at);
  if (!magic || *magic != std::string(k_note_magic) + std::to_string(k_tag_cache_format_version)) {
    return std::nullopt;
  }
  auto sum = field(next_line(data, at), "sha256");
  if (!sum || *sum != util::sha256_hex(data.substr(at))) {
    return std::nullopt;
  }
  auto stored_key = field(next_line(data, at), "key");
  auto value = field(next_line(data, at), "value");
  if (!stored_key || *stored_key != key || !value || at != data.size()) {
    return std::nullopt;
  }
  return std::string(*value);
}

} // namespace argoimg::registry
