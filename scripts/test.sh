#!/usr/bin/env bash
# Quick start 2: the whole suite. Installs, prepares the service rig, then lint, typecheck, dist freshness, unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/setup.sh
trap 'bash scripts/rig/down.sh' EXIT
bash scripts/rig/prepare.sh
pnpm --silent lint
pnpm --silent typecheck
bash scripts/check-dist.sh
pnpm --silent exec vitest run --reporter=default --reporter=json --outputFile=.rig/vitest.json
node -e 'const r = require("./.rig/vitest.json"); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)'
