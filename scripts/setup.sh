#!/usr/bin/env bash
# Installs the pinned pnpm and the workspace's dependencies from the lockfile. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [[ "$(pnpm --version 2>/dev/null)" != "$want" ]]; then
  echo "[setup] installing pnpm $want" >&2
  npm install --global --silent "pnpm@$want" >&2
fi
pnpm install --frozen-lockfile --reporter=silent >&2
