#!/usr/bin/env bash
# Sets up a fresh Debian machine: the C-to-wasm toolchain for the test
# fixtures (clang, lld, wasi-libc), a supported Node.js, the npm
# dependencies, then the fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v clang >/dev/null || need+=(clang)
command -v wasm-ld >/dev/null || need+=(lld)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
command -v npm >/dev/null || need+=(nodejs npm)
# Debian's chromium renders the `rewind inspect` report in its test (playwright-core drives it).
command -v chromium >/dev/null || need+=(chromium)
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a 2>/dev/null)" ] || need+=(libclang-rt-dev-wasm32)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# wasi-rewind needs Node 22+. With an older machine Node, install Node 24
# (scripts/node-bin.sh); npm run demo/test/bench pick it up by themselves.
bash scripts/with-node.sh bash -c 'echo "using node $(node --version) ($(command -v node))"'
bash scripts/with-node.sh npm ci --no-audit --no-fund
bash scripts/with-node.sh bash scripts/build-fixtures.sh
