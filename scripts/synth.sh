#!/usr/bin/env bash
# Quick start 1: install what is needed and synthesize everything into dist/. Needs no cloud and no credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
bash scripts/setup.sh
pnpm --silent synth
