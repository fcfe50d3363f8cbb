// SPDX-License-Identifier: Apache-2.0
// The targets of a run, each held once (see resolve_detail.hpp).
#include "updater/resolve_detail.hpp"

namespace argoimg::updater::detail {

namespace {

bool same_credentials(const std::optional<registry::Credentials>& a,
                      const std::optional<registry::Credentials>& b) {
  if (!a || !b) {
    return !a && !b;
  }
  return a->username == b->username && a->password == b->password
         && a->identity_token == b->identity_token && a->source == b->source;
}

bool same_target(const Target& a, const Target& b) {
  const auto& x = a.endpoint;
  const auto& y = b.endpoint;
  return a.key == b.key && a.path == b.path && x.host == y.host && x.api_url == y.api_url
         && x.default_namespace == y.default_namespace && x.verify_tls == y.verify_tls
         && x.ca_file == y.ca_file && x.ca_pem == y.ca_pem
         && same_credentials(x.credentials, y.credentials) && x.rate_limit == y.rate_limit
         && x.tag_sort_mode == y.tag_sort_mode && x.page_size == y.page_size && x.name == y.name;
}

} // namespace

const Target* Targets::add(Target target) {
  auto& same_key = m_by_key[target.key];
  for (const Target* known : same_key) {
    if (same_target(*known, target)) {
      return known;
    }
  }
  same_key.push_back(&m_targets.emplace_back(std::move(target)));
  return same_key.back();
}

} // namespace argoimg::updater::detail
