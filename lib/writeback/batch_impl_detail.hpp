// SPDX-License-Identifier: Apache-2.0
#pragma once

// FileBatch's state, shared by batch.cpp (queueing the edits of a file) and batch_splice.cpp
// (running them and splicing their windows back). Include only from writeback sources (it
// exposes yaml-cpp).

#include "util/result.hpp"
#include "writeback/batch.hpp"
#include "writeback/batch_detail.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace argoimg::writeback {

namespace detail {

// Edit a window (its text, its first line); may hand back the parse of the edited text.
using WindowEdit = std::function<util::Result<std::string>(
    std::string_view, size_t, std::shared_ptr<const YamlText::Parsed>*)>;

// A window edit queued to run with the others of its file, in parallel.
struct Job {
  size_t id = 0;
  size_t doc = 0;
  YamlPath scope;
  Window window;
  WindowEdit edit;
  FileBatch::WholeEdit whole;
  util::Result<std::string> edited = std::string();
  std::shared_ptr<const YamlText::Parsed> parse; // of `edited`, when the edit hands it back
};

} // namespace detail

struct FileBatch::Impl {
  std::string base;
  size_t expected = 0; // edits announced by the caller (0: unknown)
  bool parsed = false;
  bool parse_failed = false;
  std::vector<YAML::Node> docs;
  std::vector<size_t> line_starts;
  std::optional<std::map<std::string, std::pair<size_t, YamlPath>>> applications;
  std::optional<util::Result<bool>> unique; // duplicate keys anywhere in the file
  std::vector<detail::Job> jobs;
  std::vector<detail::PendingSplice> pending;
  std::map<size_t, size_t> spans; // begin -> end of the queued and pending windows
  std::vector<util::Result<bool>> outcomes;

  void parse();
  bool overlaps(size_t begin, size_t end) const;
  // Run the queued window edits (on all cores when there are many) and turn each outcome into
  // a splice; an edit that reached outside its window is redone on the whole text afterwards.
  std::vector<std::pair<size_t, WholeEdit>> run_jobs();
  void flush();
  // Apply the pending splices at once and check them with one re-parse.
  void splice();
  void run_whole(size_t id, const WholeEdit& edit);
  void apply_whole(size_t id, const WholeEdit& edit);
  // Edit the block mapping at `scope` of document `doc` in its window; on the whole text when
  // it has none. `whole_document`: duplicate keys anywhere in the file refuse the edit (else
  // only those on the way to the window and in it).
  void windowed(size_t id,
                size_t doc,
                const YamlPath& scope,
                bool whole_document,
                const detail::WindowEdit& edit,
                const WholeEdit& whole);
  const std::map<std::string, std::pair<size_t, YamlPath>>& application_index();
};

} // namespace argoimg::writeback
