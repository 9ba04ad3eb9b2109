#!/usr/bin/env bash
# Boot of the web server: data volume for PostgreSQL, the app's secrets from the instance metadata, then the
# compose project (database, backend, frontend) as a systemd unit.
# shellcheck source=common.sh
source /usr/local/lib/stratus/common.sh

mount_volume "$(meta data_volume_id)" /var/lib/stratus
install -d -m 0700 /var/lib/stratus/postgres

version=$(meta app_version)
password=$(meta db_password)
[[ -n $version && -n $password ]] || die "app_version or db_password is missing from the instance metadata"
(
  umask 077
  printf 'APP_VERSION=%s\nPOSTGRES_PASSWORD=%s\n' "$version" "$password" >/opt/stratus/.env
)

systemctl enable --now docker.service
systemctl daemon-reload
systemctl enable --now stratus-app.service
log "todo app $version started"
