#!/usr/bin/env bash
# The official postgres image's entrypoint behaviour: for `postgres` (or flags), an empty PGDATA is initialized with
# initdb as POSTGRES_USER (default postgres) with POSTGRES_PASSWORD, POSTGRES_DB is created, the scripts in
# /docker-entrypoint-initdb.d run once, and then the server runs in the foreground. As root it prepares PGDATA and
# the socket directory and drops to the postgres user; as any other uid it needs them writable already.
# Each X of POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS may come from the file X_FILE.
set -Eeo pipefail

file_env() {
  local var=$1 file_var="${1}_FILE" default=${2:-}
  if [[ -n ${!var:-} && -n ${!file_var:-} ]]; then
    echo >&2 "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value=$default
  if [[ -n ${!var:-} ]]; then
    value=${!var}
  elif [[ -n ${!file_var:-} ]]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

# The first argument is a flag, or `postgres` without a flag that only prints (--help, --describe-config, -V...).
wants_server() {
  [[ $1 == postgres ]] || return 1
  shift
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 1 ;; esac
  done
}

run_initdb_scripts() {
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [[ -x $f ]]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; # shellcheck disable=SC1090
          . "$f"; fi
        ;;
      *.sql) echo "$0: running $f"; psql_init -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init ;;
      *.sql.xz) echo "$0: running $f"; xzcat "$f" | psql_init ;;
      *) if [[ -e $f ]]; then echo "$0: ignoring $f"; fi ;;
    esac
  done
}

psql_init() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" "$@"; }

main() {
  if [[ ${1:0:1} == - ]]; then set -- postgres "$@"; fi
  if ! wants_server "$@"; then exec "$@"; fi

  if [[ $(id -u) == 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 00700 "$PGDATA"
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 03775 /var/run/postgresql
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
  fi

  # A uid without a passwd entry (Kubernetes' runAsUser) gets one through nss_wrapper: initdb needs a user name.
  if ! getent passwd "$(id -u)" >/dev/null; then
    local wrapper
    wrapper=$(mktemp -d)
    getent passwd >"$wrapper/passwd"
    echo "postgres:x:$(id -u):$(id -g):PostgreSQL:$PGDATA:/bin/false" >>"$wrapper/passwd"
    getent group >"$wrapper/group"
    getent group "$(id -g)" >/dev/null || echo "postgres:x:$(id -g):" >>"$wrapper/group"
    export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so NSS_WRAPPER_PASSWD=$wrapper/passwd \
      NSS_WRAPPER_GROUP=$wrapper/group
  fi
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"

  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" 2>/dev/null || true
  if [[ ! -s $PGDATA/PG_VERSION ]]; then
    if [[ -z $POSTGRES_PASSWORD && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
      cat >&2 <<'MSG'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser, or set
       POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password (not recommended).
MSG
      exit 1
    fi
    if [[ -n ${POSTGRES_INITDB_WALDIR:-} ]]; then POSTGRES_INITDB_ARGS+=" --waldir $POSTGRES_INITDB_WALDIR"; fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of initdb flags
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
    local method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
    PGUSER=$POSTGRES_USER PGPASSWORD=$POSTGRES_PASSWORD pg_ctl -D "$PGDATA" \
      -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start
    if [[ $POSTGRES_DB != postgres ]]; then
      PGPASSWORD=$POSTGRES_PASSWORD psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
        --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    PGPASSWORD=$POSTGRES_PASSWORD run_initdb_scripts
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo
    echo 'PostgreSQL init process complete; ready for start up.'
    echo
  else
    echo
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
    echo
  fi
  exec "$@"
}

main "$@"
