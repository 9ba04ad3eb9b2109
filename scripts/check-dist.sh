#!/usr/bin/env bash
# Fails when dist/ differs from a fresh synth, or when synthesizing twice gives different bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm --silent synth >/dev/null
first=$(find dist -type f -print0 | sort -z | xargs -0 sha256sum)
pnpm --silent synth >/dev/null
second=$(find dist -type f -print0 | sort -z | xargs -0 sha256sum)
if [[ "$first" != "$second" ]]; then
  echo "dist/ is not deterministic: two synths gave different bytes" >&2
  diff <(echo "$first") <(echo "$second") >&2 || true
  exit 1
fi
if [[ -n "$(git status --porcelain -- dist)" ]]; then
  echo "dist/ is stale: run 'pnpm synth' and commit dist/" >&2
  git status --porcelain -- dist | head -20 >&2
  exit 1
fi
echo "dist/ is fresh and deterministic"
