// SPDX-License-Identifier: Apache-2.0
#include "writeback/batch.hpp"

#include "util/parallel.hpp"
#include "util/strings.hpp"
#include "writeback/batch_detail.hpp"
#include "writeback/editor_detail.hpp"
#include "writeback/yaml_lines_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <thread>

namespace argoimg::writeback {

using namespace detail;

namespace {

using util::ErrorKind;
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

// Window edits are worth threads only in numbers (a List of many applications).
constexpr size_t k_jobs_per_thread = 16;

} // namespace

struct FileBatch::Impl {
  std::string base;
  bool parsed = false;
  bool parse_failed = false;
  std::vector<YAML::Node> docs;
  std::vector<size_t> line_starts;
  std::optional<std::map<std::string, std::pair<size_t, YamlPath>>> applications;
  std::optional<util::Result<bool>> unique; // duplicate keys anywhere in the file
  std::vector<Job> jobs;
  std::vector<PendingSplice> pending;
  std::map<size_t, size_t> spans; // begin -> end of the queued and pending windows
  std::vector<util::Result<bool>> outcomes;

  void parse() {
    if (parsed) {
      return;
    }
    parsed = true;
    parse_failed = false;
    applications.reset();
    unique.reset();
    try {
      docs = YAML::LoadAll(base);
    } catch (const YAML::Exception&) {
      parse_failed = true; // the whole-text edits report it
      docs.clear();
    }
    line_starts.assign(1, 0);
    for (size_t i = base.find('\n'); i != std::string::npos; i = base.find('\n', i + 1)) {
      line_starts.push_back(i + 1);
    }
  }

  bool overlaps(size_t begin, size_t end) const {
    auto next = spans.upper_bound(begin);
    if (next != spans.begin() && std::prev(next)->second > begin) {
      return true;
    }
    return next != spans.end() && next->first < end;
  }

  // Run the queued window edits (on all cores when there are many) and turn each outcome into
  // a splice; an edit that reached outside its window is redone on the whole text afterwards.
  std::vector<std::pair<size_t, WholeEdit>> run_jobs() {
    size_t threads = std::min<size_t>(std::max(1U, std::thread::hardware_concurrency()),
                                      jobs.size() / k_jobs_per_thread + 1);
    util::parallel_for(jobs.size(), threads, [this](size_t i) {
      Job& job = jobs[i];
      try {
        job.edited = job.edit(job.window.text, job.window.first_line, &job.parse);
      } catch (const std::exception& e) { // a broken invariant stays one application's error
        job.edited = util::fail(ErrorKind::internal, std::string("editing the file: ") + e.what());
      }
    });
    std::vector<std::pair<size_t, WholeEdit>> redo;
    for (auto& job : jobs) {
      const Window& window = job.window;
      if (!job.edited) {
        outcomes[job.id] = tl::unexpected(job.edited.error());
        continue;
      }
      outcomes[job.id] = true;
      if (*job.edited == window.text) {
        continue;
      }
      if (job.edited->compare(0, window.indent, window.text, 0, window.indent) != 0) {
        outcomes[job.id] = false;
        redo.emplace_back(job.id, std::move(job.whole)); // not a window edit after all
        continue;
      }
      PendingSplice p;
      p.begin = window.begin;
      p.end = window.end;
      p.text = base.substr(window.begin, window.indent) + job.edited->substr(window.indent);
      if (job.parse && job.parse->text == *job.edited && job.parse->docs
          && job.parse->docs->size() == 1) {
        p.tree = fingerprint(job.parse->docs->front());
      }
      p.window = std::move(*job.edited);
      p.key = key_of(job.doc, job.scope);
      p.id = job.id;
      p.whole = std::move(job.whole);
      pending.push_back(std::move(p));
    }
    jobs.clear();
    return redo;
  }

  void flush() {
    auto redo = run_jobs();
    splice();
    for (const auto& [id, edit] : redo) {
      apply_whole(id, edit);
    }
  }

  // Apply the pending splices at once and check them with one re-parse.
  void splice() {
    spans.clear();
    if (pending.empty()) {
      return;
    }
    std::vector<const PendingSplice*> order;
    for (const auto& p : pending) {
      order.push_back(&p);
    }
    std::sort(order.begin(), order.end(), [](const PendingSplice* x, const PendingSplice* y) {
      return x->begin < y->begin;
    });
    std::string out;
    out.reserve(base.size() + base.size() / 8);
    size_t pos = 0;
    for (const PendingSplice* p : order) {
      out.append(base, pos, p->begin - pos);
      out += p->text;
      pos = p->end;
    }
    out.append(base, pos, std::string::npos);
    bool same = false;
    try {
      same = same_outside_windows(pending, docs, YAML::LoadAll(out));
    } catch (const YAML::Exception&) {
      same = false;
    }
    if (same) {
      base = std::move(out);
    } else {
      // Replay one by one on the whole text: slow, but each edit is checked on its own.
      for (const auto& p : pending) {
        auto edited = p.whole(base);
        if (edited) {
          base = std::move(*edited);
          outcomes[p.id] = true;
        } else {
          outcomes[p.id] = tl::unexpected(edited.error());
        }
      }
    }
    pending.clear();
    parsed = false;
  }

  void run_whole(size_t id, const WholeEdit& edit) {
    flush();
    apply_whole(id, edit);
  }

  void apply_whole(size_t id, const WholeEdit& edit) {
    auto edited = edit(base);
    if (!edited) {
      outcomes[id] = tl::unexpected(edited.error());
      return;
    }
    if (*edited != base) {
      base = std::move(*edited);
      parsed = false;
    }
    outcomes[id] = true;
  }

  // Edit the block mapping at `scope` of document `doc` in its window; on the whole text when
  // it has none. `whole_document`: duplicate keys anywhere in the file refuse the edit (else
  // only those on the way to the window and in it).
  void windowed(size_t id,
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

  const std::map<std::string, std::pair<size_t, YamlPath>>& application_index() {
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
};

FileBatch::FileBatch(std::string text) : m_impl(std::make_unique<Impl>()) {
  m_impl->base = std::move(text);
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
