// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "git/template.hpp"
#include "util/result.hpp"

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
// by the digest when one is set (AIU's rule).
struct ImageChangeRecord {
  std::string name;
  std::string alias;
  std::string old_tag;
  std::string new_tag;
};

struct AppChangeRecord {
  std::string app_name;
  std::vector<ImageChangeRecord> changes;
};

// Render the commit message for one commit: `template_` once per application with `.AppName`
// and `.AppChanges` (`.Image`, `.OldTag`, `.NewTag`); several applications get a summary
// subject and every application's rendered message.
util::Result<std::string> commit_message(const Template& template_,
                                         const std::vector<AppChangeRecord>& apps);

// Render a write-branch template with `.Images` (`.Name`, `.Alias`, `.OldTag`, `.NewTag`) and
// `.SHA256` (hex SHA-256 of "<Name>-<OldTag>-<NewTag>," over all changes), truncated to 255
// bytes. An empty result is a configuration error.
util::Result<std::string> branch_name(const Template& template_,
                                      const std::vector<ImageChangeRecord>& changes);

} // namespace argoimg::git
