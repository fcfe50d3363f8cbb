#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root): install what is missing,
# run the cheap checks, then build twice and run every test in both builds:
#   1. GCC Debug with AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors
#   2. GCC Release, warnings as errors (plus the benchmarks, built but not run), with the
#      Debian package and the OCI image built and tested (scripts/package-test.sh, image-test.sh)
# and finally a fuzz smoke run: the libFuzzer targets (clang-14, ASan + UBSan) in build/fuzz,
# FUZZ_SMOKE_SECONDS (15) each; `bash scripts/fuzz.sh 300` is the long run.
# Integration tests start their own real servers on 127.0.0.1 (CTest fixtures).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/install-deps.sh

echo "== checks"
bash scripts/check-whitespace
bash scripts/format-files --check
bash scripts/check-layering

run_build() { # name, cmake flags...
  local name=$1
  shift
  echo "== build '$name'"
  cmake -S . -B "build/$name" -G Ninja -DCMAKE_COMPILE_WARNING_AS_ERROR=ON "$@" >/dev/null
  cmake --build "build/$name"
  echo "== tests '$name'"
  ctest --test-dir "build/$name" --output-on-failure -j2
}

run_build asan -DCMAKE_BUILD_TYPE=Debug -DARGOIMG_ENABLE_ASAN=ON -DARGOIMG_ENABLE_UBSAN=ON \
  -DARGOIMG_BUILD_BENCHMARKS=OFF
# The Release pass also builds the Debian package and the container image and tests them in a
# fresh Debian 12 root (CTest label `package`; root, network, a few minutes).
export ARGOIMG_PACKAGE_TEST=1
run_build release -DCMAKE_BUILD_TYPE=Release

echo "== fuzz smoke"
FUZZ_SEED=${FUZZ_SEED:-1} bash scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-15}"

echo "== all tests passed in $(($(date +%s) - started)) s"
