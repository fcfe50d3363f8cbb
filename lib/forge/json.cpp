// SPDX-License-Identifier: Apache-2.0
#include "forge/json_detail.hpp"

#include "registry/http.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::forge::detail {

util::Result<rapidjson::Document>
parse_body(const Api& api, const Exchange& exchange, const registry::HttpResponse& response) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, response.body);
  if (doc.HasParseError() || !(doc.IsObject() || doc.IsArray())) {
    // Redacted before it is cut: a cut token would no longer be recognised.
    std::string start = util::escape_control(cut_utf8(util::redact(response.body), 80));
    return util::fail(util::ErrorKind::network,
                      fmt::format("{}: {} {}: the answer (HTTP {}) is no JSON object or list{}",
                                  api.label(),
                                  exchange.method,
                                  exchange.path,
                                  response.status,
                                  start.empty() ? "" : ": it starts " + util::quote(start)));
  }
  return doc;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_of(const rapidjson::Value& object, const char* key) {
  const auto* value = member(object, key);
  return value && value->IsString() ? std::string(value->GetString(), value->GetStringLength())
                                    : std::string();
}

int64_t integer_of(const rapidjson::Value& object, const char* key) {
  const auto* value = member(object, key);
  return value && value->IsInt64() ? value->GetInt64() : 0;
}

bool bool_of(const rapidjson::Value& object, const char* key) {
  const auto* value = member(object, key);
  return value && value->IsBool() && value->GetBool();
}

std::pair<std::string, bool> strip_draft_prefix(std::string title,
                                                const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes) {
    if (title.size() >= prefix.size() && util::iequals(title.substr(0, prefix.size()), prefix)) {
      return {std::string(util::trim(std::string_view(title).substr(prefix.size()))), true};
    }
  }
  return {std::move(title), false};
}

namespace {

bool printable_word(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

} // namespace

std::string web_url(std::string url) {
  bool http = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  return http && printable_word(url) ? url : std::string();
}

Listed pull_of(const rapidjson::Value& pull, const std::vector<std::string>& draft_prefixes) {
  Listed out;
  Request& request = out.request;
  request.number = static_cast<long>(integer_of(pull, "number"));
  request.url = web_url(string_of(pull, "html_url"));
  if (const auto* head = member(pull, "head")) {
    request.head = string_of(*head, "ref");
    out.head_label = string_of(*head, "label");
  }
  if (const auto* base = member(pull, "base")) {
    request.base = string_of(*base, "ref");
  }
  const auto* merged_at = member(pull, "merged_at");
  bool merged = bool_of(pull, "merged") || (merged_at && merged_at->IsString());
  request.state = string_of(pull, "state") == "open" ? State::open
                  : merged                           ? State::merged
                                                     : State::closed;
  auto [title, prefixed] = strip_draft_prefix(string_of(pull, "title"), draft_prefixes);
  request.title = std::move(title);
  request.body = string_of(pull, "body");
  request.draft = bool_of(pull, "draft") || prefixed;
  if (const auto* labels = member(pull, "labels"); labels && labels->IsArray()) {
    for (const auto& label : labels->GetArray()) {
      std::string name = string_of(label, "name");
      if (!name.empty()) {
        request.labels.push_back(std::move(name));
      }
    }
  }
  out.node_id = string_of(pull, "node_id");
  out.updated_ns = util::parse_rfc3339(string_of(pull, "updated_at")).value_or(0);
  return out;
}

bool in_repository(const rapidjson::Value& pull, std::string_view path) {
  for (const char* side : {"head", "base"}) {
    const auto* end = member(pull, side);
    const auto* repo = end ? member(*end, "repo") : nullptr;
    if (!repo) {
      continue;
    }
    if (!repo->IsObject() || !util::iequals(string_of(*repo, "full_name"), path)) {
      return false;
    }
  }
  return true;
}

std::optional<Listed> choose(std::vector<Listed> listed) {
  std::optional<Listed> best;
  for (auto& candidate : listed) {
    bool open = candidate.request.state == State::open;
    if (!best || (open && best->request.state != State::open)
        || (open == (best->request.state == State::open)
            && candidate.updated_ns > best->updated_ns)) {
      best = std::move(candidate);
    }
  }
  return best;
}

std::optional<std::string> next_link(const registry::HttpResponse& response) {
  for (const auto& header : response.header_values("link")) {
    for (std::string_view part : util::split(header, ',')) {
      part = util::trim(part);
      size_t close = part.find('>');
      if (part.empty() || part.front() != '<' || close == std::string_view::npos) {
        continue;
      }
      std::string params = util::to_lower(part.substr(close + 1));
      if (params.find("rel=\"next\"") != std::string::npos
          || params.find("rel=next") != std::string::npos) {
        // A link that is no single printable word would smuggle text into the request line.
        std::string_view link = part.substr(1, close - 1);
        return printable_word(link) ? std::optional<std::string>(link) : std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> next_unread(const registry::HttpResponse& response,
                                       std::vector<std::string>& read) {
  auto next = next_link(response);
  if (!next || std::find(read.begin(), read.end(), *next) != read.end()) {
    return std::nullopt;
  }
  read.push_back(*next);
  return next;
}

namespace {

util::Error wrong_answer(const Api& api, const Exchange& exchange, const std::string& what) {
  return util::Error{
      util::ErrorKind::network,
      fmt::format("{}: {} {}: {}", api.label(), exchange.method, exchange.path, what)};
}

std::string shown(std::string_view text) {
  return util::quote(util::sanitize_line(text.substr(0, 255)));
}

} // namespace

util::Result<Request> answer_from(const Api& api,
                                  const Exchange& exchange,
                                  Request got,
                                  std::string_view head,
                                  std::string_view base) {
  if (got.head != head || got.base != base) {
    return tl::unexpected(wrong_answer(
        api,
        exchange,
        fmt::format("the answer is about a request from {} into {}, not from {} into {}",
                    shown(got.head),
                    shown(got.base),
                    shown(head),
                    shown(base))));
  }
  return got;
}

util::Result<Request> answer_about(const Api& api,
                                   const Exchange& exchange,
                                   Request got,
                                   long number,
                                   bool reopen,
                                   std::string_view noun) {
  if (got.number != number) {
    return tl::unexpected(wrong_answer(
        api, exchange, fmt::format("the answer is about #{}, not #{}", got.number, number)));
  }
  if (reopen && got.state != State::open) {
    return tl::unexpected(wrong_answer(
        api, exchange, fmt::format("{} is still {} after reopening it", noun, name_of(got.state))));
  }
  return got;
}

util::Result<std::vector<Listed>> list_pulls(Api& api,
                                             Exchange exchange,
                                             const std::vector<std::string>& draft_prefixes,
                                             const std::string& head,
                                             const std::string& base) {
  std::vector<Listed> found;
  std::vector<std::string> read = {api.url_of(exchange)};
  for (int page = 1;; ++page) {
    auto response = api.expect_ok(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    auto doc = parse_body(api, exchange, *response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    if (!doc->IsArray()) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer is no list of pull requests",
                                    api.label(),
                                    exchange.method,
                                    exchange.path));
    }
    for (const auto& pull : doc->GetArray()) {
      Listed listed = pull_of(pull, draft_prefixes);
      if (listed.request.number > 0 && listed.request.head == head && listed.request.base == base
          && in_repository(pull, api.repo().path)) {
        found.push_back(std::move(listed));
      }
    }
    auto next = next_unread(*response, read);
    if (!next || page >= k_max_pages) {
      return found;
    }
    exchange.url = *next;
  }
}

std::vector<std::string> clean_labels(const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& label : labels) {
    std::string name(util::trim(label));
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(std::move(name));
    }
  }
  return out;
}

JsonBody& JsonBody::add(const char* key, std::string_view value) {
  m_writer.Key(key);
  m_writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}

JsonBody& JsonBody::add_bool(const char* key, bool value) {
  m_writer.Key(key);
  m_writer.Bool(value);
  return *this;
}

JsonBody& JsonBody::add_int(const char* key, int64_t value) {
  m_writer.Key(key);
  m_writer.Int64(value);
  return *this;
}

JsonBody& JsonBody::add(const char* key, const std::vector<std::string>& values) {
  m_writer.Key(key);
  m_writer.StartArray();
  for (const auto& value : values) {
    m_writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  m_writer.EndArray();
  return *this;
}

JsonBody& JsonBody::add(const char* key, const std::vector<int64_t>& values) {
  m_writer.Key(key);
  m_writer.StartArray();
  for (int64_t value : values) {
    m_writer.Int64(value);
  }
  m_writer.EndArray();
  return *this;
}

JsonBody& JsonBody::add_raw(const char* key, std::string_view json) {
  m_writer.Key(key);
  m_writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string JsonBody::str() {
  if (!m_done) {
    m_writer.EndObject();
    m_done = true;
  }
  return std::string(m_buffer.GetString(), m_buffer.GetSize());
}

std::string encoded(std::string_view text) {
  return registry::url_encode(text);
}

} // namespace argoimg::forge::detail
