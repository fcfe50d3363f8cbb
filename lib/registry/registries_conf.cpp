// SPDX-License-Identifier: Apache-2.0
#include "registry/registries_conf.hpp"

#include "registry/credentials.hpp"
#include "util/duration.hpp"
#include "util/redact.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <optional>

namespace argoimg::registry {

namespace {

const std::vector<std::string> k_keys = {"name",
                                         "api_url",
                                         "prefix",
                                         "ping",
                                         "credentials",
                                         "credsexpire",
                                         "defaultns",
                                         "default",
                                         "insecure",
                                         "tagsortmode",
                                         "limit",
                                         "ca_file",
                                         "ca_data",
                                         "pagesize",
                                         "maxrequests"};

std::string where(std::string_view source, const YAML::Mark& mark) {
  return fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
}

tl::unexpected<util::Error>
config_error(std::string_view source, const YAML::Node& node, const std::string& detail) {
  return util::fail(util::ErrorKind::config, where(source, node.Mark()) + ": " + detail);
}

std::optional<bool> yaml11_bool(const std::string& text) {
  static const std::vector<std::string> yes = {
      "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::vector<std::string> no = {
      "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (std::find(yes.begin(), yes.end(), text) != yes.end()) {
    return true;
  }
  if (std::find(no.begin(), no.end(), text) != no.end()) {
    return false;
  }
  return std::nullopt;
}

// `pagesize`, argoimg's extension (AIU has no such key): the `n` asked for per tag page.
util::Result<bool> parse_page_size(RegistryEntry& entry,
                                   const std::string& text,
                                   const YAML::Node& value,
                                   std::string_view source) {
  constexpr size_t k_max = 100'000;
  size_t size = 0;
  bool digits = !text.empty() && text.size() <= 6 && util::is_digits(text);
  if (digits) {
    size = std::stoul(text);
  }
  if (!digits || size < 1 || size > k_max) {
    return config_error(source,
                        value,
                        "'pagesize' must be a whole number of tags per page from 1 to 100000, not "
                            + util::quote(text));
  }
  entry.pagesize = size;
  return true;
}

// Apply one `key: value` of an entry; fail naming the key and its line.
util::Result<bool> apply_key(RegistryEntry& entry,
                             const std::string& key,
                             const YAML::Node& value,
                             std::string_view source) {
  if (!value.IsScalar() && !value.IsNull()) {
    return config_error(
        source, value, "registry entry key " + util::quote(key) + " must be a scalar");
  }
  std::string text = value.IsNull() ? "" : value.Scalar();
  auto as_bool = [&](bool& out) -> util::Result<bool> {
    auto parsed = yaml11_bool(text);
    if (!parsed) {
      return config_error(
          source, value, util::quote(key) + " must be true or false, not " + util::quote(text));
    }
    out = *parsed;
    return true;
  };
  if (key == "name") {
    entry.name = text;
  } else if (key == "api_url") {
    entry.api_url = text;
    while (!entry.api_url.empty() && entry.api_url.back() == '/') {
      entry.api_url.pop_back();
    }
  } else if (key == "prefix") {
    entry.prefix = text;
  } else if (key == "ping") {
    return as_bool(entry.ping);
  } else if (key == "default") {
    return as_bool(entry.is_default);
  } else if (key == "insecure") {
    return as_bool(entry.insecure);
  } else if (key == "credentials") {
    entry.credentials = text;
    entry.credentials_origin = where(source, value.Mark());
    if (!text.empty() && !is_credential_reference(text)) {
      util::register_secret(text); // a password where a reference belongs: never echo it
    }
  } else if (key == "credsexpire") {
    auto duration = util::parse_go_duration(text);
    if (!duration) {
      return config_error(source,
                          value,
                          "invalid duration " + util::quote(text)
                              + " for 'credsexpire' (e.g. '30m', '12h', '1h30m')");
    }
    entry.credsexpire = *duration;
  } else if (key == "defaultns") {
    entry.defaultns = text;
  } else if (key == "tagsortmode") {
    if (text == "latest-first") {
      entry.tag_sort_mode = TagSortMode::latest_first;
    } else if (text == "latest-last") {
      entry.tag_sort_mode = TagSortMode::latest_last;
    } else if (text == "none" || text.empty()) {
      entry.tag_sort_mode = TagSortMode::none;
    } else {
      return config_error(source,
                          value,
                          "unknown tag sort mode " + util::quote(text)
                              + util::did_you_mean(text, {"latest-first", "latest-last", "none"}));
    }
  } else if (key == "limit") {
    try {
      double limit = value.as<double>();
      if (!std::isfinite(limit)) {
        throw YAML::Exception(value.Mark(), "not finite");
      }
      entry.limit = limit;
    } catch (const YAML::Exception&) {
      return config_error(source,
                          value,
                          "'limit' must be a number of requests per second, not "
                              + util::quote(text));
    }
  } else if (key == "pagesize") {
    return parse_page_size(entry, text, value, source);
  } else if (key == "maxrequests") {
    // argoimg's extension: this registry's request budget per run (docs/registries.md)
    if (text.empty() || text.size() > 9 || !util::is_digits(text)) {
      return config_error(source,
                          value,
                          "'maxrequests' must be a whole number of requests per run from 0 to "
                          "999999999, not "
                              + util::quote(text));
    }
    entry.max_requests = static_cast<size_t>(std::stoul(text));
  } else if (key == "ca_file") {
    entry.ca_file = text;
  } else if (key == "ca_data") {
    entry.ca_data = text;
  }
  return true;
}

util::Result<RegistryEntry> parse_entry(const YAML::Node& node, std::string_view source) {
  if (!node.IsMap()) {
    return config_error(source, node, "each registry entry must be a mapping");
  }
  RegistryEntry entry;
  entry.origin = fmt::format("{}:{}", source, node.Mark().line + 1);
  for (const auto& item : node) {
    std::string key = item.first.Scalar();
    if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
      return config_error(source,
                          item.first,
                          "unknown key " + util::quote(key) + " in registry entry"
                              + util::did_you_mean(key, k_keys));
    }
    auto applied = apply_key(entry, key, item.second, source);
    if (!applied) {
      return tl::unexpected(applied.error());
    }
  }
  if (entry.name.empty()) {
    return config_error(source, node, "registry entry without a 'name'");
  }
  if (entry.api_url.empty()) {
    return config_error(source, node, "registry " + util::quote(entry.name) + " has no 'api_url'");
  }
  std::string lower = util::to_lower(entry.api_url);
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    return config_error(source,
                        node,
                        "registry " + util::quote(entry.name) + ": 'api_url' "
                            + util::quote(util::redact_url(entry.api_url))
                            + " must start with http:// or https://");
  }
  auto url = util::parse_url(entry.api_url);
  if (!url) {
    return config_error(source,
                        node,
                        "registry " + util::quote(entry.name)
                            + ": 'api_url': " + url.error().message);
  }
  // The API URL names entries of the persistent cache and is written into them: a password in
  // it would be kept on disk, and a query or fragment would make two URLs one key.
  if (!url->user.empty() || url->has_password) {
    return config_error(source,
                        node,
                        "registry " + util::quote(entry.name) + ": 'api_url' "
                            + util::quote(util::redact_url(entry.api_url))
                            + " holds a user name or password; give them with 'credentials' "
                              "(env:, secret:, pullsecret: or ext:)");
  }
  if (url->has_query || url->has_fragment) {
    return config_error(source,
                        node,
                        "registry " + util::quote(entry.name) + ": 'api_url' "
                            + util::quote(util::redact_url(entry.api_url))
                            + " has a query or fragment; give the registry's base URL");
  }
  return entry;
}

util::Result<std::vector<RegistryEntry>> check_entries(std::vector<RegistryEntry> entries,
                                                       const std::vector<YAML::Node>& nodes,
                                                       std::string_view source) {
  const RegistryEntry* default_entry = nullptr;
  const RegistryEntry* unprefixed = nullptr;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    if (entry.is_default) {
      if (default_entry) {
        return config_error(source,
                            nodes[i],
                            "cannot set registry " + util::quote(entry.name)
                                + " as default: only one default registry is allowed, "
                                  "already "
                                + util::quote(default_entry->name));
      }
      default_entry = &entry;
    }
    if (entry.prefix.empty()) {
      if (unprefixed) {
        return config_error(source,
                            nodes[i],
                            "there must be only one default registry (already "
                                + util::quote(unprefixed->name) + "), " + util::quote(entry.name)
                                + " needs a prefix");
      }
      unprefixed = &entry;
    }
  }
  return entries;
}

} // namespace

util::Result<std::vector<RegistryEntry>> parse_registries_conf(std::string_view text,
                                                               std::string_view source) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) {
      return std::vector<RegistryEntry>{};
    }
    if (!root.IsMap()) {
      return config_error(source, root, "expected a mapping with a 'registries' list");
    }
    std::vector<RegistryEntry> entries;
    std::vector<YAML::Node> nodes;
    for (const auto& item : root) {
      std::string key = item.first.Scalar();
      if (key != "registries") {
        return config_error(source,
                            item.first,
                            "unknown top-level key " + util::quote(key)
                                + util::did_you_mean(key, {"registries"}));
      }
      if (item.second.IsNull()) {
        continue;
      }
      if (!item.second.IsSequence()) {
        return config_error(source, item.second, "'registries' must be a list");
      }
      for (const auto& node : item.second) {
        auto entry = parse_entry(node, source);
        if (!entry) {
          return tl::unexpected(entry.error());
        }
        entries.push_back(std::move(*entry));
        nodes.push_back(node);
      }
    }
    return check_entries(std::move(entries), nodes, source);
  } catch (const YAML::Exception& e) {
    return util::fail(
        util::ErrorKind::config,
        fmt::format("{}:{}:{}: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

} // namespace argoimg::registry
