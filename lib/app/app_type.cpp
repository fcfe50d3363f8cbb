// SPDX-License-Identifier: Apache-2.0
#include "app/app_type.hpp"

#include "util/strings.hpp"

namespace argoimg::app {

std::string_view to_string(AppType type) {
  switch (type) {
  case AppType::helm:
    return "helm";
  case AppType::kustomize:
    return "kustomize";
  case AppType::other:
    return "other";
  }
  return "other";
}

namespace {

std::optional<size_t> first_source(const Application& app, AppType type) {
  for (size_t i = 0; i < app.sources.size(); ++i) {
    const auto& source = app.sources[i];
    if ((type == AppType::helm && (source.has_helm || !source.chart.empty()))
        || (type == AppType::kustomize && source.has_kustomize)) {
      return i;
    }
  }
  return std::nullopt;
}

AppType from_status(std::string_view type) {
  if (type == "Helm") {
    return AppType::helm;
  }
  if (type == "Kustomize") {
    return AppType::kustomize;
  }
  return AppType::other;
}

} // namespace

TypeDecision detect_type(const Application& app, const WriteBack& write_back) {
  TypeDecision decision;
  if (app.sources.empty()) {
    decision.reason = "the application has no spec.source or spec.sources";
    return decision;
  }
  if (write_back.target.rfind("kustomization", 0) == 0) {
    decision.type = AppType::kustomize;
  } else if (write_back.target.rfind("helmvalues", 0) == 0) {
    decision.type = AppType::helm;
  } else if (app.multi_source && !app.status_source_types.empty()) {
    std::string found = "Directory";
    for (const auto& type : app.status_source_types) {
      if (type == "Helm" || type == "Kustomize" || type == "Plugin") {
        found = type;
        break;
      }
    }
    decision.type = from_status(found);
    if (decision.type == AppType::other) {
      decision.reason = "its source type is " + util::quote(found) + " (status.sourceTypes)";
    }
  } else if (!app.status_source_type.empty()) {
    decision.type = from_status(app.status_source_type);
    if (decision.type == AppType::other) {
      decision.reason =
          "its source type is " + util::quote(app.status_source_type) + " (status.sourceType)";
    }
  } else if (first_source(app, AppType::helm)) {
    decision.type = AppType::helm;
  } else if (first_source(app, AppType::kustomize)) {
    decision.type = AppType::kustomize;
  } else {
    decision.reason = "its type is neither Helm nor Kustomize: no source has 'helm', 'chart' or "
                      "'kustomize'; set write-back-target to 'kustomization' or 'helmvalues' to "
                      "choose";
  }
  if (decision.type == AppType::other) {
    decision.reason = "not of a supported source type: " + decision.reason;
    return decision;
  }
  decision.source_index = first_source(app, decision.type).value_or(0);
  return decision;
}

std::string join_clean(std::string_view base, std::string_view relative) {
  std::vector<std::string> parts;
  auto push = [&parts](std::string_view path) {
    for (auto part : util::split(path, '/')) {
      if (part.empty() || part == ".") {
        continue;
      }
      if (part == "..") {
        if (!parts.empty()) {
          parts.pop_back();
        }
        continue;
      }
      parts.emplace_back(part);
    }
  };
  push(base);
  push(relative);
  return parts.empty() ? "." : util::join(parts, "/");
}

util::Result<bool> check_write_back_target(std::string_view target) {
  enum class Form { plain, kustomization, helm } form = Form::plain;
  std::string_view path = target;
  if (target == "kustomization") {
    return true;
  }
  if (target.rfind("kustomization:", 0) == 0) {
    form = Form::kustomization;
    path.remove_prefix(std::string_view("kustomization:").size());
  } else if (target.rfind("helmvalues", 0) == 0) {
    form = Form::helm;
    path.remove_prefix(std::string_view("helmvalues").size());
    if (!path.empty() && path.front() == ':') {
      path.remove_prefix(1);
    }
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  size_t slash = path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (file != "kustomization.yaml" && file != "kustomization.yml" && file != "Kustomization") {
    return true;
  }
  // A plain target is relative to the repository root, a prefixed one to the source path
  // (unless `/`-absolute): the suggestion keeps that meaning.
  std::string_view dir = slash == std::string_view::npos ? "" : path.substr(0, slash);
  std::string suggestion = "kustomization";
  if (form == Form::plain || (!dir.empty() && dir.front() == '/')) {
    while (!dir.empty() && dir.front() == '/') {
      dir.remove_prefix(1);
    }
    suggestion += ":/" + std::string(dir);
  } else if (!dir.empty()) {
    suggestion += ":" + std::string(dir);
  }
  const char* why = form == Form::helm            ? ", not a Helm values file"
                    : form == Form::kustomization ? ", not the directory that holds it"
                                                  : "";
  return util::fail(util::ErrorKind::config,
                    util::quote(target) + " names a kustomization file" + why + ": use "
                        + util::quote(suggestion));
}

TargetFile write_back_target(const Application& app,
                             const Source& source,
                             const WriteBack& write_back,
                             const std::string& argocd_namespace) {
  const std::string& target = write_back.target;
  auto resolve = [&source](std::string_view rest, std::string_view fallback) {
    if (rest.empty()) {
      return join_clean(source.path, fallback);
    }
    if (rest.front() == '/') {
      return join_clean("", rest.substr(1));
    }
    return join_clean(source.path, rest);
  };
  for (auto [prefix, kind, fallback] :
       {std::tuple{std::string_view("kustomization"), TargetFile::Kind::kustomization, "."},
        std::tuple{
            std::string_view("helmvalues"), TargetFile::Kind::helm_values, "./values.yaml"}}) {
    if (target.rfind(prefix, 0) == 0) {
      std::string_view rest = std::string_view(target).substr(prefix.size());
      if (!rest.empty() && rest.front() == ':') {
        rest.remove_prefix(1);
      }
      return TargetFile{kind, resolve(rest, fallback)};
    }
  }
  if (!target.empty()) {
    return TargetFile{TargetFile::Kind::argocd_source, join_clean("", target)};
  }
  bool other_namespace = !app.app_namespace.empty() && app.app_namespace != argocd_namespace;
  std::string file = other_namespace
                         ? ".argocd-source-" + app.app_namespace + "_" + app.name + ".yaml"
                         : ".argocd-source-" + app.name + ".yaml";
  return TargetFile{TargetFile::Kind::argocd_source, join_clean(source.path, file)};
}

} // namespace argoimg::app
