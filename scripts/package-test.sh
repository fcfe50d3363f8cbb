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

cache=build/package-test/bookworm-minbase.tar
root=$(mktemp -d /tmp/argoimg-package-test.XXXXXX)
mounts=()
state=""
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" || true
  done
  # Only remove the root once nothing is mounted in it any more.
  if ! grep -q " $root/" /proc/mounts; then
    rm -rf "$root"
  fi
  if [ -n "$state" ]; then
    python3 test/integration/servers/servers.py stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
  fi
}
trap cleanup EXIT

step() { echo "== package-test: $*"; }

if [ -f "$cache" ]; then
  step "root filesystem from $cache"
  tar -C "$root" -xf "$cache"
else
  step "debootstrap --variant=minbase bookworm (cached afterwards in $cache)"
  debootstrap --variant=minbase bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" \
    >"$root.debootstrap.log" 2>&1 || {
    tail -n 20 "$root.debootstrap.log" >&2
    exit 1
  }
  rm -f "$root.debootstrap.log"
  mkdir -p "$(dirname "$cache")"
  tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
fi
# It becomes '/': users such as _apt, man and argoimg must get through it (mktemp made it 0700,
# and the tarball keeps that).
chmod 755 "$root"

mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount --bind /dev "$root/dev" && mounts+=("$root/dev")
mount --bind /dev/pts "$root/dev/pts" && mounts+=("$root/dev/pts")
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

step "apt-get install ./$(basename "$deb") man-db bash-completion"
# No daemons started by maintainer scripts in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
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
