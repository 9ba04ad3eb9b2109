#!/usr/bin/env bash
# SeaweedFS on loopback: one `weed mini`-style process (master, volume, filer) plus its S3 gateway, which also
# serves an Apache Iceberg REST catalog. Built from the SeaweedFS Go module at `versions.seaweedfs` (a pseudo-version:
# the project tags releases as 4.xx, which is not semver); the module has replace directives, so `go install` refuses
# it and it is built as the main module. The S3 credentials are made up at each start and printed for the clients.
# Verbs: install | start (prints S3_ENDPOINT=... ICEBERG_CATALOG_URL=... AWS_ACCESS_KEY_ID=... ...) | stop | status
source "$(dirname "$0")/lib.sh"

VERSION=${SEAWEEDFS_VERSION:-$(sed -nE "s/^ *seaweedfs: z\.string\(\)\.default\('([^']+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "cannot read versions.seaweedfs from packages/config/src/schema.ts"
BIN=$RIG_CACHE/seaweedfs/$VERSION
STATE=$RIG_STATE/seaweedfs

install() {
  [[ -x $BIN/weed ]] && return 0
  command -v go >/dev/null || die "go is needed to build SeaweedFS"
  mkdir -p "$RIG_CACHE/seaweedfs"
  local lock
  exec {lock}>"$RIG_CACHE/seaweedfs/.build.lock"
  flock "$lock"
  [[ -x $BIN/weed ]] && return 0
  log "building SeaweedFS $VERSION from its Go module (about 15 minutes cold on 2 cores)"
  local dir src=$RIG_CACHE/seaweedfs/src-$VERSION
  dir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$BIN"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN/weed.tmp" ./weed >&2)
  mv "$BIN/weed.tmp" "$BIN/weed"
  rm -rf "$src"
}

case "${1:-}" in
  install) install ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
