#!/usr/bin/env bash
# Rebuilds every committed fixture under tests/simd-guests/ from source:
#   rust/ (simd128)   -> bin/rust_simd.wasm (WASI command), bin/simd_kernels.wasm
#                        (library module, no imports, for loader/benches/simd.rs)
#   c/simd_demo.c     -> bin/c_simd.wasm (clang --target=wasm32-wasi -msimd128)
#   native builds     -> expected/rust_simd.txt, expected/c_simd.txt (the scalar
#                        results each wasm build must print)
#
# Tests and benchmarks never run this: they read the committed files only. Run
# it by hand after changing a guest, then commit the changed fixtures. Needs
# the wasm32-wasip1 Rust target and, for the C guest, Debian's
#   apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
# Set KILN_CARGO_LOCK=/path to run every cargo command under that flock.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target_dir="$here/rust/target"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

if command -v rustup >/dev/null 2>&1; then
    rustup target add wasm32-wasip1
fi
mkdir -p "$here/bin" "$here/expected"

# --- Rust guests (rust/.cargo/config.toml adds +simd128 for wasm32-wasip1) -----
# Separate builds: the demo turns on simd-kernels' `std` feature, the no_std
# library module must not get it.
(cd "$here/rust" && "${lock[@]}" cargo build --release --target wasm32-wasip1 -p simd-demo)
# The benchmark's kernels are built at opt-level 3, as the native side is.
(cd "$here/rust" && "${lock[@]}" cargo build --release --target wasm32-wasip1 -p simd-bench-kernels \
    --config 'profile.release.opt-level=3')
cp "$target_dir/wasm32-wasip1/release/rust_simd.wasm" "$here/bin/rust_simd.wasm"
cp "$target_dir/wasm32-wasip1/release/simd_bench_kernels.wasm" "$here/bin/simd_kernels.wasm"
(cd "$here/rust" && "${lock[@]}" cargo run --release -q -p simd-demo) > "$here/expected/rust_simd.txt"

# --- C guest ------------------------------------------------------------------
cflags=(-Os -ffp-contract=off -Wall -Wextra -Werror)
clang --target=wasm32-wasi -msimd128 "${cflags[@]}" -Wl,--strip-all \
    -o "$here/bin/c_simd.wasm" "$here/c/simd_demo.c" -lm
native="$(mktemp)"
trap 'rm -f "$native"' EXIT
cc -DSCALAR_ONLY "${cflags[@]}" -o "$native" "$here/c/simd_demo.c" -lm
"$native" > "$here/expected/c_simd.txt"

echo "fixtures:"
ls -l "$here"/bin/*.wasm | awk '{printf "  %8d  %s\n", $5, $NF}'
