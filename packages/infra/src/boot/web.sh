#!/usr/bin/env bash
# Boot of the web server: the data volume, the database password kept on it, then the compose project (database,
# backend, frontend) as a systemd unit. A replacement server finds the same data and the same password on the volume.
# Usage: web.sh POSTGRES_UID
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh
postgres_uid=$1
data=/var/lib/stratus

mount_volume "$(meta data_volume_id)" "$data"

# The password is made here, on first use, and never leaves the volume and the app: it is in no metadata and no state.
password=$(keep_secret "$data/secrets/db_password")
# The postgres image runs as its own uid: the directory it gets as PGDATA must be that uid's, and private.
private_dir "$data/postgres" "$postgres_uid"

version=$(meta app_version)
[[ -n $version ]] || die "app_version is missing from the instance metadata"
(
  umask 077
  printf 'APP_VERSION=%s\nPOSTGRES_PASSWORD=%s\n' "$version" "$password" >/opt/stratus/.env
)

systemctl enable --now docker.service
systemctl daemon-reload
systemctl enable --now stratus-app.service
log "todo app $version started"
