// SPDX-License-Identifier: Apache-2.0
#include "util/url.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"

#include <charconv>

namespace argoimg::util {

namespace {

Error bad(std::string_view text, std::string_view why) {
  // Redacted before it is cut: a password cut from its '@' would no longer be recognised.
  std::string redacted = redact_url_credentials(text);
  std::string shown = escape_control(std::string_view(redacted).substr(0, 200));
  if (redacted.size() > 200) {
    shown += "...";
  }
  return Error{ErrorKind::invalid_input, "URL '" + shown + "' " + std::string(why)};
}

bool scheme_char(char c, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return alpha || (!first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
}

// Characters a host name or an IPv4 address may hold (RFC 3986's reg-name, less the
// sub-delimiters no real host uses; '%' for percent-encoding, '_' as some registries use).
bool host_char(char c, bool wildcards) {
  return (wildcards && c == '*') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

bool ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
         || c == '.' || c == '%';
}

// The checks every input goes through first: size, control characters, spaces.
std::optional<Error> refuse_hostile(std::string_view text) {
  if (text.empty()) {
    return Error{ErrorKind::invalid_input, "URL is empty"};
  }
  if (text.size() > k_max_url_size) {
    return bad(text,
               "is longer than " + std::to_string(k_max_url_size) + " characters ("
                   + std::to_string(text.size()) + ")");
  }
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return bad(text, "holds a control character");
    }
    if (c == ' ') {
      return bad(text, "holds a space");
    }
  }
  return std::nullopt;
}

// "[user[:password]@]host[:port]" into `out`; `port_allowed` false for scp-like URLs.
std::optional<Error> parse_authority(std::string_view text,
                                     std::string_view authority,
                                     bool port_allowed,
                                     bool wildcards,
                                     Url& out) {
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    out.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) {
      out.password = std::string(userinfo.substr(colon + 1));
      out.has_password = true;
    }
    authority.remove_prefix(at + 1);
  }
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad(text, "has an IPv6 address without its closing ']'");
    }
    std::string_view literal = authority.substr(1, close - 1);
    if (literal.empty() || literal.find(':') == std::string_view::npos) {
      return bad(text, "has brackets around something that is not an IPv6 address");
    }
    for (char c : literal) {
      if (!ipv6_char(c)) {
        return bad(text, "has an IPv6 address with a character it cannot hold");
      }
    }
    out.host = to_lower(literal);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return bad(text, "has text after its IPv6 address");
      }
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = authority.find(':');
    out.host = to_lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    for (char c : out.host) {
      if (!host_char(c, wildcards)) {
        return bad(text, "has a host with a character a host name cannot hold");
      }
    }
  }
  if (has_port && !port_allowed) {
    return bad(text, "names a port where none can be given");
  }
  if (has_port && !port.empty()) {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return bad(text, "has a port that is not a number from 1 to 65535");
    }
    out.port = number;
  }
  return std::nullopt;
}

// The userinfo as redacted() writes it: "" when none.
std::string redacted_userinfo(const Url& url) {
  if (url.user.empty() && !url.has_password) {
    return "";
  }
  bool ssh =
      url.scp_like || url.scheme == "ssh" || url.scheme == "git+ssh" || url.scheme == "ssh+git";
  // Over http(s) a token often is the user name ("https://TOKEN:x-oauth-basic@github.com"), so
  // only an ssh login and the fixed names hosts use beside a token in the password stay.
  bool shown_user = ssh || url.user == "git" || url.user == "oauth2" || url.user == "x-access-token"
                    || url.user == "x-token-auth";
  std::string user = shown_user ? url.user : std::string("***");
  return user + (url.has_password ? ":***@" : "@");
}

std::string assemble(const Url& url, const std::string& userinfo) {
  if (url.scp_like) {
    return userinfo + (url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host)
           + ":" + url.path;
  }
  std::string out = url.scheme + "://" + userinfo + url.host_port() + url.path;
  if (url.has_query) {
    out += "?" + url.query;
  }
  if (url.has_fragment) {
    out += "#" + url.fragment;
  }
  return out;
}

} // namespace

int Url::port_or_default() const {
  if (port) {
    return *port;
  }
  if (scheme == "http") {
    return 80;
  }
  if (scheme == "https") {
    return 443;
  }
  if (scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git") {
    return 22;
  }
  if (scheme == "git") {
    return 9418;
  }
  return 0;
}

std::string Url::host_port() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) {
    out += ":" + std::to_string(*port);
  }
  return out;
}

std::string Url::str() const {
  std::string userinfo;
  if (!user.empty() || has_password) {
    userinfo = user + (has_password ? ":" + password : "") + "@";
  }
  return assemble(*this, userinfo);
}

std::string Url::redacted() const {
  return assemble(*this, redacted_userinfo(*this));
}

namespace {

Result<Url> parse_any_url(std::string_view text, bool wildcards) {
  if (auto refused = refuse_hostile(text)) {
    return tl::unexpected(*refused);
  }
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return tl::unexpected(bad(text, "has no scheme (such as https://)"));
  }
  for (size_t i = 0; i < scheme_end; ++i) {
    if (!scheme_char(text[i], i == 0)) {
      return tl::unexpected(bad(text, "has a scheme with a character a scheme cannot hold"));
    }
  }
  Url out;
  out.scheme = to_lower(text.substr(0, scheme_end));
  std::string_view rest = text.substr(scheme_end + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (auto refused = parse_authority(text, authority, true, wildcards, out)) {
    return tl::unexpected(*refused);
  }
  if (out.host.empty() && out.scheme != "file") {
    return tl::unexpected(bad(text, "has no host"));
  }
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    out.fragment = std::string(rest.substr(hash + 1));
    out.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  if (size_t question = rest.find('?'); question != std::string_view::npos) {
    out.query = std::string(rest.substr(question + 1));
    out.has_query = true;
    rest = rest.substr(0, question);
  }
  out.path = std::string(rest);
  return out;
}

} // namespace

Result<Url> parse_url(std::string_view text) {
  return parse_any_url(text, false);
}

Result<Url> parse_url_pattern(std::string_view text) {
  return parse_any_url(text, true);
}

Result<Url> parse_git_url(std::string_view text) {
  if (text.find("://") != std::string_view::npos) {
    return parse_url(text);
  }
  if (auto refused = refuse_hostile(text)) {
    return tl::unexpected(*refused);
  }
  // scp-like: a ':' before any '/' (git's rule); "[host]:path" for IPv6. A user (and a
  // password, which git would not take but a user may write) comes before the last '@' ahead of
  // the first '/', so "user:pw@host:path" splits at the ':' after the host.
  size_t at = text.substr(0, text.find('/')).rfind('@');
  size_t host_start = at == std::string_view::npos ? 0 : at + 1;
  size_t colon = host_start < text.size() && text[host_start] == '[' ? text.find("]:", host_start)
                                                                     : text.find(':', host_start);
  if (colon == std::string_view::npos
      || text.substr(0, colon).find('/') != std::string_view::npos) {
    return tl::unexpected(bad(text, "is neither a URL nor an scp-like git address (host:path)"));
  }
  if (host_start < text.size() && text[host_start] == '[') {
    ++colon; // past ']'
  }
  Url out;
  out.scheme = "ssh";
  out.scp_like = true;
  if (auto refused = parse_authority(text, text.substr(0, colon), false, false, out)) {
    return tl::unexpected(*refused);
  }
  if (out.host.empty()) {
    return tl::unexpected(bad(text, "has no host"));
  }
  out.path = std::string(text.substr(colon + 1));
  return out;
}

std::string redact_url(std::string_view text) {
  if (auto url = parse_git_url(text)) {
    return url->redacted();
  }
  if (text.find("://") == std::string_view::npos) {
    // An scp-like address that did not parse: nothing before its last '@' ahead of the first
    // '/' is shown.
    size_t at = text.substr(0, text.find('/')).rfind('@');
    if (at != std::string_view::npos) {
      return "***@" + std::string(text.substr(at + 1));
    }
  }
  return redact_url_credentials(text);
}

std::string redact_url_credentials(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t marker = text.find("://"); marker != std::string_view::npos;
       marker = text.find("://", marker + 3)) {
    size_t start = marker;
    while (start > copied && scheme_char(text[start - 1], false)) {
      --start;
    }
    size_t authority = marker + 3;
    size_t end = text.find_first_of("/?#\"'<> \t\r\n", authority);
    std::string_view candidate = text.substr(authority, end - authority);
    size_t at = candidate.rfind('@');
    // A password holding '/', '?' or '#' (AWS CodeCommit's do) ends the authority early; when
    // a "user:" comes first, the userinfo runs to the last '@' before the next space or quote.
    size_t word_end = text.find_first_of("\"'<> \t\r\n", authority);
    std::string_view word = text.substr(authority, word_end - authority);
    size_t word_at = word.rfind('@');
    if (word_at != std::string_view::npos && word_at > candidate.size()) {
      std::string_view userinfo = word.substr(0, word_at);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos && colon < userinfo.find_first_of("/?#")) {
        candidate = word;
        at = word_at;
      }
    }
    if (start == marker || at == std::string_view::npos) {
      continue;
    }
    Url url;
    url.scheme = to_lower(text.substr(start, marker - start));
    std::string_view userinfo = candidate.substr(0, at);
    size_t colon = userinfo.find(':');
    url.user = std::string(userinfo.substr(0, colon));
    url.has_password = colon != std::string_view::npos;
    out.append(text.substr(copied, authority - copied));
    out += redacted_userinfo(url);
    copied = authority + at + 1;
  }
  out.append(text.substr(copied));
  return out;
}

} // namespace argoimg::util
