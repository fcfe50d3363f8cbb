// SPDX-License-Identifier: Apache-2.0
// Reading a saved plan: strict, every field checked, errors naming the plan and the field.
#include "run/saved_plan.hpp"

#include "tag/select.hpp"
#include "util/bounded_file.hpp"
#include "util/json_guard.hpp"
#include "util/strings.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace argoimg::run {

namespace {

namespace fs = std::filesystem;

std::string app_key(const std::string& app_namespace, const std::string& name) {
  return app_namespace + "/" + name;
}

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

// An OCI digest `algorithm:encoded`; a plan's digest is written into files as is.
bool is_digest(std::string_view text) {
  auto colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || text.size() - colon - 1 < 32
      || text.size() > 256) {
    return false;
  }
  auto algorithm = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '_'
           || c == '-';
  };
  auto encoded = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '='
           || c == '_' || c == '-';
  };
  auto algorithm_part = text.substr(0, colon);
  auto encoded_part = text.substr(colon + 1);
  return std::all_of(algorithm_part.begin(), algorithm_part.end(), algorithm)
         && std::all_of(encoded_part.begin(), encoded_part.end(), encoded);
}

util::Result<SavedPlanImage>
read_image(const Reader& reader, const rapidjson::Value& value, const std::string& where) {
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
  static const std::set<std::string> statuses = {"update", "up-to-date", "skipped", "error"};
  if (!statuses.count(image.status)) {
    return tl::unexpected(reader.error(where + ": unknown status " + util::quote(image.status)));
  }
  if ((image.status == "update" || image.status == "up-to-date") && !image.new_tag) {
    return tl::unexpected(
        reader.error(where + ": status " + util::quote(image.status) + " without 'new'"));
  }
  // The planned tag and digest are written into files: only what a registry's answer could be
  // (tag grammar, digest form), never text that would change a file's structure.
  if (image.new_tag && !tag::is_valid_tag(*image.new_tag)) {
    return tl::unexpected(reader.error(where + ": 'new' is not a valid tag"));
  }
  if (image.new_digest && !is_digest(*image.new_digest)) {
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

} // namespace

util::Result<SavedPlan> parse_saved_plan(std::string_view text, const std::string& path) {
  Reader reader{path};
  rapidjson::Document doc;
  util::parse_json_guarded(doc, text);
  if (doc.HasParseError() || !doc.IsObject()) {
    return tl::unexpected(reader.error("not a plan: the file is not a JSON object"));
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
    for (rapidjson::SizeType i = 0; i < (*images)->Size(); ++i) {
      auto image = read_image(reader, (**images)[i], where + ".images[" + std::to_string(i) + "]");
      if (!image) {
        return tl::unexpected(image.error());
      }
      application.images.push_back(std::move(*image));
    }
    plan.applications.push_back(std::move(application));
  }
  for (rapidjson::SizeType f = 0; f < (*files)->Size(); ++f) {
    auto file = read_file_entry(reader, (**files)[f], "files[" + std::to_string(f) + "]");
    if (!file) {
      return tl::unexpected(file.error());
    }
    plan.files.push_back(std::move(*file));
  }
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
