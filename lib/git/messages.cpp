// SPDX-License-Identifier: Apache-2.0
#include "git/messages.hpp"

#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git {

util::Result<std::string> commit_message(const Template& template_,
                                         const std::vector<AppChangeRecord>& apps) {
  std::vector<std::string> rendered;
  for (const auto& app : apps) {
    TemplateValue::List changes;
    for (const auto& change : app.changes) {
      changes.push_back(TemplateValue::Map{{"Image", change.name},
                                           {"Name", change.name},
                                           {"Alias", change.alias},
                                           {"OldTag", change.old_tag},
                                           {"NewTag", change.new_tag},
                                           {"Labels", change.labels}});
    }
    auto message =
        template_.render(TemplateValue::Map{{"AppName", app.app_name}, {"AppChanges", changes}});
    if (!message) {
      return tl::unexpected(message.error());
    }
    rendered.push_back(std::move(*message));
  }
  if (rendered.size() == 1) {
    return rendered.front();
  }
  std::string out = fmt::format("build: automatic update of {} applications\n", apps.size());
  for (const auto& message : rendered) {
    out += "\n" + message;
    if (!message.empty() && message.back() != '\n') {
      out += "\n";
    }
  }
  return out;
}

std::string
target_key(std::string_view repository, std::string_view base_branch, std::string_view target) {
  std::string input =
      std::string(repository) + "|" + std::string(base_branch) + "|" + std::string(target);
  return util::sha256_hex(input).substr(0, 8);
}

util::Result<std::string> branch_name(const Template& template_,
                                      const std::vector<ImageChangeRecord>& changes,
                                      const BranchTemplateContext& context) {
  TemplateValue::List images;
  std::string digest_input;
  for (const auto& change : changes) {
    images.push_back(TemplateValue::Map{{"Name", change.name},
                                        {"Alias", change.alias},
                                        {"OldTag", change.old_tag},
                                        {"NewTag", change.new_tag}});
    digest_input += change.name + "-" + change.old_tag + "-" + change.new_tag + ",";
  }
  auto name = template_.render(TemplateValue::Map{{"Images", images},
                                                  {"SHA256", util::sha256_hex(digest_input)},
                                                  {"AppName", context.app_name},
                                                  {"AppNamespace", context.app_namespace},
                                                  {"TargetKey", context.target_key}});
  if (!name) {
    return name;
  }
  if (name->size() > 255) {
    name->resize(255);
  }
  if (util::trim(*name).empty()) {
    return util::fail(util::ErrorKind::config,
                      "the write-branch template rendered an empty branch name");
  }
  return name;
}

} // namespace argoimg::git
