#!/usr/bin/env bash
# DuckDB's httpfs, iceberg and avro extensions for `versions.duckdb`, from their PyPI repackaging
# (`duckdb-extension-*`, the signed binaries of DuckDB's extension repository), laid out as an extension directory.
# `@duckdb/node-api` bundles only parquet/json/icu and `INSTALL` would fetch from DuckDB's site; with
# `SET extension_directory` pointing here, `LOAD iceberg` finds them (signature checks stay on). They load only into
# exactly the same DuckDB version, which is why @duckdb/node-api is pinned to that version's build.
# Verbs: install | start (prints DUCKDB_EXTENSION_DIRECTORY=...) | stop | status
source "$(dirname "$0")/lib.sh"

VERSION=${DUCKDB_VERSION:-$(sed -nE "s/^ *duckdb: semver\.default\('([0-9.]+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read versions.duckdb from packages/config/src/schema.ts"
EXTENSIONS=(httpfs iceberg avro)
# DUCKDB_ARCH picks another machine's extensions (an image built for another platform): amd64 or arm64.
ARCH=${DUCKDB_ARCH:-$(uname -m)}
case "$ARCH" in
  x86_64 | amd64) PLATFORM=linux_amd64 WHEEL_PLATFORM=manylinux2014_x86_64 ;;
  aarch64 | arm64) PLATFORM=linux_arm64 WHEEL_PLATFORM=manylinux2014_aarch64 ;;
  *) die "no DuckDB extension wheels for $ARCH" ;;
esac
DIR=$RIG_CACHE/duckdb-extensions
TARGET=$DIR/v$VERSION/$PLATFORM

installed() {
  local e
  for e in "${EXTENSIONS[@]}"; do [[ -f $TARGET/$e.duckdb_extension ]] || return 1; done
}

install() {
  installed && return 0
  mkdir -p "$DIR"
  local lock
  exec {lock}>"$DIR/.install.lock"
  flock "$lock"
  installed && return 0
  log "downloading DuckDB $VERSION extensions ${EXTENSIONS[*]} from PyPI"
  local tmp e wheels=()
  for e in "${EXTENSIONS[@]}"; do wheels+=("duckdb-extension-$e==$VERSION"); done
  tmp=$(mktemp -d "$DIR/.download.XXXXXX")
  python3 -m pip download -q --no-deps --only-binary=:all: --platform "$WHEEL_PLATFORM" -d "$tmp" "${wheels[@]}" >&2 ||
    die "pip could not download ${wheels[*]}"
  mkdir -p "$TARGET"
  for e in "${EXTENSIONS[@]}"; do
    python3 - "$tmp" "$e" "$VERSION" "$TARGET" <<'PY'
import glob, sys, zipfile
tmp, ext, version, target = sys.argv[1:]
wheel = glob.glob(f"{tmp}/duckdb_extension_{ext}-{version}-*.whl")[0]
member = f"duckdb_extension_{ext}/extensions/v{version}/{ext}.duckdb_extension"
with zipfile.ZipFile(wheel) as z, open(f"{target}/{ext}.duckdb_extension.tmp", "wb") as out:
    out.write(z.read(member))
PY
    mv "$TARGET/$e.duckdb_extension.tmp" "$TARGET/$e.duckdb_extension"
  done
  rm -rf "$tmp"
}

case "${1:-}" in
  install) install ;;
  start)
    install
    printf 'DUCKDB_EXTENSION_DIRECTORY=%s\n' "$DIR"
    ;;
  stop) ;;
  status) installed && echo installed || { echo 'not installed'; exit 1; } ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
