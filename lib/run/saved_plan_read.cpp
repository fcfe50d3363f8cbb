// SPDX-License-Identifier: Apache-2.0
// Reading a saved plan: strict, every field checked, errors naming the plan and the field.
#include "run/saved_plan.hpp"
#include "run/saved_plan_detail.hpp"
#include "run/saved_plan_read_detail.hpp"

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

using detail::read_api_object;
using detail::read_file_entry;
using detail::read_flux_object;
using detail::read_flux_write;
using detail::read_image;
using detail::read_inputs;
using detail::Reader;

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
  if (auto given = doc.FindMember("inputs"); given != doc.MemberEnd()) {
    auto inputs = read_inputs(reader, given->value, "inputs");
    if (!inputs) {
      return tl::unexpected(inputs.error());
    }
    plan.inputs = std::move(*inputs);
  }
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
