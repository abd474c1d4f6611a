#!/usr/bin/env bash
# scripts/check-android-api.sh, on objects built here with the host compiler: an import above
# the API level, an import missing from the table, and imports satisfied by another object
# or listed at a low enough level. Then scripts/android-api-levels.txt itself: well formed.
#   tests/test_android_api.sh SCRATCH_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
check="$root/scripts/check-android-api.sh"
table="$root/scripts/android-api-levels.txt"
dir="$1/android_api"
rm -rf "$dir" && mkdir -p "$dir"
cc=${CC:-cc}
export NM=${NM:-nm}
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

cat > "$dir/uses_timespec_get.c" <<'EOF'
#include <time.h>
double now(void) { struct timespec t; timespec_get(&t, TIME_UTC); return (double)t.tv_sec; }
EOF
cat > "$dir/uses_monotonic.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
extern int helper(void);
double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); free(malloc(1)); return helper() + (double)t.tv_sec; }
EOF
cat > "$dir/helper.c" <<'EOF'
int helper(void) { return 1; }
EOF
cat > "$dir/uses_unlisted.c" <<'EOF'
#include <stdlib.h>
int pick(void) { return rand(); } /* rand: not in the table */
EOF
for f in uses_timespec_get uses_monotonic helper uses_unlisted; do
  "$cc" -std=c11 -O1 -c "$dir/$f.c" -o "$dir/$f.o"
done

# 1. timespec_get (API 29) at minSdk 26: refused, with its level and the importing object
if out=$(bash "$check" 26 "$table" "$dir/uses_timespec_get.o" 2>&1); then
  fail "timespec_get accepted at API 26"
elif ! grep -q "timespec_get is on Android only from API level 29, above minSdk 26 (imported by uses_timespec_get.o)" <<<"$out"; then
  fail "unexpected message for timespec_get: $out"
fi
# ... and accepted at 29
bash "$check" 29 "$table" "$dir/uses_timespec_get.o" >/dev/null || fail "timespec_get refused at API 29"

# 2. listed imports at a low enough level, and one satisfied by another object: accepted
if ! out=$(bash "$check" 26 "$table" "$dir/uses_monotonic.o" "$dir/helper.o" 2>&1); then
  fail "clock_gettime/malloc/free (+ helper from another object) refused: $out"
fi
# helper alone is an unknown import
bash "$check" 26 "$table" "$dir/uses_monotonic.o" >/dev/null 2>&1 && fail "undefined helper accepted"

# 3. an import the table does not list: refused, named
if out=$(bash "$check" 26 "$table" "$dir/uses_unlisted.o" 2>&1); then
  fail "rand (not in the table) accepted"
elif ! grep -q "rand (imported by uses_unlisted.o) is not in" <<<"$out"; then
  fail "unexpected message for rand: $out"
fi

# 4. the table: every entry is "symbol level [note]" with a level between 1 and 40, no symbol twice
if ! awk '{ sub(/#.*/, "") } NF == 0 { next }
          NF < 2 || $2 !~ /^[0-9]+$/ || $2 < 1 || $2 > 40 { print "bad line " NR ": " $0; bad = 1 }
          seen[$1]++ { print "twice: " $1; bad = 1 }
          END { exit bad }' "$table"; then
  fail "malformed $table"
fi

if [ "$fails" -ne 0 ]; then
  echo "test_android_api: $fails failure(s)" >&2
  exit 1
fi
echo "test_android_api: passed"
