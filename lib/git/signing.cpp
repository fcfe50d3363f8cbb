// SPDX-License-Identifier: Apache-2.0
#include "git/signing.hpp"

#include "util/process.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

namespace argoimg::git {

util::Result<SigningMethod> parse_signing_method(const std::string& text) {
  if (text == "openpgp") {
    return SigningMethod::openpgp;
  }
  if (text == "ssh") {
    return SigningMethod::ssh;
  }
  return util::fail(util::ErrorKind::config,
                    "signing method " + util::quote(text) + " is not 'openpgp' or 'ssh'"
                        + util::did_you_mean(text, {"openpgp", "ssh"}));
}

CommitSigner make_signer(SigningMethod method, const std::string& key) {
  std::vector<std::string> argv =
      method == SigningMethod::openpgp
          ? std::vector<std::string>{"gpg", "--batch", "--status-fd=2", "-bsau", key}
          : std::vector<std::string>{"ssh-keygen", "-Y", "sign", "-n", "git", "-f", key};
  std::string tool = argv.front();
  return [argv, tool](const std::string& content) -> util::Result<std::string> {
    auto ran = util::run_process(argv, content, std::chrono::seconds(60));
    if (!ran) {
      return util::fail(util::ErrorKind::config,
                        "signing with " + tool + ": " + ran.error().message);
    }
    if (ran->exit_code != 0 || ran->out.empty()) {
      std::string detail(util::trim(ran->err));
      if (detail.size() > 300) {
        detail.resize(300);
      }
      return util::fail(util::ErrorKind::config,
                        "signing with " + tool + " failed (exit " + std::to_string(ran->exit_code)
                            + "): " + detail);
    }
    return ran->out;
  };
}

std::string with_sign_off(const std::string& message, const Signature& who) {
  std::string trailer = "Signed-off-by: " + who.name + " <" + who.email + ">\n";
  if (message.find(trailer) != std::string::npos) {
    return message;
  }
  std::string out = message;
  if (!out.empty() && out.back() != '\n') {
    out += '\n';
  }
  return out + "\n" + trailer;
}

} // namespace argoimg::git
