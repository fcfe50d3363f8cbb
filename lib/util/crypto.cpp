// SPDX-License-Identifier: Apache-2.0
// SHA-1, SHA-256, HMAC-SHA1, base64 and RS256 signatures from OpenSSL's libcrypto. The only
// file of argoimg that includes an OpenSSL header: the rest of the code sees the small typed
// functions of util/sha256.hpp, util/sha1.hpp, util/base64.hpp and util/rsa.hpp.
#include "util/base64.hpp"
#include "util/rsa.hpp"
#include "util/sha1.hpp"
#include "util/sha256.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <memory>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

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

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct ContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

// An RSA key from PEM text: a private key, else (when `public_ok`) a public one. A key with
// a passphrase fails: the empty callback answers no passphrase instead of prompting.
Key read_rsa_key(std::string_view pem, bool public_ok) {
  if (pem.size() > static_cast<size_t>(INT_MAX)) {
    return nullptr;
  }
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key && public_ok) {
    bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    key.reset(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  }
  if (key && EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    key.reset();
  }
  ERR_clear_error(); // failed reads leave errors queued for the next caller
  return key;
}

} // namespace

Result<std::string> rs256_sign(std::string_view private_key_pem, std::string_view data) {
  Key key = read_rsa_key(private_key_pem, false);
  if (!key) {
    return fail(ErrorKind::invalid_input, "the key is no unencrypted RSA private key in PEM form");
  }
  std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  size_t size = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1
      || EVP_DigestSign(context.get(), nullptr, &size, bytes(data), data.size()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::internal, "RS256 signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(),
                     reinterpret_cast<unsigned char*>(signature.data()),
                     &size,
                     bytes(data),
                     data.size())
      != 1) {
    ERR_clear_error();
    return fail(ErrorKind::internal, "RS256 signing failed");
  }
  signature.resize(size);
  return signature;
}

Result<bool>
rs256_verify(std::string_view key_pem, std::string_view data, std::string_view signature) {
  Key key = read_rsa_key(key_pem, true);
  if (!key) {
    return fail(ErrorKind::invalid_input, "the key is no RSA key in PEM form");
  }
  std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  if (!context
      || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorKind::internal, "RS256 verification failed to start");
  }
  int verdict =
      EVP_DigestVerify(context.get(), bytes(signature), signature.size(), bytes(data), data.size());
  ERR_clear_error();
  return verdict == 1;
}

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
