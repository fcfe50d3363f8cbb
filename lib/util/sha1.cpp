// SPDX-License-Identifier: Apache-2.0
#include "util/sha1.hpp"

#include "util/md_padding.hpp"

#include <array>
#include <cstdint>

namespace argoimg::util {

namespace {

constexpr uint32_t rotl(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

void compress(std::array<uint32_t, 5>& state, const unsigned char* block) {
  std::array<uint32_t, 80> w{};
  for (size_t i = 0; i < 16; ++i) {
    w[i] = (uint32_t{block[4 * i]} << 24) | (uint32_t{block[4 * i + 1]} << 16)
           | (uint32_t{block[4 * i + 2]} << 8) | uint32_t{block[4 * i + 3]};
  }
  for (size_t i = 16; i < 80; ++i) {
    w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  }
  auto [a, b, c, d, e] = state;
  for (size_t i = 0; i < 80; ++i) {
    uint32_t f = 0;
    uint32_t k = 0;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

} // namespace

std::string sha1_raw(std::string_view data) {
  std::array<uint32_t, 5> state = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  detail::for_each_padded_block(data, [&](const unsigned char* block) { compress(state, block); });
  std::string out;
  out.reserve(20);
  for (uint32_t word : state) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out += static_cast<char>((word >> shift) & 0xff);
    }
  }
  return out;
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  constexpr size_t block = 64;
  std::string k = key.size() > block ? sha1_raw(key) : std::string(key);
  k.resize(block, '\0');
  std::string inner(block, '\0');
  std::string outer(block, '\0');
  for (size_t i = 0; i < block; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  return sha1_raw(outer + sha1_raw(inner + std::string(data)));
}

} // namespace argoimg::util
