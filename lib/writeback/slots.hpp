// SPDX-License-Identifier: Apache-2.0
#pragma once

// Rewriting single scalars named by document and path: how Flux images are written back (a
// workload's `image:`, a HelmRelease value, a setter marker's field).

#include "util/result.hpp"
#include "writeback/yaml_text.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback {

struct ScalarEdit {
  size_t doc = 0;
  YamlPath path;
  std::string current; // what the scalar must still hold (its text as read)
  std::string value;   // what it becomes
};

// Set every scalar of `edits` in `text`, keeping quotes (a plain scalar whose new value would
// read as a number, boolean or null is quoted), then prove that nothing else changed and that
// each value reads back. A scalar that already holds its new value is left as it is. Fails,
// leaving nothing half done, when a scalar is missing, holds something other than `current`
// or the new value (the file changed since it was read), is a block scalar, or the check fails,
// and refuses a text in which a mapping holds a key twice.
util::Result<std::string> edit_scalars(std::string_view text, const std::vector<ScalarEdit>& edits);

} // namespace argoimg::writeback
