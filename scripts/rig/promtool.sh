#!/usr/bin/env bash
# promtool, to check the generated Prometheus config and rules; nothing runs. Two builds:
#  - PROMTOOL: built from the Prometheus Go module at the config's `versions.prometheus` (v3.7.3 is module v0.307.3),
#    because Debian's package is compiled without the Kubernetes service discovery the config uses;
#  - DEBIAN_PROMTOOL: Debian's prometheus package, which still checks the rules.
# Verbs: install | start (prints PROMTOOL=... DEBIAN_PROMTOOL=...) | stop | status
source "$(dirname "$0")/lib.sh"

prometheus_version() {
  (cd "$RIG_ROOT" && node --import tsx/esm -e \
    "import('@stratus/config').then((m) => console.log(m.loadConfig().versions.prometheus))" 2>/dev/null) ||
    die "cannot read versions.prometheus from @stratus/config (run pnpm install first)"
}

VERSION=${PROMETHEUS_VERSION:-$(prometheus_version)}
[[ $VERSION =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "versions.prometheus '$VERSION' is not vX.Y.Z"
if ((BASH_REMATCH[1] >= 3)); then
  MODULE_VERSION=v0.$((BASH_REMATCH[1] * 100 + BASH_REMATCH[2])).${BASH_REMATCH[3]}
else
  MODULE_VERSION=v0.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}
fi
BIN=$RIG_CACHE/promtool/$VERSION

install() {
  apt_install prometheus
  [[ -x $BIN/promtool ]] && return 0
  command -v go >/dev/null || die "go is needed to build promtool"
  log "building promtool $VERSION (Go module $MODULE_VERSION)"
  # The module has exclude directives, so `go install pkg@version` refuses it: build it as the main module instead.
  local dir src=$RIG_CACHE/promtool/src-$VERSION
  dir=$(go mod download -json "github.com/prometheus/prometheus@$MODULE_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$BIN"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN/promtool.tmp" ./cmd/promtool >&2)
  mv "$BIN/promtool.tmp" "$BIN/promtool"
  rm -rf "$src"
}

case "${1:-}" in
  install) install ;;
  start)
    install
    printf 'PROMTOOL=%s\nDEBIAN_PROMTOOL=%s\n' "$BIN/promtool" "$(command -v promtool)"
    ;;
  stop) ;;
  status) [[ -x $BIN/promtool ]] && echo installed || { echo 'not installed'; exit 1; } ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
