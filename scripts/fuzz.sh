#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan into ./build-fuzz and runs each for
# SECONDS (default 60): safetensors, config, vocab, tokenizer, tokjson (tokenizer.json), prepare (the runner's inputs),
# st_config (sentence-transformers' files). New corpus entries stay in build-fuzz/corpus/<target>; a crash is written to build-fuzz/crashes/ and fails the run —
# copy it into tests/fuzz/regressions/<target>/ once fixed, so ctest replays it forever.
#   scripts/fuzz.sh 600        # the documented longer run: 10 minutes per target
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
TARGETS="${FUZZ_TARGETS:-safetensors config vocab tokenizer tokjson prepare st_config}"
if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  else
    echo "fuzz: needs clang and libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2; exit 1
  fi
fi
bash scripts/install-deps.sh
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVKBERT_FUZZ=ON \
  -DVKBERT_SANITIZE=address,undefined >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target $(for t in $TARGETS; do printf 'fuzz_%s ' "$t"; done) >/dev/null
mkdir -p build-fuzz/crashes
status=0
for t in $TARGETS; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz_$t.log"
  if ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/tests/fuzz_"$t" -max_total_time="$SECONDS_PER_TARGET" \
       -rss_limit_mb=2048 -timeout=10 -artifact_prefix="build-fuzz/crashes/${t}-" \
       "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FOUND A PROBLEM (see $log and build-fuzz/crashes/)"; status=1
  fi
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+' || echo "?")
  echo "fuzz $t: ${SECONDS_PER_TARGET}s, $runs executions, $result"
done
exit $status
