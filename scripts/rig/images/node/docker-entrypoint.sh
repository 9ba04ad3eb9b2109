#!/bin/sh
# As the official image's entrypoint: arguments that are not a command (a flag, a script) are run by node.
set -e
if [ "${1#-}" != "$1" ] || ! command -v -- "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
