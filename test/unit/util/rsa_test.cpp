// SPDX-License-Identifier: Apache-2.0
#include "util/bounded_file.hpp"
#include "util/rsa.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::util;

namespace {

std::string key_file(const std::string& name) {
  auto text = read_file_bounded(std::string(ARGOIMG_TEST_DATA) + "/forge/" + name);
  REQUIRE(text);
  return *text;
}

} // namespace

TEST_CASE("rs256: a signature verifies with the public key and only for its data", "[util][rsa]") {
  std::string private_key = key_file("app-key.pem");
  auto signature = rs256_sign(private_key, "header.claims");
  REQUIRE(signature);
  CHECK(signature->size() == 256); // a 2048-bit key
  // PKCS#1 v1.5 is deterministic: the same input signs the same.
  CHECK(rs256_sign(private_key, "header.claims").value() == *signature);
  CHECK(rs256_verify(key_file("app-key.pub.pem"), "header.claims", *signature).value() == true);
  CHECK(rs256_verify(private_key, "header.claims", *signature).value() == true);
  CHECK(rs256_verify(key_file("app-key.pub.pem"), "header.claimz", *signature).value() == false);
  std::string flipped = *signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  CHECK(rs256_verify(key_file("app-key.pub.pem"), "header.claims", flipped).value() == false);
}

TEST_CASE("rs256: what is no RSA private key is refused without quoting it", "[util][rsa]") {
  auto garbage =
      rs256_sign("-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----\n", "x");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind == ErrorKind::invalid_input);
  CHECK(garbage.error().message == "the key is no unencrypted RSA private key in PEM form");
  CHECK_FALSE(rs256_sign(key_file("app-key.pub.pem"), "x")); // a public key cannot sign
  CHECK_FALSE(rs256_verify("not a key", "x", "y"));
}
