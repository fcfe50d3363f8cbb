// SPDX-License-Identifier: Apache-2.0
// Reading Flux v2 ImageRepository, ImagePolicy and ImageUpdateAutomation objects
// (image.toolkit.fluxcd.io v1beta1, v1beta2 and v1) into the model of flux.hpp. A field Flux
// would refuse makes the object's `error`; the other objects of the file still load.
#include "app/flux_v2_detail.hpp"
#include "util/strings.hpp"

#include <array>
#include <optional>
#include <string>

namespace argoimg::app {

namespace {

using yaml::child;
using yaml::FileRef;
using yaml::position_of;
using yaml::text;

constexpr std::string_view k_group = "image.toolkit.fluxcd.io";
// ImageRepository: at most this many exclusion regexps (the CRD's maxItems).
constexpr size_t k_max_exclusions = 25;

// The first problem of one object, with where it is and which object it is.
class Problems {
public:
  Problems(const YAML::Node& doc, const FileRef& at, const ObjectId& id) : m_doc(doc), m_at(at) {
    m_label = id.kind + " "
              + util::quote(id.name.empty() ? "<unnamed>" : id.object_namespace + "/" + id.name);
  }

  // Record `message` about `node` (the document when `node` is absent) unless one is recorded.
  void add(const YAML::Node& node, const std::string& message) {
    if (m_error) {
      return;
    }
    const YAML::Node& where = (node && node.Mark().line >= 0) ? node : m_doc;
    m_error =
        util::Error{util::ErrorKind::invalid_input,
                    position_of(where, m_at).to_string(true) + ": " + m_label + ": " + message};
  }

  // Require `node` (named `name`) to be a mapping / scalar when present and not null.
  bool map(const YAML::Node& node, const std::string& name) {
    return !node || shape(node, node.IsMap(), name, "a mapping");
  }
  bool scalar(const YAML::Node& node, const std::string& name) {
    return !node || shape(node, node.IsScalar(), name, "a string");
  }

  std::optional<util::Error> error() const { return m_error; }

private:
  bool shape(const YAML::Node& node, bool ok, const std::string& name, const char* wanted) {
    if (!node || node.IsNull() || ok) {
      return true;
    }
    add(node, util::quote(name) + " must be " + wanted + ", not " + yaml::type_name(node));
    return false;
  }

  const YAML::Node& m_doc;
  const FileRef& m_at;
  std::string m_label;
  std::optional<util::Error> m_error;
};

// The version of `image.toolkit.fluxcd.io/<version>`; an unsupported one is a problem.
std::string version_of(const YAML::Node& doc, Problems& problems) {
  std::string api_version = text(doc, "apiVersion");
  std::string version = api_version.substr(api_version.find('/') + 1);
  if (version != "v1beta1" && version != "v1beta2" && version != "v1") {
    problems.add(child(doc, "apiVersion"),
                 "apiVersion " + util::quote(api_version)
                     + " is not supported (v1beta1, v1beta2 or v1)");
  }
  return version;
}

// `spec`, checked to be a mapping (an undefined node when absent or malformed).
YAML::Node spec_of(const YAML::Node& doc, Problems& problems) {
  YAML::Node spec = child(doc, "spec");
  problems.map(spec, "spec");
  return spec && spec.IsMap() ? spec : YAML::Node(YAML::NodeType::Undefined);
}

// A string field, checked; "" when absent, null or malformed.
std::string
field(const YAML::Node& parent, const char* key, const std::string& name, Problems& problems) {
  YAML::Node node = child(parent, key);
  return problems.scalar(node, name) && node && node.IsScalar() ? node.Scalar() : std::string();
}

// `<name>.name` of a reference object such as `secretRef`.
std::string reference_name(const YAML::Node& spec, const char* key, Problems& problems) {
  YAML::Node node = child(spec, key);
  if (!problems.map(node, std::string("spec.") + key)) {
    return {};
  }
  return field(node, "name", std::string("spec.") + key + ".name", problems);
}

std::map<std::string, std::string> labels_of(const YAML::Node& doc, Problems& problems) {
  std::map<std::string, std::string> labels;
  YAML::Node map = child(child(doc, "metadata"), "labels");
  if (!problems.map(map, "metadata.labels") || !map) {
    return labels;
  }
  for (const auto& item : map) {
    if (item.first.IsScalar() && (item.second.IsScalar() || item.second.IsNull())) {
      labels[item.first.Scalar()] = item.second.IsNull() ? "" : item.second.Scalar();
    } else {
      problems.add(item.first, "metadata.labels must map strings to strings");
    }
  }
  return labels;
}

// A reference with a scheme, a tag or a digest: what ParseImageReference refuses.
std::optional<std::string> image_problem(const std::string& image) {
  if (image.empty()) {
    return "spec.image is required";
  }
  if (image.find("://") != std::string::npos) {
    return "spec.image " + util::quote(image) + " must not have a scheme";
  }
  size_t last_slash = image.rfind('/');
  std::string last = last_slash == std::string::npos ? image : image.substr(last_slash + 1);
  if (last.find(':') != std::string::npos || image.find('@') != std::string::npos) {
    return "spec.image " + util::quote(image) + " must not have a tag or digest";
  }
  return std::nullopt;
}

} // namespace

bool is_flux_v2_kind(std::string_view api_version, std::string_view kind) {
  return api_version.substr(0, api_version.find('/')) == k_group
         && (kind == "ImageRepository" || kind == "ImagePolicy" || kind == "ImageUpdateAutomation");
}

ObjectId read_object_id(const YAML::Node& doc) {
  ObjectId id;
  id.api_version = text(doc, "apiVersion");
  id.kind = text(doc, "kind");
  YAML::Node metadata = child(doc, "metadata");
  id.name = text(metadata, "name");
  id.object_namespace = text(metadata, "namespace");
  if (!id.name.empty() && id.object_namespace.empty()) {
    id.object_namespace = "default";
  }
  // For --match-application-label on marked documents; a bad label is not this reader's
  // business (the object's own reader, if any, reports it).
  YAML::Node labels = child(metadata, "labels");
  if (labels && labels.IsMap()) {
    for (const auto& item : labels) {
      if (item.first.IsScalar() && item.second.IsScalar()) {
        id.labels[item.first.Scalar()] = item.second.Scalar();
      }
    }
  }
  return id;
}

FluxImageRepository read_flux_image_repository(const YAML::Node& doc, const FileRef& at) {
  FluxImageRepository repository;
  repository.id = read_object_id(doc);
  repository.origin = position_of(doc, at);
  Problems problems(doc, at, repository.id);
  std::string version = version_of(doc, problems);
  YAML::Node spec = spec_of(doc, problems);
  repository.image = field(spec, "image", "spec.image", problems);
  if (auto bad = image_problem(repository.image)) {
    problems.add(child(spec, "image"), *bad);
  }
  if (YAML::Node list = child(spec, "exclusionList"); list && !list.IsNull()) {
    if (!list.IsSequence()) {
      problems.add(list,
                   std::string("'spec.exclusionList' must be a sequence, not ")
                       + yaml::type_name(list));
    } else if (list.size() > k_max_exclusions) {
      problems.add(list, "spec.exclusionList has more than 25 entries");
    } else {
      repository.exclusion_list.emplace();
      for (const auto& item : list) {
        if (!item.IsScalar()) {
          problems.add(item, "spec.exclusionList entries must be strings");
          continue;
        }
        repository.exclusion_list->push_back(item.Scalar());
      }
    }
  }
  repository.secret_ref = reference_name(spec, "secretRef", problems);
  repository.cert_secret_ref = reference_name(spec, "certSecretRef", problems);
  repository.service_account =
      field(spec, "serviceAccountName", "spec.serviceAccountName", problems);
  repository.has_access_from =
      static_cast<bool>(child(spec, "accessFrom")) && !child(spec, "accessFrom").IsNull();
  // v1beta1 has no `provider` and no `insecure`: the API server would drop them.
  if (version != "v1beta1") {
    repository.provider = field(spec, "provider", "spec.provider", problems);
    if (repository.provider.empty()) {
      repository.provider = "generic";
    } else if (repository.provider != "generic" && repository.provider != "aws"
               && repository.provider != "azure" && repository.provider != "gcp") {
      problems.add(child(spec, "provider"),
                   "spec.provider " + util::quote(repository.provider)
                       + " is not one of generic, aws, azure, gcp");
    }
    std::string insecure = field(spec, "insecure", "spec.insecure", problems);
    if (!insecure.empty()) {
      auto value = yaml::boolean(insecure);
      if (!value) {
        problems.add(child(spec, "insecure"), "spec.insecure must be true or false");
      }
      repository.insecure = value.value_or(false);
    }
  } else {
    repository.provider = "generic";
  }
  repository.error = problems.error();
  return repository;
}

FluxImagePolicy read_flux_image_policy(const YAML::Node& doc, const FileRef& at) {
  FluxImagePolicy policy;
  policy.id = read_object_id(doc);
  policy.origin = position_of(doc, at);
  policy.origin_text = policy.origin.to_string();
  Problems problems(doc, at, policy.id);
  std::string version = version_of(doc, problems);
  policy.labels = labels_of(doc, problems);
  YAML::Node spec = spec_of(doc, problems);
  YAML::Node ref = child(spec, "imageRepositoryRef");
  if (problems.map(ref, "spec.imageRepositoryRef")) {
    policy.repository_name = field(ref, "name", "spec.imageRepositoryRef.name", problems);
    policy.repository_namespace =
        field(ref, "namespace", "spec.imageRepositoryRef.namespace", problems);
  }
  if (policy.repository_name.empty()) {
    problems.add(ref, "spec.imageRepositoryRef.name is required");
  }
  if (policy.repository_namespace.empty()) {
    policy.repository_namespace = policy.id.object_namespace;
  }
  YAML::Node choice = child(spec, "policy");
  // `semver:` with nothing after it is not set (a nil pointer in Flux).
  auto set = [&choice](const char* key) {
    YAML::Node node = child(choice, key);
    return node && !node.IsNull() ? node : YAML::Node(YAML::NodeType::Undefined);
  };
  YAML::Node semver = set("semver");
  YAML::Node alphabetical = set("alphabetical");
  YAML::Node numerical = set("numerical");
  problems.map(choice, "spec.policy");
  // Several set: semver wins, then alphabetical (the order of Flux's policy factory).
  if (semver && problems.map(semver, "spec.policy.semver")) {
    policy.kind = FluxImagePolicy::Kind::semver;
    policy.semver_range = field(semver, "range", "spec.policy.semver.range", problems);
    if (policy.semver_range.empty()) {
      problems.add(semver, "spec.policy.semver.range is required");
    }
  } else if (YAML::Node ordered = alphabetical ? alphabetical : numerical;
             ordered && problems.map(ordered, "spec.policy")) {
    policy.kind =
        alphabetical ? FluxImagePolicy::Kind::alphabetical : FluxImagePolicy::Kind::numerical;
    std::string order = field(ordered, "order", "spec.policy order", problems);
    if (!order.empty()) {
      policy.order = order;
    }
    if (policy.order != "asc" && policy.order != "desc") {
      problems.add(child(ordered, "order"),
                   "unknown order " + util::quote(policy.order) + " (asc or desc)");
    }
  } else if (!semver && !alphabetical && !numerical) {
    problems.add(choice, "spec.policy has none of semver, alphabetical, numerical");
  }
  YAML::Node filter = child(spec, "filterTags");
  if (problems.map(filter, "spec.filterTags") && filter && filter.IsMap()) {
    if (child(filter, "pattern")) {
      policy.filter_pattern = field(filter, "pattern", "spec.filterTags.pattern", problems);
    }
    if (child(filter, "extract")) {
      policy.filter_extract = field(filter, "extract", "spec.filterTags.extract", problems);
    }
  }
  // v1beta1 has no digest reflection: the API server would drop the field.
  if (std::string reflect =
          field(spec, "digestReflectionPolicy", "spec.digestReflectionPolicy", problems);
      !reflect.empty() && version != "v1beta1") {
    using Reflect = FluxImagePolicy::DigestReflection;
    if (reflect == "Never") {
      policy.digest_reflection = Reflect::never;
    } else if (reflect == "IfNotPresent") {
      policy.digest_reflection = Reflect::if_not_present;
    } else if (reflect == "Always") {
      policy.digest_reflection = Reflect::always;
    } else {
      problems.add(child(spec, "digestReflectionPolicy"),
                   "unknown digestReflectionPolicy " + util::quote(reflect)
                       + " (Never, IfNotPresent or Always)");
    }
  }
  policy.error = problems.error();
  return policy;
}

FluxImageUpdateAutomation read_flux_image_update_automation(const YAML::Node& doc,
                                                            const FileRef& at) {
  FluxImageUpdateAutomation automation;
  automation.id = read_object_id(doc);
  automation.origin = position_of(doc, at);
  automation.origin_text = automation.origin.to_string();
  Problems problems(doc, at, automation.id);
  version_of(doc, problems);
  YAML::Node spec = spec_of(doc, problems);
  YAML::Node update = child(spec, "update");
  if (problems.map(update, "spec.update")) {
    automation.update_path = field(update, "path", "spec.update.path", problems);
    automation.strategy = field(update, "strategy", "spec.update.strategy", problems);
  }
  if (automation.strategy.empty()) {
    automation.strategy = "Setters";
  } else if (automation.strategy != "Setters") {
    problems.add(child(update, "strategy"),
                 "spec.update.strategy " + util::quote(automation.strategy)
                     + " is not supported (only Setters)");
  }
  YAML::Node selector = child(spec, "policySelector");
  if (problems.map(selector, "spec.policySelector") && selector && selector.IsMap()) {
    if (YAML::Node expressions = child(selector, "matchExpressions");
        expressions && !expressions.IsNull()) {
      problems.add(expressions, "spec.policySelector.matchExpressions is not supported");
    }
    YAML::Node labels = child(selector, "matchLabels");
    if (problems.map(labels, "spec.policySelector.matchLabels") && labels && labels.IsMap()) {
      for (const auto& item : labels) {
        if (item.first.IsScalar() && item.second.IsScalar()) {
          automation.policy_selector[item.first.Scalar()] = item.second.Scalar();
        } else {
          problems.add(item.first, "spec.policySelector.matchLabels must map strings to strings");
        }
      }
    }
  }
  automation.error = problems.error();
  return automation;
}

} // namespace argoimg::app
