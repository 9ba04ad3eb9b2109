#!/usr/bin/env bash
# actionlint, built from its Go module, with shellcheck from Debian for the `run:` scripts.
source "$(dirname "$0")/lib.sh"
VERSION=v1.7.12
BIN=$RIG_CACHE/actionlint-$VERSION/actionlint

install() {
  apt_install shellcheck
  [[ -x $BIN ]] && return 0
  log "building actionlint $VERSION"
  GOBIN=$(dirname "$BIN") CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
}

case ${1:-} in
  install) install ;;
  start) install && echo "ACTIONLINT=$BIN" ;;
  stop) ;;
  status) [[ -x $BIN ]] && echo "installed: $BIN" || echo "not installed" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
