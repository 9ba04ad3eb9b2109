# Shared by the Stratus boot scripts (sourced): instance metadata from the config drive, and the persistent data volume.
# The metadata service (169.254.169.254) is closed by cloud-init's bootcmd before these scripts run; every server has a
# config drive, and its copy of the metadata is readable by root only.
set -euo pipefail

METADATA_FILE=${STRATUS_METADATA_FILE:-/run/stratus/meta_data.json}
CONFIG_DRIVE=/dev/disk/by-label/config-2

log() { printf '[stratus] %s\n' "$*"; }
die() {
  printf '[stratus] error: %s\n' "$*" >&2
  exit 1
}

# fetch_metadata: copies the instance metadata from the config drive (once per boot) to a file only root can read.
fetch_metadata() {
  [[ -s $METADATA_FILE ]] && return 0
  [[ -e $CONFIG_DRIVE ]] || die "no config drive ($CONFIG_DRIVE): the server must be created with config_drive = true"
  install -d -m 0700 "$(dirname "$METADATA_FILE")"
  local mnt
  mnt=$(mktemp -d)
  mount -o ro "$CONFIG_DRIVE" "$mnt"
  install -m 0600 "$mnt/openstack/latest/meta_data.json" "$METADATA_FILE"
  umount "$mnt"
  rmdir "$mnt"
}

# metadata_field KEY: a top-level field of the instance metadata, such as uuid (empty when absent).
metadata_field() {
  fetch_metadata
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$METADATA_FILE" "$1"
}

# meta KEY: a value that Terraform put in the instance metadata (empty when absent).
meta() {
  fetch_metadata
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("meta", {}).get(sys.argv[2], ""))' "$METADATA_FILE" "$1"
}

# mount_volume VOLUME_ID MOUNTPOINT: waits for the Cinder volume to be attached, formats it the first time only,
# and mounts it (also from /etc/fstab on reboots).
mount_volume() {
  local id=$1 target=$2 device='' attempt fstype uuid
  [[ -n $id ]] || die "no data volume id in the instance metadata"
  for attempt in $(seq 1 180); do
    device=$(find /dev/disk/by-id -name "*${id:0:20}*" 2>/dev/null | sort | head -n 1)
    [[ -n $device ]] && break
    ((attempt % 12 == 1)) && log "waiting for volume $id to be attached"
    sleep 5
  done
  [[ -n $device ]] || die "volume $id was not attached within 15 minutes"
  device=$(readlink -f "$device")
  fstype=$(blkid -o value -s TYPE "$device" || true)
  if [[ -z $fstype ]]; then
    log "formatting the new volume $device"
    mkfs.ext4 -q -L stratus-data "$device"
  fi
  uuid=$(blkid -o value -s UUID "$device")
  mkdir -p "$target"
  grep -q "UUID=$uuid " /etc/fstab || echo "UUID=$uuid $target ext4 defaults,nofail,x-systemd.device-timeout=60s 0 2" >>/etc/fstab
  mountpoint -q "$target" || mount "$target"
  log "volume $id mounted at $target"
}

# keep_secret FILE: prints the secret kept in FILE, making a random one the first time (mode 0600, in a 0700 directory).
keep_secret() {
  local file=$1
  install -d -m 0700 "$(dirname "$file")"
  if [[ ! -s $file ]]; then
    (
      umask 077
      openssl rand -hex 24 >"$file.partial"
    )
    mv "$file.partial" "$file"
  fi
  cat "$file"
}

# private_dir DIR UID: DIR owned by UID (and the group of that number) with mode 0700, as PostgreSQL wants PGDATA.
private_dir() {
  install -d -m 0700 -o "$2" -g "$2" "$1"
}
