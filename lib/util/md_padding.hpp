// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace argoimg::util::detail {

// Feed `data` to `compress(const unsigned char* block)` in 64-byte blocks with the padding
// SHA-1 and SHA-256 share: 0x80, zeros, then the length in bits as a big-endian 64-bit number.
template <typename Compress>
void for_each_padded_block(std::string_view data, Compress&& compress) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t full = data.size() / 64;
  for (size_t i = 0; i < full; ++i) {
    compress(bytes + 64 * i);
  }
  std::array<unsigned char, 128> tail{};
  size_t rest = data.size() - 64 * full;
  for (size_t i = 0; i < rest; ++i) {
    tail[i] = bytes[64 * full + i];
  }
  tail[rest] = 0x80;
  size_t tail_blocks = rest + 1 + 8 <= 64 ? 1 : 2;
  uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (size_t i = 0; i < 8; ++i) {
    tail[tail_blocks * 64 - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  }
  for (size_t i = 0; i < tail_blocks; ++i) {
    compress(tail.data() + 64 * i);
  }
}

} // namespace argoimg::util::detail
