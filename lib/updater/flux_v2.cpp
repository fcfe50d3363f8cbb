// SPDX-License-Identifier: Apache-2.0
// Flux v2: ImagePolicies resolved against their ImageRepositories, and the setter markers that
// name them (docs/flux.md "Flux v2").
#include "app/selector.hpp"
#include "registry/kubernetes.hpp"
#include "tag/flux.hpp"
#include "updater/flux_detail.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <map>
#include <set>

namespace argoimg::updater::flux_detail {

// Pick the policy's tag from `tags` (no pick: no tag qualifies).
util::Result<tag::flux::V2Selection> pick_v2(const app::FluxImagePolicy& policy,
                                             const app::FluxImageRepository& repository,
                                             const std::vector<std::string>& tags,
                                             tag::Explain explain) {
  tag::flux::V2PolicySpec spec;
  spec.exclusion_list = repository.exclusion_list;
  spec.filter_pattern = policy.filter_pattern.value_or("");
  spec.extract = policy.filter_extract.value_or("");
  auto order = policy.order == "desc" ? tag::flux::V2Order::desc : tag::flux::V2Order::asc;
  switch (policy.kind) {
  case app::FluxImagePolicy::Kind::semver:
    spec.semver_range = policy.semver_range;
    break;
  case app::FluxImagePolicy::Kind::alphabetical:
    spec.alphabetical = order;
    break;
  case app::FluxImagePolicy::Kind::numerical:
    spec.numerical = order;
    break;
  }
  auto made = tag::flux::make_v2_policy(spec);
  if (!made) {
    return tl::unexpected(made.error());
  }
  auto selected = tag::flux::select_v2(tags, *made, explain);
  if (!selected) {
    return tl::unexpected(selected.error());
  }
  return std::move(*selected);
}

namespace {

// The credential reference an ImageRepository's secretRef maps to: Flux reads it as a
// dockerconfigjson Secret in the ImageRepository's namespace, which is argoimg's `pullsecret:`.
// Only with Kubernetes access configured; without it the secretRef is a warning (nullopt).
util::Result<std::optional<std::string>> pull_secret_for(const app::FluxImageRepository& repository,
                                                         const ResolveOptions& options) {
  if (repository.secret_ref.empty() || !options.kubernetes_secrets) {
    return std::nullopt;
  }
  if (!registry::is_dns1123(repository.secret_ref, true)) {
    return util::fail(util::ErrorKind::config,
                      "spec.secretRef.name " + util::quote(repository.secret_ref)
                          + " is not a Kubernetes object name (lowercase letters, digits, '-' "
                            "and '.'); the Secret is not read");
  }
  if (!registry::is_dns1123(repository.id.object_namespace, false)) {
    return util::fail(util::ErrorKind::config,
                      "metadata.namespace " + util::quote(repository.id.object_namespace)
                          + " is not a Kubernetes namespace name; its secretRef is not read");
  }
  return "pullsecret:" + repository.id.object_namespace + "/" + repository.secret_ref;
}

// Register the repository read with `secret`. A Secret that cannot be read (the API server
// down, refusing this user, no such Secret in the configured cluster, no entry for this
// registry) is a warning and argoimg's own credentials are used, as without Kubernetes access:
// tags are the same whoever lists them, and a run that worked from the Docker config does not
// fail because a kubeconfig exists. A registry refusing those is then the policy's error.
util::Result<std::string> add_repository(Repositories& repositories,
                                         const app::FluxImageRepository& repository,
                                         const image::ImageRef& image,
                                         const std::optional<std::string>& secret,
                                         std::vector<std::string>& warnings) {
  auto key = repositories.add(image, secret);
  if (key || !secret) {
    return key;
  }
  warnings.push_back(repository.origin.to_string() + ": ImageRepository "
                     + util::quote(repository.id.object_namespace + "/" + repository.id.name)
                     + ": spec.secretRef: " + key.error().message
                     + "; argoimg's own credentials for this registry are used instead");
  return repositories.add(image, std::nullopt);
}

// What an ImageRepository asks for that this run cannot honour: each is a warning naming
// argoimg's own setting for it.
std::vector<std::string> unread_settings(const app::FluxImageRepository& repository,
                                         const ResolveOptions& options) {
  std::string where = repository.origin.to_string() + ": ImageRepository "
                      + util::quote(repository.id.object_namespace + "/" + repository.id.name)
                      + ": ";
  std::string own = " is not read; argoimg takes this registry's credentials from registries.conf "
                    "or the Docker config (docs/flux.md)";
  std::vector<std::string> unread;
  if (!repository.secret_ref.empty() && !options.kubernetes_secrets) {
    unread.push_back(where + "spec.secretRef " + util::quote(repository.secret_ref)
                     + " is not read without Kubernetes access (--kubeconfig, KUBECONFIG, "
                       "~/.kube/config or in a cluster); argoimg takes this registry's "
                       "credentials from registries.conf or the Docker config (docs/flux.md)");
  }
  if (!repository.cert_secret_ref.empty()) {
    unread.push_back(where + "spec.certSecretRef " + util::quote(repository.cert_secret_ref)
                     + " is not read; give the CA with registries.conf 'ca_file'");
  }
  if (!repository.service_account.empty()) {
    unread.push_back(where + "spec.serviceAccountName " + util::quote(repository.service_account)
                     + own);
  }
  if (!repository.provider.empty() && repository.provider != "generic") {
    unread.push_back(where + "spec.provider " + util::quote(repository.provider) + own);
  }
  if (repository.insecure) {
    unread.push_back(where
                     + "spec.insecure is not read; name the registry with --insecure-registry "
                       "or give it an http:// api_url in registries.conf");
  }
  return unread;
}

} // namespace

std::string policy_key(const std::string& ns, const std::string& name) {
  return ns + ":" + name;
}

const char* kind_name(app::FluxImagePolicy::Kind kind) {
  switch (kind) {
  case app::FluxImagePolicy::Kind::alphabetical:
    return "alphabetical";
  case app::FluxImagePolicy::Kind::numerical:
    return "numerical";
  case app::FluxImagePolicy::Kind::semver:
    break;
  }
  return "semver";
}

V2Pending prepare_v2(const FluxInputs& inputs, Repositories& repositories, FluxPlan& plan) {
  V2Pending pending;
  pending.inputs = &inputs;
  std::map<std::string, const app::FluxImageRepository*> by_name;
  // Two objects of one kind, namespace and name (a prod and a staging tree given together):
  // which one a reference means cannot be told, so neither is used. Key -> the second origin.
  std::map<std::string, std::string> repeated_repositories;
  for (const auto& repository : inputs.repositories) {
    auto key = policy_key(repository.id.object_namespace, repository.id.name);
    if (auto [it, fresh] = by_name.emplace(key, &repository); !fresh) {
      repeated_repositories.emplace(key, repository.origin.to_string());
    }
  }
  std::map<std::string, std::vector<std::string>> policy_origins;
  for (const auto& policy : inputs.policies) {
    policy_origins[policy_key(policy.id.object_namespace, policy.id.name)].push_back(
        policy.origin.to_string());
  }
  std::set<std::string> marked; // policies a (selected) marker names
  for (const auto& marker : inputs.markers) {
    marked.insert(policy_key(marker.policy_namespace, marker.policy_name));
  }
  for (size_t p = 0; p < inputs.policies.size(); ++p) {
    const auto& policy = inputs.policies[p];
    std::string alias = policy_key(policy.id.object_namespace, policy.id.name);
    // A policy left out by --match-application-* is not listed, but still resolved for the
    // selected documents whose markers name it.
    bool listed = inputs.policy_listed.empty() || inputs.policy_listed[p];
    if (!listed && marked.count(alias) == 0) {
      continue;
    }
    V2Pending::Policy item{&policy,
                           nullptr,
                           listed ? plan.results.size() : pending.hidden.size(),
                           "",
                           std::nullopt,
                           std::nullopt,
                           !listed};
    auto& result =
        listed ? plan.results.emplace_back(object_result(policy.id, policy.origin, inputs))
               : pending.hidden.emplace_back(object_result(policy.id, policy.origin, inputs));
    auto found = by_name.find(policy_key(policy.repository_namespace, policy.repository_name));
    auto image = image_result(alias, found == by_name.end() ? "" : found->second->image);
    image.status = ImageStatus::error;
    image.strategy_name = kind_name(policy.kind);
    image.constraint =
        policy.kind == app::FluxImagePolicy::Kind::semver ? policy.semver_range : policy.order;
    auto fail = [&](const std::string& reason) {
      image.reason = reason;
      result.status = AppStatus::error;
      result.reason = reason;
    };
    std::string repository_key = policy_key(policy.repository_namespace, policy.repository_name);
    if (policy.error) {
      fail(policy.error->message);
    } else if (const auto& origins = policy_origins[alias]; origins.size() > 1) {
      fail(policy.origin.to_string() + ": ImagePolicy " + util::quote(alias)
           + " is defined more than once (" + util::join(origins, ", ")
           + "); its markers are left alone: give the paths of one tree only");
    } else if (auto twice = repeated_repositories.find(repository_key);
               twice != repeated_repositories.end()) {
      fail(policy.origin.to_string() + ": ImageRepository "
           + util::quote(policy.repository_namespace + "/" + policy.repository_name)
           + " is defined more than once (" + found->second->origin.to_string() + ", "
           + twice->second + "); give the paths of one tree only");
    } else if (found == by_name.end()) {
      fail(policy.origin.to_string() + ": ImageRepository "
           + util::quote(policy.repository_namespace + "/" + policy.repository_name)
           + " is not among the given files");
    } else if (found->second->error) {
      fail(found->second->error->message);
    } else if (auto ref = image::parse_image_ref(found->second->image); !ref) {
      fail(found->second->origin.to_string() + ": image " + util::quote(found->second->image) + ": "
           + ref.error().message);
    } else if (auto secret = pull_secret_for(*found->second, repositories.options()); !secret) {
      fail(found->second->origin.to_string() + ": ImageRepository "
           + util::quote(policy.repository_namespace + "/" + policy.repository_name) + ": "
           + secret.error().message);
    } else if (auto key =
                   add_repository(repositories, *found->second, *ref, *secret, result.warnings);
               !key) {
      fail(found->second->origin.to_string() + ": ImageRepository "
           + util::quote(policy.repository_namespace + "/" + policy.repository_name) + ": "
           + key.error().message);
    } else {
      image.repository = ref->repository();
      image.status = ImageStatus::resolved;
      item.repository = found->second;
      item.key = *key;
      for (const auto& unread : unread_settings(*found->second, repositories.options())) {
        result.warnings.push_back(unread);
      }
      if (policy.repository_namespace != policy.id.object_namespace
          && !found->second->has_access_from) {
        result.warnings.push_back(
            policy.origin.to_string() + ": ImagePolicy " + util::quote(alias)
            + " refers to an ImageRepository in another namespace without accessFrom; Flux "
              "refuses that, argoimg allows it");
      }
    }
    result.images.push_back(std::move(image));
    pending.policies.push_back(item);
  }
  for (size_t a = 0; a < inputs.automations.size(); ++a) {
    const auto& automation = inputs.automations[a];
    bool listed = inputs.automation_listed.empty() || inputs.automation_listed[a];
    if (!automation.error || !listed) {
      continue;
    }
    plan.results.push_back(object_result(automation.id, automation.origin, inputs));
    plan.results.back().status = AppStatus::error;
    plan.results.back().reason = automation.error->message;
  }
  return pending;
}

void finish_v2(V2Pending& pending,
               Repositories& repositories,
               const PlanOptions& options,
               FluxPlan& plan,
               const util::Logger& logger) {
  const FluxInputs& inputs = *pending.inputs;
  std::map<std::string, const V2Pending::Policy*> resolved;
  std::map<std::string, const V2Pending::Policy*> all;
  // Policies resolve in parallel (a selection each, and a HEAD with digest reflection); each
  // writes only its own item and result.
  std::vector<char> picked_ok(pending.policies.size(), 0);
  util::parallel_for(pending.policies.size(), options.resolve.concurrency, [&](size_t i) {
    auto& item = pending.policies[i];
    auto& result = item.hidden ? pending.hidden[item.result] : plan.results[item.result];
    if (!item.repository) {
      return;
    }
    auto& image = result.images.front();
    auto skip = [&image, &result](const std::string& reason) { // the request budget ran out
      image.status = ImageStatus::skipped;
      image.reason = reason;
      image.new_tag.reset();
      image.budget_skipped = true;
      result.status = AppStatus::skipped;
      result.reason = reason;
    };
    if (auto refused = repositories.refused(item.key)) {
      return skip(*refused);
    }
    const auto& tags = repositories.tags(item.key);
    auto picked = tags ? pick_v2(*item.policy, *item.repository, *tags, options.resolve.explain)
                       : util::Result<tag::flux::V2Selection>(tl::unexpected(tags.error()));
    if (picked) {
      image.explain = std::move(picked->explain);
    }
    if (!picked || !picked->pick) {
      image.status = picked ? ImageStatus::no_match : ImageStatus::error;
      image.reason =
          picked ? "no tag qualifies among " + std::to_string(tags->size()) + " tags"
                 : item.policy->origin.to_string() + ": ImagePolicy "
                       + util::quote(item.policy->id.object_namespace + ":" + item.policy->id.name)
                       + ": " + picked.error().message;
      result.status = picked ? AppStatus::skipped : AppStatus::error;
      result.reason = image.reason;
      return;
    }
    item.tag = *picked->pick;
    image.new_tag = item.tag;
    if (item.policy->digest_reflection != app::FluxImagePolicy::DigestReflection::never) {
      registry::Client::BudgetWatch watch;
      auto digest = repositories.digest(item.key, *item.tag);
      if (!digest && watch.refused()) {
        return skip(*watch.refused());
      }
      if (!digest) {
        image.status = ImageStatus::error;
        image.reason =
            "reading the digest of " + util::quote(*item.tag) + ": " + digest.error().message;
        result.status = AppStatus::error;
        result.reason = image.reason;
        return;
      }
      item.digest = *digest;
      image.new_digest = item.digest;
    }
    picked_ok[i] = 1;
  });
  for (size_t i = 0; i < pending.policies.size(); ++i) {
    const auto& item = pending.policies[i];
    std::string key = policy_key(item.policy->id.object_namespace, item.policy->id.name);
    all.emplace(key, &item);
    if (picked_ok[i] != 0) {
      resolved.emplace(key, &item);
    }
  }
  apply_markers(inputs, all, resolved, plan, logger);
}

} // namespace argoimg::updater::flux_detail
