#!/usr/bin/env bash
# 128-bit SIMD kernels, kiln beside native Rust with SSE intrinsics, as a
# table of mean times and kiln/native ratios (goal: within 1.3×):
#
#   benches/simd.sh [criterion filter]       (default: all four kernels)
#
# Runs `cargo bench -p kiln --bench simd` (loader/benches/simd/), then reads
# criterion's mean estimates from target/criterion/simd_<kernel>_<side>/new.
# Environment: KILN_CARGO_LOCK=/path makes the cargo command take that lock
# (flock) first, for machines where builds must not overlap.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
criterion="$root/target/criterion"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

(cd "$root" && "${lock[@]}" cargo bench -p kiln --bench simd -- --noplot "${1:-simd/}")

# mean_ns KERNEL SIDE: criterion's mean estimate, in nanoseconds.
mean_ns() {
    jq -r '.mean.point_estimate' "$criterion/simd/$1_$2/new/estimates.json"
}

echo
echo "128-bit SIMD kernels (mean per call; kiln = wasm simd128 compiled by kiln)"
printf '| %-9s | %11s | %11s | %7s |\n' kernel "kiln µs" "native µs" ratio
printf '|%s|%s|%s|%s|\n' "-----------" "-------------" "-------------" "---------"
for k in dot find mat4 checksum; do
    if [ -f "$criterion/simd/${k}_kiln/new/estimates.json" ]; then
        awk -v k="$k" -v a="$(mean_ns "$k" kiln)" -v b="$(mean_ns "$k" native)" \
            'BEGIN { printf "| %-9s | %10.2f | %10.2f | %6.2f× |\n", k, a / 1000, b / 1000, a / b }'
    fi
done
