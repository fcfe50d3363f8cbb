// SPDX-License-Identifier: Apache-2.0
// Flux v2: ImagePolicies resolved against their ImageRepositories, and the setter markers that
// name them (docs/flux.md "Flux v2").
#include "app/selector.hpp"
#include "tag/flux.hpp"
#include "updater/flux_detail.hpp"
#include "util/strings.hpp"

#include <filesystem>
#include <map>
#include <set>

namespace argoimg::updater::flux_detail {

namespace {

std::string policy_key(const std::string& ns, const std::string& name) {
  return ns + ":" + name;
}

// Pick the policy's tag from `tags` (no pick: no tag qualifies).
util::Result<tag::flux::V2Selection> pick(const app::FluxImagePolicy& policy,
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

// `path` joined to `root` the way Flux joins update.path: `..` cannot leave the root.
std::filesystem::path secure_join(const std::string& root, const std::string& path) {
  std::filesystem::path out = std::filesystem::path(root).lexically_normal();
  std::filesystem::path base = out;
  for (const auto& part : std::filesystem::path(path).relative_path()) {
    if (part == "..") {
      if (out != base) {
        out = out.parent_path();
      }
    } else if (part != "." && !part.empty()) {
      out /= part;
    }
  }
  return out;
}

bool under(const std::string& file, const std::filesystem::path& dir) {
  std::error_code error;
  auto relative = std::filesystem::absolute(file, error)
                      .lexically_normal()
                      .lexically_relative(std::filesystem::absolute(dir, error).lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// The value a marker's field takes from its resolved policy, or why there is none.
util::Result<std::string> marked_value(app::FluxMarker::Field field,
                                       const app::FluxImageRepository& repository,
                                       const V2Pending::Policy& policy) {
  switch (field) {
  case app::FluxMarker::Field::tag:
    return *policy.tag;
  case app::FluxMarker::Field::name:
    return repository.image;
  case app::FluxMarker::Field::digest:
    if (!policy.digest) {
      return util::fail(util::ErrorKind::config,
                        "a ':digest' marker needs digest reflection (digestReflectionPolicy "
                        "IfNotPresent or Always); Flux would blank the field, argoimg leaves it");
    }
    return *policy.digest;
  case app::FluxMarker::Field::image:
    break;
  }
  return repository.image + ":" + *policy.tag + (policy.digest ? "@" + *policy.digest : "");
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

const char* field_name(app::FluxMarker::Field field) {
  switch (field) {
  case app::FluxMarker::Field::tag:
    return "tag";
  case app::FluxMarker::Field::name:
    return "name";
  case app::FluxMarker::Field::digest:
    return "digest";
  case app::FluxMarker::Field::image:
    break;
  }
  return "image";
}

// What an ImageRepository asks for that a one-shot run cannot honour from files: each is a
// warning naming argoimg's own setting for it.
std::vector<std::string> unread_settings(const app::FluxImageRepository& repository) {
  std::string where = repository.origin.to_string() + ": ImageRepository "
                      + util::quote(repository.id.object_namespace + "/" + repository.id.name)
                      + ": ";
  std::string own = " is not read; argoimg takes this registry's credentials from registries.conf "
                    "or the Docker config (docs/flux.md)";
  std::vector<std::string> unread;
  if (!repository.secret_ref.empty()) {
    unread.push_back(where + "spec.secretRef " + util::quote(repository.secret_ref) + own);
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

V2Pending prepare_v2(const FluxInputs& inputs, Repositories& repositories, FluxPlan& plan) {
  V2Pending pending;
  pending.inputs = &inputs;
  std::map<std::string, const app::FluxImageRepository*> by_name;
  for (const auto& repository : inputs.repositories) {
    by_name.emplace(policy_key(repository.id.object_namespace, repository.id.name), &repository);
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
    if (policy.error) {
      fail(policy.error->message);
    } else if (found == by_name.end()) {
      fail(policy.origin.to_string() + ": ImageRepository "
           + util::quote(policy.repository_namespace + "/" + policy.repository_name)
           + " is not among the given files");
    } else if (found->second->error) {
      fail(found->second->error->message);
    } else if (auto ref = image::parse_image_ref(found->second->image); !ref) {
      fail(found->second->origin.to_string() + ": image " + util::quote(found->second->image) + ": "
           + ref.error().message);
    } else if (auto key = repositories.add(*ref); !key) {
      fail(key.error().message);
    } else {
      image.repository = ref->repository();
      image.status = ImageStatus::resolved;
      item.repository = found->second;
      item.key = *key;
      for (const auto& unread : unread_settings(*found->second)) {
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
  for (const auto& automation : inputs.automations) {
    if (!automation.error) {
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
  for (auto& item : pending.policies) {
    all.emplace(policy_key(item.policy->id.object_namespace, item.policy->id.name), &item);
    auto& result = item.hidden ? pending.hidden[item.result] : plan.results[item.result];
    if (!item.repository) {
      continue;
    }
    auto& image = result.images.front();
    const auto& tags = repositories.tags(item.key);
    auto picked = tags ? pick(*item.policy, *item.repository, *tags, options.resolve.explain)
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
      continue;
    }
    item.tag = *picked->pick;
    image.new_tag = item.tag;
    if (item.policy->digest_reflection != app::FluxImagePolicy::DigestReflection::never) {
      auto digest = repositories.digest(item.key, *item.tag);
      if (!digest) {
        image.status = ImageStatus::error;
        image.reason =
            "reading the digest of " + util::quote(*item.tag) + ": " + digest.error().message;
        result.status = AppStatus::error;
        result.reason = image.reason;
        continue;
      }
      item.digest = *digest;
      image.new_digest = item.digest;
    }
    resolved.emplace(policy_key(item.policy->id.object_namespace, item.policy->id.name), &item);
  }
  // An automation scopes markers to its update.path and policies to its namespace and selector.
  std::vector<const app::FluxImageUpdateAutomation*> automations;
  for (const auto& automation : inputs.automations) {
    if (!automation.error) {
      automations.push_back(&automation);
    }
  }
  // Without an automation every marker is applied; with some, only what a valid one covers
  // (an invalid automation applies nothing, as in Flux, rather than widening the scope).
  auto in_scope = [&](const app::FluxMarker& marker, const app::FluxImagePolicy& policy) {
    if (inputs.automations.empty()) {
      return true;
    }
    for (const auto* automation : automations) {
      bool labels_match = true;
      for (const auto& [key, value] : automation->policy_selector) {
        auto label = policy.labels.find(key);
        labels_match = labels_match && label != policy.labels.end() && label->second == value;
      }
      if (automation->id.object_namespace == policy.id.object_namespace && labels_match
          && under(marker.slot.position.file, secure_join(inputs.root, automation->update_path))) {
        return true;
      }
    }
    return false;
  };
  std::map<std::pair<std::string, size_t>, size_t> documents; // (file, document) -> result
  for (const auto& marker : inputs.markers) {
    std::string alias = policy_key(marker.policy_namespace, marker.policy_name);
    auto named = all.find(alias);
    if (named == all.end() || !in_scope(marker, *named->second->policy)) {
      logger.warn(marker.slot.position.to_string() + ": marker " + util::quote(marker.setter)
                  + " names no ImagePolicy "
                  + (named == all.end() ? "among the given files" : "in an automation's scope")
                  + "; left alone");
      continue;
    }
    auto [doc, fresh] = documents.try_emplace(
        std::pair{marker.slot.position.file, marker.slot.document}, plan.results.size());
    if (fresh) {
      plan.results.push_back(object_result(marker.document, marker.document_origin, inputs));
    }
    size_t index = doc->second;
    auto& result = plan.results[index];
    auto image = image_result(
        alias, named->second->repository ? named->second->repository->image : std::string());
    image.field = field_name(marker.field);
    image.strategy_name = kind_name(named->second->policy->kind);
    image.current = marker.slot.value;
    auto ready = resolved.find(alias);
    if (ready == resolved.end()) {
      image.reason = "the ImagePolicy " + util::quote(alias) + " is not resolved";
    } else if (auto value = marked_value(marker.field, *ready->second->repository, *ready->second);
               !value) {
      image.status = ImageStatus::error;
      image.reason = marker.slot.position.to_string() + ": " + value.error().message;
    } else {
      image.new_tag = *value;
      image.status = *value == marker.slot.value ? ImageStatus::up_to_date : ImageStatus::update;
      if (image.status == ImageStatus::update) {
        plan.writes.push_back(FluxWrite{
            index,
            marker.slot.position.file,
            marker.setter + ": " + marker.slot.value + " -> " + *value,
            writeback::ScalarEdit{
                marker.slot.document, yaml_path(marker.slot.path), marker.slot.value, *value}});
      }
    }
    result.images.push_back(std::move(image));
  }
  for (const auto& [where, index] : documents) { // once per document: it may have many markers
    plan.results[index].status = aggregate_status(plan.results[index].images);
  }
}

} // namespace argoimg::updater::flux_detail
