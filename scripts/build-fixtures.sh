#!/usr/bin/env bash
# Builds the test fixtures from test/fixtures/{c,wat} into test/fixtures/build.
# C programs: Debian clang + wasi-libc, linked with our crt1-command.c (the
# modern `_start` with its run-once guard). WAT: assembled with jco's parser.
set -euo pipefail
cd "$(dirname "$0")/.."
src=test/fixtures/c
out=test/fixtures/build
mkdir -p "$out"
CFLAGS=(--target=wasm32-wasi -O2 -nostartfiles -Wall -Werror -Wno-infinite-recursion -Wl,--strip-debug)
for c in "$src"/*.c; do
  name=$(basename "$c" .c)
  [ "$name" = crt1-command ] && continue
  if [ ! "$out/$name.wasm" -nt "$c" ] || [ "$src/crt1-command.c" -nt "$out/$name.wasm" ]; then
    clang "${CFLAGS[@]}" "$src/crt1-command.c" "$c" -o "$out/$name.wasm"
  fi
done


node scripts/build-wat.mjs test/fixtures/wat "$out"
# A real program: CRuby (@ruby/3.4-wasm-wasi from npm) turned into a command.
ruby_src=node_modules/@ruby/3.4-wasm-wasi/dist/ruby.wasm
if [ ! "$out/ruby.wasm" -nt "$ruby_src" ] || [ scripts/ruby-command.mjs -nt "$out/ruby.wasm" ]; then
  node scripts/ruby-command.mjs "$ruby_src" "$out/ruby.wasm"
fi
# A WASI 0.2 component in JavaScript (componentize-js), from test/fixtures/js.
node scripts/real-programs-build.mjs "$out"
# Pandoc made a command, the iCE40 netlist for nextpnr (real-programs-fixtures.mjs).
node scripts/real-programs-fixtures.mjs "$out"
# wasi:http proxy components in JavaScript, from test/fixtures/js-http.
node scripts/build-http-components.mjs "$out"
echo "fixtures built in $out"
