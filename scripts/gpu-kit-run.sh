#!/bin/bash
# The GPU kit's run.sh (scripts/gpu-kit.sh copies this file into the kit as run.sh). On an x86-64
# Linux machine with a Vulkan GPU, no network, no compiler and perhaps no Python:
#
#   run.sh [--quick] [--only ITEMS] [--budget SECONDS] OUTDIR
#
# runs, each command under `timeout` and the whole within a time budget (480 s; --quick 175 s:
# an item that would not fit in what is left is skipped, and says so):
#   devices  vkbert devices
#   suites   the gpu-labelled C test programs and examples on the small models, under the kit's
#            validation layer where it works here (its canary proves it reports), else without
#   peak     vkbert bench --peak
#   bench    vkbert bench: bert-base (--quick: bert-tiny) at b1 x s128, b32 x s128, b1 x s512 in
#            fp32, fp16 and coopmat, each with an empty pipeline cache, then again with the
#            cache the first run left
#   e2e      the CLI (tokenize, encode, fill-mask) against the PyTorch references the kit carries:
#            fp32 within the e2e tests' tolerances; fp16 and coopmat at cosine >= 0.9999 with the
#            same top-5; in the full run also bert-base's shape
#   embed    vkbert embed against sentence-transformers' pooling, written out in PyTorch
#   peer     PyTorch on the same shapes, where python3 with torch is here
# and writes OUTDIR/records.jsonl (every bench record and every check, each with "kit_item"),
# OUTDIR/summary.txt (also printed) and OUTDIR/logs/. Exit status: 0 when every check passed or
# was skipped, 1 when one failed, 3 when none failed but one timed out, 2 for a usage error.
set -u
export PATH="${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
KIT="$(cd "$(dirname "$0")" && pwd)"
MODE=full ONLY="" BUDGET="" OUTDIR=""
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --only) ONLY=",${2:?--only needs a list},"; shift ;;
    --budget) BUDGET="${2:?--budget needs seconds}"; shift ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$OUTDIR" ] || usage; OUTDIR="$1" ;;
  esac
  shift
done
[ -n "$OUTDIR" ] || usage
for tool in timeout sha256sum mktemp date tail grep sed; do
  command -v "$tool" >/dev/null || { echo "run.sh: needs $tool (coreutils, grep, sed)" >&2; exit 2; }
done
BUDGET="${BUDGET:-$([ $MODE = quick ] && echo 175 || echo 480)}"
RESERVE=10   # seconds kept for the summary
mkdir -p "$OUTDIR/logs" || exit 2
OUTDIR="$(cd "$OUTDIR" && pwd)"
REC="$OUTDIR/records.jsonl" LOGS="$OUTDIR/logs"
: > "$REC"
rm -f "$LOGS"/*.log
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vkbert-kit.XXXXXX")" || exit 2
trap 'rm -rf "$WORK"' EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM
START=$SECONDS
BIN="$KIT/bin"
CHECK="$BIN/vkbert-kit-check"
want() { [ -z "$ONLY" ] || [[ "$ONLY" == *",$1,"* ]]; }
left() { echo $((BUDGET - (SECONDS - START))); }
say() { echo "run.sh [$((SECONDS - START))s] $*" >&2; }
record() { "$CHECK" record "$@" >> "$REC"; }

# ---- the environment our programs run in ----------------------------------------------------
ORIG_LD="${LD_LIBRARY_PATH-}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK/run}" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CACHE_HOME"
chmod 700 "$XDG_RUNTIME_DIR" 2>/dev/null
LD="$KIT/lib"
# NVIDIA's driver libraries (the ICD file often names its library by bare name)
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && [[ ":$ORIG_LD:" != *":$d:"* ]] && LD="$LD:$d"
done
[ -n "$ORIG_LD" ] && LD="$LD:$ORIG_LD"
# libglvnd's libGLdispatch (NVIDIA's Vulkan driver needs it) only where the system has none
have_system_lib() {
  { command -v ldconfig >/dev/null && ldconfig -p 2>/dev/null | grep -q "$1"; } && return 0
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /lib /usr/local/nvidia/lib64; do
    [ -e "$d/$1" ] && return 0
  done
  return 1
}
GLVND="system"
if [ -d "$KIT/lib/glvnd" ] && ! have_system_lib libGLdispatch.so.0; then LD="$LD:$KIT/lib/glvnd"; GLVND="the kit's"; fi
export LD_LIBRARY_PATH="$LD"
# The Vulkan drivers: the loader's default search, plus where NVIDIA's container runtime puts
# its ICD file (outside that search); VK_DRIVER_FILES/VK_ICD_FILENAMES name them all when any
# lies outside it. Set by the caller: left as it is.
icd_note=""
if [ -n "${VK_DRIVER_FILES-}${VK_ICD_FILENAMES-}" ]; then
  icd_note="as the caller set them: ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"
else
  default_dirs=("${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/vulkan/icd.d")
  IFS=: read -ra xd <<< "${XDG_CONFIG_DIRS:-/etc/xdg}"; for d in "${xd[@]}"; do default_dirs+=("$d/vulkan/icd.d"); done
  default_dirs+=(/etc/vulkan/icd.d "${XDG_DATA_HOME:-${HOME:-/nonexistent}/.local/share}/vulkan/icd.d")
  IFS=: read -ra xd <<< "${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"; for d in "${xd[@]}"; do default_dirs+=("$d/vulkan/icd.d"); done
  extra_dirs=(/usr/local/nvidia/share/vulkan/icd.d /usr/local/nvidia/etc/vulkan/icd.d /usr/share/nvidia/vulkan/icd.d)
  found=() extra=()
  for d in "${default_dirs[@]}"; do for f in "$d"/*.json; do [ -f "$f" ] && found+=("$f"); done; done
  for d in "${extra_dirs[@]}"; do for f in "$d"/*.json; do [ -f "$f" ] && extra+=("$f"); done; done
  if [ ${#extra[@]} -gt 0 ]; then
    all="$(IFS=:; echo "${found[*]+${found[*]}}${found[*]+:}${extra[*]}")"
    export VK_DRIVER_FILES="$all" VK_ICD_FILENAMES="$all"
    icd_note="VK_DRIVER_FILES set to ${extra[*]} (outside the loader's default search) and the ${#found[@]} file(s) the default search finds"
  elif [ ${#found[@]} -gt 0 ]; then
    icd_note="the loader's default search finds $(for f in "${found[@]}"; do printf '%s ' "${f##*/}"; done)"
  else
    icd_note="no ICD file found in the loader's default search nor in ${extra_dirs[*]}"
  fi
fi
icd_note="$icd_note; libGLdispatch: $GLVND"
export __GL_SHADER_DISK_CACHE_PATH="$XDG_CACHE_HOME/nvidia"
KIT_INFO="$(sed -n 's/^kit=//p' "$KIT/KIT-INFO" 2>/dev/null)"
record --kit_item run_start --mode "$MODE" --started "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" --budget_s "$BUDGET" \
  --kit "${KIT_INFO:-unknown}" --icd "$icd_note" --host "$(uname -srm 2>/dev/null)" \
  --cpus "$(nproc 2>/dev/null || echo '?')" --only "${ONLY:-all}"
say "$MODE run, budget ${BUDGET}s, records in $REC; Vulkan drivers: $icd_note"

# bounded LOG LIMIT CMD...: CMD under timeout, at most LIMIT seconds and never past the budget;
# its output appended to LOG. Returns CMD's status, 124 when it timed out, 200 when there was no
# time left to start it.
bounded() {
  local log="$1" limit="$2" t
  shift 2
  t=$(($(left) - RESERVE))
  [ "$t" -gt "$limit" ] && t="$limit"
  if [ "$t" -lt 5 ]; then
    echo "run.sh: not started (time budget): $*" >> "$log"
    return 200
  fi
  echo "+ $* (limit ${t}s)" >> "$log"
  timeout -k 5 "$t" "$@" >> "$log" 2>&1
  local rc=$?
  [ $rc -eq 137 ] && rc=124
  return $rc
}
status_of() { # rc -> PASS FAIL SKIP TIMEOUT
  case "$1" in 0) echo PASS ;; 77) echo SKIP ;; 124) echo TIMEOUT ;; 200) echo SKIP ;; *) echo FAIL ;; esac
}
budget_note() { echo "not run: the time budget (${BUDGET}s) had $(left)s left"; }
VALIDATION_FAIL='Validation Error|Validation Warning|VUID-|Vulkan validation'

# ---- devices ---------------------------------------------------------------------------------
NO_DEVICE="" HAVE_GPU=""
{ # always: the other items need to know whether there is a device
  log="$LOGS/devices.log"
  bounded "$log" 60 "$BIN/vkbert" devices -v
  bounded "$WORK/devices.json" 60 "$BIN/vkbert" devices --json
  rc=$?
  json="$(grep '^{' "$WORK/devices.json" | tail -1)"
  n="$(printf '%s\n' "$json" | "$CHECK" get devices | grep -o '"index"' | wc -l)"
  if [ $rc -eq 0 ] && [ "$n" -gt 0 ]; then
    names="" i=0
    while [ $i -lt "$n" ]; do
      one="$(for k in name type driver_info vulkan; do printf '%s\n' "$json" | "$CHECK" get "devices.$i.$k"; done | paste -sd '|' -)"
      IFS='|' read -r nm ty di vk <<< "$one"
      names="$names${names:+; }$i: $nm ($ty, $di, Vulkan $vk)"
      case "$ty" in *GPU*) HAVE_GPU=1 ;; esac
      i=$((i + 1))
    done
    printf '%s\n' "$json" | "$CHECK" tag --kit_item devices --status PASS --detail "$n device(s): $names" --device "$names" >> "$REC"
  else
    NO_DEVICE="vkbert sees no Vulkan device (see logs/devices.log)"
    VK_LOADER_DEBUG=error,warn,driver bounded "$log" 60 "$BIN/vkbert" devices
    record --kit_item devices --status FAIL --detail "$NO_DEVICE: exit $rc, $(tail -1 "$WORK/devices.json" | cut -c1-200)"
  fi
  say "devices: ${NO_DEVICE:-$n}"
  if [ -n "$NO_DEVICE" ]; then
    for item in suites peak bench e2e embed; do
      want $item && record --kit_item "$item" --status SKIP --detail "not run: $NO_DEVICE"
    done
  fi
}

# ---- the small models (regenerated by the kit's vkbert-make-model, checked by hash) ---------
MODELS="$WORK/models"
models_made=""
make_models() { # LABEL NAMES...
  local log="$LOGS/models.log" label="$1" name args ok=1 made=()
  shift
  mkdir -p "$MODELS"
  for name in "$@"; do
    [[ " $models_made " == *" $name "* ]] && continue
    args="$(sed -n "s/^$name //p" "$KIT/models/models.txt")"
    if [ -z "$args" ]; then echo "no $name in models.txt" >> "$log"; ok=0; continue; fi
    # shellcheck disable=SC2086 # the recorded words, none with spaces (gpu-kit.sh checks)
    bounded "$log" 120 "$BIN/vkbert-make-model" --out "$MODELS/$name" --vocab "$KIT/data/bert-base-uncased-vocab.txt" $args \
      || { ok=0; continue; }
    [ -d "$KIT/models/$name" ] && cp -R "$KIT/models/$name/." "$MODELS/$name/"
    grep " $name/" "$KIT/models/SHA256SUMS" > "$WORK/sums-$name"
    (cd "$MODELS" && bounded "$log" 120 sha256sum -c --quiet "$WORK/sums-$name") || { ok=0; continue; }
    models_made="$models_made $name"
    made+=("$name")
  done
  if [ $ok = 1 ]; then
    record --kit_item models --group "$label" --status PASS --detail "${#made[@]} made, every file as the kit's SHA256SUMS says"
  else
    record --kit_item models --group "$label" --status FAIL --detail "a model could not be made or differs from the one the references were computed on (logs/models.log): $(grep -v '^+' "$log" | tail -1 | cut -c1-160)"
  fi
}
# the small set (what the suites and the e2e and embed checks read) as gpu-kit.sh kept it
SMALL_SET="$(cat "$KIT/models/small-set")"
if [ -z "$NO_DEVICE" ] && { want suites || want e2e || want embed; }; then
  # shellcheck disable=SC2086 # model names, no spaces
  make_models small $SMALL_SET
fi

# ---- the gpu suites -------------------------------------------------------------------------
# suite NAME LIMIT PASS_REGEX|- PROGRAM ARGS... (VAR=VALUE words first go to env)
VALIDATION=off VENV=()
suite() {
  local name="$1" limit="$2" pass="$3" log="$LOGS/suite-$1.log" rc status detail t0=$SECONDS
  shift 3
  bounded "$log" "$limit" env "${VENV[@]+"${VENV[@]}"}" "$@"
  rc=$?
  status="$(status_of $rc)"
  detail="$(grep -v '^+ ' "$log" | grep -E 'checks|SKIP|FAIL|error|nearest' | tail -1 | cut -c1-200)"
  [ -n "$detail" ] || detail="$(grep -v '^+ ' "$log" | tail -1 | cut -c1-200)"
  if [ "$status" = PASS ] && grep -qE "$VALIDATION_FAIL" "$log"; then
    status=FAIL detail="validation message: $(grep -m1 -E "$VALIDATION_FAIL" "$log" | cut -c1-200)"
  elif [ "$status" = PASS ] && [ "$pass" != - ] && ! grep -qE "$pass" "$log"; then
    status=FAIL detail="its output lacks /$pass/: $detail"
  fi
  [ $rc -eq 200 ] && detail="$(budget_note)"
  [ "$status" = TIMEOUT ] && detail="timed out after ${limit}s or the budget: $detail"
  record --kit_item suite --group gpu --case "$name" --status "$status" --detail "$detail (exit $rc, $((SECONDS - t0))s, validation $VALIDATION)" \
    --exit "$rc" --seconds "$((SECONDS - t0))" --validation "$VALIDATION"
  say "suite $name: $status"
}
quick_skip() { record --kit_item suite --group gpu --case "$1" --status SKIP --detail "--quick: in the full run only ($2)"; }
if want suites && [ -z "$NO_DEVICE" ]; then
  mkdir -p "$WORK/scratch"
  if [ -f "$KIT/layer/VkLayer_khronos_validation.json" ]; then
    # the canary proves the layer loads and reports; only then do the suites run under it
    VENV=(VK_LAYER_PATH="$KIT/layer" LD_LIBRARY_PATH="$LD:$KIT/lib/cxx")
    VALIDATION="on (the kit's layer)"
    log="$LOGS/suite-test_validation_canary.log"
    bounded "$log" 60 env "${VENV[@]}" "$BIN/test_validation_canary"
    rc=$?
    if [ $rc -eq 0 ]; then
      record --kit_item suite --group validation --case test_validation_canary --status PASS --detail "the kit's validation layer loads and reports here: the suites run under it"
      VENV+=(VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation)
    else
      record --kit_item suite --group validation --case test_validation_canary --status SKIP \
        --detail "the kit's validation layer does not work here (exit $rc: $(tail -1 "$log" | cut -c1-120)); the suites run without it"
      VENV=() VALIDATION=off
    fi
  else
    record --kit_item suite --group validation --case test_validation_canary --status SKIP --detail "the kit has no validation layer; the suites run without it"
  fi
  suite test_options 60 - "$BIN/test_options"
  if [ $MODE = full ]; then suite test_kernels 180 - "$BIN/test_kernels"; else quick_skip test_kernels "about 90 s on lavapipe"; fi
  suite test_session 180 - "$BIN/test_session" "$MODELS"
  if [ $MODE = full ]; then
    suite test_runner 120 - "$BIN/test_runner" "$KIT/data"
    suite test_runner_chunks 120 - env VKBERT_MAX_BUFFER_BYTES=64K "$BIN/test_runner" "$KIT/data" chunks
  else quick_skip test_runner "about 15 s on lavapipe"; quick_skip test_runner_chunks "about 10 s on lavapipe"; fi
  suite test_pipeline_cache 60 - "$BIN/test_pipeline_cache" "$WORK/scratch" "$MODELS/tiny"
  suite test_threads 60 - "$BIN/test_threads" "$MODELS/tiny"
  suite test_external 60 - "$BIN/test_external" "$MODELS/tiny"
  if [ $MODE = full ]; then suite test_faults 180 - "$BIN/test_faults" "$MODELS/tiny"; else quick_skip test_faults "about 10 s on lavapipe"; fi
  suite example_fill_mask 60 ' [01]\.[0-9]{3}$' "$BIN/example_fill_mask" "$MODELS/tiny"
  if [ $MODE = full ]; then suite example_host_app 60 - "$BIN/example_host_app" "$MODELS/tiny-odd" 2000
  else quick_skip example_host_app "a few seconds on lavapipe"; fi
  suite example_semantic_search 60 'nearest: "a golden key that opens the treasure vault" \(cosine 1\.0000\)' \
    "$BIN/example_semantic_search" "$MODELS/st-minilm" "a golden key that opens the treasure vault"
fi

# ---- peak and bench --------------------------------------------------------------------------
if want peak && [ -z "$NO_DEVICE" ]; then
  log="$LOGS/peak.log"
  bounded "$WORK/peak.out" 90 "$BIN/vkbert" bench --peak --json
  rc=$?
  cat "$WORK/peak.out" >> "$log"
  line="$(grep '^{"device' "$WORK/peak.out" | tail -1)"
  if [ $rc -eq 0 ] && [ -n "$line" ]; then
    p32="$(printf '%s\n' "$line" | "$CHECK" get peak_gflops_fp32)"
    printf '%s\n' "$line" | "$CHECK" tag --kit_item peak --status PASS --detail "fp32 FMA peak ${p32%%.*} GFLOP/s" >> "$REC"
  else
    record --kit_item peak --status "$(status_of $rc)" --detail "vkbert bench --peak failed (exit $rc): $(tail -1 "$WORK/peak.out" | cut -c1-200)"
  fi
  say "peak: exit $rc"
fi

if [ $MODE = quick ]; then
  SHAPE=bert-tiny GROUPS_=("--batch 1,4 --seq 32") ITERS="--iters 3 --warmup 1" BLIMIT=60
else
  SHAPE=bert-base GROUPS_=("--batch 1,32 --seq 128" "--batch 1 --seq 512") ITERS="--iters 10 --warmup 2" BLIMIT=90
fi
# bench_variant VARIANT ARGS: each shape group cold (an empty cache) then warm (the cache left)
bench_variant() {
  local v="$1" args="$2" g cache rc ran i=0 out
  for g in "${GROUPS_[@]}"; do
    i=$((i + 1))
    rm -rf "$WORK/bench-cache"
    for cache in cold warm; do
      out="$WORK/bench-$v-$i-$cache.out"
      # shellcheck disable=SC2086 # words without spaces
      XDG_CACHE_HOME="$WORK/bench-cache" __GL_SHADER_DISK_CACHE_PATH="$WORK/bench-cache/nvidia" \
        bounded "$out" "$BLIMIT" "$BIN/vkbert" bench --shape $SHAPE $g $ITERS --no-peak --json $args
      rc=$?
      grep -v '^{' "$out" >> "$LOGS/bench.log"
      grep '^{"device' "$out" | "$CHECK" tag --kit_item bench --kit_variant "$v" --kit_cache "$cache" --kit_args "$g $args" >> "$REC"
      ran="$(grep '^{"device' "$out" | "$CHECK" get kernel_variant | head -1)"
      if [ $rc -eq 200 ]; then
        record --kit_item bench --group runs --status SKIP --detail "$SHAPE $g $v $cache: $(budget_note)"
        say "bench $v: out of time"
        return
      fi
      # coopmat not available: another variant ran (the fallback), or this vkbert or device
      # refused it (today's "--matmul must be texel, tiled or storage"); a coopmat run that
      # fails otherwise is a failure
      if [ "$v" = coopmat ] && { { [ $rc -eq 0 ] && [ "$ran" != coopmat ]; } ||
           { [ $rc -ne 0 ] && [ -z "$ran" ] && grep -v '^+ ' "$out" | grep -qiE -- '--matmul|coopmat|cooperative'; }; }; then
        local why="ran ${ran:-nothing}"
        [ $rc -ne 0 ] && why="bench --matmul coopmat: $(grep -m1 'error' "$out" | sed 's/^vkbert: error: //' | cut -c1-120)"
        record --kit_item bench_variant --group coopmat --kit_variant coopmat --status SKIP --detail "coopmat: not available on this device ($why)"
        say "bench coopmat: not available ($why)"
        return
      fi
      if [ $rc -eq 0 ]; then
        record --kit_item bench --group runs --status PASS --detail "$SHAPE $g $v $cache: $(grep -c '^{"device' "$out") records"
      else
        record --kit_item bench --group runs --status "$(status_of $rc)" \
          --detail "$SHAPE $g $v $cache: $(grep -v '^+ ' "$out" | grep -m1 error || grep -v '^+ ' "$out" | tail -1 | cut -c1-160) (exit $rc)"
      fi
      say "bench $v $g $cache: exit $rc"
    done
  done
}
if want bench && [ -z "$NO_DEVICE" ]; then
  # on a GPU the device-class table would pick coopmat for every precision: fp32 and fp16 are
  # the shader-core design (tiled), coopmat the matrix units; a CPU driver keeps its own
  cores=""
  [ -n "$HAVE_GPU" ] && cores="--matmul tiled"
  bench_variant fp32 "--precision fp32 $cores"
  bench_variant fp16 "--precision fp16 $cores"
  bench_variant coopmat "--matmul coopmat"
fi

# ---- e2e: the CLI against the carried PyTorch references ------------------------------------
# The matmul variant a CLI run used, from its --verbose log ("matmul variant X").
variant_of() { grep -o 'matmul variant [a-z0-9_]*' "$1" | tail -1 | sed 's/matmul variant //'; }
# e2e_group GROUP BAR MODELS EXTRA_ENV EXTRA_ARGS: every case of MODELS; BAR "" (fp32
# tolerances) or a minimum cosine. GROUP coopmat: skipped when the run used another variant.
e2e_group() {
  local group="$1" bar="$2" models="$3" env_words="$4" extra="$5" log="$LOGS/e2e-${1// /_}.log" m c k r
  local text pair rc detail ran n=0
  for m in $models; do
    for c in "$KIT/cases/mlm/$m"/*/; do
      c="${c%/}" k="${c##*/}" r="$WORK/e2e/${group// /_}/$m/$k"
      mkdir -p "$r"
      text="$(cat "$c/text")"
      pair=() && [ -f "$c/pair" ] && pair=(--pair "$(cat "$c/pair")")
      out=(--hidden "$r/hidden.npy") && [ -f "$c/logits_rows.npy" ] && out+=(--logits "$r/logits.npy")
      # shellcheck disable=SC2086 # env_words and extra: words without spaces
      bounded "$r/tokenize.log" 60 "$BIN/vkbert" tokenize -m "$MODELS/$m" --json "${pair[@]+"${pair[@]}"}" -- "$text" \
        && grep '^{' "$r/tokenize.log" > "$r/tokenize.json" \
        && bounded "$r/encode.log" 60 env $env_words "$BIN/vkbert" encode --verbose -m "$MODELS/$m" $extra "${out[@]}" "${pair[@]+"${pair[@]}"}" -- "$text" \
        && { [ "$("$CHECK" get mask_rows < "$c/case.json")" = "[]" ] \
             || { bounded "$r/fillmask.log" 60 env $env_words "$BIN/vkbert" fill-mask -m "$MODELS/$m" $extra --json -k 5 "${pair[@]+"${pair[@]}"}" -- "$text" \
                  && grep '^{' "$r/fillmask.log" > "$r/fillmask.json"; }; }
      rc=$?
      cat "$r"/*.log >> "$log" 2>/dev/null
      if [ $rc -eq 200 ]; then
        record --kit_item e2e --group "$group" --case "$m/$k" --status SKIP --detail "$(budget_note)"
        say "e2e $group: out of time"
        return
      fi
      if [ "$group" = coopmat ] || [[ "$group" == *" coopmat" ]]; then
        # another variant ran (the fallback), or the run refused coopmat: not available here;
        # a coopmat run that fails is a failure like any other
        ran="$(variant_of "$r/encode.log")"
        if { [ -n "$ran" ] && [ "$ran" != coopmat ]; } || { [ $rc -ne 0 ] && [ -z "$ran" ] && grep -v '^+ ' "$r/encode.log" | grep -qiE 'coopmat|cooperative'; }; then
          record --kit_item e2e --group "$group" --status SKIP \
            --detail "coopmat: not available on this device (VKBERT_MATMUL=coopmat ran ${ran:-nothing}, exit $rc)"
          say "e2e $group: coopmat not available (ran ${ran:-nothing})"
          return
        fi
      fi
      if [ $rc -ne 0 ]; then
        detail="$(grep -hv '^+ ' "$r"/*.log 2>/dev/null | grep -E 'error|not started' | tail -1 | cut -c1-200)"
        [ -n "$detail" ] || detail="$(grep -hv -e '^+ ' -e '^{' "$r"/*.log 2>/dev/null | tail -1 | cut -c1-200)"
        [ $rc -eq 200 ] && detail="$(budget_note)"
        record --kit_item e2e --group "$group" --case "$m/$k" --status "$(status_of $rc)" --detail "the CLI failed (exit $rc): $detail"
      else
        timeout 60 "$CHECK" mlm "$c" "$r" --group "$group" --case "$m/$k" --variant "$(variant_of "$r/encode.log")" \
          ${bar:+--min-cosine "$bar"} >> "$REC"
      fi
      n=$((n + 1))
    done
  done
  say "e2e $group: $n cases"
}
E2E_MODELS="tiny tiny-f16 tiny-bf16 tiny-odd tiny-variant tiny-untied distil-tiny distil-tiny-f16 distil-tiny-odd distil-tiny-nohead"
VARIANT_MODELS="tiny tiny-odd distil-tiny"
[ $MODE = quick ] && E2E_MODELS="tiny tiny-odd distil-tiny" VARIANT_MODELS="tiny"
if want e2e && [ -z "$NO_DEVICE" ]; then
  e2e_group fp32 "" "$E2E_MODELS" "" "--precision fp32"
  e2e_group fp16 0.9999 "$VARIANT_MODELS" "" "--precision fp16"
  e2e_group coopmat 0.9999 "$VARIANT_MODELS" "VKBERT_MATMUL=coopmat" ""
  if [ $MODE = full ]; then
    if [ "$(left)" -gt 150 ]; then
      make_models bert-base bert-base-random
      if [[ " $models_made " == *" bert-base-random "* ]]; then
        e2e_group "bert-base fp32" "" bert-base-random "" "--precision fp32"
        e2e_group "bert-base fp16" 0.9999 bert-base-random "" "--precision fp16"
        e2e_group "bert-base coopmat" 0.9999 bert-base-random "VKBERT_MATMUL=coopmat" ""
        rm -rf "$MODELS/bert-base-random"
      fi
    else
      record --kit_item e2e --group "bert-base fp32" --status SKIP --detail "$(budget_note) (it needs ~150 s)"
    fi
  fi
fi

# ---- embed ----------------------------------------------------------------------------------
embed_case() { # GROUP MODEL BAR ARGS...
  local group="$1" m="$2" bar="$3" c="$KIT/cases/embed/$2" r="$WORK/embed/$1/$2" rc
  shift 3
  mkdir -p "$r"
  bounded "$LOGS/embed.log" 60 "$BIN/vkbert" embed -m "$MODELS/$m" "$@" -o "$r/embeddings.npy" -f "$c/texts.txt"
  rc=$?
  if [ $rc -ne 0 ]; then
    record --kit_item embed --group "$group" --case "$m" --status "$(status_of $rc)" \
      --detail "vkbert embed failed (exit $rc): $(grep -E 'error|not started' "$LOGS/embed.log" | tail -1 | cut -c1-200)"
  else
    timeout 60 "$CHECK" embed "$c" "$r" --group "$group" --case "$m" ${bar:+--min-cosine "$bar"} >> "$REC"
  fi
}
if want embed && [ -z "$NO_DEVICE" ]; then
  for m in st-minilm st-bge st-dense-tanh; do
    [ $MODE = quick ] && [ $m = st-dense-tanh ] && continue
    embed_case fp32 $m "" --precision fp32
  done
  embed_case fp16 st-minilm 0.9999 --precision fp16
  say "embed: done"
fi

# ---- the PyTorch peer ------------------------------------------------------------------------
if want peer; then
  py=""
  for cand in "${VKBERT_KIT_PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$cand" ] && command -v "$cand" >/dev/null || continue
    if env LD_LIBRARY_PATH="$ORIG_LD" timeout 60 "$cand" -c 'import torch' >/dev/null 2>&1; then py="$cand"; break; fi
  done
  if [ -z "$py" ]; then
    record --kit_item torch_peer --status SKIP --detail "skipped (no python3 with torch)"
  else
    if [ $MODE = quick ]; then pargs=(--config bert-tiny --shapes 1x32,4x32 --iters 3 --warmup 1 --time-limit 10)
    else pargs=(--config bert-base --shapes 1x128,32x128,1x512 --iters 10 --warmup 2 --time-limit 20); fi
    bounded "$WORK/peer.out" 150 env LD_LIBRARY_PATH="$ORIG_LD" "$py" "$KIT/peer/torch_peer.py" "${pargs[@]}" --dtypes fp32,fp16
    rc=$?
    grep -v '^{' "$WORK/peer.out" >> "$LOGS/peer.log"
    grep '^{' "$WORK/peer.out" | "$CHECK" tag --python "$py" >> "$REC"
    if [ $rc -ne 0 ]; then
      record --kit_item torch_peer --status SKIP --detail "$py stopped (exit $rc): $([ $rc -eq 200 ] && budget_note || tail -1 "$WORK/peer.out" | cut -c1-160)"
    fi
  fi
  say "peer: ${py:-no python3 with torch}"
fi

# ---- the summary -----------------------------------------------------------------------------
for f in "$LOGS"/*.log; do  # what comes back stays small, even after a storm of messages
  [ -f "$f" ] && [ "$(wc -c < "$f")" -gt 1000000 ] && { tail -c 1000000 "$f" > "$f.t" && mv "$f.t" "$f"; }
done
record --kit_item run_end --elapsed_s "$((SECONDS - START))" --budget_s "$BUDGET"
"$CHECK" summary "$REC" > "$OUTDIR/summary.txt"
rc=$?
cat "$OUTDIR/summary.txt"
exit $rc
