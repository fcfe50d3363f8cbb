// SPDX-License-Identifier: Apache-2.0
// The Kubernetes Secret reader: which access it uses (a named kubeconfig before the in-cluster
// account), one read per Secret and run (failures included), no further call after the API
// server could not be reached, and no name that is not DNS-1123 in the URL.

#include "registry/kubernetes.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::registry;

namespace {

const char* const k_kubeconfig = R"(apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster: {server: "https://kube.example:6443"}
users:
- name: u
  user: {token: "kube-token"}
)";

// Answers every request with `status` (0: a transport failure), recording the URLs.
class ScriptedTransport : public HttpTransport {
public:
  explicit ScriptedTransport(int status) : m_status(status) {}

  util::Result<HttpResponse> send(const HttpRequest& request) override {
    urls.push_back(request.url);
    if (m_status == 0) {
      return util::fail(util::ErrorKind::network, "connection timed out");
    }
    std::string body = m_status == 200 ? R"({"data":{"creds":"dXNlcjpwYXNz"}})" : "{}";
    return HttpResponse{m_status, {}, body};
  }

  std::vector<std::string> urls;

private:
  int m_status;
};

KubernetesSources sources(bool explicit_kubeconfig, const std::string& service_host) {
  KubernetesSources sources;
  sources.kubeconfig_path = "/home/u/.kube/config";
  sources.kubeconfig_explicit = explicit_kubeconfig;
  sources.service_host = service_host;
  sources.service_account_dir = "/sa";
  sources.read_file = [](const std::string& path) -> util::Result<std::string> {
    if (path == "/home/u/.kube/config") {
      return std::string(k_kubeconfig);
    }
    if (path == "/sa/token") {
      return std::string("pod-token");
    }
    if (path == "/sa/ca.crt") {
      return std::string("-----BEGIN CERTIFICATE-----\n");
    }
    return util::fail(util::ErrorKind::not_found, "cannot read " + path);
  };
  return sources;
}

} // namespace

TEST_CASE("secret reader: a named kubeconfig wins over the in-cluster account", "[registry]") {
  ScriptedTransport http(200);
  auto read = make_secret_reader(sources(true, "10.96.0.1"), http);
  REQUIRE(read("flux-system", "regcred"));
  REQUIRE(http.urls.size() == 1);
  CHECK(http.urls[0] == "https://kube.example:6443/api/v1/namespaces/flux-system/secrets/regcred");

  ScriptedTransport in_pod(200);
  auto pod = make_secret_reader(sources(false, "10.96.0.1"), in_pod);
  REQUIRE(pod("flux-system", "regcred"));
  CHECK(in_pod.urls.at(0).rfind("https://10.96.0.1:443/", 0) == 0);
}

TEST_CASE("secret reader: one read per Secret, failures included", "[registry]") {
  ScriptedTransport http(404);
  auto read = make_secret_reader(sources(true, ""), http);
  for (int i = 0; i < 3; ++i) {
    auto data = read("flux-system", "missing");
    REQUIRE_FALSE(data);
    CHECK(data.error().message == "reading Kubernetes secret 'flux-system/missing': not found");
  }
  CHECK(http.urls.size() == 1);
  CHECK_FALSE(read("flux-system", "other"));
  CHECK(http.urls.size() == 2);
}

TEST_CASE("secret reader: after the API server could not be reached, no further call",
          "[registry]") {
  ScriptedTransport http(0);
  auto read = make_secret_reader(sources(true, ""), http);
  auto first = read("a", "one");
  REQUIRE_FALSE(first);
  CHECK_THAT(first.error().message, Catch::Contains("connection timed out"));
  auto second = read("b", "two");
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error().message, Catch::Contains("the Kubernetes API server"));
  CHECK(http.urls.size() == 1);
}

TEST_CASE("secret reader: names that are not DNS-1123 never reach the URL", "[registry]") {
  ScriptedTransport http(200);
  auto read = make_secret_reader(sources(true, ""), http);
  for (const auto& [ns, name] :
       std::vector<std::pair<std::string, std::string>>{{"argocd", ".."},
                                                        {"..", "x"},
                                                        {"argocd", "."},
                                                        {"a.b", "x"},
                                                        {"argocd", "A"},
                                                        {"argocd", "-x"},
                                                        {"argocd", "x/y"},
                                                        {"", "x"},
                                                        {"argocd", std::string(254, 'a')}}) {
    INFO(ns << "/" << name);
    auto data = read(ns, name);
    REQUIRE_FALSE(data);
    CHECK_THAT(data.error().message, Catch::Contains("not a Kubernetes namespace and object name"));
  }
  CHECK(http.urls.empty());
  CHECK(read("argocd", "reg.cred-1"));
  CHECK(is_dns1123("flux-system", false));
  CHECK_FALSE(is_dns1123(std::string(64, 'a'), false));
  CHECK(is_dns1123(std::string(253, 'a'), true));
}
