#!/usr/bin/env bash
# PostgreSQL from the Debian binaries (/usr/lib/postgresql/<major>/bin): a throwaway cluster in a temp directory on a
# free loopback port, with password (SCRAM) authentication over TCP only. The major version is $PG_MAJOR when set,
# else 15 (the config's versions.postgres), else the newest one installed (CI runners ship another one).
# Verbs: install | start | stop | status | restart [DOWNTIME_SECONDS] | psql ARGS...
#   start    idempotent; prints DATABASE_URL, PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE
#   restart  stops the server and starts it again on the same port with the same data (for resilience tests)
#   stop     stops the server and deletes the cluster
source "$(dirname "$0")/lib.sh"

PG_WANTED=${PG_MAJOR:-15}
STATE=$RIG_STATE/postgres
ENV_FILE=$STATE/env
DB_USER=stratus
DB_NAME=stratus

# The directory of the binaries to use, or nothing when none fit.
find_bin() {
  local dir=/usr/lib/postgresql/$PG_WANTED/bin
  if [[ -x $dir/postgres ]]; then
    echo "$dir"
  elif [[ -z ${PG_MAJOR:-} ]]; then
    find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname
  fi
}

pg_bin() {
  local dir
  dir=$(find_bin)
  [[ -n $dir ]] || die "PostgreSQL $PG_WANTED binaries not found in /usr/lib/postgresql (run: $0 install)"
  echo "$dir"
}

install() {
  [[ -n $(find_bin) ]] && return 0
  # Debian's package would otherwise create and start a cluster of its own on port 5432.
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  apt_install "postgresql-$PG_WANTED"
}

# The user the server runs as: initdb and postgres refuse to run as root.
run_user() {
  if ((EUID != 0)); then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    id stratus-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin stratus-pg
    echo stratus-pg
  fi
}

as_server_user() {
  if ((EUID == 0)); then (cd / && runuser -u "$(run_user)" -- "$@"); else "$@"; fi
}

data_dir() { cat "$STATE/datadir"; }

running() { [[ -f $STATE/datadir ]] && as_server_user "$(pg_bin)/pg_ctl" status -D "$(data_dir)" >/dev/null 2>&1; }

print_env() { cat "$ENV_FILE"; }

init_cluster() {
  local bin data port password
  bin=$(pg_bin)
  data=$(mktemp -d "${TMPDIR:-/tmp}/stratus-pg.XXXXXX")
  ((EUID == 0)) && chown "$(run_user)" "$data"
  chmod 700 "$data"
  port=$(free_port)
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$STATE/pwfile"
  ((EUID == 0)) && chown "$(run_user)" "$STATE/pwfile"
  log "initdb PostgreSQL $(basename "$(dirname "$bin")") in $data"
  as_server_user "$bin/initdb" -D "$data" -U "$DB_USER" --pwfile="$STATE/pwfile" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$STATE/initdb.log" 2>&1 || die "initdb failed (see $STATE/initdb.log)"
  rm -f "$STATE/pwfile"
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
CONF
  echo "$data" >"$STATE/datadir"
  printf 'DATABASE_URL=postgres://%s:%s@127.0.0.1:%s/%s\nPGHOST=127.0.0.1\nPGPORT=%s\nPGUSER=%s\nPGPASSWORD=%s\nPGDATABASE=%s\nPG_MAJOR=%s\n' \
    "$DB_USER" "$password" "$port" "$DB_NAME" "$port" "$DB_USER" "$password" "$DB_NAME" "$(basename "$(dirname "$bin")")" >"$ENV_FILE"
}

server_start() {
  local bin data port
  bin=$(pg_bin)
  data=$(data_dir)
  port=$(sed -n 's/^PGPORT=//p' "$ENV_FILE")
  log "starting PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port"
  as_server_user "$bin/pg_ctl" start -D "$data" -w -t 60 -l "$data/server.log" >/dev/null ||
    die "PostgreSQL did not start (see $data/server.log)"
}

start() {
  if running && [[ -f $ENV_FILE ]]; then
    print_env
    return 0
  fi
  install
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
  if running && [[ -f $ENV_FILE ]]; then
    print_env
    return 0
  fi
  local fresh=0
  if [[ ! -f $STATE/datadir || ! -f $ENV_FILE || ! -f $(data_dir)/PG_VERSION ]]; then
    init_cluster
    fresh=1
  fi
  server_start
  if ((fresh)); then
    PGPASSWORD=$(sed -n 's/^PGPASSWORD=//p' "$ENV_FILE") "$(pg_bin)/psql" -h 127.0.0.1 \
      -p "$(sed -n 's/^PGPORT=//p' "$ENV_FILE")" -U "$DB_USER" -d postgres -qAt -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE $DB_NAME" >&2
  fi
  print_env
}

server_stop() {
  running || return 0
  as_server_user "$(pg_bin)/pg_ctl" stop -D "$(data_dir)" -m fast -w -t 60 >/dev/null
}

stop() {
  [[ -f $STATE/datadir ]] || return 0
  server_stop
  local data
  data=$(data_dir)
  [[ $data == "${TMPDIR:-/tmp}"/stratus-pg.* ]] && rm -rf "$data"
  rm -f "$STATE/datadir" "$ENV_FILE"
}

restart() {
  local downtime=${1:-0}
  [[ -f $STATE/datadir && -f $ENV_FILE ]] || die "not started"
  server_stop
  sleep "$downtime"
  server_start
  print_env
}

status() {
  if running; then
    echo running
    print_env
  else
    echo stopped
    return 1
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) restart "${2:-0}" ;;
  psql)
    shift
    set -a
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    set +a
    exec "$(pg_bin)/psql" "$@"
    ;;
  *) die "usage: $0 install|start|stop|status|restart [DOWNTIME_SECONDS]|psql ARGS..." ;;
esac
