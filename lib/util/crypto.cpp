// SPDX-License-Identifier: Apache-2.0
// SHA-1, SHA-256, HMAC-SHA1 and base64 from OpenSSL's libcrypto. The only file of argoimg that
// includes an OpenSSL header: the rest of the code sees the small typed functions of
// util/sha256.hpp, util/sha1.hpp and util/base64.hpp.
#include "util/base64.hpp"
#include "util/sha1.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace argoimg::util {

namespace {

const unsigned char* bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

std::string digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) {
    std::abort(); // only on allocation failure or a broken libcrypto: nothing to recover
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

// OpenSSL's block functions take an int length: feed them bounded chunks (multiples of 3
// bytes to encode, of 4 characters to decode) so a large input never overflows it.
constexpr size_t k_chunk = 3 * 4 * (size_t{1} << 20);

// Map one base64 character, URL-safe alphabet included, to the standard alphabet; 0 when
// it is not one.
char standard_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
      || c == '/') {
    return c;
  }
  if (c == '-') {
    return '+';
  }
  if (c == '_') {
    return '/';
  }
  return 0;
}

} // namespace

std::string sha256_hex(std::string_view data) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string raw = digest(EVP_sha256(), data);
  std::string out;
  out.reserve(raw.size() * 2);
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    out += k_hex[u >> 4];
    out += k_hex[u & 15];
  }
  return out;
}

std::string sha1_raw(std::string_view data) {
  return digest(EVP_sha1(), data);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    key = ""; // unreachable in practice (a known_hosts salt is 20 bytes); keeps the cast safe
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha1(),
           key.data(),
           static_cast<int>(key.size()),
           bytes(data),
           data.size(),
           out,
           &size)
      == nullptr) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  while (!data.empty()) {
    std::string_view piece = data.substr(0, k_chunk);
    data.remove_prefix(piece.size());
    std::string block((piece.size() + 2) / 3 * 4 + 1, '\0'); // EVP_EncodeBlock adds a NUL
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(block.data()),
                                  bytes(piece),
                                  static_cast<int>(piece.size()));
    out.append(block.data(), static_cast<size_t>(written));
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // What libcrypto does not: whitespace anywhere, the URL-safe alphabet, missing padding.
  // Padding may only end the text, at most two '='.
  std::string clean;
  clean.reserve(text.size());
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    }
    if (c == '=') {
      ++padding;
      continue;
    }
    char mapped = standard_char(c);
    if (mapped == 0 || padding > 0) {
      return std::nullopt; // not base64, or data after padding
    }
    clean += mapped;
  }
  if (padding > 2 || clean.size() % 4 == 1) {
    return std::nullopt;
  }
  size_t missing = (4 - clean.size() % 4) % 4;
  clean.append(missing, '=');
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  std::string_view rest = clean;
  while (!rest.empty()) {
    std::string_view piece = rest.substr(0, k_chunk);
    rest.remove_prefix(piece.size());
    std::string block(piece.size() / 4 * 3, '\0');
    int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(block.data()),
                                  bytes(piece),
                                  static_cast<int>(piece.size()));
    if (written < 0) {
      return std::nullopt;
    }
    out.append(block.data(), static_cast<size_t>(written));
  }
  // EVP_DecodeBlock counts the bytes the padding stands for as zeros: drop them.
  out.resize(out.size() - missing);
  return out;
}

} // namespace argoimg::util
