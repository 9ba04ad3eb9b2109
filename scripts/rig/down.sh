#!/usr/bin/env bash
# Stops every rig service that is running.
source "$(dirname "$0")/lib.sh"
for script in "$(dirname "$0")"/*.sh; do
  case "$(basename "$script")" in lib.sh | prepare.sh | down.sh) continue ;; esac
  bash "$script" stop || true
done
