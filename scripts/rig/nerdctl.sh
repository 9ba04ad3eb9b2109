#!/usr/bin/env bash
# nerdctl (and its `compose`), built from its Go module, to run the web server's compose project on the containerd of
# the cluster rig (scripts/rig/cluster.sh). v1.7 is the last line that supports Debian's containerd 1.6.
# `start` prints NERDCTL (the binary); it runs nothing itself.
source "$(dirname "$0")/lib.sh"
VERSION=v1.7.7
MODULE=github.com/containerd/nerdctl
BIN=$RIG_CACHE/nerdctl-$VERSION/nerdctl

install() {
  apt_install containernetworking-plugins iptables
  [[ -x $BIN ]] && return 0
  exec 9>"$RIG_CACHE/nerdctl.lock"
  flock 9
  [[ -x $BIN ]] && return 0
  log "building nerdctl $VERSION from its Go module"
  local source tmp
  source=$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  tmp=$(mktemp -d)
  cp -r "$source" "$tmp/src"
  chmod -R u+w "$tmp/src"
  mkdir -p "$(dirname "$BIN")"
  (cd "$tmp/src" && CGO_ENABLED=0 GOFLAGS='-mod=mod -buildvcs=false' go build -trimpath -ldflags='-s -w' -o "$BIN.partial" ./cmd/nerdctl) >&2
  mv "$BIN.partial" "$BIN"
  rm -rf "$tmp"
}

case ${1:-} in
  install) install ;;
  start) install && echo "NERDCTL=$BIN" ;;
  stop) ;;
  status) [[ -x $BIN ]] && echo "installed: $BIN" || echo "not installed" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
