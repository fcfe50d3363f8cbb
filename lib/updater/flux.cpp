// SPDX-License-Identifier: Apache-2.0
#include "updater/flux.hpp"

#include "tag/platform.hpp"
#include "updater/flux_detail.hpp"
#include "updater/metadata.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

namespace argoimg::updater {

namespace flux_detail {

util::Result<std::string> Repositories::add(const image::ImageRef& image,
                                            const std::optional<std::string>& pull_secret) {
  auto endpoint = image_endpoint(image, pull_secret, m_options);
  if (!endpoint) {
    return tl::unexpected(endpoint.error());
  }
  std::string path = registry::registry_path(*endpoint, image);
  std::string key = endpoint->identity() + "/" + path;
  Entry entry;
  entry.endpoint = std::move(*endpoint);
  entry.path = path;
  m_entries.try_emplace(key, std::move(entry));
  return key;
}

void Repositories::fetch() {
  std::vector<Entry*> work;
  for (auto& [key, entry] : m_entries) {
    work.push_back(&entry);
  }
  util::parallel_for(work.size(), m_options.concurrency, [&](size_t i) {
    registry::Client::BudgetWatch watch;
    auto listed = m_client.list_tags(work[i]->endpoint, work[i]->path);
    if (!listed) {
      work[i]->tags = tl::unexpected(listed.error());
      work[i]->refused = watch.refused();
      return;
    }
    std::vector<std::string> valid;
    for (auto& tag : *listed) {
      if (tag::is_valid_tag(tag)) {
        valid.push_back(std::move(tag)); // escape sequences, newlines: never candidates
      }
    }
    work[i]->tags = std::move(valid);
  });
}

const util::Result<std::vector<std::string>>& Repositories::tags(const std::string& key) const {
  static const util::Result<std::vector<std::string>> missing =
      util::fail(util::ErrorKind::internal, "repository not registered");
  auto found = m_entries.find(key);
  return found == m_entries.end() ? missing : found->second.tags;
}

std::optional<std::string> Repositories::refused(const std::string& key) const {
  auto found = m_entries.find(key);
  return found == m_entries.end() ? std::nullopt : found->second.refused;
}

std::optional<int64_t>
Repositories::created(const std::string& key, const std::string& tag, std::string& why) {
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto known = m_created.find(key + ":" + tag); known != m_created.end()) {
      why = known->second.second;
      return known->second.first;
    }
  }
  const Entry& entry = m_entries.at(key);
  tag::TagCandidate candidate;
  candidate.name = tag;
  // Flux v1 read the linux/amd64 image of a multi-platform tag.
  std::vector<tag::Platform> amd64{tag::Platform{"linux", "amd64", ""}};
  registry::Client::BudgetWatch watch;
  fill_build_date(m_client, entry.endpoint, entry.path, amd64, candidate);
  if (watch.refused()) {
    why = *watch.refused();
    return std::nullopt; // not remembered: the time is unknown, not absent
  }
  std::optional<int64_t> created = candidate.created;
  for (const auto& build : candidate.builds) {
    if (tag::platform_wanted(amd64, build.platform) && build.created) {
      created = build.created;
      break;
    }
  }
  why = created                              ? ""
        : candidate.metadata_problem.empty() ? "no creation time in its config"
                                             : candidate.metadata_problem;
  std::lock_guard<std::mutex> guard(m_mutex);
  m_created[key + ":" + tag] = {created, why};
  return created;
}

util::Result<std::string> Repositories::digest(const std::string& key, const std::string& tag) {
  const Entry& entry = m_entries.at(key);
  return m_client.manifest_digest(entry.endpoint, entry.path, tag);
}

ImageResult image_result(const std::string& alias, const std::string& image) {
  ImageResult result;
  result.alias = alias;
  result.image = image;
  result.status = ImageStatus::skipped;
  return result;
}

ApplicationResult
object_result(const app::ObjectId& id, const app::Position& origin, const FluxInputs& inputs) {
  ApplicationResult result;
  result.kind = id.kind.empty() ? std::nullopt : std::optional<std::string>(id.kind);
  result.anonymous = id.name.empty();
  result.name = id.name;
  result.app_namespace = id.object_namespace;
  std::string file = inputs.display ? inputs.display(origin.file) : origin.file;
  result.origin = origin.line > 0 ? file + ":" + std::to_string(origin.line) : file;
  result.status = AppStatus::up_to_date;
  return result;
}

writeback::YamlPath yaml_path(const app::NodePath& path) {
  writeback::YamlPath out;
  for (const auto& step : path) {
    out.push_back(writeback::PathStep{step.key, step.index});
  }
  return out;
}

std::string path_key(const writeback::YamlPath& path) {
  std::string key;
  for (const auto& step : path) {
    if (step.index) {
      key += "[" + std::to_string(*step.index) + "]";
    } else {
      key += (key.empty() ? "" : ".") + step.key;
    }
  }
  return key;
}

} // namespace flux_detail

FluxPlan plan_flux(const FluxInputs& inputs,
                   registry::Client& client,
                   const PlanOptions& options,
                   const util::Logger& logger) {
  FluxPlan plan;
  flux_detail::Repositories repositories(client, options.resolve);
  auto v1 = flux_detail::prepare_v1(inputs, repositories, plan);
  auto v2 = flux_detail::prepare_v2(inputs, repositories, plan);
  repositories.fetch();
  flux_detail::finish_v1(v1, repositories, options, plan);
  flux_detail::finish_v2(v2, repositories, options, plan, logger);
  return plan;
}

namespace {

bool same_file(const std::string& a, const std::string& b) {
  if (a == b) {
    return true;
  }
  std::error_code error;
  return std::filesystem::absolute(a, error).lexically_normal()
         == std::filesystem::absolute(b, error).lexically_normal();
}

// Fail the objects that set one scalar to different values (a Flux v1 annotation and a v2
// marker on the same `image:` during a migration): neither value is written.
void fail_conflicting_writers(const std::vector<FluxWrite>& all,
                              std::vector<ApplicationResult>& results,
                              size_t first) {
  std::map<std::string, std::vector<const FluxWrite*>> by_scalar;
  for (const auto& write : all) {
    by_scalar[write.file + "\n" + std::to_string(write.edit.doc) + "\n"
              + flux_detail::path_key(write.edit.path)]
        .push_back(&write);
  }
  for (const auto& [key, writes] : by_scalar) {
    // A named copy: clang 14 cannot capture a structured binding in a lambda.
    const std::string& first_value = writes.front()->edit.value;
    bool differ = std::any_of(writes.begin(), writes.end(), [&](const FluxWrite* write) {
      return write->edit.value != first_value;
    });
    if (!differ) {
      continue;
    }
    std::vector<std::string> wanted;
    for (const auto* write : writes) {
      const auto& result = results[first + write->result];
      wanted.push_back((result.kind ? *result.kind + "/" : std::string()) + result.name + " wants "
                       + util::quote(write->edit.value));
    }
    for (const auto* write : writes) {
      auto& result = results[first + write->result];
      result.status = AppStatus::error;
      result.reason = "write-back: " + write->file + ": "
                      + util::quote(flux_detail::path_key(write->edit.path))
                      + " is set by more than one object (" + util::join(wanted, "; ")
                      + "); nothing is written to it";
    }
  }
}

} // namespace

void add_flux_writes(WritePlan& plan,
                     const std::vector<FluxWrite>& all,
                     std::vector<ApplicationResult>& results,
                     size_t first,
                     const FileReader& read) {
  fail_conflicting_writers(all, results, first);
  std::map<std::string, std::vector<const FluxWrite*>> by_file;
  std::vector<std::string> order;
  for (const auto& write : all) {
    if (results[first + write.result].status != AppStatus::update) {
      continue;
    }
    auto [it, fresh] = by_file.try_emplace(write.file);
    if (fresh) {
      order.push_back(write.file);
    }
    it->second.push_back(&write);
  }
  for (const auto& file : order) {
    const auto& writes = by_file[file];
    auto fail_all = [&](const std::string& message) {
      for (const auto* write : writes) {
        auto& result = results[first + write->result];
        result.status = AppStatus::error;
        result.reason = "write-back: " + file + ": " + message;
      }
    };
    // A file an Application's write-back already changes (its manifest, a values file that
    // also holds markers) is edited on from that text, in the same change: two changes of one
    // file would each start from the original and the second would undo the first.
    // Compared as absolute paths: a saved plan names Flux files absolutely.
    auto planned = std::find_if(plan.files.begin(), plan.files.end(), [&](const FileChange& f) {
      return same_file(f.path, file);
    });
    auto text =
        planned != plan.files.end() ? std::optional<std::string>(planned->after) : read(file);
    if (!text) {
      fail_all("the file cannot be read");
      continue;
    }
    std::vector<writeback::ScalarEdit> edits;
    for (const auto* write : writes) {
      edits.push_back(write->edit);
    }
    auto edited = writeback::edit_scalars(*text, edits);
    if (!edited) {
      fail_all(edited.error().message);
      continue;
    }
    if (planned == plan.files.end()) {
      FileChange change;
      change.path = file;
      change.display = file;
      change.before = *text;
      plan.files.push_back(std::move(change));
      planned = std::prev(plan.files.end());
    }
    FileChange& change = *planned;
    change.after = std::move(*edited);
    for (const auto* write : writes) {
      const auto& result = results[first + write->result];
      std::string name = result.name.empty() ? "<document>" : result.name;
      if (change.applications.empty() || change.applications.back() != name) {
        change.applications.push_back(name);
        change.images_by_application.emplace_back();
      }
      if (std::find(change.results.begin(), change.results.end(), first + write->result)
          == change.results.end()) {
        change.results.push_back(first + write->result);
      }
      change.images.push_back(write->described);
      change.images_by_application.back().push_back(write->described);
    }
  }
}

} // namespace argoimg::updater
