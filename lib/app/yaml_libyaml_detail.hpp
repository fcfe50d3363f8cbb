// SPDX-License-Identifier: Apache-2.0
#pragma once

// libyaml as the event source of argoimg's YAML loading (yaml_libyaml.cpp, the one file that
// includes <yaml.h>). Include only from lib/app sources and the tests that prove it.

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/node/node.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace argoimg::app::yaml {

// Read `text` with libyaml and give `handler` the events yaml-cpp's parser would give for it
// (marks, tags, anchor numbers, nulls, styles). Returns false, having called nothing, when
// libyaml refuses the text or it holds something whose translation is not proven identical
// (non-ASCII bytes, tabs, CR, directives, tags, escapes, ...): the caller then parses it with
// yaml-cpp, which also gives today's errors. Exceptions from `handler` pass through.
// libyaml's path holds every event until the end of the text: past `max_events`, or nested
// deeper than k_max_yaml_depth, the text is left to yaml-cpp, whose reader the caller's limits
// stop early (and whose depth bound refuses what it cannot read).
bool replay_libyaml(std::string_view text,
                    YAML::EventHandler& handler,
                    size_t max_events = SIZE_MAX);

// The documents DocumentBuilder builds from replay_libyaml's events, or nullopt when the text
// is left to yaml-cpp: what the tests hold to YAML::LoadAll.
std::optional<std::vector<YAML::Node>> build_all_libyaml(std::string_view text);

} // namespace argoimg::app::yaml
