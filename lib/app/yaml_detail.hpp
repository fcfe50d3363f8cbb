// SPDX-License-Identifier: Apache-2.0
#pragma once

// Small helpers over yaml-cpp shared by lib/app sources. Include only from .cpp files.

#include "app/application.hpp"
#include "app/load.hpp"
#include "util/result.hpp"
#include "util/strings.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app::yaml {

// A file and the line its current document starts at (documents are parsed one by one, so
// yaml-cpp's marks are relative to the document's first line).
struct FileRef {
  std::string file;
  int line_offset = 0; // lines before the document
  size_t document = 0; // 0-based index of the document in the file, as YAML::LoadAll counts
};

inline Position position_of(const YAML::Mark& mark, const FileRef& at) {
  if (mark.line < 0) {
    return Position{at.file, 0, 0};
  }
  return Position{at.file, mark.line + 1 + at.line_offset, mark.column + 1};
}

inline Position position_of(const YAML::Node& node, const FileRef& at) {
  return position_of(node.Mark(), at);
}

// "a mapping", "a sequence", "a scalar", "null".
inline const char* type_name(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Sequence:
    return "a sequence";
  case YAML::NodeType::Scalar:
    return "a scalar";
  default:
    return "null";
  }
}

// Fail with "file:line:col: 'name' must be <type>, not <actual>" when `node` is present, not
// null, and not of `type`.
inline util::Result<bool> expect(const YAML::Node& node,
                                 YAML::NodeType::value type,
                                 const std::string& name,
                                 const FileRef& at) {
  if (!node || node.IsNull() || node.Type() == type) {
    return true;
  }
  const char* wanted = type == YAML::NodeType::Map        ? "a mapping"
                       : type == YAML::NodeType::Sequence ? "a sequence"
                                                          : "a string";
  return util::fail(util::ErrorKind::invalid_input,
                    position_of(node, at).to_string(true) + ": " + util::quote(name) + " must be "
                        + wanted + ", not " + type_name(node));
}

// `node[key]` when `node` is a mapping, else an undefined node (never throws).
inline YAML::Node child(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap()) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return node[key];
}

// What to check beyond the limits.
enum class DuplicateKeys { error, allow };

// Parse every document of `text` (a whole file, named `file`) one at a time and call `each`
// with each document and where it starts. A document that fails (syntax, unterminated quoted
// string, duplicate key with `DuplicateKeys::error`, nesting deeper than k_max_yaml_depth) is
// reported in `errors` and the next one is read; past a limit of `limits` (nodes with aliases
// expanded, documents) an error is added and the rest of the file is not read.
void for_each_document(std::string_view text,
                       const std::string& file,
                       const LoadLimits& limits,
                       DuplicateKeys duplicates,
                       const std::function<void(const YAML::Node&, const FileRef&)>& each,
                       std::vector<util::Error>& errors);

// The scalar at Helm parameter path `path` under `root` (see app::lookup_value).
std::optional<std::string> lookup_helm_value(const YAML::Node& root, std::string_view path);

// Parse the first document of `text` with the same checks and limits; an error names
// `file:line:col`. An empty text is a null node.
util::Result<YAML::Node>
load_first_document(std::string_view text, const std::string& file, const LoadLimits& limits);

// The scalar at `node[key]`, or "" when absent or not a scalar.
inline std::string text(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap()) {
    return {};
  }
  YAML::Node child = node[key];
  return (child && child.IsScalar()) ? child.Scalar() : std::string();
}

inline std::optional<bool> boolean(const std::string& value) {
  if (value == "true" || value == "True" || value == "TRUE") {
    return true;
  }
  if (value == "false" || value == "False" || value == "FALSE") {
    return false;
  }
  return std::nullopt;
}

inline std::vector<std::string> string_list(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node && node.IsSequence()) {
    for (const auto& item : node) {
      if (item.IsScalar()) {
        out.push_back(item.Scalar());
      }
    }
  }
  return out;
}

} // namespace argoimg::app::yaml
