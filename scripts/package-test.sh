#!/usr/bin/env bash
# Test the Debian package the way a user gets it: a fresh Debian 12 root filesystem
# (debootstrap --variant=minbase bookworm, cached as build/package-test/bookworm-minbase.tar),
# `apt-get install ./argoimg_*.deb` inside it (with its Recommends, plus man-db and
# bash-completion), then in a chroot: `argoimg --version`, `man argoimg`, the bash completion
# loaded by bash-completion, and `check --image` against the test registry on 127.0.0.1 (the
# chroot shares the host's network). The registry is the one of the CTest fixture when
# ARGOIMG_TEST_SERVERS is set, else this script starts the test servers (servers.py) itself.
# Needs root (debootstrap, mount, chroot) and the network for the Debian mirror.
#   bash scripts/package-test.sh [DEB]    (default: build/package/argoimg_*.deb, from package.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
deb=${1:-$(ls build/package/argoimg_*.deb 2>/dev/null | head -n 1)}
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "package-test: error: no package; run 'bash scripts/package.sh' first" >&2
  exit 2
fi
deb=$(realpath "$deb")
if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: error: must run as root (debootstrap, mount, chroot)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

root=$(mktemp -d /tmp/argoimg-package-test.XXXXXX)
state=""
# shellcheck source=scripts/debian-root.sh
source scripts/debian-root.sh
cleanup() {
  debian_root_remove
  if [ -n "$state" ]; then
    python3 test/integration/servers/servers.py stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
  fi
}
trap cleanup EXIT

step() { echo "== package-test: $*"; }

debian_root_create
debian_root_enter
cp "$deb" "$root/tmp/"

step "apt-get install ./$(basename "$deb") man-db bash-completion"
in_root apt-get update -qq
in_root apt-get install -y -qq "/tmp/$(basename "$deb")" man-db bash-completion >/dev/null
in_root dpkg-query -W -f='${Package} ${Version} ${Status}\n' argoimg git openssh-client gnupg \
  ca-certificates

fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}

step "argoimg --version"
version=$(in_root argoimg --version)
[ "$version" = "argoimg $(dpkg-deb --field "$deb" Version)" ] || fail "--version said '$version'"

step "man argoimg"
page=$(in_root env MANWIDTH=100 man -P cat argoimg)
for want in "ARGOIMG CHECK" "ARGOIMG UPDATE" "ARGOIMG COMMIT" "--update-strategy"; do
  grep -qF -- "$want" <<<"$page" || fail "man argoimg lacks '$want'"
done

step "bash completion (loaded on demand by bash-completion)"
reply=$(in_root bash -c 'source /usr/share/bash-completion/bash_completion
  __load_completion argoimg || exit 1
  complete -p argoimg
  COMP_WORDS=(argoimg check -o ""); COMP_CWORD=3
  _argoimg argoimg "" -o
  printf "offered: %s\n" "${COMPREPLY[@]}"')
grep -q -- "-F _argoimg argoimg" <<<"$reply" || fail "no completion function: $reply"
# Every output format, in whatever order the completion lists them.
offered=$(sed -n 's/^offered: //p' <<<"$reply" | sort | tr '\n' ' ')
[ "$offered" = "json plan text " ] || fail "completion of 'check -o': $reply"

step "check --image against the test registry"
if [ -z "${ARGOIMG_TEST_SERVERS:-}" ]; then
  state=$(mktemp -d /tmp/argoimg-package-servers.XXXXXX)
  python3 test/integration/servers/servers.py start "$state" >/dev/null
  servers_env=$state/servers.env
else
  servers_env=$ARGOIMG_TEST_SERVERS/servers.env
fi
registry=$(sed -n 's/^ARGOIMG_TEST_REGISTRY=//p' "$servers_env")
out=$(in_root argoimg -o json check --image "$registry/demo/app:~1.2")
python3 -c 'import json,sys; doc=json.load(sys.stdin); image=doc["images"][0]
assert image["status"] == "resolved" and image["new"] == "1.2.9", image' <<<"$out" ||
  fail "check --image: $out"
echo "package-test: all passed ($top)"
