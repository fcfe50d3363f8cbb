// SPDX-License-Identifier: Apache-2.0
#include "registry/kubernetes.hpp"

#include "util/base64.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

namespace argoimg::registry {

namespace {

using util::ErrorKind;
using util::quote;
using FileReader = std::function<util::Result<std::string>(const std::string&)>;

YAML::Node named(const YAML::Node& list, const std::string& name) {
  if (list.IsSequence()) {
    for (const auto& item : list) {
      if (item["name"] && item["name"].as<std::string>() == name) {
        return item;
      }
    }
  }
  return YAML::Node();
}

std::string scalar(const YAML::Node& node, const char* key) {
  return (node && node[key] && node[key].IsScalar()) ? node[key].as<std::string>() : "";
}

// Load `<key>-data` (base64) or `<key>` (a file path) from a kubeconfig mapping.
util::Result<std::string> inline_or_file(const YAML::Node& node,
                                         const std::string& key,
                                         const std::string& base_dir,
                                         const FileReader& read_file) {
  if (auto data = scalar(node, (key + "-data").c_str()); !data.empty()) {
    auto decoded = util::base64_decode(data);
    if (!decoded) {
      return util::fail(ErrorKind::config, quote(key + "-data") + " is not base64");
    }
    return *decoded;
  }
  std::string path = scalar(node, key.c_str());
  if (path.empty()) {
    return std::string();
  }
  if (path.front() != '/') {
    path = base_dir + "/" + path;
  }
  return read_file(path);
}

} // namespace

util::Result<KubernetesAccess> parse_kubeconfig(std::string_view text,
                                                std::string_view source,
                                                const std::string& base_dir,
                                                const FileReader& read_file) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    std::string context_name = scalar(root, "current-context");
    if (context_name.empty()) {
      return util::fail(ErrorKind::config, std::string(source) + ": no current-context");
    }
    YAML::Node context = named(root["contexts"], context_name)["context"];
    if (!context) {
      return util::fail(ErrorKind::config,
                        std::string(source) + ": context " + quote(context_name)
                            + " is not defined");
    }
    std::string cluster_name = scalar(context, "cluster");
    YAML::Node cluster = named(root["clusters"], cluster_name)["cluster"];
    if (!cluster || scalar(cluster, "server").empty()) {
      return util::fail(ErrorKind::config,
                        std::string(source) + ": cluster " + quote(cluster_name)
                            + " has no server");
    }
    KubernetesAccess access;
    access.server = scalar(cluster, "server");
    while (!access.server.empty() && access.server.back() == '/') {
      access.server.pop_back();
    }
    access.insecure = scalar(cluster, "insecure-skip-tls-verify") == "true";
    auto ca = inline_or_file(cluster, "certificate-authority", base_dir, read_file);
    if (!ca) {
      return util::fail(ErrorKind::config, std::string(source) + ": " + ca.error().message);
    }
    access.ca_pem = *ca;
    std::string user_name = scalar(context, "user");
    YAML::Node user = named(root["users"], user_name)["user"];
    if (!user_name.empty() && !user) {
      return util::fail(ErrorKind::config,
                        std::string(source) + ": user " + quote(user_name) + " is not defined");
    }
    access.token = scalar(user, "token");
    if (auto token_file = scalar(user, "tokenFile"); access.token.empty() && !token_file.empty()) {
      auto token = read_file(token_file.front() == '/' ? token_file : base_dir + "/" + token_file);
      if (!token) {
        return util::fail(ErrorKind::config, std::string(source) + ": " + token.error().message);
      }
      access.token = std::string(util::trim(*token));
    }
    access.username = scalar(user, "username");
    access.password = scalar(user, "password");
    auto cert = inline_or_file(user, "client-certificate", base_dir, read_file);
    auto key = inline_or_file(user, "client-key", base_dir, read_file);
    if (!cert || !key) {
      return util::fail(ErrorKind::config,
                        std::string(source) + ": " + (!cert ? cert.error() : key.error()).message);
    }
    access.client_cert_pem = *cert;
    access.client_key_pem = *key;
    return access;
  } catch (const YAML::Exception& e) {
    return util::fail(
        ErrorKind::config,
        fmt::format("{}:{}:{}: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

} // namespace

bool is_dns1123(std::string_view name, bool subdomain) {
  if (name.empty() || name.size() > (subdomain ? 253u : 63u) || !is_lower_alnum(name.front())
      || !is_lower_alnum(name.back())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [subdomain](char c) {
    return is_lower_alnum(c) || c == '-' || (subdomain && c == '.');
  });
}

namespace {

class SecretReaderImpl {
public:
  SecretReaderImpl(KubernetesSources sources, HttpTransport& http)
      : m_sources(std::move(sources)), m_http(http) {}

  // One read per Secret and run, failures included; after a transport failure (an API server
  // that is down or never answers) every later read fails at once instead of costing its
  // timeout again.
  util::Result<std::map<std::string, std::string>> read(const std::string& ns,
                                                        const std::string& name) {
    std::lock_guard<std::mutex> guard(m_read_mutex);
    auto key = ns + "/" + name;
    if (auto known = m_read.find(key); known != m_read.end()) {
      return known->second;
    }
    if (m_unreachable) {
      return tl::unexpected(*m_unreachable);
    }
    auto result = read_once(ns, name);
    m_read.emplace(key, result);
    return result;
  }

private:
  util::Result<std::map<std::string, std::string>> read_once(const std::string& ns,
                                                             const std::string& name) {
    std::string what = "reading Kubernetes secret " + quote(ns + "/" + name);
    // DNS-1123 names only: a `.` or `..` segment would be resolved by the URL and read another
    // object (`secret:argocd/..#x` asked for the Namespace).
    if (!is_dns1123(ns, false) || !is_dns1123(name, true)) {
      return util::fail(ErrorKind::config,
                        what
                            + ": not a Kubernetes namespace and object name (lowercase "
                              "letters, digits, '-', and '.' in the name)");
    }
    auto access = this->access();
    if (!access) {
      return tl::unexpected(access.error());
    }
    HttpRequest request;
    request.url =
        access->server + "/api/v1/namespaces/" + url_encode(ns) + "/secrets/" + url_encode(name);
    request.headers.emplace_back("Accept", "application/json");
    if (!access->token.empty()) {
      util::register_secret(access->token);
      request.headers.emplace_back("Authorization", "Bearer " + access->token);
    } else if (!access->username.empty()) {
      request.headers.emplace_back(
          "Authorization", "Basic " + base64_encode(access->username + ":" + access->password));
    }
    request.ca_pem = access->ca_pem;
    request.verify_tls = !access->insecure;
    request.client_cert_pem = access->client_cert_pem;
    request.client_key_pem = access->client_key_pem;
    request.max_body = 4u << 20;
    auto response = m_http.send(request);
    if (!response) {
      m_unreachable = util::with_context(response.error(), "the Kubernetes API server");
      return tl::unexpected(util::with_context(response.error(), what));
    }
    if (response->status == 404) {
      return util::fail(ErrorKind::not_found, what + ": not found");
    }
    if (response->status == 401 || response->status == 403) {
      return util::fail(
          ErrorKind::auth,
          fmt::format("{}: the API server refused (HTTP {})", what, response->status));
    }
    if (response->status != 200) {
      return util::fail(ErrorKind::network, fmt::format("{}: HTTP {}", what, response->status));
    }
    rapidjson::Document doc;
    util::parse_json_guarded(doc, response->body);
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::fail(ErrorKind::network, what + ": malformed JSON");
    }
    std::map<std::string, std::string> data;
    auto fields = doc.FindMember("data");
    if (fields != doc.MemberEnd() && fields->value.IsObject()) {
      for (const auto& field : fields->value.GetObject()) {
        if (!field.value.IsString()) {
          continue;
        }
        auto decoded = util::base64_decode(field.value.GetString());
        if (!decoded) {
          return util::fail(ErrorKind::network,
                            what + ": field " + quote(field.name.GetString()) + " is not base64");
        }
        data[field.name.GetString()] = *decoded;
      }
    }
    return data;
  }

  util::Result<KubernetesAccess> access() {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (!m_access) {
      m_access = discover();
    }
    return *m_access;
  }

  // --kubeconfig or $KUBECONFIG first, then the in-cluster account, then ~/.kube/config: a
  // kubeconfig the user named is never overridden by the pod argoimg happens to run in.
  util::Result<KubernetesAccess> discover() {
    if (!m_sources.kubeconfig_explicit && !m_sources.service_host.empty()) {
      KubernetesAccess access;
      access.server = "https://" + m_sources.service_host + ":"
                      + (m_sources.service_port.empty() ? "443" : m_sources.service_port);
      auto token = m_sources.read_file(m_sources.service_account_dir + "/token");
      auto ca = m_sources.read_file(m_sources.service_account_dir + "/ca.crt");
      if (!token || !ca) {
        return util::fail(ErrorKind::config,
                          "in-cluster service account: "
                              + (!token ? token.error() : ca.error()).message);
      }
      access.token = std::string(util::trim(*token));
      access.ca_pem = *ca;
      return access;
    }
    auto text = m_sources.read_file(m_sources.kubeconfig_path);
    if (!text) {
      return util::fail(ErrorKind::config, "no Kubernetes access: " + text.error().message);
    }
    std::string dir = m_sources.kubeconfig_path.substr(0, m_sources.kubeconfig_path.rfind('/'));
    return parse_kubeconfig(
        *text, m_sources.kubeconfig_path, dir.empty() ? "." : dir, m_sources.read_file);
  }

  KubernetesSources m_sources;
  HttpTransport& m_http;
  std::mutex m_mutex;
  std::optional<util::Result<KubernetesAccess>> m_access;
  std::mutex m_read_mutex;
  std::map<std::string, util::Result<std::map<std::string, std::string>>> m_read;
  std::optional<util::Error> m_unreachable;
};

} // namespace

SecretReader make_secret_reader(KubernetesSources sources, HttpTransport& http) {
  auto reader = std::make_shared<SecretReaderImpl>(std::move(sources), http);
  return
      [reader](const std::string& ns, const std::string& name) { return reader->read(ns, name); };
}

} // namespace argoimg::registry
