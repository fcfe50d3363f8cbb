#!/usr/bin/env bash
# Build the Debian package: a Release build in build/package (installed under /usr), then cpack,
# giving build/package/argoimg_<version>_<arch>.deb. Its Depends are computed from the binary's
# shared libraries (dpkg-shlibdeps); git, openssh-client, gnupg and ca-certificates are
# Recommends. Extra arguments go to cmake's configure step (e.g. -DCMAKE_COMPILE_WARNING_AS_ERROR=ON).
#   bash scripts/package.sh [CMAKE_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

# ARGOIMG_SKIP_INSTALL_DEPS=1: the build packages are there already (scripts/Containerfile).
[ "${ARGOIMG_SKIP_INSTALL_DEPS:-0}" = 1 ] || bash scripts/install-deps.sh

build=build/package
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DARGOIMG_BUILD_TESTS=OFF -DARGOIMG_BUILD_BENCHMARKS=OFF "$@" >/dev/null
cmake --build "$build"
rm -f "$build"/argoimg_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/argoimg_*.deb)
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends
