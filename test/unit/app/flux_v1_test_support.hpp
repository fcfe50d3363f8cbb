// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the Flux v1 loader tests.

#include "app/load.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace argoimg::app::test {

inline LoadedFile load(const std::string& text) {
  auto loaded = load_file(text, "f.yaml");
  REQUIRE(loaded);
  for (const auto& error : loaded->errors) {
    FAIL_CHECK(error.message);
  }
  return *loaded;
}

inline FluxV1Object load_one(const std::string& text) {
  LoadedFile loaded = load(text);
  REQUIRE(loaded.flux_v1.size() == 1);
  return loaded.flux_v1[0];
}

inline std::string render(const NodePath& path) {
  std::string out;
  for (const auto& step : path) {
    if (step.index) {
      out += "[" + std::to_string(*step.index) + "]";
    } else {
      out += (out.empty() ? "" : ".") + step.key;
    }
  }
  return out;
}

inline std::vector<std::string> names(const FluxV1Object& object) {
  std::vector<std::string> out;
  for (const auto& container : object.containers) {
    out.push_back(container.name);
  }
  return out;
}

inline bool mentions(const std::vector<std::string>& warnings, const std::string& part) {
  for (const auto& warning : warnings) {
    if (warning.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// A Deployment with `annotations` (indented lines) and two containers.
inline std::string deployment(const std::string& annotations) {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: web\n"
         "  annotations:\n"
         + annotations
         + "spec:\n"
           "  template:\n"
           "    spec:\n"
           "      containers:\n"
           "      - name: app\n"
           "        image: repo/app:1.0\n"
           "      - name: side\n"
           "        image: repo/side:2.0\n";
}

} // namespace argoimg::app::test
