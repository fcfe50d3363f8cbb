// SPDX-License-Identifier: Apache-2.0
#include "app/current_image.hpp"

#include "app/values.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"

#include <yaml-cpp/yaml.h>

namespace argoimg::app {

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

std::optional<CurrentImage>
from_values(std::string_view yaml, const ImageConfig& image, const std::string& where) {
  auto names = helm_names(image);
  if (names.spec) {
    if (auto spec = lookup_value(yaml, *names.spec)) {
      auto current = split_image_text(*spec);
      current.found_in = where;
      return current;
    }
    return std::nullopt;
  }
  auto tag = lookup_value(yaml, names.tag);
  if (!tag) {
    return std::nullopt;
  }
  CurrentImage current = split_image_text("x:" + *tag);
  current.name = lookup_value(yaml, names.name).value_or(image.entry.image_text);
  current.found_in = where;
  return current;
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

std::optional<CurrentImage> from_argocd_source(const std::string& text,
                                               const ImageConfig& image,
                                               AppType type,
                                               const std::string& where) {
  try {
    YAML::Node doc = YAML::Load(text);
    if (type == AppType::helm) {
      std::vector<HelmParameter> parameters;
      for (const auto& p : doc["helm"]["parameters"]) {
        if (p.IsMap() && p["name"] && p["value"]) {
          parameters.push_back({p["name"].Scalar(), p["value"].Scalar(), true});
        }
      }
      return from_helm(parameters, image, where);
    }
    std::vector<std::string> images;
    for (const auto& item : doc["kustomize"]["images"]) {
      if (item.IsScalar()) {
        images.push_back(item.Scalar());
      }
    }
    return from_kustomize(images, image, where);
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

std::optional<CurrentImage>
from_kustomization(const std::string& text, const ImageConfig& image, const std::string& where) {
  try {
    YAML::Node doc = YAML::Load(text);
    for (const auto& item : doc["images"]) {
      if (!item.IsMap() || !item["name"] || !same_image(item["name"].Scalar(), image)) {
        continue;
      }
      CurrentImage current;
      current.name = item["newName"] ? item["newName"].Scalar() : item["name"].Scalar();
      current.tag = item["newTag"] ? item["newTag"].Scalar() : "";
      current.digest = item["digest"] ? item["digest"].Scalar() : "";
      current.found_in = where;
      return current;
    }
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

std::optional<CurrentImage> from_target(const TypeDecision& type,
                                        const ImageConfig& image,
                                        const TargetFile& target,
                                        const RepoReader& repo) {
  if (target.kind == TargetFile::Kind::kustomization) {
    for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
      std::string path = join_clean(target.path, name);
      if (auto text = repo.read(path)) {
        return from_kustomization(*text, image, path);
      }
    }
    return std::nullopt;
  }
  auto text = repo.read(target.path);
  if (!text) {
    return std::nullopt;
  }
  if (target.kind == TargetFile::Kind::helm_values) {
    return from_values(*text, image, target.path);
  }
  return from_argocd_source(*text, image, type.type, target.path);
}

std::optional<CurrentImage> from_spec(const Source& source,
                                      const TypeDecision& type,
                                      const ImageConfig& image,
                                      const std::string& prefix) {
  if (type.type == AppType::kustomize) {
    return from_kustomize(source.kustomize_images, image, prefix + ".kustomize.images");
  }
  if (auto found = from_helm(source.helm_parameters, image, prefix + ".helm.parameters")) {
    return found;
  }
  if (!source.helm_values_object.empty()) {
    if (auto found = from_values(source.helm_values_object, image, prefix + ".helm.valuesObject")) {
      return found;
    }
  }
  if (!source.helm_values.empty()) {
    return from_values(source.helm_values, image, prefix + ".helm.values");
  }
  return std::nullopt;
}

} // namespace

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

std::optional<CurrentImage> find_current_image(const Application& app,
                                               const TypeDecision& type,
                                               const ImageConfig& image,
                                               const WriteBack& write_back,
                                               const TargetFile& target,
                                               const RepoReader* repo) {
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
  const Source& source = app.sources[type.source_index];
  std::string prefix =
      app.multi_source ? "spec.sources[" + std::to_string(type.source_index) + "]" : "spec.source";
  bool target_first = write_back.method == WriteBack::Method::git;
  if (repo && target_first) {
    if (auto found = from_target(type, image, target, *repo)) {
      return found;
    }
  }
  if (auto found = from_spec(source, type, image, prefix)) {
    return found;
  }
  if (repo && !target_first) {
    return from_target(type, image, target, *repo);
  }
  return std::nullopt;
}

} // namespace argoimg::app
