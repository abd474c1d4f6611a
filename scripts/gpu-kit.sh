#!/usr/bin/env bash
# Makes the GPU kit: a self-contained folder (at most 64 MiB) that runs vkbert's device checks
# and benchmarks on an x86-64 Linux machine with a GPU, no network and no compiler
# (docs/benchmarks.md, "The GPU kit"):
#   bin/       the CLI, vkbert-make-model, vkbert-kit-check, the gpu-labelled test programs and
#              examples (built with the newer glslang that compiles the coopmat shaders)
#   lib/       the shared libraries they need besides glibc (cJSON, utf8proc, the Vulkan loader);
#              lib/glvnd/ libGLdispatch (NVIDIA's Vulkan driver needs it; used only where the
#              target has none); lib/cxx/ the C++ runtime of the validation layer
#   layer/     Debian's Khronos validation layer and its manifest
#   models/    how to remake the small test models (vkbert-make-model's arguments), the files
#              make-model does not write (sentence-transformers layouts), every file's SHA-256
#   cases/     the PyTorch references' outputs on those models (model_tools/kit_references.py)
#   data/      tests/data (vocabulary, tokenizer cases); peer/torch_peer.py; KIT-INFO; run.sh
#
#   scripts/gpu-kit.sh [DIR]              make it (default build-gpu-kit/kit)
#   scripts/gpu-kit.sh --self-test [DIR]  make it, then run DIR/run.sh --quick under `env -i` on
#                                         this machine's lavapipe and check its verdicts; then a
#                                         copy with one reference value changed must fail
# Work files go to build-gpu-kit/ (the build, the models, ~1 GB with bert-base's shape). The
# coopmat tools: the sysroot of scripts/newer-lavapipe-sysroot.sh (VKBERT_COOPMAT_SYSROOT,
# default build-newer-lavapipe/sysroot-work; made if missing, reused if present).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SELF_TEST=0 KIT=""
for a in "$@"; do
  case "$a" in
    --self-test) SELF_TEST=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "gpu-kit: unknown option $a" >&2; exit 2 ;;
    *) KIT="$a" ;;
  esac
done
KIT="${KIT:-build-gpu-kit/kit}"
W=build-gpu-kit
SYSROOT="${VKBERT_COOPMAT_SYSROOT:-build-newer-lavapipe/sysroot-work}"
PY=/usr/bin/python3
JOBS="${JOBS:-2}"
LIMIT=$((64 * 1024 * 1024))
log() { echo "gpu-kit: $*" >&2; }
die() { echo "gpu-kit: error: $*" >&2; exit 1; }

bash scripts/install-deps.sh
bash scripts/newer-lavapipe-sysroot.sh "$SYSROOT" >&2
SYSROOT="$(cd "$SYSROOT" && pwd)"
[ -x "$SYSROOT/sysroot/usr/bin/glslangValidator" ] || die "$SYSROOT has no sysroot/usr/bin/glslangValidator"

# ---- the build ----
log "building in $W/build (coopmat tools: $SYSROOT)"
cmake -S . -B "$W/build" -DCMAKE_BUILD_TYPE=Release -DVKBERT_COOPMAT_TOOLS="$SYSROOT" >/dev/null
TESTS=(test_kernels test_session test_runner test_options test_pipeline_cache test_threads test_external test_faults
       test_validation_canary)
EXAMPLES=(example_fill_mask example_host_app example_semantic_search)
nice cmake --build "$W/build" -j"$JOBS" --target vkbert_cli vkbert-make-model vkbert-kit-check "${TESTS[@]}" "${EXAMPLES[@]}" >/dev/null
B="$ROOT/$W/build"

# ---- the models, made as the tests make them; vkbert-make-model's arguments recorded ----
M="$ROOT/$W/models"
rm -rf "$M" "$W/fresh" && mkdir -p "$M" "$W/fresh"
cat > "$W/record-make-model" <<REC
#!/bin/sh
# vkbert-make-model, its arguments recorded (one line per model) for the kit to remake it
for a in "\$@"; do case "\$a" in *[[:space:]]*) echo "record-make-model: an argument with a space: '\$a'" >&2; exit 1 ;; esac; done
echo "\$*" >> "$ROOT/$W/make-model-args"
exec "$B/vkbert-make-model" "\$@"
REC
chmod +x "$W/record-make-model"
: > "$W/make-model-args"
VOCAB="$ROOT/tests/data/bert-base-uncased-vocab.txt"
for set in tiny base; do
  cmake -DTOOL="$ROOT/$W/record-make-model" -DVOCAB="$VOCAB" -DOUT="$M" -DSET=$set -P tests/MakeModels.cmake
done
cmake -DTOOL="$ROOT/$W/record-make-model" -DPYTHON=$PY -DLAYOUT="$ROOT/model_tools/make_st_layout.py" -DVOCAB="$VOCAB" \
      -DDATA="$ROOT/tests/data" -DOUT="$M" -P tests/MakeStModels.cmake >/dev/null
TINY=(tiny tiny-variant tiny-nohead tiny-f16 tiny-bf16 tiny-untied tiny-odd distil-tiny distil-tiny-nohead distil-tiny-f16
      distil-tiny-odd albert-tiny-odd electra-tiny)
E2E=(tiny tiny-f16 tiny-bf16 tiny-odd tiny-variant tiny-untied distil-tiny distil-tiny-f16 distil-tiny-odd distil-tiny-nohead)
ST=(st-minilm st-bge st-dense-tanh)
KEEP=("${TINY[@]}" "${ST[@]}" bert-base-random)

# ---- the kit ----
rm -rf "$KIT" && mkdir -p "$KIT"/{bin,lib/glvnd,lib/cxx,layer,models,cases,data,peer}
KIT="$(cd "$KIT" && pwd)"
cp "$B/vkbert" "$B/vkbert-make-model" "$B/vkbert-kit-check" "$KIT/bin/"
for t in "${TESTS[@]}"; do cp "$B/tests/$t" "$KIT/bin/"; done
for e in "${EXAMPLES[@]}"; do cp "$B/apps/$e" "$KIT/bin/"; done
strip --strip-unneeded "$KIT"/bin/*
# Every shared library a program needs but glibc's own: what a bare target may lack.
GLIBC='^(linux-vdso|libc|libm|libdl|libpthread|librt|libresolv|libutil|ld-linux-x86-64)\.so'
copy_deps() { # DEST FILE...
  local dest="$1"
  shift
  ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u | while read -r name path; do
    [[ "$name" =~ $GLIBC ]] || cp -L "$path" "$dest/$name"
  done
}
copy_deps "$KIT/lib" "$KIT"/bin/*
LIBDIR=/usr/lib/x86_64-linux-gnu
cp -L "$LIBDIR/libvulkan.so.1" "$KIT/lib/"   # vkbert opens it at run time (test_external links it)
# Oniguruma, which vkbert opens at run time too (RTLD_LOCAL: runtime/src/text/regex.c), for
# tokenizer.json files with a regex
cp -L "$LIBDIR/libonig.so.5" "$KIT/lib/" 2>/dev/null \
  || log "warning: no libonig.so.5 here (apt-get install libonig5): the kit's vkbert reads no byte-level tokenizer.json"
cp -L "$LIBDIR/libGLdispatch.so.0" "$KIT/lib/glvnd/" 2>/dev/null \
  || log "warning: no libGLdispatch.so.0 here (apt-get install libglvnd0): the kit goes without it"
VL="$LIBDIR/libVkLayer_khronos_validation.so"
if [ -f "$VL" ]; then
  cp -L "$VL" "$KIT/layer/"
  strip --strip-unneeded "$KIT/layer/libVkLayer_khronos_validation.so"
  copy_deps "$KIT/lib/cxx" "$VL"
  rm -f "$KIT"/lib/cxx/{libcjson,libutf8proc,libvulkan,libonig}*
  api=$(sed -n 's/.*"api_version": *"\([0-9.]*\)".*/\1/p' /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json | head -1)
  # the packaged manifest names the library bare; this one next to it
  sed 's#"library_path": *"[^"]*"#"library_path": "./libVkLayer_khronos_validation.so"#' \
    /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json > "$KIT/layer/VkLayer_khronos_validation.json"
  log "validation layer $api"
else
  log "warning: no validation layer here (vulkan-validationlayers): the kit's suites will run without one"
fi
cp -R tests/data/. "$KIT/data/"
cp model_tools/torch_peer.py "$KIT/peer/"
cp scripts/gpu-kit-run.sh "$KIT/run.sh" && chmod +x "$KIT/run.sh"

# models/: each kept model's recorded arguments; the files that vkbert-make-model with those
# arguments does not write as they are; every file's SHA-256 (checked at run time)
: > "$KIT/models/models.txt"
echo "${TINY[*]} ${ST[*]}" > "$KIT/models/small-set"   # gpu-kit-run.sh makes these before the suites
for name in "${KEEP[@]}"; do
  args="$(sed -n "s#^--out $M/$name --vocab $VOCAB ##p" "$W/make-model-args" | tail -1)"
  [ -n "$args" ] || die "no recorded vkbert-make-model arguments for $name"
  echo "$name $args" >> "$KIT/models/models.txt"
  # shellcheck disable=SC2086 # recorded words, checked free of spaces
  "$B/vkbert-make-model" --out "$W/fresh/$name" --vocab "$VOCAB" $args >/dev/null
  (cd "$M/$name" && find . -type f | sort) | while read -r f; do
    if ! cmp -s "$M/$name/$f" "$W/fresh/$name/$f"; then
      mkdir -p "$(dirname "$KIT/models/$name/$f")"
      cp "$M/$name/$f" "$KIT/models/$name/$f"
    fi
  done
  rm -rf "$W/fresh/$name"
done
(cd "$M" && for name in "${KEEP[@]}"; do find "$name" -type f | sort; done | xargs sha256sum) > "$KIT/models/SHA256SUMS"

# cases/: the PyTorch references, on the ids `vkbert tokenize` gives (as the e2e tests do)
log "PyTorch references"
$PY model_tools/kit_references.py --vkbert "$B/vkbert" --models "$M" --out "$KIT/cases" \
  --mlm "$(IFS=,; echo "${E2E[*]}")" --mlm-quick bert-base-random --embed "$(IFS=,; echo "${ST[*]}")" >/dev/null

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ", with uncommitted changes" || true)"
glslang="$("$SYSROOT/run" "$SYSROOT/sysroot/usr/bin/glslangValidator" --version 2>/dev/null | sed -n 's/^Glslang Version: //p')"
torch_v="$($PY -c 'import torch; print(torch.__version__)')"
{
  echo "kit=vkbert $commit ($(git rev-parse --abbrev-ref HEAD 2>/dev/null)$dirty), made $(date -u '+%Y-%m-%d %H:%M UTC') on $(. /etc/os-release && echo "$PRETTY_NAME"), glslang $glslang (coopmat tools), references torch $torch_v"
  echo "glibc_needed=$(objdump -T "$KIT"/bin/* "$KIT"/lib/*.so* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
  echo "coopmat_tools=$SYSROOT"
} > "$KIT/KIT-INFO"
size=$(du -sb "$KIT" | cut -f1)
[ "$size" -le $LIMIT ] || die "the kit is $size bytes, over 64 MiB ($LIMIT): $(du -sh "$KIT"/* | sort -h | tail -3 | tr '\n' ' ')"
log "kit in $KIT: $((size / 1024 / 1024)) MiB ($size bytes); $(sed -n 's/^glibc_needed=//p' "$KIT/KIT-INFO") or newer needed"
[ $SELF_TEST = 1 ] || exit 0

# ---- self-test: the kit alone, from a clean environment, on this machine's lavapipe ----
OUT="$ROOT/$W/self-test"
rm -rf "$OUT"
t0=$SECONDS
set +e
# a budget that cuts nothing on a loaded machine: the time is reported, never asserted (the
# quick run's own budget, 175 s, is what it keeps to on an idle one)
env -i "$KIT/run.sh" --quick --budget 600 "$OUT" > "$W/self-test.log" 2>&1
rc=$?
set -e
took=$((SECONDS - t0))
cat "$OUT/summary.txt" 2>/dev/null || tail -20 "$W/self-test.log"
log "self-test: env -i run.sh --quick took ${took}s, exit $rc"
$PY - "$OUT" "$rc" "$took" <<'PY'
import json, sys
out, rc, took = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
recs = [json.loads(l) for l in open(f"{out}/records.jsonl")]
bad = []
def need(cond, msg):
    if not cond:
        bad.append(msg)
need(rc == 0, f"run.sh exited {rc}")
if took >= 180:
    print(f"gpu-kit self-test: warning: --quick took {took} s here, over the 3 minutes it takes on an idle machine")
need(all("kit_item" in r for r in recs), "a record without kit_item")
checks = [r for r in recs if "status" in r and r["kit_item"] not in ("torch_peer",)]
fails = [r for r in checks if r["status"] not in ("PASS", "SKIP")]
need(not fails, f"checks not passed: {[(r['kit_item'], r.get('case'), r['detail']) for r in fails]}")
def passed(item, group=None, case=None):
    return [r for r in checks if r["kit_item"] == item and r["status"] == "PASS"
            and (group is None or r.get("group") == group) and (case is None or r.get("case") == case)]
need(passed("devices"), "devices did not pass")
need(passed("models", "small"), "the models were not remade")
for t in ("test_session", "test_options", "test_pipeline_cache", "test_external", "example_semantic_search"):
    need(passed("suite", case=t), f"suite {t} did not pass")
need(passed("suite", "validation"), "the validation canary did not pass (the layer should work here)")
need(len(passed("e2e", "fp32")) >= 12, "fewer than 12 fp32 e2e cases passed")
need(len(passed("e2e", "fp16")) >= 4, "fewer than 4 fp16 e2e cases passed")
coop = [r for r in checks if r["kit_item"] == "e2e" and r.get("group") == "coopmat"]
need(coop and all(r["status"] == "PASS" for r in coop) or
     any("coopmat: not available on this device" in r["detail"] for r in coop), "no coopmat e2e verdict")
need(len(passed("embed")) >= 3, "fewer than 3 embed checks passed")
need(passed("peak"), "no peak")
bench = [r for r in recs if r["kit_item"] == "bench" and "device" in r]
for v in ("fp32", "fp16"):
    for c in ("cold", "warm"):
        need(any(r["kit_variant"] == v and r["kit_cache"] == c for r in bench), f"no {v} {c} bench record")
need(any(r["kit_item"] == "bench_variant" for r in recs) or any(r["kit_variant"] == "coopmat" for r in bench),
     "no coopmat bench verdict")
need(any(r["kit_item"] == "torch_peer" for r in recs), "no PyTorch peer record (run or skipped)")
summary = open(f"{out}/summary.txt").read()
need("result: PASS" in summary, "the summary does not say result: PASS")
if bad:
    sys.exit("gpu-kit self-test: FAIL: " + "; ".join(bad))
print(f"gpu-kit self-test: the quick run passes ({len(recs)} records, {took} s)")
PY

# The checks must be able to fail: a copy of the kit with one reference value moved by 1e-3
# (an fp32 hidden state and an embedding) must fail exactly those, and run.sh exit 1.
T="$ROOT/$W/kit-tampered"
rm -rf "$T" "$OUT-tampered" && cp -R "$KIT" "$T"
$PY - "$T" <<'PY'
import sys
import numpy as np
for f in ("cases/mlm/tiny/0/hidden.npy", "cases/embed/st-minilm/embeddings.npy"):
    a = np.load(f"{sys.argv[1]}/{f}")
    a[0, 3] += 1e-3
    np.save(f"{sys.argv[1]}/{f}", a)
PY
set +e
env -i "$T/run.sh" --quick --only e2e,embed "$OUT-tampered" > "$W/self-test-tampered.log" 2>&1
rc=$?
set -e
$PY - "$OUT-tampered" "$rc" <<'PY'
import json, sys
out, rc = sys.argv[1], int(sys.argv[2])
recs = [json.loads(l) for l in open(f"{out}/records.jsonl")]
fails = sorted((r["kit_item"], r.get("group"), r.get("case")) for r in recs if r.get("status") == "FAIL")
want = [("e2e", "fp32", "tiny/0"), ("embed", "fp32", "st-minilm")]
if rc != 1 or fails != want:
    sys.exit(f"gpu-kit self-test: FAIL: the tampered kit gave exit {rc} and failures {fails}, want 1 and {want}")
print("gpu-kit self-test: a reference moved by 1e-3 fails exactly its checks (exit 1)")
PY
rm -rf "$T"
log "self-test passed (the quick run: ${took}s)"
