// SPDX-License-Identifier: Apache-2.0
#pragma once
// yaml-cpp 0.7.0 (Debian 12) loops forever in YAML::LoadAll, allocating a null document per
// turn, when a document starts with a token it cannot use, e.g. a file holding just `,`
// (jbeder/yaml-cpp#1040, fixed upstream by #1319). argoimg's readers (lib/app, lib/writeback)
// call LoadAll on user files: routed, see test/fuzz/findings/README.md. The targets that load
// YAML skip such inputs with this probe so that fuzzing goes on behind the known hang.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <string>

namespace argoimg::fuzz {

class YamlProbe : public YAML::EventHandler {
public:
  void OnDocumentStart(const YAML::Mark&) override { events = 0; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    ++events;
    null_pos = mark.pos;
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++events; }
  void
  OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {
    ++events;
  }
  void OnSequenceStart(const YAML::Mark&,
                       const std::string&,
                       YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&,
                  const std::string&,
                  YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnMapEnd() override {}
  int events = 0;
  int null_pos = -1;
};

// True when YAML::LoadAll(text) would never return: two null documents in a row at the same
// position mean the parser no longer advances.
inline bool yaml_load_all_hangs(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  YamlProbe probe;
  int last_null = -2;
  try {
    while (true) {
      probe.null_pos = -1;
      if (!parser.HandleNextDocument(probe)) {
        return false;
      }
      bool only_null = probe.events == 1 && probe.null_pos >= 0;
      if (only_null && probe.null_pos == last_null) {
        return true;
      }
      last_null = only_null ? probe.null_pos : -2;
    }
  } catch (const YAML::Exception&) {
    return false;
  }
}

} // namespace argoimg::fuzz
