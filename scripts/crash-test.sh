#!/usr/bin/env bash
# Crash test of `argoimg update` and `argoimg commit` (issue 12): kill -9 at random points, then
# check that every file is wholly old or new, git is sane, the next run is not blocked and
# leaves no temporary file (test/crash/crash_test.py says exactly what is checked).
#   scripts/crash-test.sh [--trials N] [--mode update|commit|both] [--seed S] [--build DIR]
# Uses the servers of ARGOIMG_TEST_SERVERS when set, else starts (and stops) its own.
# CI runs 10 trials of each as the CTest test `integration.crash`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/dev
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --build)
      build=$2
      shift 2
      ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done
export ARGOIMG_BIN=${ARGOIMG_BIN:-$PWD/$build/cmd/argoimg}
exec python3 test/crash/crash_test.py "${args[@]}"
