#!/bin/sh
# renumber-user.sh USER UID: gives a base image's user (and its group of the same name) the uid and gid UID, and
# the files it owned to them, so that the image runs as the uid its manifests set (images.uids in packages/config).
set -eu
user=$1 uid=$2
old_uid=$(id -u "$user")
old_gid=$(id -g "$user")
sed -i -E "s/^($user:[^:]*:)[0-9]+:[0-9]+:/\1$uid:$uid:/" /etc/passwd
sed -i -E "s/^($user:[^:]*:)[0-9]+:/\1$uid:/" /etc/group
find / -xdev \( -user "$old_uid" -o -group "$old_gid" \) -print | while read -r path; do
  [ "$(stat -c %u "$path")" = "$old_uid" ] && chown -h "$uid" "$path"
  [ "$(stat -c %g "$path")" = "$old_gid" ] && chgrp -h "$uid" "$path"
  true
done
[ "$(id -u "$user"):$(id -g "$user")" = "$uid:$uid" ] || { echo "renumber-user.sh: $user is not $uid:$uid" >&2; exit 1; }
