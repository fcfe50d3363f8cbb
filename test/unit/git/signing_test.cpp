// SPDX-License-Identifier: Apache-2.0
#include "git/signing.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;

TEST_CASE("sign-off appends one trailer after a blank line") {
  git::Signature who{"Image Bot", "bot@example.com"};
  CHECK(git::with_sign_off("build: x\n\nbody\n", who)
        == "build: x\n\nbody\n\nSigned-off-by: Image Bot <bot@example.com>\n");
  CHECK(git::with_sign_off("subject only", who)
        == "subject only\n\nSigned-off-by: Image Bot <bot@example.com>\n");
  auto once = git::with_sign_off("m\n", who);
  CHECK(git::with_sign_off(once, who) == once);
}

TEST_CASE("signing methods are openpgp or ssh, with a hint for typos") {
  CHECK(git::parse_signing_method("openpgp").value() == git::SigningMethod::openpgp);
  CHECK(git::parse_signing_method("ssh").value() == git::SigningMethod::ssh);
  auto typo = git::parse_signing_method("openpg");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().kind == util::ErrorKind::config);
  CHECK(typo.error().message.find("did you mean 'openpgp'") != std::string::npos);
}

TEST_CASE("a signer that cannot run fails with its tool's name") {
  auto signer = git::make_signer(git::SigningMethod::ssh, "/nonexistent/key");
  auto signature = signer("tree 0000\n");
  REQUIRE_FALSE(signature);
  CHECK(signature.error().message.find("signing with ssh-keygen") == 0);
}
