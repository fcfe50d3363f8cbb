// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image_ref.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::image {

// One `[alias=]image[:constraint]` element of AIU's `image-list` (or one `--image` flag).
struct ImageListEntry {
  std::optional<std::string> alias;
  ImageRef image;                        // without the constraint
  std::string image_text;                // the image as configured, without the constraint
  std::optional<std::string> constraint; // everything after the image's last non-port ':'
};

// Parse one element. The text before the first '=' is an alias only when it is a valid alias
// (letters, digits, '_', '-', '.', '/'), so `nginx:>=1.2` and `x:!=1.3` keep their constraints.
// Fails with `invalid_input` naming the element and what is wrong.
util::Result<ImageListEntry> parse_image_list_entry(std::string_view element);

// Parse an `image-list` annotation value: split at every ',' (AIU's rule), trim, skip empty
// elements. Each element parses independently so one bad element does not hide the others.
std::vector<util::Result<ImageListEntry>> parse_image_list(std::string_view value);

} // namespace argoimg::image
