#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): install what is missing, build argoimg,
# start a local registry (anonymous and token-auth) seeded with the example images, run
# `argoimg check examples/` (Argo CD Applications, an ImageUpdater, a kubectl List), show the
# result as a table and as JSON, resolve examples/images.txt with --image, and stop the servers.
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
