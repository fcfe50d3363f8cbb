#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): install what is missing, build argoimg,
# start a local registry (anonymous and token-auth) seeded with the example images, run
# `argoimg check examples/` (Argo CD Applications, an ImageUpdater, a kubectl List), show the
# result as a table and as JSON, resolve examples/images.txt with --image, commit and push the
# updates to a monorepo served by the local git daemon, and stop the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
echo "== building argoimg (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target argoimg
argoimg="$root/build/release/cmd/argoimg"

state="$root/build/demo-servers"
trap 'python3 "$root/test/integration/servers/servers.py" stop "$state"' EXIT
echo "== starting and seeding the local registries"
python3 test/integration/servers/servers.py start "$state"
# shellcheck disable=SC1091
. "$state/servers.env"
export REGISTRY=$ARGOIMG_TEST_REGISTRY TOKEN_REGISTRY=$ARGOIMG_TEST_TOKEN_REGISTRY

# examples/registries.conf maps registry.demo.local to the demo registry; only the port differs.
sed "s#http://127.0.0.1:5000#http://$REGISTRY#" examples/registries.conf >"$state/registries.conf"
check=("$argoimg" check examples/ --registries-conf "$state/registries.conf"
  --repo-root "https://github.com/example/gitops.git=examples/gitops")

echo "== argoimg check examples/"
(
  set -x
  "${check[@]}"
)
echo "== the same as JSON (first application)"
"$argoimg" -o json "${check[@]:1}" --match-application-name guestbook

args=()
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  line=${line//'${REGISTRY}'/$REGISTRY}
  line=${line//'${TOKEN_REGISTRY}'/$TOKEN_REGISTRY}
  args+=(--image "$line")
done <examples/images.txt
echo "== argoimg check --image ... (examples/images.txt)"
"$argoimg" check "${args[@]}"

# The GitOps loop: a monorepo (the Applications in argocd-apps/ beside the charts and overlays
# of examples/gitops) served by the local git daemon, a working copy of it, and `argoimg
# commit`: preview with --dry-run, then one commit with every change, pushed; a second run
# finds nothing to do.
echo "== argoimg commit (git daemon at $ARGOIMG_TEST_GIT_DAEMON)"
seed="$state/demo-seed"
work="$state/demo-work"
bare="$ARGOIMG_TEST_GIT_ROOT/gitops.git"
rm -rf "$seed" "$work" "$bare"
cp -r examples/gitops "$seed"
cp -r examples/apps "$seed/argocd-apps"
url="$ARGOIMG_TEST_GIT_DAEMON/gitops.git"
sed -i "s#https://github.com/example/gitops.git#$url#" "$seed"/argocd-apps/*.yaml
git init -q --bare -b main "$bare"
git -C "$seed" init -q -b main
git -C "$seed" add -A
git -C "$seed" -c user.name=demo -c user.email=demo@example.com commit -q -m "the example gitops repository"
git -C "$seed" push -q "file://$bare" main
git clone -q "$url" "$work"
commit=("$argoimg" commit argocd-apps --registries-conf "$state/registries.conf"
  --workdir "$state/demo-cache" --git-user "argoimg demo" --git-email demo@example.com)
(
  cd "$work"
  set -x
  "${commit[@]}" --dry-run
  "${commit[@]}"
  git -C "$bare" log --stat -1 main
  "${commit[@]}"
)
