#!/usr/bin/env bash
# SeaweedFS on loopback: one `weed mini`-style process (master, volume, filer) plus its S3 gateway, which also
# serves an Apache Iceberg REST catalog. Built from the SeaweedFS Go module at `versions.seaweedfs` (a pseudo-version:
# the project tags releases as 4.xx, which is not semver); the module has replace directives, so `go install` refuses
# it and it is built as the main module. The S3 credentials are made up at each start and printed for the clients.
# Verbs: install | start | stop | status | bin | module-dir
#   bin          install, then print the path of the weed binary (the image rig's stand-in uses it)
#   module-dir   the module's source in the Go module cache (its docker/ folder has upstream's entrypoint.sh)
#   start   idempotent; prints S3_ENDPOINT, S3_REGION, ICEBERG_CATALOG_URL, ICEBERG_WAREHOUSE, AWS_ACCESS_KEY_ID,
#           AWS_SECRET_ACCESS_KEY, SEAWEEDFS_METRICS_URL. The warehouse (config `lake.catalog.warehouse`) is created
#           as a table bucket; data lives in a temp directory and is thrown away by stop.
source "$(dirname "$0")/lib.sh"

VERSION=${SEAWEEDFS_VERSION:-$(sed -nE "s/^ *seaweedfs: z\.string\(\)\.default\('([^']+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "cannot read versions.seaweedfs from packages/config/src/schema.ts"
BIN=$RIG_CACHE/seaweedfs/$VERSION
STATE=$RIG_STATE/seaweedfs
ENV_FILE=$STATE/env
WAREHOUSE=${SEAWEEDFS_WAREHOUSE:-$(sed -nE "/^ *catalog: z/,/^ *\}\)/s/^ *warehouse: bucketName\.default\('([^']+)'\).*/\1/p" "$RIG_ROOT/packages/config/src/schema.ts")}
[[ -n $WAREHOUSE ]] || die "cannot read lake.catalog.warehouse from packages/config/src/schema.ts"
REGION=us-east-1

module_dir() {
  go mod download -json "github.com/seaweedfs/seaweedfs@$VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}

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
  dir=$(module_dir)
  mkdir -p "$BIN"
  rm -rf "$src"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN/weed.tmp" ./weed >&2)
  mv "$BIN/weed.tmp" "$BIN/weed"
  rm -rf "$src"
}

running() { pid_alive "$STATE/weed.pid" && [[ -f $ENV_FILE ]]; }

# catalog_ready PORT: the Iceberg REST catalog answers for the warehouse (the table bucket exists).
catalog_ready() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$1/v1/config?warehouse=s3://$WAREHOUSE/" 2>/dev/null
}

start() {
  if running; then
    cat "$ENV_FILE"
    return 0
  fi
  install
  mkdir -p "$STATE"
  local lock
  exec {lock}>"$STATE/.lock"
  flock "$lock"
  if running; then
    cat "$ENV_FILE"
    return 0
  fi
  local data key secret master volume filer s3 iceberg metrics deadline
  data=$(mktemp -d "${TMPDIR:-/tmp}/stratus-seaweedfs.XXXXXX")
  echo "$data" >"$STATE/datadir"
  key=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
  secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  (
    umask 077
    cat >"$data/s3.json" <<JSON
{"identities": [{"name": "stratus", "credentials": [{"accessKey": "AKIA$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
JSON
  )
  master=$(free_port) volume=$(free_port) filer=$(free_port) s3=$(free_port) iceberg=$(free_port) metrics=$(free_port)
  log "starting SeaweedFS (S3 on 127.0.0.1:$s3, Iceberg REST catalog on 127.0.0.1:$iceberg) in $data"
  setsid env -u ICEBERG_WAREHOUSE "$BIN/weed" mini -dir "$data" -ip 127.0.0.1 -ip.bind 127.0.0.1 \
    -master.port "$master" -master.port.grpc "$(free_port)" -master.telemetry=false \
    -volume.port "$volume" -volume.port.grpc "$(free_port)" \
    -filer.port "$filer" -filer.port.grpc "$(free_port)" \
    -s3.port "$s3" -s3.port.grpc "$(free_port)" -s3.port.iceberg "$iceberg" -s3.port.lance 0 \
    -s3.config "$data/s3.json" -tableBucket "$WAREHOUSE" -metricsPort "$metrics" \
    -webdav=false -admin.ui=false -admin.port "$(free_port)" -admin.port.grpc "$(free_port)" -admin.port.legacy 0 \
    >"$STATE/weed.log" 2>&1 </dev/null &
  echo $! >"$STATE/weed.pid"
  deadline=$((SECONDS + 120))
  until catalog_ready "$iceberg"; do
    if ! pid_alive "$STATE/weed.pid" || ((SECONDS > deadline)); then
      tail -n 30 "$STATE/weed.log" >&2
      die "SeaweedFS did not serve the catalog of warehouse $WAREHOUSE (log: $STATE/weed.log)"
    fi
    sleep 0.5
  done
  printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_REGION=%s\nICEBERG_CATALOG_URL=http://127.0.0.1:%s\nICEBERG_WAREHOUSE=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nSEAWEEDFS_METRICS_URL=http://127.0.0.1:%s/metrics\n' \
    "$s3" "$REGION" "$iceberg" "$WAREHOUSE" "AKIA$key" "$secret" "$metrics" >"$ENV_FILE.tmp"
  chmod 600 "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  cat "$ENV_FILE"
}

stop() {
  if pid_alive "$STATE/weed.pid"; then
    local pid deadline
    pid=$(cat "$STATE/weed.pid")
    kill "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped SeaweedFS"
  fi
  [[ -f $STATE/datadir ]] && rm -rf "$(cat "$STATE/datadir")"
  rm -f "$STATE/weed.pid" "$STATE/datadir" "$ENV_FILE"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) running && echo running || { echo stopped; exit 1; } ;;
  bin) install && echo "$BIN/weed" ;;
  module-dir) module_dir ;;
  *) die "usage: $0 install|start|stop|status|bin|module-dir" ;;
esac
