#!/usr/bin/env bash
# cloud-init from Debian, for its own schema validation of the rendered user data (`cloud-init schema`), and
# shellcheck for the commands in it. Nothing runs: PID 1 here is no systemd, and no unit is started.
source "$(dirname "$0")/lib.sh"

install() { apt_install cloud-init shellcheck; }

case ${1:-} in
  install) install ;;
  start) install && echo "CLOUD_INIT=$(command -v cloud-init)" ;;
  stop) ;;
  status) command -v cloud-init >/dev/null && echo "installed: $(cloud-init --version 2>&1)" || echo "not installed" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
