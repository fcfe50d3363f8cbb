#!/usr/bin/env bash
# Test the container image without a daemon: build it (build-image.sh), push it with skopeo to
# the test registry on 127.0.0.1, copy it back with skopeo into a new OCI layout, check its
# configuration (entrypoint, non-root user), unpack it with umoci, and in a chroot of the
# unpacked root filesystem as uid/gid 65532 run `argoimg --version` and `check --image`
# against that registry. The registry is the CTest fixture's when ARGOIMG_TEST_SERVERS is set,
# else this script starts the test servers (servers.py) itself. Needs root.
#   bash scripts/image-test.sh [DEB]    (default: build/package/argoimg_*.deb, from package.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
state=""
work=$(mktemp -d /tmp/argoimg-image-test.XXXXXX)
cleanup() {
  if [ -n "$state" ]; then
    python3 test/integration/servers/servers.py stop "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "image-test: FAIL: $*" >&2
  exit 1
}

if [ -z "${ARGOIMG_TEST_SERVERS:-}" ]; then
  state=$(mktemp -d /tmp/argoimg-image-servers.XXXXXX)
  python3 test/integration/servers/servers.py start "$state" >/dev/null
  servers_env=$state/servers.env
else
  servers_env=$ARGOIMG_TEST_SERVERS/servers.env
fi
registry=$(sed -n 's/^ARGOIMG_TEST_REGISTRY=//p' "$servers_env")
tag=test-$$
bash scripts/build-image.sh --push "$registry/argoimg:$tag" "$@"

echo "== image-test: skopeo copy back from docker://$registry/argoimg:$tag"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
skopeo --policy "$work/policy.json" copy --quiet --src-tls-verify=false \
  "docker://$registry/argoimg:$tag" "oci:$work/oci:$tag"
config=$(skopeo --policy "$work/policy.json" inspect --config "oci:$work/oci:$tag")
python3 -c 'import json,sys; c=json.load(sys.stdin)["config"]
assert c["Entrypoint"] == ["argoimg"], c
assert c["User"] == "65532:65532", c' <<<"$config" || fail "image configuration: $config"

echo "== image-test: umoci unpack, then argoimg as uid 65532 in a chroot"
umoci unpack --image "$work/oci:$tag" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
chmod 755 "$rootfs" # umoci unpacks into a 0700 folder; a runtime's '/' is 0755
grep -q '^argoimg:x:65532:65532:' "$rootfs/etc/passwd" || fail "no user argoimg (65532)"
as_user() {
  chroot --userspec=65532:65532 "$rootfs" /usr/bin/env -i HOME=/home/argoimg \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
version=$(as_user argoimg --version)
[[ $version == "argoimg "* ]] || fail "--version said '$version'"
for tool in git ssh gpg; do
  as_user sh -c "command -v $tool" >/dev/null || fail "'$tool' is not in the image"
done
[ -s "$rootfs/etc/ssl/certs/ca-certificates.crt" ] || fail "no CA certificates in the image"
out=$(as_user argoimg -o json check --image "$registry/demo/app:~1.2")
python3 -c 'import json,sys; image=json.load(sys.stdin)["images"][0]
assert image["status"] == "resolved" and image["new"] == "1.2.9", image' <<<"$out" ||
  fail "check --image: $out"
echo "image-test: all passed ($version, $(du -sh "$work/oci" | cut -f1) compressed layout)"
