#!/usr/bin/env bash
# Installs the pinned Node.js (versions.node, first on PATH) and pnpm, and the workspace's dependencies from the
# lockfile. Idempotent. The callers source scripts/node-env.sh too, so that what they run next uses the same Node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [[ "$(pnpm --version 2>/dev/null)" != "$want" ]]; then
  echo "[setup] installing pnpm $want" >&2
  npm install --global --silent "pnpm@$want" >&2
fi
pnpm install --frozen-lockfile --reporter=silent >&2
