// SPDX-License-Identifier: Apache-2.0
// The YAML editor, edit then verify: line 1 a Helm path (`a.b[0].c`), line 2 a value, the
// rest a YAML file. When the edit reports success, the new text must re-parse, read back the
// value at the path, pass the library's own verification, and (checked here independently
// with yaml-cpp) differ from the old tree only at that path.
#include "fuzz_support.hpp"
#include "yaml_probe.hpp"

#include "writeback/editor_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

using namespace argoimg;
using writeback::YamlPath;

namespace {

std::string where(const YamlPath& path, size_t depth) {
  std::string text;
  for (size_t i = 0; i < depth && i < path.size(); ++i) {
    text += path[i].index ? "[" + std::to_string(*path[i].index) + "]" : "." + path[i].key;
  }
  return text.empty() ? "." : text;
}

// yaml-cpp 0.7 reads a lone `!` at the very end of the text as tag "tag:yaml.org,2002:" but
// as "!" when a line break follows; an edit that appends a line must not count as a change.
std::string tag_of(const YAML::Node& node) {
  return node.Tag() == "tag:yaml.org,2002:" ? "!" : node.Tag();
}

void require_equal(const YAML::Node& before, const YAML::Node& after, const std::string& at) {
  if (before.Type() != after.Type()) {
    fuzz::property_failed("the node type changed at " + at);
  }
  if (before.IsScalar()) {
    if (before.Scalar() != after.Scalar() || tag_of(before) != tag_of(after)) {
      fuzz::property_failed("scalar '" + before.Scalar() + "' became '" + after.Scalar() + "' at "
                            + at);
    }
  } else if (before.IsMap() || before.IsSequence()) {
    if (before.size() != after.size()) {
      fuzz::property_failed("a collection changed size at " + at);
    }
    auto a = after.begin();
    size_t i = 0;
    for (auto b = before.begin(); b != before.end(); ++b, ++a, ++i) {
      if (before.IsMap()) {
        require_equal(b->first, a->first, at + " (key)");
        require_equal(b->second, a->second, at + "." + b->first.Scalar());
      } else {
        require_equal(*b, *a, at + "[" + std::to_string(i) + "]");
      }
    }
  }
}

// Compare `before` and `after` along `path` from step `depth`: everything off the path equal.
void require_only_path_changed(const YAML::Node& before,
                               const YAML::Node& after,
                               const YamlPath& path,
                               size_t depth) {
  if (depth == path.size() || !before.IsDefined() || before.IsNull() || before.IsScalar()) {
    return; // the edited value (read back separately), or a part the edit created
  }
  const auto& step = path[depth];
  std::string at = where(path, depth);
  if (step.index) {
    if (!before.IsSequence()) {
      return;
    }
    if (!after.IsSequence() || before.size() != after.size()) {
      fuzz::property_failed("the list at " + at + " changed shape");
    }
    for (size_t i = 0; i < before.size(); ++i) {
      if (i == *step.index) {
        require_only_path_changed(before[i], after[i], path, depth + 1);
      } else {
        require_equal(before[i], after[i], at + "[" + std::to_string(i) + "]");
      }
    }
    return;
  }
  if (!before.IsMap()) {
    return;
  }
  if (!after.IsMap()) {
    fuzz::property_failed("the mapping at " + at + " is no longer a mapping");
  }
  bool had_key = false;
  for (auto b = before.begin(); b != before.end(); ++b) {
    had_key = had_key || (b->first.IsScalar() && b->first.Scalar() == step.key);
  }
  // Pairs of `after` in order, without the key the edit added (it may sit anywhere).
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs;
  bool skipped = had_key;
  for (auto a = after.begin(); a != after.end(); ++a) {
    if (!skipped && a->first.IsScalar() && a->first.Scalar() == step.key) {
      skipped = true;
      continue;
    }
    pairs.emplace_back(a->first, a->second);
  }
  if (pairs.size() != before.size()) {
    fuzz::property_failed("keys were added or removed at " + at);
  }
  bool seen = false;
  size_t i = 0;
  for (auto b = before.begin(); b != before.end(); ++b, ++i) {
    require_equal(b->first, pairs[i].first, at + " (key)");
    if (b->first.IsScalar() && b->first.Scalar() == step.key && !seen) {
      seen = true;
      require_only_path_changed(b->second, pairs[i].second, path, depth + 1);
    } else {
      require_equal(b->second, pairs[i].second, at + "." + b->first.Scalar());
    }
  }
}

// Known and routed, not fixed here: parse_helm_path throws std::out_of_range from std::stoul
// for an index beyond unsigned long (issue 12 item 5, lib/writeback). The input is kept in
// test/fuzz/findings/yaml_editor/; until it is fixed such paths are skipped.
bool has_huge_index(std::string_view path) {
  size_t run = 0;
  for (char c : path) {
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run > 18) {
      return true;
    }
  }
  return false;
}

// Refusals known and routed, not fixed here (inputs in test/fuzz/findings/yaml_editor/):
// setting an anchored scalar drops its anchor (anchor-dropped), a UTF-8 BOM shifts every
// span by 3 bytes (bom-block-scalar).
bool known_refusal(const std::string& before) {
  return before.find('&') != std::string::npos || before.rfind("\xEF\xBB\xBF", 0) == 0;
}

std::vector<YAML::Node> load_all(const std::string& text) {
  try {
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    fuzz::property_failed(std::string("verified text does not parse: ") + e.what());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 3);
  if (parts[0].size() > 256 || has_huge_index(parts[0])) {
    return 0;
  }
  auto path = writeback::parse_helm_path(parts[0]);
  if (!path || path->empty()) {
    return 0;
  }
  std::string value(parts[1]);
  std::string before(parts[2]);
  if (fuzz::yaml_load_all_hangs(before)) {
    return 0; // known, routed: see yaml_probe.hpp
  }
  std::vector<YAML::Node> old_docs;
  try {
    old_docs = YAML::LoadAll(before);
  } catch (const YAML::Exception&) {
    writeback::YamlText yaml(before);
    if (yaml.set(0, *path, value)) {
      fuzz::property_failed("an edit of text that does not parse reported success");
    }
    return 0;
  }
  writeback::detail::Editor editor(before);
  auto done = editor.set(0, *path, value);
  if (!done) {
    return 0;
  }
  std::string after = editor.yaml().text();
  // Known, routed: a created key that starts with ',' is written unquoted, and the result
  // sends YAML::LoadAll into its endless loop (findings/yaml_editor/comma-document-hang).
  if (fuzz::yaml_load_all_hangs(after)) {
    return 0;
  }
  // What `update` writes is what passes Editor::finish (the library's verification). An edit
  // `set` reported but verification refuses is safe (nothing is written) yet wrong: a finding
  // with FUZZ_EDITOR_STRICT=1, skipped by default so the run goes on to look for edits that
  // pass verification and still change something else.
  auto verified = editor.finish();
  if (!verified) {
    if (std::getenv("FUZZ_EDITOR_STRICT") != nullptr && !known_refusal(before)) {
      fuzz::property_failed("set reported success, the library's verification refused: "
                            + verified.error().message);
    }
    return 0;
  }
  auto new_docs = load_all(after);
  auto read_back = editor.yaml().get(0, *path);
  if (!read_back || !*read_back || **read_back != value) {
    fuzz::property_failed("the edited value does not read back at " + where(*path, path->size()));
  }
  // Aliases make one edit visible at several paths: the independent check skips those files.
  if (old_docs.empty() || before.find('*') != std::string::npos) {
    return 0;
  }
  if (new_docs.size() != old_docs.size()) {
    fuzz::property_failed("the number of documents changed");
  }
  require_only_path_changed(old_docs[0], new_docs[0], *path, 0);
  for (size_t i = 1; i < old_docs.size(); ++i) {
    require_equal(old_docs[i], new_docs[i], "document " + std::to_string(i));
  }
  return 0;
}
