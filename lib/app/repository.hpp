// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::app {

// Normalise a git URL for comparison: scheme and user dropped, `git@host:path` and
// `ssh://git@host/path` equal, `.git` and trailing '/' removed, host lowercased. So
// `https://GitHub.com/org/repo.git/` and `git@github.com:org/repo` compare equal.
std::string normalize_repo_url(std::string_view url);

// Return `remote "origin"`'s url from the text of a `.git/config` file.
std::optional<std::string> origin_url_from_git_config(std::string_view config);

} // namespace argoimg::app
