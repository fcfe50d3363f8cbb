// SPDX-License-Identifier: Apache-2.0
#include "run/shard.hpp"

#include "run/input_file.hpp"

#include "app/app_type.hpp"
#include "app/repository.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace argoimg::run {

namespace fs = std::filesystem;

namespace {

constexpr size_t k_max_shards = 100000;
constexpr size_t k_max_git_config = 1 << 20; // a .git/config is a few hundred bytes

std::optional<size_t> parse_count(std::string_view text) {
  size_t value = 0;
  if (text.empty() || text.size() > 6
      || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The config file of the repository whose `.git` is at `dot_git`. A `.git` file (a linked
// worktree or a submodule) names its git directory ("gitdir: PATH"); a worktree's git directory
// names the shared one in `commondir`, which holds the config. Without following them, files
// in a worktree would be keyed by their path while the applications writing to the same
// repository are keyed by its URL: two shards writing one repository.
std::string git_config_path(const fs::path& dot_git) {
  std::error_code error;
  if (!fs::is_regular_file(dot_git, error)) {
    return (dot_git / "config").string();
  }
  auto read_line = [](const fs::path& path) -> std::optional<std::string> {
    auto text = read_bounded_file(path.string(), 4096);
    if (!text || !*text) {
      return std::nullopt;
    }
    std::string_view line = **text;
    line = line.substr(0, line.find('\n'));
    return std::string(util::trim(line));
  };
  auto line = read_line(dot_git);
  if (!line || line->rfind("gitdir:", 0) != 0) {
    return (dot_git / "config").string(); // not a gitdir file: unreadable, keyed by path
  }
  fs::path git_dir = std::string(util::trim(std::string_view(*line).substr(7)));
  if (git_dir.is_relative()) {
    git_dir = dot_git.parent_path() / git_dir;
  }
  if (auto common = read_line(git_dir / "commondir"); common && !common->empty()) {
    fs::path shared = *common;
    git_dir = shared.is_relative() ? git_dir / shared : shared;
  }
  return (git_dir.lexically_normal() / "config").string();
}

auto shard_error(std::string_view text, const std::string& detail) {
  return util::fail(util::ErrorKind::config,
                    "--shard " + util::quote(shorten(text)) + ": " + detail);
}

} // namespace

util::Result<Shard> parse_shard(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return shard_error(text, "expected I/N, e.g. 0/4 (shards are numbered from 0)");
  }
  auto index = parse_count(text.substr(0, slash));
  auto count = parse_count(text.substr(slash + 1));
  if (!index || !count) {
    return shard_error(text,
                       "expected I/N with decimal numbers, e.g. 0/4 (shards are numbered from 0)");
  }
  if (*count == 0 || *count > k_max_shards) {
    return shard_error(text, "the count must be from 1 to " + std::to_string(k_max_shards));
  }
  if (*index >= *count) {
    return shard_error(text,
                       "the index must be below the count: 0 to " + std::to_string(*count - 1)
                           + " (shards are numbered from 0)");
  }
  return Shard{*index, *count};
}

size_t shard_of(std::string_view repository, size_t count) {
  std::string hex = util::sha256_hex(repository).substr(0, 15); // 60 bits: no overflow
  uint64_t value = 0;
  std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  return static_cast<size_t>(value % count);
}

std::string application_repository(const updater::PlannedApp& planned) {
  const auto& application = planned.application;
  std::string repository;
  if (planned.config) {
    const auto& write_back = planned.config->write_back;
    repository = std::string(util::trim(write_back.repository));
    if (repository.empty()) {
      size_t source = app::detect_type(application, write_back).source_index;
      if (source < application.sources.size()) {
        repository = application.sources[source].repo_url;
      }
    }
  } else if (!application.sources.empty()) {
    repository = application.sources.front().repo_url;
  }
  if (repository.empty()) {
    return application.origin_text + "\n" + application.app_namespace + "/" + application.name;
  }
  return app::normalize_repo_url(repository);
}

std::string file_repository(const std::string& file, std::map<std::string, std::string>& cache) {
  std::error_code error;
  fs::path absolute = fs::absolute(file, error).lexically_normal();
  std::string directory = absolute.parent_path().string();
  if (auto found = cache.find(directory); found != cache.end()) {
    return found->second;
  }
  std::string repository = absolute.string();
  for (fs::path at = absolute.parent_path(); !at.empty(); at = at.parent_path()) {
    if (fs::exists(at / ".git", error)) {
      repository = at.string();
      auto config = read_bounded_file(git_config_path(at / ".git"), k_max_git_config);
      auto origin = config && *config ? app::origin_url_from_git_config(**config) : std::nullopt;
      if (origin && !origin->empty()) {
        repository = app::normalize_repo_url(*origin);
      }
      break;
    }
    if (at == at.root_path()) {
      break;
    }
  }
  if (repository != absolute.string()) {
    cache.emplace(directory, repository); // a file outside a repository is its own key
  }
  return repository;
}

void keep_shard(const Shard& shard,
                LoadedApplications& loaded,
                std::vector<std::string>& file_error_files,
                updater::FluxInputs& flux) {
  std::map<std::string, std::string> cache;
  auto mine_file = [&](const std::string& file) {
    return shard_of(file_repository(file, cache), shard.count) == shard.index;
  };
  std::erase_if(loaded.apps, [&](const updater::PlannedApp& planned) {
    return shard_of(application_repository(planned), shard.count) != shard.index;
  });
  std::vector<std::string> errors;
  std::vector<std::string> error_files;
  for (size_t i = 0; i < loaded.file_errors.size(); ++i) {
    const std::string& file = i < file_error_files.size() ? file_error_files[i] : std::string();
    if (file.empty() || mine_file(file)) {
      errors.push_back(std::move(loaded.file_errors[i]));
      error_files.push_back(file);
    }
  }
  loaded.file_errors = std::move(errors);
  file_error_files = std::move(error_files);
  std::erase_if(flux.v1,
                [&](const app::FluxV1Object& object) { return !mine_file(object.origin.file); });
  std::erase_if(flux.markers, [&](const app::FluxMarker& marker) {
    return !mine_file(marker.document_origin.file);
  });
  // Policies and automations stay, so markers of this shard can use those of any file; they
  // are listed by the shard of their own file only.
  flux.policy_listed.resize(flux.policies.size(), true);
  for (size_t i = 0; i < flux.policies.size(); ++i) {
    flux.policy_listed[i] = flux.policy_listed[i] && mine_file(flux.policies[i].origin.file);
  }
  flux.automation_listed.assign(flux.automations.size(), true);
  for (size_t i = 0; i < flux.automations.size(); ++i) {
    flux.automation_listed[i] = mine_file(flux.automations[i].origin.file);
  }
}

} // namespace argoimg::run
