#!/usr/bin/env bash
# Installs every rig service (downloads and builds, cached) before the tests start, the slow ones side by side.
source "$(dirname "$0")/lib.sh"
pids=()
for script in "$(dirname "$0")"/*.sh; do
  case "$(basename "$script")" in lib.sh | prepare.sh | down.sh) continue ;; esac
  bash "$script" install &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
