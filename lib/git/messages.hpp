// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "git/template.hpp"
#include "util/result.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::git {

// AIU's default commit message template, byte for byte.
inline constexpr std::string_view k_default_commit_template =
    "build: automatic update of {{ .AppName }}\n"
    "\n"
    "{{ range .AppChanges -}}\n"
    "updates image {{ .Image }} tag '{{ .OldTag }}' to '{{ .NewTag }}'\n"
    "{{ end -}}\n";

// One image change as templates see it: `Image`/`Name` without the registry, tags replaced
// by the digest when one is set (AIU's rule), and the new image's OCI config labels.
struct ImageChangeRecord {
  std::string name;
  std::string alias;
  std::string old_tag;
  std::string new_tag;
  std::map<std::string, std::string> labels; // empty when it has none or they could not be read
};

struct AppChangeRecord {
  std::string app_name;
  std::vector<ImageChangeRecord> changes;
};

// Render the commit message for one commit: `template_` once per application with `.AppName`
// and `.AppChanges` (`.Image`, `.OldTag`, `.NewTag`, `.Labels`, and argoimg's `.Name` and
// `.Alias`); several applications get a summary subject and every application's message.
util::Result<std::string> commit_message(const Template& template_,
                                         const std::vector<AppChangeRecord>& apps);

// Who a write branch is rendered for (AIU renders it per application).
struct BranchTemplateContext {
  std::string app_name;
  std::string app_namespace;
  std::string target_key; // see target_key()
};

// AIU's `.TargetKey`: the first 8 hex digits of SHA-256 over "<repository>|<base branch>|
// <target>", so applications writing one target in one repository and branch share it.
std::string
target_key(std::string_view repository, std::string_view base_branch, std::string_view target);

// Render a write-branch template with `.Images` (`.Name`, `.Alias`, `.OldTag`, `.NewTag`),
// `.SHA256` (hex SHA-256 of "<Name>-<OldTag>-<NewTag>," over all changes), `.AppName`,
// `.AppNamespace` and `.TargetKey`, truncated to 255 bytes. An empty result is a
// configuration error.
util::Result<std::string> branch_name(const Template& template_,
                                      const std::vector<ImageChangeRecord>& changes,
                                      const BranchTemplateContext& context = {});

} // namespace argoimg::git
