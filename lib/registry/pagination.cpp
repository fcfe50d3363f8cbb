// SPDX-License-Identifier: Apache-2.0
#include "registry/pagination.hpp"

#include "util/json_guard.hpp"
#include "util/strings.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

namespace argoimg::registry {

namespace {

constexpr size_t k_max_page_size = 100'000;
constexpr size_t k_max_error_text = 4096; // of the body, when it is not an OCI error document

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "code message detail" of every error in an OCI error body, lowercased; else the body's start.
std::string error_text(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  std::string text;
  auto add = [&text](const rapidjson::Value& value) {
    if (value.IsString()) {
      text.append(value.GetString(), value.GetStringLength()).push_back(' ');
    } else if (value.IsUint64()) {
      text += std::to_string(value.GetUint64()) + ' ';
    }
  };
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("errors")
      && doc["errors"].IsArray()) {
    for (const auto& error : doc["errors"].GetArray()) {
      if (!error.IsObject()) {
        continue;
      }
      for (const char* key : {"code", "message", "detail"}) {
        auto member = error.FindMember(key);
        if (member == error.MemberEnd()) {
          continue;
        }
        add(member->value);
        if (member->value.IsObject()) { // distribution: "detail": {"n": 10000}
          for (const auto& item : member->value.GetObject()) {
            text.append(item.name.GetString(), item.name.GetStringLength()).push_back(' ');
            add(item.value);
          }
        }
      }
    }
    return util::to_lower(text);
  }
  return util::to_lower(body.substr(0, k_max_error_text));
}

bool names_page_size(const std::string& text) {
  static constexpr std::array<std::string_view, 8> k_signs = {"pagination_number_invalid",
                                                              "tag_limit_exceeded",
                                                              "too_many_tags_requested",
                                                              "maxresults",
                                                              "too many tags",
                                                              "page size",
                                                              " n must",
                                                              "invalid number of results"};
  std::string spaced = " " + text; // " n must" at the very start too, never "version must"
  return std::any_of(k_signs.begin(), k_signs.end(), [&](std::string_view sign) {
    return spaced.find(sign) != std::string::npos;
  });
}

// The number right after one of the phrases registries use for their maximum: GitLab's
// "n must be no larger than 1000", ECR's "less than or equal to 1000", Quay's "requested limit
// 1000 is too high, max is 100". The number echoed back (what was asked) never qualifies.
size_t named_maximum(const std::string& text, size_t asked) {
  static constexpr std::array<std::string_view, 10> k_phrases = {"less than or equal to",
                                                                 "no larger than",
                                                                 "no more than",
                                                                 "not greater than",
                                                                 "not exceed",
                                                                 "at most",
                                                                 "max is",
                                                                 "maximum is",
                                                                 "maximum of",
                                                                 "max:"};
  size_t best = 0;
  for (std::string_view phrase : k_phrases) {
    for (size_t at = text.find(phrase); at != std::string::npos;
         at = text.find(phrase, at + phrase.size())) {
      size_t start = at + phrase.size();
      while (start < text.size()
             && (text[start] == ' ' || text[start] == '\'' || text[start] == '"')) {
        ++start;
      }
      size_t end = start;
      while (end < text.size() && end - start < 7 && text[end] >= '0' && text[end] <= '9') {
        ++end;
      }
      size_t value = 0;
      std::from_chars(text.data() + start, text.data() + end, value);
      if (value >= 1 && value < asked && value <= k_max_page_size && (best == 0 || value < best)) {
        best = value;
      }
    }
  }
  return best;
}

} // namespace

size_t known_page_cap(std::string_view host) {
  std::string lower = util::to_lower(host);
  bool amazon = ends_with(lower, ".amazonaws.com") || ends_with(lower, ".amazonaws.com.cn");
  if (amazon
      && (lower.find(".dkr.ecr.") != std::string::npos
          || lower.find(".dkr.ecr-fips.") != std::string::npos)) {
    return 1000; // ECR: "'maxResults' … must have value less than or equal to 1000"
  }
  if (lower == "registry.gitlab.com" || lower.rfind("registry.gitlab.", 0) == 0) {
    return 1000; // GitLab's registry: "n must be no larger than 1000"
  }
  if (lower == "quay.io") {
    return 100; // "requested limit 1000 is too high, max is 100"
  }
  return 0;
}

std::optional<size_t> page_size_rejection(const HttpResponse& response, size_t asked) {
  if (response.status != 400 && response.status != 413) {
    return std::nullopt;
  }
  std::optional<size_t> header_limit;
  if (auto limit = response.header("oci-tag-limit")) {
    std::string_view digits = util::trim(*limit);
    size_t value = 0;
    if (!digits.empty() && digits.size() <= 7 && util::is_digits(digits)) {
      std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (value >= 1 && value < asked) {
        header_limit = value;
      }
    }
  }
  std::string text = error_text(response.body);
  if (!header_limit && !names_page_size(text)) {
    return std::nullopt;
  }
  return header_limit ? *header_limit : named_maximum(text, asked);
}

} // namespace argoimg::registry
