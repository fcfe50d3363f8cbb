// SPDX-License-Identifier: Apache-2.0
// Reading a saved plan: strict, every field checked, errors naming the plan and the field.
#include "run/saved_plan.hpp"
#include "run/saved_plan_detail.hpp"

#include "registry/manifest.hpp"
#include "tag/select.hpp"
#include "util/bounded_file.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace argoimg::run {

namespace {

namespace fs = std::filesystem;
using detail::app_key;

// Field accessors that fail naming the plan and the field.
struct Reader {
  const std::string& path;
  util::Error error(const std::string& what) const {
    return util::Error{util::ErrorKind::config, "plan " + util::quote(path) + ": " + what};
  }
  util::Result<std::string>
  text(const rapidjson::Value& object, const char* key, const std::string& where) const {
    auto found = object.FindMember(key);
    if (found == object.MemberEnd() || !found->value.IsString()) {
      return tl::unexpected(error(where + ": '" + key + "' must be a string"));
    }
    return std::string(found->value.GetString(), found->value.GetStringLength());
  }
  util::Result<std::optional<std::string>>
  optional_text(const rapidjson::Value& object, const char* key, const std::string& where) const {
    if (!object.HasMember(key)) {
      return std::nullopt;
    }
    auto value = text(object, key, where);
    return value ? util::Result<std::optional<std::string>>(*value) : tl::unexpected(value.error());
  }
  util::Result<const rapidjson::Value*>
  array(const rapidjson::Value& object, const char* key, const std::string& where) const {
    auto found = object.FindMember(key);
    if (found == object.MemberEnd() || !found->value.IsArray()) {
      return tl::unexpected(error(where + ": '" + key + "' must be an array"));
    }
    return &found->value;
  }
};

// A scalar written into a file: one line of printable text (edit_scalars quotes it as needed
// and proves that it reads back and that nothing else changed).
bool is_scalar_text(std::string_view text) {
  return !text.empty() && text.size() <= 1024 && std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// `flux`: a Flux object's image, whose `new` is what its marker writes (a tag, a name or
// `name:tag`); its writes are checked on their own.
util::Result<SavedPlanImage> read_image(const Reader& reader,
                                        const rapidjson::Value& value,
                                        const std::string& where,
                                        bool flux = false) {
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

// The optional sections (`flux`, `api`): absent in plans of runs without them.
template <typename T, typename Read>
util::Result<std::vector<T>>
optional_section(const Reader& reader, const rapidjson::Value& doc, const char* key, Read read) {
  std::vector<T> out;
  if (!doc.HasMember(key)) {
    return out;
  }
  auto list = reader.array(doc, key, "the document");
  if (!list) {
    return tl::unexpected(list.error());
  }
  for (rapidjson::SizeType i = 0; i < (*list)->Size(); ++i) {
    auto item = read(reader, (**list)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (!item) {
      return tl::unexpected(item.error());
    }
    out.push_back(std::move(*item));
  }
  return out;
}

// The first key an object under `value` holds twice, named by where it is ("files[2].sha256").
// JSON readers disagree on which of two equal keys counts (RapidJSON takes the first, jq and
// Python the last): a plan a reviewer reads must be the plan argoimg applies.
std::optional<std::string> repeated_key(const rapidjson::Value& value, const std::string& where) {
  if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      if (auto found = repeated_key(value[i], where + "[" + std::to_string(i) + "]")) {
        return found;
      }
    }
  } else if (value.IsObject()) {
    std::set<std::string_view> keys;
    for (const auto& member : value.GetObject()) {
      std::string_view key(member.name.GetString(), member.name.GetStringLength());
      std::string here = (where.empty() ? "" : where + ".") + std::string(key);
      if (!keys.insert(key).second) {
        return here;
      }
      if (auto found = repeated_key(member.value, here)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

} // namespace

util::Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& path) {
  Reader reader{path};
  rapidjson::Document doc;
  if (!util::json_depth_ok(text)) {
    return tl::unexpected(reader.error("not a plan: it nests arrays and objects more than 256 "
                                       "deep (a plan needs 6)"));
  }
  util::parse_json_guarded(doc, text);
  if (doc.HasParseError() || !doc.IsObject()) {
    return tl::unexpected(reader.error("not a plan: the file is not a JSON object"));
  }
  if (auto repeated = repeated_key(doc, "")) {
    return tl::unexpected(reader.error(util::quote(util::escape_control(*repeated))
                                       + " is given twice; a plan names each key once"));
  }
  auto kind = reader.text(doc, "kind", "the document");
  if (!kind || *kind != "argoimg.plan") {
    return tl::unexpected(reader.error("not a plan: 'kind' is not 'argoimg.plan'"));
  }
  auto version = doc.FindMember("planVersion");
  if (version == doc.MemberEnd() || !version->value.IsInt()
      || version->value.GetInt() != k_plan_version) {
    return tl::unexpected(
        reader.error("planVersion is not " + std::to_string(k_plan_version)
                     + ", the only version this argoimg reads; make the plan again with it"));
  }
  SavedPlan plan;
  auto applications = reader.array(doc, "applications", "the document");
  auto files = reader.array(doc, "files", "the document");
  if (!applications || !files) {
    return tl::unexpected(!applications ? applications.error() : files.error());
  }
  std::set<std::string> names;
  for (rapidjson::SizeType a = 0; a < (*applications)->Size(); ++a) {
    const auto& value = (**applications)[a];
    std::string where = "applications[" + std::to_string(a) + "]";
    if (!value.IsObject()) {
      return tl::unexpected(reader.error(where + ": must be an object"));
    }
    SavedPlanApplication application;
    auto name = reader.text(value, "name", where);
    auto app_namespace = reader.text(value, "namespace", where);
    auto images = reader.array(value, "images", where);
    if (!name || !app_namespace || !images) {
      return tl::unexpected(!name            ? name.error()
                            : !app_namespace ? app_namespace.error()
                                             : images.error());
    }
    application.name = *name;
    application.app_namespace = *app_namespace;
    if (!names.insert(app_key(*app_namespace, *name)).second) {
      return tl::unexpected(reader.error(where + ": application "
                                         + util::quote(app_key(*app_namespace, *name))
                                         + " is named twice"));
    }
    std::set<std::string> aliases;
    for (rapidjson::SizeType i = 0; i < (*images)->Size(); ++i) {
      std::string image_where = where + ".images[" + std::to_string(i) + "]";
      auto image = read_image(reader, (**images)[i], image_where);
      if (!image) {
        return tl::unexpected(image.error());
      }
      if (!aliases.insert(image->alias).second) {
        return tl::unexpected(reader.error(image_where + ": image " + util::quote(image->alias)
                                           + " is named twice in the application"));
      }
      application.images.push_back(std::move(*image));
    }
    plan.applications.push_back(std::move(application));
  }
  std::set<std::string> paths;
  for (rapidjson::SizeType f = 0; f < (*files)->Size(); ++f) {
    std::string where = "files[" + std::to_string(f) + "]";
    auto file = read_file_entry(reader, (**files)[f], where);
    if (!file) {
      return tl::unexpected(file.error());
    }
    if (!paths.insert(file->path).second) {
      return tl::unexpected(
          reader.error(where + ": file " + util::quote(file->path) + " is named twice"));
    }
    plan.files.push_back(std::move(*file));
  }
  auto flux = optional_section<SavedPlanFluxObject>(reader, doc, "flux", read_flux_object);
  auto api = optional_section<SavedPlanApiObject>(reader, doc, "api", read_api_object);
  if (!flux || !api) {
    return tl::unexpected(!flux ? flux.error() : api.error());
  }
  plan.flux = std::move(*flux);
  plan.api = std::move(*api);
  return plan;
}

util::Result<SavedPlan> read_saved_plan(const std::string& path) {
  auto text = util::read_file_bounded(path, util::k_max_config_file_size * 4);
  if (!text) {
    return util::fail(text.error().kind, "--plan: " + text.error().message);
  }
  return parse_saved_plan(*text, path);
}

} // namespace argoimg::run
