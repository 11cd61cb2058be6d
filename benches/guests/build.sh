#!/usr/bin/env bash
# Rebuilds benches/guests/logscan.wasm from logscan/ (wasm32-wasip1, release).
#
# The benchmarks never run this: they read the committed logscan.wasm. Run it
# by hand after changing the guest, then commit the changed .wasm. It needs
# the network for `rustup target add` and the first fetch of the crates.
# Build outputs go to the repository's target/ (wasm32-wasip1/release/).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target_dir="$(cd "$here/../.." && pwd)/target"

if command -v rustup >/dev/null 2>&1; then
    rustup target add wasm32-wasip1
fi

(cd "$here/logscan" && CARGO_TARGET_DIR="$target_dir" cargo build --release --target wasm32-wasip1)
cp "$target_dir/wasm32-wasip1/release/logscan.wasm" "$here/logscan.wasm"

echo "fixtures:"
ls -l "$here"/*.wasm | awk '{printf "  %8d  %s\n", $5, $NF}'
