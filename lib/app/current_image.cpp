// SPDX-License-Identifier: Apache-2.0
#include "app/current_image.hpp"

#include "app/values.hpp"
#include "app/yaml_detail.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"

#include <map>
#include <memory>

namespace argoimg::app {

struct TargetDocuments::Impl {
  std::map<std::string, util::Result<std::optional<YAML::Node>>> parsed; // by path in the repo
};

namespace {

// The canonical repository of `name`, or `name` itself when it does not parse.
std::string repository_of(std::string_view name) {
  auto ref = image::parse_image_ref(name);
  return ref ? ref->repository() : std::string(name);
}

// Does `name` (as found somewhere) denote the image `image` tracks?
bool same_image(std::string_view name, const ImageConfig& image) {
  if (image.kustomize_image_name
      && repository_of(name) == repository_of(*image.kustomize_image_name)) {
    return true;
  }
  return repository_of(name) == image.entry.image.repository();
}

std::optional<CurrentImage> from_helm(const std::vector<HelmParameter>& parameters,
                                      const ImageConfig& image,
                                      const std::string& where) {
  auto names = helm_names(image);
  auto value_of = [&parameters](const std::string& name) -> std::optional<std::string> {
    for (const auto& parameter : parameters) {
      if (parameter.name == name) {
        return parameter.value;
      }
    }
    return std::nullopt;
  };
  if (names.spec) {
    if (auto spec = value_of(*names.spec)) {
      auto current = split_image_text(*spec);
      current.found_in = where;
      return current;
    }
    return std::nullopt;
  }
  auto tag = value_of(names.tag);
  if (!tag) {
    return std::nullopt;
  }
  CurrentImage current = split_image_text("x:" + *tag); // the tag may carry @digest
  current.name = value_of(names.name).value_or(image.entry.image_text);
  current.found_in = where;
  return current;
}

using Found = util::Result<std::optional<CurrentImage>>;

// The current image of `image` in the Helm values document `root`.
std::optional<CurrentImage>
from_values_root(const YAML::Node& root, const ImageConfig& image, const std::string& where) {
  auto names = helm_names(image);
  if (names.spec) {
    if (auto spec = yaml::lookup_helm_value(root, *names.spec)) {
      auto current = split_image_text(*spec);
      current.found_in = where;
      return current;
    }
    return std::nullopt;
  }
  auto tag = yaml::lookup_helm_value(root, names.tag);
  if (!tag) {
    return std::nullopt;
  }
  CurrentImage current = split_image_text("x:" + *tag);
  current.name = yaml::lookup_helm_value(root, names.name).value_or(image.entry.image_text);
  current.found_in = where;
  return current;
}

// `text` is a Helm values document named `file` in errors.
Found from_values(std::string_view text,
                  const ImageConfig& image,
                  const std::string& where,
                  const std::string& file,
                  const LoadLimits& limits) {
  auto root = yaml::load_first_document(text, file, limits);
  if (!root) {
    return tl::unexpected(root.error());
  }
  return from_values_root(*root, image, where);
}

// Kustomize image strings: "name=new:tag", "name:tag", "name@digest".
std::optional<CurrentImage> from_kustomize(const std::vector<std::string>& images,
                                           const ImageConfig& image,
                                           const std::string& where) {
  for (const auto& entry : images) {
    size_t eq = entry.find('=');
    std::string original =
        eq == std::string::npos ? split_image_text(entry).name : entry.substr(0, eq);
    if (!same_image(original, image)) {
      continue;
    }
    auto current = split_image_text(eq == std::string::npos ? entry : entry.substr(eq + 1));
    current.found_in = where;
    return current;
  }
  return std::nullopt;
}

std::optional<CurrentImage> from_argocd_source(const YAML::Node& doc,
                                               const ImageConfig& image,
                                               AppType type,
                                               const std::string& where) {
  if (type == AppType::helm) {
    std::vector<HelmParameter> parameters;
    YAML::Node list = yaml::child(yaml::child(doc, "helm"), "parameters");
    for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
      YAML::Node p = list[i];
      std::string name = yaml::text(p, "name");
      if (!name.empty() && yaml::child(p, "value").IsScalar()) {
        parameters.push_back({name, yaml::text(p, "value"), true});
      }
    }
    return from_helm(parameters, image, where);
  }
  std::vector<std::string> images =
      yaml::string_list(yaml::child(yaml::child(doc, "kustomize"), "images"));
  return from_kustomize(images, image, where);
}

std::optional<CurrentImage>
from_kustomization(const YAML::Node& doc, const ImageConfig& image, const std::string& where) {
  YAML::Node images = yaml::child(doc, "images");
  for (size_t i = 0; images.IsSequence() && i < images.size(); ++i) {
    YAML::Node item = images[i];
    std::string name = yaml::text(item, "name");
    if (name.empty() || !same_image(name, image)) {
      continue;
    }
    CurrentImage current;
    std::string new_name = yaml::text(item, "newName");
    current.name = new_name.empty() ? name : new_name;
    current.tag = yaml::text(item, "newTag");
    current.digest = yaml::text(item, "digest");
    current.found_in = where;
    return current;
  }
  return std::nullopt;
}

// Read `path` of `repo`: nullopt when missing, an error when there and unreadable.
util::Result<std::optional<std::string>> read_repo_file(const RepoReader& repo,
                                                        const std::string& path) {
  if (repo.read_checked) {
    return repo.read_checked(path);
  }
  return repo.read(path);
}

// The document of the target file `path`: read and parsed once per `documents` (nullopt: the
// file does not exist).
util::Result<std::optional<YAML::Node>>
target_document(const RepoReader& repo, const std::string& path, TargetDocuments& documents) {
  auto& cache = documents.impl().parsed;
  if (auto it = cache.find(path); it != cache.end()) {
    return it->second;
  }
  auto parse = [&]() -> util::Result<std::optional<YAML::Node>> {
    auto text = read_repo_file(repo, path);
    if (!text) {
      return tl::unexpected(text.error());
    }
    if (!*text) {
      return std::nullopt;
    }
    std::string shown =
        repo.root.empty() ? path : repo.root + (repo.root.back() == '/' ? "" : "/") + path;
    auto root = yaml::load_first_document(**text, shown, repo.limits);
    if (!root) {
      return tl::unexpected(root.error());
    }
    return std::optional<YAML::Node>(std::move(*root));
  };
  return cache.emplace(path, parse()).first->second;
}

Found from_target(const TypeDecision& type,
                  const ImageConfig& image,
                  const TargetFile& target,
                  const RepoReader& repo,
                  TargetDocuments& documents) {
  if (target.kind == TargetFile::Kind::kustomization) {
    for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
      std::string path = join_clean(target.path, name);
      auto doc = target_document(repo, path, documents);
      if (!doc) {
        return tl::unexpected(doc.error());
      }
      if (*doc) {
        return from_kustomization(**doc, image, path);
      }
    }
    return std::nullopt;
  }
  auto doc = target_document(repo, target.path, documents);
  if (!doc) {
    return tl::unexpected(doc.error());
  }
  if (!*doc) {
    return std::nullopt;
  }
  if (target.kind == TargetFile::Kind::helm_values) {
    return from_values_root(**doc, image, target.path);
  }
  return from_argocd_source(**doc, image, type.type, target.path);
}

Found from_spec(const Source& source,
                const TypeDecision& type,
                const ImageConfig& image,
                const std::string& prefix,
                const LoadLimits& limits) {
  if (type.type == AppType::kustomize) {
    return from_kustomize(source.kustomize_images, image, prefix + ".kustomize.images");
  }
  if (auto found = from_helm(source.helm_parameters, image, prefix + ".helm.parameters")) {
    return found;
  }
  if (!source.helm_values_object.empty()) {
    std::string where = prefix + ".helm.valuesObject";
    auto found = from_values(source.helm_values_object, image, where, where, limits);
    if (!found || *found) {
      return found;
    }
  }
  if (!source.helm_values.empty()) {
    std::string where = prefix + ".helm.values";
    return from_values(source.helm_values, image, where, where, limits);
  }
  return std::nullopt;
}

} // namespace

TargetDocuments::TargetDocuments() = default;
TargetDocuments::~TargetDocuments() = default;

TargetDocuments::Impl& TargetDocuments::impl() {
  if (!m_impl) {
    m_impl = std::make_unique<Impl>();
  }
  return *m_impl;
}

CurrentImage split_image_text(std::string_view text) {
  CurrentImage current;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    current.digest = std::string(text.substr(at + 1));
    text = text.substr(0, at);
  }
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && text.substr(colon).find('/') == std::string_view::npos) {
    current.tag = std::string(text.substr(colon + 1));
    text = text.substr(0, colon);
  }
  current.name = std::string(text);
  return current;
}

HelmNames helm_names(const ImageConfig& image) {
  HelmNames names{std::nullopt, "image.name", "image.tag"};
  if (image.helm_image_spec) {
    names.spec = image.helm_image_spec;
    return names;
  }
  if (image.helm_image_name) {
    names.name = *image.helm_image_name;
  }
  if (image.helm_image_tag) {
    names.tag = *image.helm_image_tag;
  }
  return names;
}

util::Result<std::optional<CurrentImage>> locate_current_image(const Application& app,
                                                               const TypeDecision& type,
                                                               const ImageConfig& image,
                                                               const WriteBack& write_back,
                                                               const TargetFile& target,
                                                               const RepoReader* repo,
                                                               TargetDocuments* documents) {
  TargetDocuments own; // parses for this call only
  TargetDocuments& parsed = documents ? *documents : own;
  if (app.status_images) {
    // AIU: the live images; a kustomize rename target is tried first.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& live : *app.status_images) {
        auto current = split_image_text(live);
        bool wanted =
            pass == 0
                ? (image.kustomize_image_name
                   && repository_of(current.name) == repository_of(*image.kustomize_image_name))
                : repository_of(current.name) == image.entry.image.repository();
        if (wanted) {
          current.found_in = "status.summary.images";
          return current;
        }
      }
    }
    return std::nullopt;
  }
  if (type.source_index >= app.sources.size()) {
    return std::nullopt;
  }
  const Source& source = app.sources[type.source_index];
  std::string prefix =
      app.multi_source ? "spec.sources[" + std::to_string(type.source_index) + "]" : "spec.source";
  bool target_first = write_back.method == WriteBack::Method::git;
  if (repo && target_first) {
    auto found = from_target(type, image, target, *repo, parsed);
    if (!found || *found) {
      return found;
    }
  }
  auto found = from_spec(source, type, image, prefix, repo ? repo->limits : LoadLimits{});
  if (!found || *found) {
    return found;
  }
  if (repo && !target_first) {
    return from_target(type, image, target, *repo, parsed);
  }
  return std::nullopt;
}

std::optional<CurrentImage> find_current_image(const Application& app,
                                               const TypeDecision& type,
                                               const ImageConfig& image,
                                               const WriteBack& write_back,
                                               const TargetFile& target,
                                               const RepoReader* repo,
                                               TargetDocuments* documents) {
  auto found = locate_current_image(app, type, image, write_back, target, repo, documents);
  return found ? *found : std::nullopt;
}

} // namespace argoimg::app
