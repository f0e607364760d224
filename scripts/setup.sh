#!/usr/bin/env bash
# Sets up a fresh Debian machine: the C-to-wasm toolchain for the test
# fixtures (clang, lld, wasi-libc), the npm dependencies, then the fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v clang >/dev/null || need+=(clang)
command -v wasm-ld >/dev/null || need+=(lld)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a 2>/dev/null)" ] || need+=(libclang-rt-dev-wasm32)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
npm ci --no-audit --no-fund
bash scripts/build-fixtures.sh
