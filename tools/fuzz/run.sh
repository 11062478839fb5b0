#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS: tools/fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
# Builds it first (tools/fuzz/build.sh). Starts from the committed seeds (tools/fuzz/corpus/TARGET) plus the
# corpus earlier runs grew ($VITRINE_FUZZ_BUILD/corpus/TARGET, not committed); a crash, a sanitizer report,
# a 30 s hang ($VITRINE_FUZZ_TIMEOUT; libFuzzer measures wall time, so on a loaded machine keep it generous)
# or 2 GiB of memory stops the run with a nonzero exit, and the input is written to
# $VITRINE_FUZZ_BUILD/artifacts/TARGET/. Reproduce one: .build-fuzz/bin/fuzz-TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${1:?usage: tools/fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}"
seconds="${2:?usage: tools/fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}"
shift 2
build="${VITRINE_FUZZ_BUILD:-.build-fuzz}"
[ "${VITRINE_FUZZ_SKIP_BUILD:-0}" = 1 ] || tools/fuzz/build.sh "$target"
seeds="tools/fuzz/corpus/$target"
corpus="$build/corpus/$target"
artifacts="$build/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
dictionary=()
[ -f "tools/fuzz/$target.dict" ] && dictionary=("-dict=tools/fuzz/$target.dict")
echo "== fuzz-$target for $seconds s =="
# detect_leaks=0: libFuzzer's leak check flags Swift's lazily allocated runtime metadata and caches.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$build/bin/fuzz-$target" -max_total_time="$seconds" -timeout="${VITRINE_FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dictionary[@]}" "$@" "$corpus" "$seeds"
