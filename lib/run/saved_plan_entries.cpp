// SPDX-License-Identifier: Apache-2.0
// The entries of a saved plan: images, files, Flux writes and objects, API objects.
#include "run/saved_plan_read_detail.hpp"

#include "registry/manifest.hpp"
#include "tag/select.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace argoimg::run::detail {

namespace fs = std::filesystem;

namespace {

// A scalar written into a file: one line of printable text (edit_scalars quotes it as needed
// and proves that it reads back and that nothing else changed).
bool is_scalar_text(std::string_view text) {
  return !text.empty() && text.size() <= 1024 && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

} // namespace

// `flux`: a Flux object's image, whose `new` is what its marker writes (a tag, a name or
// `name:tag`); its writes are checked on their own.
util::Result<SavedPlanImage> read_image(const Reader& reader,
                                        const rapidjson::Value& value,
                                        const std::string& where,
                                        bool flux) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanImage image;
  for (auto [key, field] : {std::pair{"alias", &image.alias},
                            std::pair{"image", &image.image},
                            std::pair{"status", &image.status}}) {
    auto read = reader.text(value, key, where);
    if (!read) {
      return tl::unexpected(read.error());
    }
    *field = *read;
  }
  for (auto [key, field] : {std::pair{"current", &image.current},
                            std::pair{"currentDigest", &image.current_digest},
                            std::pair{"new", &image.new_tag},
                            std::pair{"newDigest", &image.new_digest},
                            std::pair{"reason", &image.reason}}) {
    auto read = reader.optional_text(value, key, where);
    if (!read) {
      return tl::unexpected(read.error());
    }
    *field = *read;
  }
  // `resolved` and `no-match`: a Flux ImagePolicy's own result.
  static const std::set<std::string> statuses = {
      "update", "up-to-date", "skipped", "error", "resolved", "no-match"};
  if (!statuses.count(image.status)) {
    return tl::unexpected(reader.error(where + ": unknown status " + util::quote(image.status)));
  }
  if ((image.status == "update" || image.status == "up-to-date") && !image.new_tag) {
    return tl::unexpected(
        reader.error(where + ": status " + util::quote(image.status) + " without 'new'"));
  }
  // The planned tag and digest are written into files: only what a registry's answer could be
  // (tag grammar, digest form), never text that would change a file's structure.
  if (image.new_tag
      && !(flux ? is_scalar_text(*image.new_tag) : tag::is_valid_tag(*image.new_tag))) {
    return tl::unexpected(reader.error(where + ": 'new' is not a valid tag"));
  }
  if (image.new_digest && !registry::is_valid_digest(*image.new_digest)) {
    return tl::unexpected(reader.error(where + ": 'newDigest' is not a digest"));
  }
  return image;
}

util::Result<SavedPlanFile>
read_file_entry(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanFile file;
  auto path = reader.text(value, "path", where);
  auto sha = reader.text(value, "sha256", where);
  auto created = value.FindMember("created");
  if (!path || !sha) {
    return tl::unexpected(!path ? path.error() : sha.error());
  }
  if (created == value.MemberEnd() || !created->value.IsBool()) {
    return tl::unexpected(reader.error(where + ": 'created' must be true or false"));
  }
  file.path = *path;
  file.sha256 = *sha;
  file.created = created->value.GetBool();
  if (std::any_of(file.path.begin(), file.path.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      })) {
    return tl::unexpected(reader.error(where + ": 'path' holds a control character"));
  }
  if (!fs::path(file.path).is_absolute()) {
    return tl::unexpected(reader.error(where + ": 'path' must be absolute"));
  }
  if (file.created != file.sha256.empty()) {
    return tl::unexpected(reader.error(where + ": 'sha256' must be empty exactly when created"));
  }
  for (auto [key, field] :
       {std::pair{"applications", &file.applications}, std::pair{"images", &file.images}}) {
    auto list = reader.array(value, key, where);
    if (!list) {
      return tl::unexpected(list.error());
    }
    for (const auto& item : (*list)->GetArray()) {
      if (!item.IsString()) {
        return tl::unexpected(reader.error(where + ": '" + key + "' must hold strings"));
      }
      field->emplace_back(item.GetString(), item.GetStringLength());
    }
  }
  return file;
}

namespace {

util::Result<std::vector<std::string>> strings(const Reader& reader,
                                               const rapidjson::Value& value,
                                               const char* key,
                                               const std::string& where) {
  auto list = reader.array(value, key, where);
  if (!list) {
    return tl::unexpected(list.error());
  }
  std::vector<std::string> out;
  for (const auto& item : (*list)->GetArray()) {
    if (!item.IsString()) {
      return tl::unexpected(reader.error(where + ": '" + key + "' must hold strings"));
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

} // namespace

util::Result<SavedPlanFluxWrite>
read_flux_write(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanFluxWrite write;
  for (auto [key, field] : {std::pair{"file", &write.file},
                            std::pair{"current", &write.current},
                            std::pair{"value", &write.value},
                            std::pair{"described", &write.described}}) {
    auto read = reader.text(value, key, where);
    if (!read) {
      return tl::unexpected(read.error());
    }
    *field = *read;
  }
  if (!fs::path(write.file).is_absolute()) {
    return tl::unexpected(reader.error(where + ": 'file' must be absolute"));
  }
  if (!is_scalar_text(write.value)) {
    return tl::unexpected(reader.error(where + ": 'value' must be one line of text"));
  }
  auto document = value.FindMember("document");
  if (document == value.MemberEnd() || !document->value.IsUint()) {
    return tl::unexpected(reader.error(where + ": 'document' must be a number"));
  }
  write.document = document->value.GetUint();
  auto path = reader.array(value, "path", where);
  if (!path) {
    return tl::unexpected(path.error());
  }
  for (const auto& step : (*path)->GetArray()) {
    if (step.IsString()) {
      write.path.push_back(
          writeback::PathStep{std::string(step.GetString(), step.GetStringLength()), std::nullopt});
    } else if (step.IsUint()) {
      write.path.push_back(writeback::PathStep{"", size_t{step.GetUint()}});
    } else {
      return tl::unexpected(reader.error(where + ": 'path' must hold keys and indexes"));
    }
  }
  if (write.path.empty()) {
    return tl::unexpected(reader.error(where + ": 'path' must not be empty"));
  }
  return write;
}

util::Result<SavedPlanFluxObject>
read_flux_object(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanFluxObject object;
  auto kind = reader.optional_text(value, "kind", where);
  auto name = reader.optional_text(value, "name", where);
  auto app_namespace = reader.text(value, "namespace", where);
  auto origin = reader.text(value, "origin", where);
  auto images = reader.array(value, "images", where);
  auto writes = reader.array(value, "writes", where);
  for (const auto* error : {kind ? nullptr : &kind.error(),
                            name ? nullptr : &name.error(),
                            app_namespace ? nullptr : &app_namespace.error(),
                            origin ? nullptr : &origin.error(),
                            images ? nullptr : &images.error(),
                            writes ? nullptr : &writes.error()}) {
    if (error) {
      return tl::unexpected(*error);
    }
  }
  object.kind = *kind;
  object.name = *name;
  object.app_namespace = *app_namespace;
  object.origin = *origin;
  for (rapidjson::SizeType i = 0; i < (*images)->Size(); ++i) {
    auto image =
        read_image(reader, (**images)[i], where + ".images[" + std::to_string(i) + "]", true);
    if (!image) {
      return tl::unexpected(image.error());
    }
    object.images.push_back(std::move(*image));
  }
  for (rapidjson::SizeType i = 0; i < (*writes)->Size(); ++i) {
    auto write =
        read_flux_write(reader, (**writes)[i], where + ".writes[" + std::to_string(i) + "]");
    if (!write) {
      return tl::unexpected(write.error());
    }
    object.writes.push_back(std::move(*write));
  }
  return object;
}

util::Result<SavedPlanApiObject>
read_api_object(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanApiObject object;
  for (auto [key, field] : {std::pair{"name", &object.name},
                            std::pair{"namespace", &object.app_namespace},
                            std::pair{"resourceVersion", &object.resource_version},
                            std::pair{"sha256", &object.sha256}}) {
    auto read = reader.text(value, key, where);
    if (!read) {
      return tl::unexpected(read.error());
    }
    *field = *read;
  }
  auto images = strings(reader, value, "images", where);
  if (!images) {
    return tl::unexpected(images.error());
  }
  object.images = std::move(*images);
  return object;
}

namespace {

// A `scheme://…@host` URL: a user name or password a plan must not carry.
bool has_userinfo(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return false;
  }
  size_t end = url.find('/', scheme + 3);
  return url.substr(scheme + 3, end == std::string::npos ? std::string::npos : end - scheme - 3)
             .find('@')
         != std::string::npos;
}

} // namespace

util::Result<SavedPlanInputs>
read_inputs(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
  if (!value.IsObject()) {
    return tl::unexpected(reader.error(where + ": must be an object"));
  }
  SavedPlanInputs inputs;
  for (auto [key, field] : {std::pair{"paths", &inputs.paths},
                            std::pair{"repoRoots", &inputs.repo_roots},
                            std::pair{"matchNames", &inputs.match_names}}) {
    auto list = strings(reader, value, key, where);
    if (!list) {
      return tl::unexpected(list.error());
    }
    *field = std::move(*list);
  }
  for (auto [key, field] : {std::pair{"server", &inputs.server},
                            std::pair{"matchLabels", &inputs.match_labels},
                            std::pair{"appNamespace", &inputs.app_namespace},
                            std::pair{"project", &inputs.project},
                            std::pair{"argocdNamespace", &inputs.argocd_namespace},
                            std::pair{"shard", &inputs.shard}}) {
    auto text = reader.text(value, key, where);
    if (!text) {
      return tl::unexpected(text.error());
    }
    *field = std::move(*text);
  }
  // Inputs are few (a run's arguments): a plan naming more is not one argoimg wrote, and each
  // would be walked; the same path twice is read once.
  constexpr size_t k_max_inputs = 10000;
  for (auto [key, list] : {std::pair{"paths", &inputs.paths},
                           std::pair{"repoRoots", &inputs.repo_roots},
                           std::pair{"matchNames", &inputs.match_names}}) {
    if (list->size() > k_max_inputs) {
      return tl::unexpected(reader.error(where + ": '" + key + "' holds more than "
                                         + std::to_string(k_max_inputs) + " entries"));
    }
    std::set<std::string> seen;
    list->erase(
        std::remove_if(list->begin(),
                       list->end(),
                       [&seen](const std::string& item) { return !seen.insert(item).second; }),
        list->end());
  }
  // Paths become the apply run's inputs: absolute, and one line of text each; a repository
  // URL as argoimg writes it (normalised: no user name or password).
  for (const auto* list : {&inputs.paths, &inputs.repo_roots}) {
    for (const auto& path : *list) {
      size_t eq = list == &inputs.repo_roots ? path.rfind('=') : std::string::npos;
      bool absolute = list == &inputs.repo_roots
                          ? eq != std::string::npos && eq > 0
                                && fs::path(path.substr(eq + 1)).is_absolute()
                                && !has_userinfo(path.substr(0, eq))
                          : fs::path(path).is_absolute();
      if (path.empty() || !absolute || !is_scalar_text(path)) {
        return tl::unexpected(reader.error(
            where + ": " + util::quote(util::escape_control(path))
            + (list == &inputs.repo_roots ? " is not URL=DIR (no user name) with DIR an absolute "
                                            "path on one line"
                                          : " is not an absolute path on one line")));
      }
    }
  }
  return inputs;
}

} // namespace argoimg::run::detail
