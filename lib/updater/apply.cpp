// SPDX-License-Identifier: Apache-2.0
#include "updater/apply.hpp"

#include "util/borrowed.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"
#include "writeback/batch.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace argoimg::updater {

namespace {

using writeback::ImageChange;

std::vector<ImageChange> changes_of(const PlannedApp& planned,
                                    const ApplicationResult& result,
                                    std::vector<std::string>& described) {
  std::vector<ImageChange> changes;
  for (size_t i = 0; i < result.images.size(); ++i) {
    const auto& image = result.images[i];
    if (image.status != ImageStatus::update) {
      continue;
    }
    // borrowed: the run's configurations outlive its changes
    changes.push_back(ImageChange{util::borrowed(planned.config->images[i]),
                                  image.new_tag.value_or(""),
                                  image.new_digest.value_or("")});
    described.push_back(image.alias.value_or(image.image) + ": " + image.current.value_or("<none>")
                        + " -> " + image.new_tag.value_or("")
                        + (image.new_digest ? "@" + *image.new_digest : ""));
  }
  return changes;
}

// One file and the applications editing it, in the order they come. The edits are queued
// and run when every application has been seen, each file on its own thread.
struct Batch {
  std::string path;
  std::string display;
  std::string before;
  bool created = false;
  bool read = false; // `before` and `created` hold the file as read
  std::vector<std::function<void(writeback::FileBatch&)>> edits;
  struct Entry {
    size_t app = 0;
    std::vector<std::string> described;
  };
  std::vector<Entry> entries;
};

// Run the queued edits of `batch` and record each application's outcome in `results` (every
// application edits one file, so the batches touch distinct results). Nullopt when no
// application's edit went through.
std::optional<FileChange> run_batch(Batch& batch,
                                    const std::vector<PlannedApp>& apps,
                                    std::vector<ApplicationResult>& results);

// The names a kustomization directory's file may have, in the order kustomize tries them.
constexpr std::array<const char*, 3> k_kustomization_names = {
    "kustomization.yaml", "kustomization.yml", "Kustomization"};

// The candidate files of kustomization directories (root, directory), each directory's names
// read in order up to the first that exists, directories on `threads` threads: by absolute
// path, the text or nullopt for a name that does not exist. A directory whose read throws is
// left out (read again, one by one, where the exception reaches the caller as before).
std::map<std::string, std::optional<std::string>>
probe_kustomizations(const std::set<std::pair<std::string, std::string>>& dirs,
                     const FileReader& read,
                     size_t threads) {
  std::vector<std::pair<std::string, std::string>> list(dirs.begin(), dirs.end());
  std::vector<std::vector<std::pair<std::string, std::optional<std::string>>>> found(list.size());
  util::parallel_for(list.size(), threads, [&](size_t d) {
    try {
      for (const char* name : k_kustomization_names) {
        std::string path = list[d].first + "/" + app::join_clean(list[d].second, name);
        auto text = read(path);
        bool exists = text.has_value();
        found[d].emplace_back(std::move(path), std::move(text));
        if (exists) {
          break;
        }
      }
    } catch (const std::exception&) { // not on a worker thread, where it would terminate
      found[d].clear();
    }
  });
  std::map<std::string, std::optional<std::string>> out;
  for (auto& names : found) {
    for (auto& [path, text] : names) {
      out.emplace(std::move(path), std::move(text));
    }
  }
  return out;
}

// `path: message`, or `path:line:col: message` when the message starts with a position (the
// first occurrence of a duplicate key is named the same way).
std::string locate(const std::string& path, const std::string& message) {
  if (message.empty() || !std::isdigit(static_cast<unsigned char>(message.front()))) {
    return path + ": " + message;
  }
  std::string out = path + ":" + message;
  if (size_t first = out.find("(first at "); first != std::string::npos) {
    out.insert(first + 10, path + ":");
  }
  return out;
}

std::optional<FileChange> run_batch(Batch& batch,
                                    const std::vector<PlannedApp>& apps,
                                    std::vector<ApplicationResult>& results) {
  writeback::FileBatch edits(batch.before, batch.edits.size());
  for (const auto& edit : batch.edits) {
    edit(edits);
  }
  auto outcome = edits.finish();
  FileChange change{batch.path,
                    batch.display,
                    std::move(batch.before),
                    std::move(outcome.text),
                    batch.created,
                    {},
                    {},
                    {},
                    {},
                    {}};
  for (size_t i = 0; i < batch.entries.size(); ++i) {
    auto& entry = batch.entries[i];
    auto& result = results[entry.app];
    if (!outcome.edits[i]) {
      result.status = AppStatus::error;
      result.reason = "write-back: " + locate(batch.display, outcome.edits[i].error().message);
      continue;
    }
    change.applications.push_back(apps[entry.app].application.name);
    change.images.insert(change.images.end(), entry.described.begin(), entry.described.end());
    change.images_by_application.push_back(std::move(entry.described));
  }
  if (change.applications.empty()) {
    return std::nullopt;
  }
  return change;
}

} // namespace

WritePlan plan_writes(const std::vector<PlannedApp>& apps,
                      std::vector<ApplicationResult>& results,
                      const PlanOptions& options,
                      const FileReader& read,
                      Reads reads) {
  WritePlan plan;
  std::deque<Batch> batches;           // no doubling slack: one per file written
  std::map<std::string, size_t> index; // path -> position in batches
  auto load = [](Batch& batch, std::optional<std::string> text) {
    batch.created = !text.has_value();
    batch.before = std::move(text).value_or("");
    batch.read = true;
  };
  // The batch of `path`, given the text a probe already read (else read now, or with the
  // edits when reads may run concurrently).
  auto batch_of = [&](const std::string& path,
                      const std::string& display,
                      std::optional<std::string> probed) -> Batch& {
    auto [it, fresh] = index.emplace(path, batches.size());
    if (fresh) {
      batches.push_back(Batch{path, display, {}, false, false, {}, {}});
      if (probed) {
        load(batches.back(), std::move(probed));
      } else if (reads == Reads::sequential) {
        load(batches.back(), read(path));
      }
    }
    return batches[it->second];
  };
  // Reading (a walk per file) and editing (YAML parses) go on all cores, at most `concurrency`.
  size_t threads =
      std::min<size_t>(util::hardware_threads(), std::max<size_t>(options.resolve.concurrency, 1));
  // Which name each kustomization directory's file has is found by reading them: with
  // concurrent reads, every directory up front on all cores instead of one by one below.
  std::map<std::string, std::optional<std::string>> prefetched;
  if (reads == Reads::concurrent) {
    std::set<std::pair<std::string, std::string>> dirs;
    for (size_t a = 0; a < apps.size(); ++a) {
      const auto& config = apps[a].config;
      if (results[a].status != AppStatus::update || !config
          || config->write_back.method == app::WriteBack::Method::argocd) {
        continue;
      }
      const auto& application = apps[a].application;
      const auto& source =
          application.sources[app::detect_type(application, config->write_back).source_index];
      const app::RepoReader* repo =
          options.repo_for ? options.repo_for(application, source) : nullptr;
      auto target =
          app::write_back_target(application, source, config->write_back, options.argocd_namespace);
      if (repo && target.kind == app::TargetFile::Kind::kustomization) {
        dirs.emplace(repo->root, target.path);
      }
    }
    prefetched = probe_kustomizations(dirs, read, threads);
  }
  for (size_t a = 0; a < apps.size(); ++a) {
    auto& result = results[a];
    if (result.status != AppStatus::update || !apps[a].config) {
      continue;
    }
    const auto& application = apps[a].application;
    const auto& config = *apps[a].config;
    std::vector<std::string> described;
    auto changes = changes_of(apps[a], result, described);
    auto type = app::detect_type(application, config.write_back);
    const auto& source = application.sources[type.source_index];
    auto fail = [&result](const std::string& message) {
      result.status = AppStatus::error;
      result.reason = "write-back: " + message;
    };
    if (config.write_back.method == app::WriteBack::Method::argocd) {
      if (application.origin.line == 0) {
        plan.api.push_back(ApiChange{a, changes}); // read from the API server
        continue;
      }
      Batch& batch = batch_of(application.origin.file, application.origin.file, std::nullopt);
      // `apps` outlives the batches (run below): no copy of the Application per edit.
      batch.edits.emplace_back(
          [&application, type, changes = std::move(changes)](writeback::FileBatch& edits) {
            edits.application_manifest(application, type, changes);
          });
      batch.entries.push_back(Batch::Entry{a, std::move(described)});
      continue;
    }
    const app::RepoReader* repo =
        options.repo_for ? options.repo_for(application, source) : nullptr;
    if (!repo) {
      fail(
          "git write-back needs the source repository on disk: map it with --repo-root URL=DIR, or "
          "use 'argoimg commit', which clones it");
      continue;
    }
    auto target =
        app::write_back_target(application, source, config.write_back, options.argocd_namespace);
    std::string relative = target.path;
    std::optional<std::string> probed; // the kustomization file, read to find it
    if (target.kind == app::TargetFile::Kind::kustomization) {
      std::string found;
      for (const char* name : k_kustomization_names) {
        std::string candidate = app::join_clean(target.path, name);
        std::string path = repo->root + "/" + candidate;
        if (index.count(path) == 0) {
          auto known = prefetched.find(path);
          probed = known != prefetched.end() ? std::move(known->second) : read(path);
        }
        if (index.count(path) != 0 || probed) {
          found = candidate;
          break;
        }
      }
      if (found.empty()) {
        fail("no kustomization.yaml, kustomization.yml or Kustomization in "
             + util::quote(target.path));
        continue;
      }
      relative = found;
    }
    Batch& batch = batch_of(repo->root + "/" + relative, relative, std::move(probed));
    // Shared by the queued edit and the whole-text edit it makes: an image's configuration is
    // large, and copying it per edit cost ~9% of planning the writes.
    auto shared = std::make_shared<const std::vector<ImageChange>>(std::move(changes));
    if (target.kind == app::TargetFile::Kind::kustomization) {
      batch.edits.emplace_back([shared](writeback::FileBatch& edits) {
        edits.whole([shared](std::string_view text) {
          return writeback::edit_kustomization(text, *shared);
        });
      });
    } else if (target.kind == app::TargetFile::Kind::helm_values) {
      batch.edits.emplace_back(
          [shared](writeback::FileBatch& edits) { edits.helm_values(*shared); });
    } else {
      auto kind = *result.type == "kustomize" ? app::AppType::kustomize : app::AppType::helm;
      batch.edits.emplace_back([shared, kind](writeback::FileBatch& edits) {
        edits.whole([shared, kind](std::string_view text) {
          return writeback::edit_argocd_source(text, kind, *shared);
        });
      });
    }
    batch.entries.push_back(Batch::Entry{a, std::move(described)});
  }
  // Held to the end of the run: the lookups go, and each file's change is made in its slot.
  decltype(index)().swap(index);
  decltype(prefetched)().swap(prefetched);
  std::vector<FileChange> changes(batches.size());
  std::vector<char> made(batches.size());
  util::parallel_for(batches.size(), threads, [&](size_t b) {
    try {
      if (!batches[b].read) {
        load(batches[b], read(batches[b].path));
      }
      if (auto change = run_batch(batches[b], apps, results)) {
        changes[b] = std::move(*change);
        made[b] = 1;
      }
    } catch (const std::exception& e) { // a broken invariant stays this file's applications' error
      for (const auto& entry : batches[b].entries) {
        results[entry.app].status = AppStatus::error;
        results[entry.app].reason =
            "write-back: " + batches[b].display + ": editing the file: " + e.what();
      }
    }
    batches[b] = Batch{}; // its queued edits hold copies of the changes: free them now
  });
  size_t kept = 0;
  for (size_t b = 0; b < changes.size(); ++b) {
    if (made[b]) {
      if (kept != b) {
        changes[kept] = std::move(changes[b]);
      }
      ++kept;
    }
  }
  changes.resize(kept);
  plan.files = std::move(changes);
  return plan;
}

} // namespace argoimg::updater
