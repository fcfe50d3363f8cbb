// SPDX-License-Identifier: Apache-2.0
#include "writeback/batch.hpp"

#include "app/yaml_parse_detail.hpp"
#include "util/strings.hpp"
#include "writeback/batch_detail.hpp"
#include "writeback/batch_impl_detail.hpp"
#include "writeback/editor_detail.hpp"
#include "writeback/yaml_lines_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>

namespace argoimg::writeback {

using namespace detail;

void FileBatch::Impl::parse() {
  if (parsed) {
    return;
  }
  parsed = true;
  parse_failed = false;
  applications.reset();
  unique.reset();
  try {
    docs = app::yaml::load_all(base);
  } catch (const YAML::Exception&) {
    parse_failed = true; // the whole-text edits report it
    docs.clear();
  }
  line_starts.assign(1, 0);
  for (size_t i = base.find('\n'); i != std::string::npos; i = base.find('\n', i + 1)) {
    line_starts.push_back(i + 1);
  }
}

bool FileBatch::Impl::overlaps(size_t begin, size_t end) const {
  auto next = spans.upper_bound(begin);
  if (next != spans.begin() && std::prev(next)->second > begin) {
    return true;
  }
  return next != spans.end() && next->first < end;
}

void FileBatch::Impl::windowed(size_t id,
                               size_t doc,
                               const YamlPath& scope,
                               bool whole_document,
                               const WindowEdit& edit,
                               const WholeEdit& whole) {
  parse();
  if (parse_failed || doc >= docs.size()) {
    run_whole(id, whole);
    return;
  }
  YAML::Node node = node_at(docs[doc], scope);
  auto window = node.IsDefined() ? window_of(base, line_starts, node) : std::nullopt;
  if (!window) {
    run_whole(id, whole);
    return;
  }
  if (overlaps(window->begin, window->end)) {
    flush();
    windowed(id, doc, scope, whole_document, edit, whole); // nothing pending now
    return;
  }
  if (whole_document && !unique) {
    unique = check_unique_keys_in(docs, 1); // `docs` is the parse of `base`
  }
  auto ok = whole_document ? *unique : unique_on_path(docs[doc], scope);
  if (!ok) {
    outcomes[id] = tl::unexpected(ok.error());
    return;
  }
  spans.emplace(window->begin, window->end);
  Job job;
  job.id = id;
  job.doc = doc;
  job.scope = scope;
  job.window = std::move(*window);
  job.edit = edit;
  job.whole = whole;
  jobs.push_back(std::move(job));
}

const std::map<std::string, std::pair<size_t, YamlPath>>& FileBatch::Impl::application_index() {
  if (applications) {
    return *applications;
  }
  applications.emplace();
  auto is_app = [](const YAML::Node& n) {
    return n.IsMap() && n["kind"] && n["kind"].IsScalar() && n["kind"].Scalar() == "Application"
           && n["metadata"] && n["metadata"].IsMap() && n["metadata"]["name"]
           && n["metadata"]["name"].IsScalar();
  };
  for (size_t d = 0; d < docs.size(); ++d) {
    const YAML::Node& root = docs[d];
    if (is_app(root)) {
      applications->emplace(root["metadata"]["name"].Scalar(), std::make_pair(d, YamlPath{}));
    } else if (root.IsMap() && root["items"] && root["items"].IsSequence()) {
      const YAML::Node items = root["items"];
      for (size_t i = 0; i < items.size(); ++i) {
        if (is_app(items[i])) {
          applications->emplace(items[i]["metadata"]["name"].Scalar(),
                                std::make_pair(d, at(join({}, {"items"}), i)));
        }
      }
    }
  }
  return *applications;
}

FileBatch::FileBatch(std::string text, size_t expected) : m_impl(std::make_unique<Impl>()) {
  m_impl->base = std::move(text);
  m_impl->expected = expected;
}
FileBatch::~FileBatch() = default;
FileBatch::FileBatch(FileBatch&&) noexcept = default;
FileBatch& FileBatch::operator=(FileBatch&&) noexcept = default;

void FileBatch::application_manifest(const app::Application& application,
                                     const app::TypeDecision& type,
                                     const std::vector<ImageChange>& changes) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  WholeEdit whole = [application, type, changes](std::string_view text) {
    return edit_application_manifest(text, application, type, changes);
  };
  if (m_impl->expected == 1) {
    m_impl->run_whole(id, whole);
    return;
  }
  m_impl->parse();
  if (m_impl->parse_failed) {
    m_impl->run_whole(id, whole);
    return;
  }
  const auto& index = m_impl->application_index();
  auto where = index.find(application.name);
  if (where == index.end()) {
    m_impl->run_whole(id, whole); // reports it missing
    return;
  }
  auto [doc, scope] = where->second;
  m_impl->windowed(
      id,
      doc,
      scope,
      false,
      // Runs later, maybe on another thread: it owns what it uses.
      [application, type, changes](std::string_view window,
                                   size_t first_line,
                                   std::shared_ptr<const YamlText::Parsed>* parsed) {
        return edit_application_manifest_at(window, application, type, changes, first_line, parsed);
      },
      whole);
}

void FileBatch::helm_values(const std::vector<ImageChange>& changes) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  WholeEdit whole = [changes](std::string_view text) { return edit_helm_values(text, changes); };
  if (m_impl->expected == 1) {
    m_impl->run_whole(id, whole);
    return;
  }
  m_impl->parse();
  if (m_impl->parse_failed || m_impl->docs.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  auto paths = helm_paths(m_impl->docs[0], changes);
  if (!paths) {
    m_impl->outcomes[id] = tl::unexpected(paths.error());
    return;
  }
  // The window: the deepest existing mapping that holds every key written.
  std::vector<const YamlPath*> all;
  for (const auto& p : *paths) {
    all.push_back(&p.tag);
    if (!p.spec) {
      all.push_back(&p.name);
    }
  }
  if (all.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  size_t common = all.front()->size() - 1;
  for (const YamlPath* p : all) {
    common = std::min(common, p->size() - 1);
    for (size_t i = 0; i < common; ++i) {
      const auto& a = (*p)[i];
      const auto& b = (*all.front())[i];
      if (a.key != b.key || a.index != b.index) {
        common = i;
        break;
      }
    }
  }
  YamlPath scope(all.front()->begin(), all.front()->begin() + static_cast<long>(common));
  while (!scope.empty()) {
    YAML::Node node = node_at(m_impl->docs[0], scope);
    if (node.IsDefined() && node.IsMap() && node.size() > 0) {
      break;
    }
    scope.pop_back();
  }
  if (scope.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  std::vector<HelmPaths> rebased = *paths;
  for (auto& p : rebased) {
    p.tag.erase(p.tag.begin(), p.tag.begin() + static_cast<long>(scope.size()));
    if (!p.spec) {
      p.name.erase(p.name.begin(), p.name.begin() + static_cast<long>(scope.size()));
    }
  }
  m_impl->windowed(
      id,
      0,
      scope,
      true,
      // Runs later, maybe on another thread: it owns what it uses.
      [changes, rebased](std::string_view window,
                         size_t first_line,
                         std::shared_ptr<const YamlText::Parsed>* parsed) {
        return edit_helm_values_at(window, changes, rebased, first_line, parsed);
      },
      whole);
}

void FileBatch::whole(WholeEdit edit) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  m_impl->run_whole(id, edit);
}

FileBatch::Outcome FileBatch::finish() {
  m_impl->flush();
  return Outcome{m_impl->base, m_impl->outcomes};
}

} // namespace argoimg::writeback
