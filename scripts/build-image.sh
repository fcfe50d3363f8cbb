#!/usr/bin/env bash
# Build the container image without a container daemon: a Debian 12 minbase root filesystem
# (debootstrap, the tarball cached by package-test.sh reused) with the .deb installed and what
# its features need at run time (ca-certificates, git, openssh-client, gnupg), a non-root user
# argoimg (uid and gid 65532), assembled into an OCI layout with umoci, ENTRYPOINT ["argoimg"].
# With --push REGISTRY/NAME:TAG, skopeo copies it there (plain HTTP, no TLS verification: for
# the test registry on 127.0.0.1; a real push uses skopeo with the registry's credentials).
# Needs root (debootstrap, chroot) and the network for the Debian mirror.
#   bash scripts/build-image.sh [--push DEST] [DEB]
# Output: build/image/oci (an OCI layout, tag = the package version).
set -euo pipefail
cd "$(dirname "$0")/.."
push=""
if [ "${1:-}" = "--push" ]; then
  push=$2
  shift 2
fi
deb=${1:-$(ls build/package/argoimg_*.deb 2>/dev/null | head -n 1)}
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
  echo "build-image: error: no package; run 'bash scripts/package.sh' first" >&2
  exit 2
fi
deb=$(realpath "$deb")
if [ "$(id -u)" -ne 0 ]; then
  echo "build-image: error: must run as root (debootstrap, mount, chroot)" >&2
  exit 2
fi
for tool in debootstrap umoci skopeo; do
  command -v "$tool" >/dev/null || {
    echo "build-image: error: '$tool' is missing (bash scripts/install-deps.sh)" >&2
    exit 2
  }
done
version=$(dpkg-deb --field "$deb" Version)
arch=$(dpkg-deb --field "$deb" Architecture)

out=build/image
root=$(mktemp -d /tmp/argoimg-image.XXXXXX)
# shellcheck source=scripts/debian-root.sh
source scripts/debian-root.sh
cleanup() {
  rm -f "$root.policy.json"
  debian_root_remove
}
trap cleanup EXIT
step() { echo "== build-image: $*"; }

debian_root_create

step "install $(basename "$deb") and its run-time companions"
debian_root_enter
cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" \
  ca-certificates git openssh-client gnupg >/dev/null
in_root groupadd -K GID_MAX=65534 --gid 65532 argoimg
in_root useradd -K UID_MAX=65534 --uid 65532 --gid 65532 --create-home --home-dir /home/argoimg \
  --shell /usr/sbin/nologin argoimg
in_root apt-get clean
debian_root_unmount
# What the build needed and the image must not keep: apt's lists, the package file, the
# build host's resolver and the daemon block.
rm -rf "$root"/var/lib/apt/lists/* "$root"/tmp/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
rm -f "$root/usr/sbin/policy-rc.d"
: >"$root/etc/resolv.conf"

step "OCI image $out/oci:$version"
rm -rf "$out/oci"
mkdir -p "$out"
umoci init --layout "$out/oci"
umoci new --image "$out/oci:$version"
umoci insert --image "$out/oci:$version" --history.created_by "scripts/build-image.sh" "$root" /
umoci config --image "$out/oci:$version" --os linux --architecture "$arch" \
  --config.entrypoint argoimg --config.user 65532:65532 --config.workingdir /home/argoimg \
  --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --config.env HOME=/home/argoimg \
  --config.label "org.opencontainers.image.title=argoimg" \
  --config.label "org.opencontainers.image.version=$version"
umoci gc --layout "$out/oci"

if [ -n "$push" ]; then
  step "skopeo copy to docker://$push"
  policy=$root.policy.json # removed by cleanup, also when the push fails
  echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$policy"
  # TLS is verified except for the local test registry (plain HTTP on the loopback): --push to
  # any other registry must not hand the image to whoever answers.
  verify=true
  case "$push" in
  127.0.0.1:* | localhost:* | "[::1]":*) verify=false ;;
  esac
  skopeo --policy "$policy" copy --quiet --dest-tls-verify="$verify" "oci:$out/oci:$version" \
    "docker://$push"
fi
echo "build-image: $out/oci:$version"
