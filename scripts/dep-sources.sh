#!/usr/bin/env bash
# cJSON's, utf8proc's and Oniguruma's sources for the builds that compile them in (VKBERT_FETCH_DEPS=ON:
# Android, Windows), from Debian's source packages: `apt-get source` through a private apt
# configuration with a deb-src entry, which leaves the system's own apt state alone. GitHub,
# where the pinned releases live, is not reachable from our build machines, so the checks
# take Debian's copies and hand them to FetchContent as FETCHCONTENT_SOURCE_DIR_*.
#   scripts/dep-sources.sh DIR      # downloads once into DIR; prints "CJSON_DIR UTF8PROC_DIR ONIG_DIR"
# Used by scripts/check-portability.sh and scripts/check-windows.sh.
set -euo pipefail
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
SRC="$OUT/sources"
if [ ! -f "$SRC/.done" ] || ! ls -d "$SRC"/oniguruma-*/ >/dev/null 2>&1; then
  APTDIR="$OUT/apt"
  mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" "$SRC"
  : > "$APTDIR/status"
  cat > "$APTDIR/src.sources" <<SRCS
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRCS
  cat > "$APTDIR/apt.conf" <<CONF
Dir::State "$APTDIR/state";
Dir::State::status "$APTDIR/status";
Dir::Cache "$APTDIR/cache";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$APTDIR";
CONF
  (export APT_CONFIG="$APTDIR/apt.conf"; apt-get update -qq && cd "$SRC" &&
     apt-get source -qq --download-only cjson utf8proc libonig) >&2
  (cd "$SRC" && for t in *.orig.tar.gz; do tar xzf "$t"; done)
  touch "$SRC/.done"
fi
echo "$(ls -d "$SRC"/cJSON-*/ | head -1) $(ls -d "$SRC"/utf8proc-*/ | head -1) $(ls -d "$SRC"/oniguruma-*/ | head -1)"
