// SPDX-License-Identifier: Apache-2.0
// Reading a saved plan's entries (saved_plan_entries.cpp) for parse_saved_plan
// (saved_plan_read.cpp): each checks every field and fails naming the plan and the field.
#pragma once

#include "run/saved_plan.hpp"

#include "util/result.hpp"
#include "util/strings.hpp"

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

namespace argoimg::run::detail {

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

// An image of an application (or, with `flux`, of a Flux object: its `new` is what the marker
// writes).
util::Result<SavedPlanImage> read_image(const Reader& reader,
                                        const rapidjson::Value& value,
                                        const std::string& where,
                                        bool flux = false);
util::Result<SavedPlanFile>
read_file_entry(const Reader& reader, const rapidjson::Value& value, const std::string& where);
util::Result<SavedPlanFluxWrite>
read_flux_write(const Reader& reader, const rapidjson::Value& value, const std::string& where);
util::Result<SavedPlanFluxObject>
read_flux_object(const Reader& reader, const rapidjson::Value& value, const std::string& where);
util::Result<SavedPlanApiObject>
read_api_object(const Reader& reader, const rapidjson::Value& value, const std::string& where);
// The planning run's inputs (`inputs`).
util::Result<SavedPlanInputs>
read_inputs(const Reader& reader, const rapidjson::Value& value, const std::string& where);

} // namespace argoimg::run::detail
