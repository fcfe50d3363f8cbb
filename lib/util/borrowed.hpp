// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

namespace argoimg::util {

// A shared pointer to `object` that owns nothing: for handing a part of a structure to a
// holder that also takes owned values, when the structure outlives every such holder (the
// caller's promise; the pointer does not keep it alive).
template <class T> std::shared_ptr<const T> borrowed(const T& object) {
  return std::shared_ptr<const T>(std::shared_ptr<const void>(), &object);
}

} // namespace argoimg::util
