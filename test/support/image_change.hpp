// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "writeback/targets.hpp"

#include <memory>

namespace argoimg::test {

// The configuration of `change`, made its own so a test can set it up field by field.
inline app::ImageConfig& mutable_config(writeback::ImageChange& change) {
  auto copy = std::make_shared<app::ImageConfig>(*change.config);
  change.config = copy;
  return *copy;
}

} // namespace argoimg::test
