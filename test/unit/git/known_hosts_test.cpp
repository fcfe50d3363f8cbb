// SPDX-License-Identifier: Apache-2.0
#include "git/known_hosts.hpp"
#include "util/base64.hpp"
#include "util/sha1.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::git;

namespace {

// Two real ed25519 public keys (ssh-keygen -t ed25519) and the hashed form of
// "[127.0.0.1]:2222" with the first (ssh-keygen -H).
const std::string key_a = "AAAAC3NzaC1lZDI1NTE5AAAAIGFUdrgrWbOs/BtuO5UMoIkmOcXJqBNp8O8XHUl1xNFW";
const std::string key_b = "AAAAC3NzaC1lZDI1NTE5AAAAIIFBf7OQKtpmEM4yHaQqreY0zESJJLbIXrgFhEafErNa";
const std::string hashed_a = "|1|A0obZ3ZIugrGSPvFnSd8jnL6OAg=|UWXvEj0J3C1meLm/ZqksU46AucE=";

std::string blob(const std::string& base64) {
  return *argoimg::util::base64_decode(base64);
}

std::string hex(const std::string& raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : raw) {
    auto byte = static_cast<unsigned char>(c);
    out += digits[byte >> 4];
    out += digits[byte & 15];
  }
  return out;
}

} // namespace

TEST_CASE("sha1 and hmac-sha1 match the standard vectors", "[util]") {
  CHECK(hex(argoimg::util::sha1_raw("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex(argoimg::util::sha1_raw(std::string(1000, 'a')))
        == "291e9a6c66994949b57ba5e650361e98fc36b1ba");
  CHECK(hex(argoimg::util::hmac_sha1("key", "The quick brown fox jumps over the lazy dog"))
        == "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
}

TEST_CASE("ssh endpoints of URLs", "[git]") {
  auto full = ssh_endpoint("ssh://git@127.0.0.1:2222/srv/git/repo.git");
  REQUIRE(full);
  CHECK(full->user == "git");
  CHECK(full->host == "127.0.0.1");
  CHECK(full->port == 2222);
  CHECK(known_hosts_name(*full) == "[127.0.0.1]:2222");

  auto scp = ssh_endpoint("git@github.com:org/repo.git");
  REQUIRE(scp);
  CHECK(scp->user == "git");
  CHECK(scp->host == "github.com");
  CHECK(scp->port == 22);
  CHECK(known_hosts_name(*scp) == "github.com");

  auto v6 = ssh_endpoint("ssh://[::1]:2200/repo");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 2200);
  CHECK(ssh_endpoint("git+ssh://host/x")->host == "host");
  CHECK(ssh_endpoint("host:x")->user.empty());

  CHECK_FALSE(ssh_endpoint("https://github.com/org/repo"));
  CHECK_FALSE(ssh_endpoint("git://127.0.0.1/repo"));
  CHECK_FALSE(ssh_endpoint("/srv/git/repo.git"));
  CHECK_FALSE(ssh_endpoint("./dir:with/colon"));
  CHECK_FALSE(ssh_endpoint("ssh://host:99999/x"));
  CHECK_FALSE(ssh_endpoint(""));
}

TEST_CASE("host keys are checked against known_hosts", "[git]") {
  const std::string name = "[127.0.0.1]:2222";
  std::string plain = "# comment\n\n[127.0.0.1]:2222 ssh-ed25519 " + key_a + " a\n";
  CHECK(check_known_host(plain, name, blob(key_a)).match == HostKeyMatch::match);
  CHECK(check_known_host(plain, name, blob(key_a)).line == 3);

  auto other = check_known_host(plain, name, blob(key_b));
  CHECK(other.match == HostKeyMatch::mismatch);
  CHECK(other.line == 3);

  // The same address on the default port is another host for OpenSSH.
  CHECK(check_known_host(plain, "127.0.0.1", blob(key_a)).match == HostKeyMatch::unknown);
  CHECK(check_known_host("", name, blob(key_a)).match == HostKeyMatch::unknown);

  std::string hashed = hashed_a + " ssh-ed25519 " + key_a + "\n";
  CHECK(check_known_host(hashed, name, blob(key_a)).match == HostKeyMatch::match);
  CHECK(check_known_host(hashed, name, blob(key_b)).match == HostKeyMatch::mismatch);
  CHECK(check_known_host(hashed, "[127.0.0.1]:2223", blob(key_a)).match == HostKeyMatch::unknown);

  // A key of another type for the host says nothing about this one.
  std::string rsa_only = "[127.0.0.1]:2222 ssh-rsa " + key_b + "\n";
  CHECK(check_known_host(rsa_only, name, blob(key_a)).match == HostKeyMatch::unknown);

  // Rotation: a second entry with the new key is enough.
  std::string both = plain + name + " ssh-ed25519 " + key_b + "\n";
  CHECK(check_known_host(both, name, blob(key_b)).match == HostKeyMatch::match);

  std::string revoked = "@revoked * ssh-ed25519 " + key_a + "\n" + plain;
  CHECK(check_known_host(revoked, name, blob(key_a)).match == HostKeyMatch::revoked);
  CHECK(check_known_host(revoked, name, blob(key_a)).line == 1);
}

TEST_CASE("known_hosts patterns: lists, wildcards, negation", "[git]") {
  std::string text = "gitlab.com,*.example.org,!evil.example.org ssh-ed25519 " + key_a + "\n";
  CHECK(check_known_host(text, "gitlab.com", blob(key_a)).match == HostKeyMatch::match);
  CHECK(check_known_host(text, "GIT.Example.org", blob(key_a)).match == HostKeyMatch::match);
  CHECK(check_known_host(text, "evil.example.org", blob(key_a)).match == HostKeyMatch::unknown);
  CHECK(check_known_host("git?ub.com ssh-ed25519 " + key_a, "github.com", blob(key_a)).match
        == HostKeyMatch::match);
  CHECK(check_known_host("@cert-authority * ssh-ed25519 " + key_a, "x", blob(key_a)).match
        == HostKeyMatch::unknown);
  CHECK(check_known_host("broken line\nx ssh-ed25519 !!!\n", "x", blob(key_a)).match
        == HostKeyMatch::unknown);
}

TEST_CASE("key type and fingerprint read from the key", "[git]") {
  CHECK(ssh_key_type(blob(key_a)) == "ssh-ed25519");
  CHECK(ssh_key_type("\x00\x00") == "");
  CHECK(ssh_fingerprint(blob(key_a)) == "SHA256:cZBFWwZZbNICSXUlCvynzRkFFuyJSZbbMfW3d+nMWGk");
}

TEST_CASE("passphrase-protected private keys are recognised", "[git]") {
  // ssh-keygen -t ed25519 -N '' and -N 'pw' (only the headers matter: the cipher name).
  std::string plain_body = argoimg::util::base64_encode(
      std::string("openssh-key-v1\0\0\0\0\4none\0\0\0\4none", 31) + "rest");
  std::string encrypted_body = argoimg::util::base64_encode(
      std::string("openssh-key-v1\0\0\0\0\12aes256-ctr\0\0\0\6bcrypt", 39) + "rest");
  auto wrap = [](const std::string& body) {
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n-----END OPENSSH PRIVATE KEY-----\n";
  };
  CHECK_FALSE(private_key_is_encrypted(wrap(plain_body)));
  CHECK(private_key_is_encrypted(wrap(encrypted_body)));
  CHECK(private_key_is_encrypted("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"));
  CHECK_FALSE(private_key_is_encrypted("-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n"));
}
