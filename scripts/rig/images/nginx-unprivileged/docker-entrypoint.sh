#!/bin/sh
# For `nginx` and `nginx-debug`: runs /docker-entrypoint.d in name order (*.envsh sourced, so what they export reaches
# nginx and the later scripts; *.sh executed), as the official image's entrypoint does; then runs the command.
set -e
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"; }
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  for f in /docker-entrypoint.d/*; do
    [ -f "$f" ] || continue
    case "$f" in
      *.envsh)
        # shellcheck disable=SC1090 # the scripts are the image's own
        if [ -x "$f" ]; then say "Sourcing $f"; . "$f"; else say "Ignoring $f, not executable"; fi
        ;;
      *.sh)
        if [ -x "$f" ]; then say "Launching $f"; "$f"; else say "Ignoring $f, not executable"; fi
        ;;
      *) say "Ignoring $f" ;;
    esac
  done
  say "Configuration complete; ready for start up"
fi
exec "$@"
