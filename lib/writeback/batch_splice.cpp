// SPDX-License-Identifier: Apache-2.0
// Running a FileBatch's queued window edits and splicing their windows back into the file,
// checked with one re-parse.
#include "app/yaml_parse_detail.hpp"
#include "util/parallel.hpp"
#include "writeback/batch_impl_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace argoimg::writeback {

using namespace detail;

namespace {

using util::ErrorKind;

// Window edits are worth threads only in numbers (a List of many applications).
constexpr size_t k_jobs_per_thread = 16;

} // namespace

std::vector<std::pair<size_t, FileBatch::WholeEdit>> FileBatch::Impl::run_jobs() {
  size_t threads = std::min<size_t>(util::hardware_threads(), jobs.size() / k_jobs_per_thread + 1);
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

void FileBatch::Impl::flush() {
  auto redo = run_jobs();
  splice();
  for (const auto& [id, edit] : redo) {
    apply_whole(id, edit);
  }
}

void FileBatch::Impl::splice() {
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
    same = same_outside_windows(pending, docs, app::yaml::load_all(out));
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

void FileBatch::Impl::run_whole(size_t id, const WholeEdit& edit) {
  flush();
  apply_whole(id, edit);
}

void FileBatch::Impl::apply_whole(size_t id, const WholeEdit& edit) {
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

} // namespace argoimg::writeback
