// SPDX-License-Identifier: Apache-2.0
#pragma once

// JSON in and out for the forge clients (RapidJSON, with the project's depth guard), and what
// GitHub and Gitea share: the pull request object, Link pagination, choosing the request.
// Private to lib/forge.

#include "forge/api_detail.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::forge::detail {

// The body of a 2xx answer as JSON; a `network` error naming the call when it is none.
util::Result<rapidjson::Document>
parse_body(const Api& api, const Exchange& exchange, const registry::HttpResponse& response);

// Members read leniently: a missing or mistyped member gives the empty value.
const rapidjson::Value* member(const rapidjson::Value& object, const char* key);
std::string string_of(const rapidjson::Value& object, const char* key);
int64_t integer_of(const rapidjson::Value& object, const char* key);
bool bool_of(const rapidjson::Value& object, const char* key);

// A request as the forge lists it, with when it was last updated (to choose among several).
struct Listed {
  Request request;
  std::string node_id;    // GitHub's GraphQL id
  std::string head_label; // the head's "label": GitHub's "owner:branch"; "" when not given
  int64_t updated_ns = 0; // updated_at, nanoseconds since the epoch; 0 when unreadable
};

// `url` when it is a plain http(s) URL (printable ASCII, no space), else "": the run prints
// it, and a server's terminal escapes or javascript: links have no business there.
std::string web_url(std::string url);

// A GitHub or Gitea pull request object. Gitea marks a draft by a "WIP:" or "[WIP]" title
// prefix, which `draft_prefixes` strips from the title (so titles compare as written).
Listed pull_of(const rapidjson::Value& pull, const std::vector<std::string>& draft_prefixes);

// The title without a draft prefix, and whether it had one (any case).
std::pair<std::string, bool> strip_draft_prefix(std::string title,
                                                const std::vector<std::string>& prefixes);

// Whether the GitHub or Gitea `pull` goes from and into the repository `path`: a head or base
// whose repo has another name, or is null (a deleted fork), is someone else's request with
// our branch names. An answer without repo objects is taken at its word.
bool in_repository(const rapidjson::Value& pull, std::string_view path);

// The open request among `listed`, else the most recently updated one.
std::optional<Listed> choose(std::vector<Listed> listed);

// The rel="next" URL of a Link header (GitHub, Gitea).
std::optional<std::string> next_link(const registry::HttpResponse& response);

// The rel="next" URL of a Link header unless `read` (the URLs read so far) holds it; it is
// added to `read`. A link back to a page already read ends a listing instead of looping.
std::optional<std::string> next_unread(const registry::HttpResponse& response,
                                       std::vector<std::string>& read);

// An answer to `exchange` about `got` checked against what was asked: a `network` error when
// it is about another head/base pair (open), or another number, or (`reopen`) not open.
util::Result<Request> answer_from(const Api& api,
                                  const Exchange& exchange,
                                  Request got,
                                  std::string_view head,
                                  std::string_view base);
util::Result<Request> answer_about(const Api& api,
                                   const Exchange& exchange,
                                   Request got,
                                   long number,
                                   bool reopen,
                                   std::string_view noun);

// The pulls `first` lists (GitHub and Gitea), following Link pages up to k_max_pages, keeping
// those from `head` into `base`.
util::Result<std::vector<Listed>> list_pulls(Api& api,
                                             Exchange first,
                                             const std::vector<std::string>& draft_prefixes,
                                             const std::string& head,
                                             const std::string& base);

// `labels` without empty names and repeats, in order.
std::vector<std::string> clean_labels(const std::vector<std::string>& labels);

// A JSON object written member by member, for request bodies.
class JsonBody {
public:
  JsonBody() { m_writer.StartObject(); }
  JsonBody& add(const char* key, std::string_view value);
  JsonBody& add_bool(const char* key, bool value);
  JsonBody& add_int(const char* key, int64_t value);
  JsonBody& add(const char* key, const std::vector<std::string>& values);
  JsonBody& add(const char* key, const std::vector<int64_t>& values);
  JsonBody& add_raw(const char* key, std::string_view json); // `json` already written
  std::string str();

private:
  rapidjson::StringBuffer m_buffer;
  rapidjson::Writer<rapidjson::StringBuffer> m_writer{m_buffer};
  bool m_done = false;
};

// `text` percent-encoded for a path segment or a query value.
std::string encoded(std::string_view text);

} // namespace argoimg::forge::detail
