#include "util/base64.hpp"
#include "util/sha1.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::util;

TEST_CASE("base64 matches the RFC 4648 vectors", "[util][base64]") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::optional<std::string>(plain));
  }
  std::string binary("\x00\xff\xfe\x80\x7f", 5);
  CHECK(base64_encode(binary) == "AP/+gH8=");
  CHECK(base64_decode("AP/+gH8=") == std::optional<std::string>(binary));
}

TEST_CASE("base64 decoding accepts missing padding, whitespace and the url-safe alphabet",
          "[util][base64]") {
  CHECK(base64_decode("Zm9vYg") == std::optional<std::string>("foob"));
  CHECK(base64_decode("Zm9vYmE") == std::optional<std::string>("fooba"));
  CHECK(base64_decode("Zm9v\nYmFy\r\n") == std::optional<std::string>("foobar"));
  CHECK(base64_decode(" Zm 9v ") == std::optional<std::string>("foo"));
  CHECK(base64_decode("AP_-gH8") == base64_decode("AP/+gH8="));
}

TEST_CASE("base64 decoding refuses what is not base64", "[util][base64]") {
  CHECK_FALSE(base64_decode("Zm9v!"));
  CHECK_FALSE(base64_decode("Z"));            // one character cannot hold a byte
  CHECK_FALSE(base64_decode("Zm9vY"));        // nor can a group of one
  CHECK_FALSE(base64_decode("Zg===="));       // too much padding
  CHECK_FALSE(base64_decode("Zg==Zm9v"));     // data after padding
  CHECK_FALSE(base64_decode("Zm9v\x01"));     // a control character
  CHECK_FALSE(base64_decode("Zm9v\xc3\xa9")); // non-ASCII
}

TEST_CASE("base64 round-trips inputs larger than one libcrypto chunk", "[util][base64]") {
  std::string big(13 * 1024 * 1024 + 1, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>(i * 131 % 251);
  }
  std::string encoded = base64_encode(big);
  CHECK(encoded.size() == (big.size() + 2) / 3 * 4);
  CHECK(base64_decode(encoded) == std::optional<std::string>(big));
}

TEST_CASE("hmac-sha1 matches the RFC 2202 vectors", "[util]") {
  auto hex = [](const std::string& raw) {
    std::string out;
    for (char ch : raw) {
      auto c = static_cast<unsigned char>(ch);
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
    return out;
  };
  CHECK(hex(hmac_sha1(std::string(20, '\x0b'), "Hi There"))
        == "b617318655057264e28bc0b6fb378c8ef146be00");
  CHECK(hex(hmac_sha1("Jefe", "what do ya want for nothing?"))
        == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  // A key longer than the block is hashed first.
  CHECK(hex(hmac_sha1(std::string(80, '\xaa'),
                      "Test Using Larger Than Block-Size Key - Hash Key First"))
        == "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  CHECK(hex(sha1_raw("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}
