#!/usr/bin/env bash
# 128-bit SIMD kernels, kiln beside native Rust with SSE intrinsics, as
# two tables of times and kiln/native ratios (goal: within 1.3×):
#
#   benches/simd.sh [criterion filter]       (default: all four kernels)
#
# First `cargo bench -p kiln --bench simd` (loader/benches/simd/main.rs):
# criterion's mean and median estimates, read from
# target/criterion/simd/<kernel>_<side>/new. Then, unless a filter is
# given, `cargo bench -p kiln --bench simd-paired` (paired.rs): the two
# sides timed in alternating rounds of a few milliseconds, so both run
# under the same load; on a shared machine that ratio is the one to trust.
# Environment: KILN_CARGO_LOCK=/path makes the cargo command take that lock
# (flock) first, for machines where builds must not overlap.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
criterion="$root/target/criterion"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

(cd "$root" && "${lock[@]}" cargo bench -p kiln --bench simd -- --noplot "${1:-simd/}")

# estimate_ns STAT KERNEL SIDE: criterion's STAT (mean, median) estimate, in ns.
estimate_ns() {
    jq -r ".$1.point_estimate" "$criterion/simd/$2_$3/new/estimates.json"
}

echo
echo "128-bit SIMD kernels, criterion (per call; kiln = wasm simd128 compiled by kiln)"
printf '| %-9s | %11s | %11s | %10s | %12s |\n' kernel "kiln µs" "native µs" "mean ratio" "median ratio"
printf '|%s|%s|%s|%s|%s|\n' "-----------" "-------------" "-------------" "------------" "--------------"
for k in dot find mat4 checksum; do
    if [ -f "$criterion/simd/${k}_kiln/new/estimates.json" ]; then
        awk -v k="$k" -v a="$(estimate_ns mean "$k" kiln)" -v b="$(estimate_ns mean "$k" native)" \
            -v c="$(estimate_ns median "$k" kiln)" -v d="$(estimate_ns median "$k" native)" \
            'BEGIN { printf "| %-9s | %10.2f | %10.2f | %9.2f× | %11.2f× |\n", k, a / 1000, b / 1000, a / b, c / d }'
    fi
done

if [ -z "${1:-}" ]; then
    echo
    (cd "$root" && "${lock[@]}" cargo bench -p kiln --bench simd-paired 2>/dev/null)
fi
