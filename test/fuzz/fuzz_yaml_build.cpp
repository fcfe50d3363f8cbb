// SPDX-License-Identifier: Apache-2.0
// Differential: argoimg's one-pass YAML loading builds what YAML::LoadAll builds. On any input,
// app::yaml::build_all (the builder alone) gives LoadAll's documents or its error, and every
// document for_each_document hands out (the checker and the builder in one pass) is LoadAll's
// document of the same chunk: node types, scalars, tags, styles, marks, pair order, aliases.
// libyaml's path (yaml_libyaml.cpp), which the loader and load_all (writeback's parse) read
// through where they can, is held to LoadAll too.
#include "fuzz_support.hpp"
#include "yaml_probe.hpp"
#include "yaml_same_tree.hpp"

#include "app/load.hpp"
#include "app/yaml_build_detail.hpp"
#include "app/yaml_detail.hpp"
#include "app/yaml_libyaml_detail.hpp"
#include "app/yaml_parse_detail.hpp"
#include "app/yaml_split_detail.hpp"

#include <string>
#include <utility>
#include <vector>

using namespace argoimg;

namespace {

void check_builder(const std::string& text) {
  auto want = fuzz::load_all_or_error(text);
  std::vector<YAML::Node> got;
  std::string error;
  try {
    got = app::yaml::build_all(text);
  } catch (const YAML::Exception& e) {
    error = e.what();
  }
  if (error != want.second) {
    fuzz::property_failed("build_all fails with '" + error + "', LoadAll with '" + want.second
                          + "'");
  }
  if (std::string diff = fuzz::documents_difference(want.first, got); !diff.empty()) {
    fuzz::property_failed("build_all: " + diff);
  }
}

// A text libyaml reads (app::yaml::replay_libyaml) is one LoadAll reads, to the same trees.
void check_libyaml(const std::string& text) {
  auto got = app::yaml::build_all_libyaml(text);
  if (!got) {
    return;
  }
  if (fuzz::yaml_load_all_hangs(text)) {
    fuzz::property_failed("libyaml read a text on which LoadAll hangs");
  }
  auto want = fuzz::load_all_or_error(text);
  if (!want.second.empty()) {
    fuzz::property_failed("libyaml read a text LoadAll refuses: " + want.second);
  }
  if (std::string diff = fuzz::documents_difference(want.first, *got); !diff.empty()) {
    fuzz::property_failed("libyaml: " + diff);
  }
}

// app::yaml::load_all, what writeback parses with, is YAML::LoadAll: its documents or its error.
void check_load_all(const std::string& text) {
  auto want = fuzz::load_all_or_error(text);
  std::vector<YAML::Node> got;
  std::string error;
  try {
    got = app::yaml::load_all(text);
  } catch (const YAML::Exception& e) {
    error = e.what();
  }
  if (error != want.second) {
    fuzz::property_failed("load_all fails with '" + error + "', LoadAll with '" + want.second
                          + "'");
  }
  if (std::string diff = fuzz::documents_difference(want.first, got); !diff.empty()) {
    fuzz::property_failed("load_all: " + diff);
  }
}

void check_loader(const std::string& text, app::yaml::DuplicateKeys duplicates) {
  std::vector<std::pair<YAML::Node, int>> loaded; // document, its chunk's first line
  std::vector<util::Error> errors;
  app::yaml::for_each_document(
      text,
      "f.yaml",
      app::LoadLimits{},
      duplicates,
      [&loaded](const YAML::Node& doc, const app::yaml::FileRef& at) {
        loaded.emplace_back(doc, at.line_offset);
      },
      errors);
  size_t next = 0;
  for (const auto& chunk : app::yaml::split_documents(text)) {
    std::vector<YAML::Node> got;
    while (next < loaded.size() && loaded[next].second == chunk.first_line) {
      got.push_back(loaded[next++].first);
    }
    std::string chunk_text(chunk.text);
    if (got.empty() && !errors.empty()) {
      continue; // a chunk refused (or not read after a limit) gives no document
    }
    if (fuzz::yaml_load_all_hangs(chunk_text)) {
      fuzz::property_failed("the loader read a chunk on which LoadAll hangs");
    }
    auto want = fuzz::load_all_or_error(chunk_text);
    if (!want.second.empty()) {
      fuzz::property_failed("the loader read a chunk LoadAll refuses: " + want.second);
    }
    if (std::string diff = fuzz::documents_difference(want.first, got); !diff.empty()) {
      fuzz::property_failed("for_each_document: " + diff);
    }
  }
  if (next != loaded.size()) {
    fuzz::property_failed("a document that belongs to no chunk");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::as_text(data, size));
  if (!fuzz::yaml_load_all_hangs(text)) { // yaml-cpp#1040: both would loop forever
    check_builder(text);
    check_load_all(text);
  }
  check_libyaml(text);
  // The loader guards against that loop itself. A duplicate key only changes which documents
  // come out (the builder's trees are the same), so `allow` compares every document.
  check_loader(text, app::yaml::DuplicateKeys::allow);
  return 0;
}
