#!/usr/bin/env bash
# Brings up a local Latchkey on the embedded defaults and prints how to use it. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node --conditions=latchkey-source --import tsx scripts/dev-start.ts "$@"
