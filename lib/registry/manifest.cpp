// SPDX-License-Identifier: Apache-2.0
#include "registry/manifest.hpp"

#include "util/json_guard.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <rapidjson/document.h>

#include <algorithm>

namespace argoimg::registry {

namespace {

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (object.IsObject()) {
    auto it = object.FindMember(name);
    if (it != object.MemberEnd() && it->value.IsString()) {
      return std::string(it->value.GetString(), it->value.GetStringLength());
    }
  }
  return {};
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool is_index_type(std::string_view type) {
  return type == "application/vnd.oci.image.index.v1+json"
         || type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

bool is_schema1_type(std::string_view type) {
  return type == "application/vnd.docker.distribution.manifest.v1+prettyjws"
         || type == "application/vnd.docker.distribution.manifest.v1+json";
}

} // namespace

bool is_valid_digest(std::string_view digest) {
  size_t hex_size = 0;
  if (digest.rfind("sha256:", 0) == 0) {
    hex_size = 64;
  } else if (digest.rfind("sha512:", 0) == 0) {
    hex_size = 128;
  } else {
    return false;
  }
  std::string_view hex = digest.substr(7);
  return hex.size() == hex_size && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

util::Result<Manifest>
parse_manifest(std::string_view body, std::string_view content_type, std::string digest) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::network, "malformed manifest JSON");
  }
  Manifest manifest;
  manifest.digest = std::move(digest);
  manifest.media_type = string_member(doc, "mediaType");
  if (manifest.media_type.empty()) {
    manifest.media_type = std::string(util::trim(content_type.substr(0, content_type.find(';'))));
  }
  const auto* manifests = member(doc, "manifests");
  if (is_index_type(manifest.media_type) || (manifests && manifests->IsArray())) {
    manifest.kind = Manifest::Kind::index;
    if (!manifests || !manifests->IsArray()) {
      return util::fail(util::ErrorKind::network, "index without a 'manifests' list");
    }
    for (const auto& entry : manifests->GetArray()) {
      ManifestChild child;
      child.digest = string_member(entry, "digest");
      if (const auto* platform = member(entry, "platform")) {
        child.os = string_member(*platform, "os");
        child.architecture = string_member(*platform, "architecture");
        child.variant = string_member(*platform, "variant");
      }
      if (is_valid_digest(child.digest)) { // empty or malformed: not a usable child
        manifest.children.push_back(std::move(child));
      }
    }
    return manifest;
  }
  const auto* history = member(doc, "history");
  if (is_schema1_type(manifest.media_type) || (history && !member(doc, "config"))) {
    manifest.kind = Manifest::Kind::schema1;
    manifest.schema1_architecture = string_member(doc, "architecture");
    manifest.schema1_os = "linux";
    if (history && history->IsArray() && !history->Empty()) {
      std::string v1 = string_member((*history)[0], "v1Compatibility");
      rapidjson::Document compat;
      util::parse_json_guarded(compat, v1);
      if (!compat.HasParseError()) {
        manifest.schema1_created = util::parse_rfc3339(string_member(compat, "created"));
        if (auto os = string_member(compat, "os"); !os.empty()) {
          manifest.schema1_os = os;
        }
      }
    }
    return manifest;
  }
  const auto* config = member(doc, "config");
  if (!config) {
    return util::fail(util::ErrorKind::network, "manifest without 'config'");
  }
  manifest.kind = Manifest::Kind::image;
  manifest.config_digest = string_member(*config, "digest");
  if (manifest.config_digest.empty()) {
    return util::fail(util::ErrorKind::network, "manifest config without a digest");
  }
  if (!is_valid_digest(manifest.config_digest)) {
    return util::fail(util::ErrorKind::network,
                      "manifest config with an invalid digest ("
                          + util::quote(manifest.config_digest.substr(0, 80)) + ")");
  }
  return manifest;
}

util::Result<ImageConfig> parse_image_config(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::network, "malformed image config JSON");
  }
  ImageConfig config;
  config.os = string_member(doc, "os");
  config.architecture = string_member(doc, "architecture");
  config.variant = string_member(doc, "variant");
  config.created = util::parse_rfc3339(string_member(doc, "created"));
  if (const auto* inner = member(doc, "config")) {
    if (const auto* labels = member(*inner, "Labels"); labels && labels->IsObject()) {
      for (const auto& label : labels->GetObject()) {
        if (label.value.IsString()) {
          // Assigned, not emplaced: a repeated key keeps its last value, as Go's decoder does.
          config.labels[std::string(label.name.GetString(), label.name.GetStringLength())] =
              std::string(label.value.GetString(), label.value.GetStringLength());
        }
      }
    }
  }
  if (!config.created) {
    // Reproducible builds often zero `created`; the OCI label is the next best source.
    if (auto it = config.labels.find("org.opencontainers.image.created");
        it != config.labels.end()) {
      config.created = util::parse_rfc3339(it->second);
    }
  }
  return config;
}

} // namespace argoimg::registry
