// SPDX-License-Identifier: Apache-2.0
#pragma once

// Parsing a whole YAML text the way YAML::LoadAll does, faster: for writeback, which edits files
// (writeback parses each target file to locate scalars and verifies every edit with a re-parse).

#include <yaml-cpp/node/node.h>

#include <string_view>
#include <vector>

namespace argoimg::app::yaml {

// YAML::LoadAll(text): the same documents (marks, tags, styles, aliases) and, for a text it
// refuses, the same YAML::Exception. Read through libyaml's scanner where the text stays inside
// the subset both libraries read alike (yaml_libyaml.cpp), else by LoadAll itself; the
// fuzz_yaml_build target holds the two to each other.
std::vector<YAML::Node> load_all(std::string_view text);

} // namespace argoimg::app::yaml
