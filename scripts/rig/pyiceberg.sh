#!/usr/bin/env bash
# PyIceberg with PyArrow from PyPI in a virtualenv: an Iceberg engine independent of DuckDB, so the lake tests read
# what the archiver wrote through a second implementation of the REST catalog protocol and the table format.
# Version from `versions.pyiceberg`. Nothing runs.
# Verbs: install | start (prints PYICEBERG_PYTHON=...) | stop | status
source "$(dirname "$0")/lib.sh"

VERSION=${PYICEBERG_VERSION:-$(sed -nE "s/^ *pyiceberg: semver\.default\('([0-9.]+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read versions.pyiceberg from packages/config/src/schema.ts"
VENV=$RIG_CACHE/pyiceberg-$VERSION

installed() { [[ -f $VENV/.complete ]]; }

install() {
  installed && return 0
  mkdir -p "$RIG_CACHE"
  local lock
  exec {lock}>"$RIG_CACHE/.pyiceberg-$VERSION.lock"
  flock "$lock"
  installed && return 0
  log "installing pyiceberg[pyarrow]==$VERSION from PyPI into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "pyiceberg[pyarrow]==$VERSION" >&2 ||
    die "pip could not install pyiceberg[pyarrow]==$VERSION"
  touch "$VENV/.complete"
}

case "${1:-}" in
  install) install ;;
  start)
    install
    printf 'PYICEBERG_PYTHON=%s\n' "$VENV/bin/python"
    ;;
  stop) ;;
  status) installed && echo installed || { echo 'not installed'; exit 1; } ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
