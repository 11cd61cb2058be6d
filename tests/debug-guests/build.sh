#!/usr/bin/env bash
# Rebuilds tests/debug-guests/bin/squares.wasm from squares.c, with DWARF
# (-g -O0) and the source directory recorded as `.`. Tests never run this:
# they read the committed file. Needs Debian's
#   apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$here/bin"
clang --target=wasm32-wasi -g -O0 -Wall -Wextra -Werror -fdebug-prefix-map="$here"=. \
    -o "$here/bin/squares.wasm" "$here/squares.c"
ls -l "$here/bin/squares.wasm" | awk '{printf "  %8d  %s\n", $5, $NF}'
