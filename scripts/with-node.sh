#!/usr/bin/env bash
# Runs a command with a supported Node.js (22 or newer) first on PATH: the
# machine's own node if it is new enough, else Node 24 installed by
# scripts/node-bin.sh. npm scripts that run wasm (multi-memory needs Node 22+)
# go through it, so they work on a machine that ships an older Node.
set -euo pipefail
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 22 ]; then
  PATH="$(bash "$(dirname "$0")/node-bin.sh" 24):$PATH"
  export PATH
fi
exec "$@"
