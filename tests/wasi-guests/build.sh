#!/usr/bin/env bash
# Rebuilds every committed fixture under tests/wasi-guests/ from source:
#   rust/  -> bin/sizer.wasm, bin/wasi_suite.wasm, bin/transform.wasm,
#             bin/wagi_hello.wasm (wasm32-wasip1)
#   wat/   -> wat/*.wasm (next to each .wat, with the `wat` crate via tools/wat2wasm)
#   data/transform-input -> expected/transform/ (the native transform's output)
#
# Tests never run this: they read the committed files only. Run it by hand after
# changing a guest, then commit the changed fixtures. It needs the network only
# for `rustup target add` and the first fetch of the `wat` crate.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target_dir="$here/rust/target"

if command -v rustup >/dev/null 2>&1; then
    rustup target add wasm32-wasip1
fi

# --- Rust guests --------------------------------------------------------------
(cd "$here/rust" && cargo build --release --target wasm32-wasip1)
mkdir -p "$here/bin"
for b in sizer wasi_suite transform wagi_hello; do
    cp "$target_dir/wasm32-wasip1/release/$b.wasm" "$here/bin/$b.wasm"
done

# --- WAT guests -----------------------------------------------------------------
(cd "$here/tools/wat2wasm" && CARGO_TARGET_DIR="$target_dir/host-tools" cargo build --release)
pairs=()
for w in "$here"/wat/*.wat; do
    pairs+=("$w" "${w%.wat}.wasm")
done
"$target_dir/host-tools/release/kiln-wat2wasm" "${pairs[@]}"

# --- expected output of transform, from a native build -------------------------------
(cd "$here/rust" && cargo build --release --bin transform)
rm -rf "$here/expected/transform"
"$target_dir/release/transform" "$here/data/transform-input" "$here/expected/transform" >/dev/null

echo "fixtures:"
ls -l "$here"/bin/*.wasm "$here"/wat/*.wasm | awk '{printf "  %8d  %s\n", $5, $NF}'
