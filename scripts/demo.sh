#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): install what is missing, build argoimg,
# start a local registry (anonymous and token-auth) seeded with the example images, run
# `argoimg check` on examples/images.txt, show the result, and stop the servers.
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

args=()
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  line=${line//'${REGISTRY}'/$REGISTRY}
  line=${line//'${TOKEN_REGISTRY}'/$TOKEN_REGISTRY}
  args+=(--image "$line")
done <examples/images.txt

echo "== argoimg check (text)"
(
  set -x
  "$argoimg" --log-level info check "${args[@]}"
)
echo "== argoimg check -o json (first image)"
"$argoimg" -o json check "${args[0]}" "${args[1]}"
