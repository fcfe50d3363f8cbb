// SPDX-License-Identifier: Apache-2.0
#include "app/app_type.hpp"
#include "app/config.hpp"
#include "app/values.hpp"
#include "tag/glob.hpp"
#include "tag/min_age.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::app {

namespace {

using util::quote;

const std::vector<std::string> k_app_keys = {"image-list",
                                             "update-strategy",
                                             "allow-tags",
                                             "ignore-tags",
                                             "force-update",
                                             "pull-secret",
                                             "write-back-method",
                                             "write-back-target",
                                             "git-branch",
                                             "git-repository"};
const std::vector<std::string> k_image_keys = {"update-strategy",
                                               "allow-tags",
                                               "tag-match",
                                               "ignore-tags",
                                               "force-update",
                                               "pull-secret",
                                               "platforms",
                                               "helm.image-name",
                                               "helm.image-tag",
                                               "helm.image-spec",
                                               "kustomize.image-name",
                                               "min-age"}; // argoimg's extension

// Reads annotations with AIU 1.x's rules: values trimmed, an empty value is "unset".
class Annotations {
public:
  explicit Annotations(const Application& app) : m_app(app) {}

  // The value of `key` (without the prefix), if set and not empty.
  std::optional<std::string> get(const std::string& key) const {
    auto it = m_app.annotations.find(std::string(k_annotation_prefix) + key);
    if (it == m_app.annotations.end()) {
      return std::nullopt;
    }
    std::string value(util::trim(it->second.value));
    return value.empty() ? std::nullopt : std::optional<std::string>(value);
  }

  // The per-image key of `alias`, then the app-wide key.
  std::optional<std::string> image_or_app(const std::optional<std::string>& alias,
                                          const std::string& key) const {
    if (alias) {
      if (auto value = get(annotation_alias(*alias) + "." + key)) {
        return value;
      }
    }
    return get(key);
  }

  // "path:line: annotation 'prefix/key'" for messages.
  std::string where(const std::string& key) const {
    std::string full = std::string(k_annotation_prefix) + key;
    auto it = m_app.annotations.find(full);
    std::string at = it != m_app.annotations.end() ? it->second.position.to_string() + ": " : "";
    return at + "annotation " + quote(full);
  }

  // Which key was actually used for (`alias`, `key`): the per-image one if set.
  std::string used_key(const std::optional<std::string>& alias, const std::string& key) const {
    if (alias && get(annotation_alias(*alias) + "." + key)) {
      return annotation_alias(*alias) + "." + key;
    }
    return key;
  }

  static std::string annotation_alias(std::string alias) {
    std::replace(alias.begin(), alias.end(), '/', '_');
    return alias;
  }

private:
  const Application& m_app;
};

util::Result<bool> parse_bool(const std::string& text, const std::string& where) {
  static const std::vector<std::string> yes = {"1", "t", "T", "true", "True", "TRUE"};
  static const std::vector<std::string> no = {"0", "f", "F", "false", "False", "FALSE"};
  if (std::find(yes.begin(), yes.end(), text) != yes.end()) {
    return true;
  }
  if (std::find(no.begin(), no.end(), text) != no.end()) {
    return false;
  }
  return util::fail(util::ErrorKind::config, where + ": " + quote(text) + " is not true or false");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  for (auto part : util::split(text, ',')) {
    part = util::trim(part);
    if (!part.empty()) {
      out.emplace_back(part);
    }
  }
  return out;
}

util::Result<ImageConfig> image_from_annotations(image::ImageListEntry entry,
                                                 const Annotations& a,
                                                 std::vector<std::string>& warnings) {
  ImageConfig config;
  config.entry = std::move(entry);
  const auto& alias = config.entry.alias;
  if (auto strategy = a.image_or_app(alias, "update-strategy")) {
    auto parsed = tag::parse_strategy(*strategy);
    if (!parsed) {
      return util::fail(util::ErrorKind::config,
                        a.where(a.used_key(alias, "update-strategy")) + ": "
                            + parsed.error().message);
    }
    config.strategy = parsed->strategy;
    if (parsed->warning) {
      warnings.push_back(a.where(a.used_key(alias, "update-strategy")) + ": " + *parsed->warning);
    }
  }
  if (auto allow = a.image_or_app(alias, "allow-tags")) {
    config.allow_tags = *allow;
  } else if (alias) {
    if (auto match = a.get(Annotations::annotation_alias(*alias) + ".tag-match")) {
      config.allow_tags = *match;
      warnings.push_back(a.where(Annotations::annotation_alias(*alias) + ".tag-match")
                         + ": 'tag-match' is deprecated, use 'allow-tags'");
    }
  }
  if (auto ignore = a.image_or_app(alias, "ignore-tags")) {
    config.ignore_tags = split_list(*ignore);
    for (const auto& glob : config.ignore_tags) {
      if (auto problem = tag::glob_problem(glob)) {
        return util::fail(util::ErrorKind::config,
                          a.where(a.used_key(alias, "ignore-tags")) + ": malformed glob "
                              + quote(glob) + " at position " + std::to_string(problem->offset + 1)
                              + ": " + problem->what);
      }
    }
  }
  if (auto force = a.image_or_app(alias, "force-update")) {
    auto parsed = parse_bool(*force, a.where(a.used_key(alias, "force-update")));
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    config.force_update = *parsed;
  }
  config.pull_secret = a.image_or_app(alias, "pull-secret");
  if (alias) {
    std::string key = Annotations::annotation_alias(*alias);
    if (auto platforms = a.get(key + ".platforms")) {
      auto parsed = tag::parse_platforms(*platforms);
      if (!parsed) {
        return util::fail(util::ErrorKind::config,
                          a.where(key + ".platforms") + ": " + parsed.error().message);
      }
      config.platforms = *parsed;
    }
    config.helm_image_name = a.get(key + ".helm.image-name");
    config.helm_image_tag = a.get(key + ".helm.image-tag");
    config.helm_image_spec = a.get(key + ".helm.image-spec");
    config.kustomize_image_name = a.get(key + ".kustomize.image-name");
    if (auto min_age = a.get(key + ".min-age")) {
      auto parsed = tag::parse_min_age(*min_age);
      if (!parsed) {
        return util::fail(util::ErrorKind::config,
                          a.where(key + ".min-age") + ": " + parsed.error().message);
      }
      config.min_age_s = *parsed;
    }
    for (const char* helm : {".helm.image-name", ".helm.image-tag", ".helm.image-spec"}) {
      auto path = a.get(key + helm);
      if (auto checked = path ? check_helm_path(*path) : util::Result<bool>(true); !checked) {
        return util::fail(util::ErrorKind::config,
                          a.where(key + helm) + ": " + checked.error().message);
      }
    }
  }
  return config;
}

// Warn about keys under the prefix that argoimg does not know (AIU ignores them silently).
void check_keys(const Application& app,
                const std::vector<std::string>& aliases,
                std::vector<std::string>& warnings) {
  std::vector<std::string> known = k_app_keys;
  for (const auto& alias : aliases) {
    for (const auto& key : k_image_keys) {
      known.push_back(Annotations::annotation_alias(alias) + "." + key);
    }
  }
  for (const auto& [full, annotation] : app.annotations) {
    if (full.rfind(k_annotation_prefix, 0) != 0) {
      continue;
    }
    std::string key = full.substr(k_annotation_prefix.size());
    if (std::find(known.begin(), known.end(), key) != known.end()) {
      continue;
    }
    std::string message = annotation.position.to_string() + ": unknown annotation " + quote(full);
    if (key == "min-age") {
      message += ": min-age is set per image, as '<alias>.min-age' (or --min-age)";
    } else if (auto match = util::closest_match(key, known)) {
      message += " (did you mean " + quote(std::string(k_annotation_prefix) + *match) + "?)";
    } else if (size_t dot = key.find('.'); dot != std::string::npos) {
      std::string suffix = key.substr(dot + 1);
      if (std::find(k_image_keys.begin(), k_image_keys.end(), suffix) != k_image_keys.end()) {
        message += ": " + quote(key.substr(0, dot)) + " is not an alias in image-list";
      }
    }
    warnings.push_back(message + "; it is ignored");
  }
}

} // namespace

util::Result<WriteBack> parse_write_back_method(std::string_view text) {
  WriteBack write_back;
  std::string value(util::trim(text));
  if (value.empty() || value == "argocd") {
    return write_back;
  }
  write_back.method = WriteBack::Method::git;
  if (value == "git" || value == "git:repocreds") {
    write_back.credentials = "repocreds";
    return write_back;
  }
  if (value.rfind("git:secret:", 0) == 0) {
    std::string secret = value.substr(11);
    size_t slash = secret.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == secret.size()) {
      return util::fail(util::ErrorKind::config,
                        "write-back-method " + quote(value)
                            + ": expected 'git:secret:<namespace>/<name>'");
    }
    write_back.credentials = "secret:" + secret;
    return write_back;
  }
  return util::fail(util::ErrorKind::config,
                    "unknown write-back method " + quote(value)
                        + util::did_you_mean(value, {"argocd", "git", "git:repocreds"})
                        + "; use argocd, git, git:repocreds or git:secret:<namespace>/<name>");
}

bool has_image_list(const Application& app) {
  return app.annotations.count(std::string(k_annotation_prefix) + "image-list") > 0;
}

util::Result<AppConfig> config_from_annotations(const Application& app) {
  Annotations a(app);
  AppConfig config;
  auto list = app.annotations.find(std::string(k_annotation_prefix) + "image-list");
  std::vector<std::string> aliases;
  if (list != app.annotations.end()) {
    for (auto& element : image::parse_image_list(list->second.value)) {
      if (!element) {
        return util::fail(util::ErrorKind::config,
                          a.where("image-list") + ": " + element.error().message);
      }
      if (element->alias) {
        aliases.push_back(*element->alias);
      }
      auto image = image_from_annotations(std::move(*element), a, config.warnings);
      if (!image) {
        return tl::unexpected(image.error());
      }
      image->position = list->second.position;
      config.images.push_back(std::move(*image));
    }
  }
  auto method = parse_write_back_method(a.get("write-back-method").value_or(""));
  if (!method) {
    return util::fail(util::ErrorKind::config,
                      a.where("write-back-method") + ": " + method.error().message);
  }
  config.write_back = *method;
  config.write_back.target = a.get("write-back-target").value_or("");
  if (config.write_back.method == WriteBack::Method::git) { // only git reads the target
    if (auto target = check_write_back_target(config.write_back.target); !target) {
      return util::fail(util::ErrorKind::config,
                        a.where("write-back-target") + ": " + target.error().message);
    }
  }
  config.write_back.branch = a.get("git-branch").value_or("");
  if (std::count(config.write_back.branch.begin(), config.write_back.branch.end(), ':') > 1) {
    return util::fail(util::ErrorKind::config,
                      a.where("git-branch") + ": invalid format " + quote(config.write_back.branch)
                          + "; expected '[base][:write-branch-template]'");
  }
  config.write_back.repository = a.get("git-repository").value_or("");
  check_keys(app, aliases, config.warnings);
  return config;
}

} // namespace argoimg::app
