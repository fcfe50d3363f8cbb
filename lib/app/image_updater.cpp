// SPDX-License-Identifier: Apache-2.0
#include "app/image_updater.hpp"

#include <algorithm>

namespace argoimg::app {

namespace {

template <typename T> void take(std::optional<T>& field, const std::optional<T>& over) {
  if (over) {
    field = over;
  }
}

} // namespace

UpdateSettings UpdateSettings::merged_with(const UpdateSettings& over) const {
  UpdateSettings merged = *this;
  take(merged.update_strategy, over.update_strategy);
  take(merged.force_update, over.force_update);
  take(merged.allow_tags, over.allow_tags);
  take(merged.ignore_tags, over.ignore_tags);
  take(merged.pull_secret, over.pull_secret);
  take(merged.platforms, over.platforms);
  take(merged.min_age, over.min_age);
  return merged;
}

WriteBackConfig WriteBackConfig::merged_with(const WriteBackConfig& over) const {
  WriteBackConfig merged = *this;
  take(merged.method, over.method);
  take(merged.repository, over.repository);
  take(merged.branch, over.branch);
  take(merged.target, over.target);
  take(merged.pull_request, over.pull_request);
  return merged;
}

long ApplicationRef::specificity() const {
  long score = 0;
  if (name_pattern.find_first_of("*?[]") == std::string::npos) {
    score += 1'000'000;
  }
  // Literal characters: the pattern without bracket expressions, '*' and '?'.
  long literal = 0;
  bool in_class = false;
  for (char c : name_pattern) {
    if (c == '[') {
      in_class = true;
    } else if (c == ']') {
      in_class = false;
    } else if (!in_class && c != '*' && c != '?') {
      ++literal;
    }
  }
  score += literal;
  if (label_selector) {
    score += 10'000 + 100 * static_cast<long>(label_selector->requirements.size());
  }
  return score;
}

const ApplicationRef* select_ref(const ImageUpdater& updater, const Application& application) {
  if (!updater.cr_namespace.empty() && !application.app_namespace.empty()
      && updater.cr_namespace != application.app_namespace) {
    return nullptr;
  }
  std::vector<const ApplicationRef*> ordered;
  for (const auto& ref : updater.refs) {
    ordered.push_back(&ref);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
    return a->specificity() > b->specificity();
  });
  for (const auto* ref : ordered) {
    if (!name_matches(ref->name_pattern, application.name)) {
      continue;
    }
    if (ref->label_selector && !ref->label_selector->matches(application.labels)) {
      continue;
    }
    return ref;
  }
  return nullptr;
}

} // namespace argoimg::app
