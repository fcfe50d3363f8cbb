#!/usr/bin/env bash
# Install every Debian 12 package argoimg needs to build, test and run its demo.
# Idempotent: only packages that are missing are installed, so a second run is quick.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  # libraries
  libcli11-dev libcurl4-openssl-dev rapidjson-dev libyaml-cpp-dev libyaml-dev libgit2-dev
  libmimalloc-dev
  catch2 libexpected-dev libfmt-dev libre2-dev libbenchmark-dev libssl-dev
  # test servers and their tools
  docker-registry apache2-utils openssl python3 git curl
  # the recipes' schema test (test/integration/examples_test.py) parses YAML
  python3-yaml
  # commit signing: gpg needs gpg-agent to create and use secret keys (not pulled in with
  # --no-install-recommends); ssh signing needs ssh-keygen (openssh-client)
  gpg gpg-agent openssh-client
  # fuzzing (libFuzzer with clang's sanitizers)
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # git over ssh (sshd is started by the tests on a loopback port, never as a service)
  openssh-server
  # the Debian package (scripts/package.sh): cpack computes Depends with dpkg-shlibdeps; its
  # test root (package-test.sh) and the image without a daemon (build-image.sh, image-test.sh)
  dpkg-dev file debootstrap umoci skopeo
)

# The tests' TLS git server is named `localhost` (the name in its certificate: libgit2's mbedTLS
# checks no IP addresses). A minimal root filesystem (debootstrap, a bare container) can lack
# /etc/hosts, and then `localhost` does not resolve: give it the standard lines.
if ! getent hosts localhost >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >>/etc/hosts
    echo "install-deps: 'localhost' did not resolve; added it to /etc/hosts"
  else
    echo "install-deps: warning: 'localhost' does not resolve (no /etc/hosts entry); the" \
      "https git tests need it" >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: error: must run as root to install packages" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# Keep maintainer scripts from starting daemons (openssh-server would listen on
# 0.0.0.0:22): the tests start their own servers on loopback only.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
