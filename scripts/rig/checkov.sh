#!/usr/bin/env bash
# Checkov, the IaC scanner, from PyPI into a virtualenv in the rig cache (one install shared by every checkout).
source "$(dirname "$0")/lib.sh"
VERSION=3.3.30
VENV=$RIG_CACHE/checkov-$VERSION
BIN=$VENV/bin/checkov

install() {
  local lock
  exec {lock}>"$RIG_CACHE/.checkov-$VERSION.lock"
  flock "$lock"
  if [[ ! -f $VENV/.complete ]]; then
    command -v python3 >/dev/null || die "python3 (3.9 or newer) is needed"
    python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
    log "installing checkov $VERSION from PyPI"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input "checkov==$VERSION" >&2
    "$BIN" --version >/dev/null
    touch "$VENV/.complete"
  fi
  exec {lock}>&-
}

case ${1:-} in
  install) install ;;
  start) install && echo "CHECKOV=$BIN" ;;
  stop) ;;
  status) [[ -f $VENV/.complete ]] && echo "installed: $BIN" || echo "not installed" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
