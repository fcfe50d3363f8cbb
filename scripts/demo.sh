#!/usr/bin/env bash
# The demo, from a fresh Debian 12 machine (as root): install what is missing, build argoimg,
# start a local registry (anonymous and token-auth) seeded with the example images, run
# `argoimg check examples/` (Argo CD Applications, an ImageUpdater, a kubectl List, Flux
# objects), show the result as a table and as JSON, resolve examples/images.txt with --image,
# preview the Flux edits (update --dry-run examples/flux), commit and push the updates to a
# monorepo served by the local git daemon, then take the review path: `commit --pull-request`
# against a GitHub contract server (branches on the git daemon) opens one request, a newer tag
# pushed to the registry refreshes that same request, and a rerun with nothing new makes no
# write. Stop the servers on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
echo "== building argoimg (build/release)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target argoimg
argoimg="$root/build/release/cmd/argoimg"

state="$root/build/demo-servers"
forge_state="$root/build/demo-forge"
stop_servers() {
  python3 "$root/test/integration/servers/forge_servers.py" stop "$forge_state"
  python3 "$root/test/integration/servers/servers.py" stop "$state"
}
trap stop_servers EXIT
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

# Flux users: a v1 HelmRelease and Deployment automated by annotations, a v2 tree with
# ImagePolicies and setter markers; the same registry, the same in-place edits.
echo "== argoimg update --dry-run examples/flux (Flux v1 annotations, Flux v2 markers)"
"$argoimg" update --dry-run examples/flux --registries-conf "$state/registries.conf"

# A fresh monorepo served by the git daemon: the charts and overlays of examples/gitops and the
# given Applications in argocd-apps/, pointing at it; sets bare, url and work (a working copy).
new_gitops_repo() { # NAME APP_FILE...
  local name=$1 seed="$state/$1-seed"
  shift
  bare="$ARGOIMG_TEST_GIT_ROOT/$name.git"
  url="$ARGOIMG_TEST_GIT_DAEMON/$name.git"
  work="$state/$name-work"
  rm -rf "$seed" "$work" "$bare"
  mkdir -p "$(dirname "$seed")" "$(dirname "$bare")"
  cp -r examples/gitops "$seed"
  mkdir "$seed/argocd-apps"
  cp "$@" "$seed/argocd-apps/"
  sed -i "s#https://github.com/example/gitops.git#$url#" "$seed"/argocd-apps/*.yaml
  git init -q --bare -b main "$bare"
  git -C "$seed" init -q -b main
  git -C "$seed" add -A
  git -C "$seed" -c user.name=demo -c user.email=demo@example.com commit -q -m "the example gitops repository"
  git -C "$seed" push -q "file://$bare" main
  git clone -q "$url" "$work"
}

# The GitOps loop: a monorepo (the Applications in argocd-apps/ beside the charts and overlays
# of examples/gitops) served by the local git daemon, a working copy of it, and `argoimg
# commit`: preview with --dry-run, then one commit with every change, pushed; a second run
# finds nothing to do.
echo "== argoimg commit (git daemon at $ARGOIMG_TEST_GIT_DAEMON)"
new_gitops_repo gitops examples/apps/*.yaml
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

# The review path: the same kind of commit as a pull request. A fresh repository demo/gitops
# (one Application, web) whose branches live on the git daemon and whose requests live on a
# GitHub contract server. Preview, open; a newer tag refreshes the same request; a rerun with
# nothing new makes no write.
echo "== argoimg commit --pull-request (GitHub contract server, branches on the git daemon)"
python3 test/integration/servers/forge_servers.py start "$forge_state" >/dev/null
# shellcheck disable=SC1091
. "$forge_state/forge.env"
forge_control() { # METHOD PATH [JSON]: the contract server's own endpoints, not GitHub's API
  curl -fsS -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} \
    "$ARGOIMG_TEST_FORGE_GITHUB/_control/$2"
}
forge_control POST repos '{"path": "demo/gitops"}' >/dev/null
new_gitops_repo demo/gitops examples/apps/web-helm-values.yaml
# The forge's repository is the remote's path (demo/gitops). The token is a demo token the
# contract server accepts, read from a file; argoimg never prints it.
pr=("$argoimg" commit argocd-apps --registries-conf "$state/registries.conf"
  --workdir "$state/demo-pr-cache" --git-user "argoimg demo" --git-email demo@example.com
  --pull-request --forge github --forge-api "$ARGOIMG_TEST_FORGE_GITHUB_API"
  --forge-token-file "$ARGOIMG_TEST_FORGE_GITHUB_TOKEN_FILE" --pr-label dependencies)
# A JSON run of `pr`, its report in $state/pr.json, and one line per request: what happened to
# it and the API calls it cost.
pr_json() {
  (
    cd "$work"
    set -x
    "$argoimg" -o json "${pr[@]:1}" >"$state/pr.json"
  )
  python3 -c 'import json, sys
for c in json.load(sys.stdin)["commits"]:
    p = c["pullRequest"]
    print("pull request #%s %s (%s -> %s): %d API reads, %d writes: %s" % (p["number"], p["action"],
          p["head"], p["base"], p["reads"], p["writes"], ", ".join(p["calls"]) or "none"))' <"$state/pr.json"
}
pulls_on_forge() {
  echo "-- requests of demo/gitops on the forge:"
  forge_control GET "pulls?repo=demo/gitops" | python3 -c 'import json, sys
for p in json.load(sys.stdin):
    print("   #%s %s %s -> %s: %s" % (p["number"], p["state"], p["head"], p["base"], p["title"]))'
}
(
  cd "$work"
  set -x
  "${pr[@]}" --dry-run
  "${pr[@]}"
)
pulls_on_forge
echo "-- a newer nginx is released: registry.demo.local/library/nginx:1.25.5"
python3 -c 'import sys
sys.path.insert(0, "test/integration/servers")
import seed
seed.Seeder("http://" + sys.argv[1]).push_image("library/nginx", "1.25.5", "2024-02-10T00:00:00Z")' "$REGISTRY"
pr_json
pulls_on_forge
echo "-- the head branch: one commit on main, now with 1.25.5"
git -C "$bare" log --oneline --decorate --all
git -C "$bare" diff main "$(python3 -c 'import json, sys
print(json.load(sys.stdin)["commits"][0]["pullRequest"]["head"])' <"$state/pr.json")"
echo "-- nothing new: no push, no API write"
pr_json
