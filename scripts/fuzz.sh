#!/usr/bin/env bash
# Build the libFuzzer targets (clang-14, ASan + UBSan) in build/fuzz and run each for a while:
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default 60 s, every target)
# TARGET is a name like `image_ref` or `fuzz_image_ref`. Seeds come from test/fuzz/corpus/<t>/;
# what the fuzzer adds goes to build/fuzz/corpus/<t>/ (never committed). A crash, a leak, a
# sanitizer report, a broken property, an input slower than FUZZ_TIMEOUT s or above
# FUZZ_RSS_MB of memory is a finding: saved under build/fuzz/findings/<t>/, named in the
# summary, and the script exits 1. Targets run one after the other (-jobs=1 equivalent).
# Environment: FUZZ_BUILD_DIR (build/fuzz), FUZZ_NO_BUILD=1 to use what is built,
# FUZZ_TIMEOUT (10), FUZZ_RSS_MB (2048), FUZZ_SEED (0: random) for a reproducible run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD_DIR:-build/fuzz}
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
seed=${FUZZ_SEED:-0}

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "== fuzz: build '$build' (clang-14, ASan + UBSan + libFuzzer)"
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" -DARGOIMG_BUILD_FUZZERS=ON \
    -DARGOIMG_BUILD_TESTS=OFF -DARGOIMG_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build" --target fuzzers
fi

# Longest input per target: room for real files, small enough that a slow input is a finding.
max_len() {
  case $1 in
  image_ref | tag_filter | version) echo 512 ;;
  image_list | constraint | challenge) echo 2048 ;;
  template | registry_tags) echo 4096 ;;
  forge_responses) echo 8192 ;;
  *) echo 16384 ;;
  esac
}
dict_of() {
  case $1 in
  app_load | flux | registries_conf | yaml_editor | yaml_build) echo yaml ;;
  argocd_apps | manifest | registry_tags | challenge | cache_entry) echo json ;;
  template) echo template ;;
  known_hosts) echo known_hosts ;;
  forge_responses) echo forge ;;
  *) echo tag ;;
  esac
}

if [ $# -gt 0 ]; then
  targets=("${@#fuzz_}")
else
  targets=()
  for source in test/fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name#fuzz_}")
  done
fi

status=0
summary=()
for t in "${targets[@]}"; do
  exe="$build/test/fuzz/fuzz_$t"
  if [ ! -x "$exe" ]; then
    echo "fuzz: no target '$t' ($exe)" >&2
    exit 2
  fi
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  rm -f "$findings"/*
  echo "== fuzz: $t for ${seconds}s"
  rc=0
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
    "$exe" "$corpus" "test/fuzz/corpus/fuzz_$t" -max_total_time="$seconds" -seed="$seed" \
    -max_len="$(max_len "$t")" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
    -dict="test/fuzz/dict/$(dict_of "$t").dict" -artifact_prefix="$findings/" \
    -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  found=$(find "$findings" -type f | sort)
  if [ "$rc" != 0 ] || [ -n "$found" ]; then
    status=1
    grep -m1 -E 'ERROR: |fuzz property failed|runtime error|deadly signal|timeout' "$log" || true
    summary+=("$(printf '%-16s %10s execs  %5s corpus  FINDING (exit %s): %s  log %s' "$t" \
      "${execs:-?}" "$units" "$rc" "$(echo $found)" "$log")")
  else
    summary+=("$(printf '%-16s %10s execs  %5s corpus  no findings' "$t" "${execs:-?}" "$units")")
  fi
done

echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$status"
