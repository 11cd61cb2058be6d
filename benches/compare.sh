#!/usr/bin/env bash
# kiln's issue-#7 figures in one command:
#   1. per-request instantiation, kiln beside wasmtime (benches/compare,
#      `cargo bench --bench instantiate`), as a table: kiln µs, wasmtime µs,
#      ratio;
#   2. the cost of deadlines in generated code: `cargo bench -p kiln --bench
#      code` without deadlines, with KILN_BENCH_DEADLINES=epoch and with
#      =fuel, as overhead ratios (goals: epoch <= 1.05, fuel <= 1.30);
#      CODE_ROUNDS (default 2) interleaved rounds, lowest mean of each.
#
#   benches/compare.sh [instantiate|code|all]      (default: all)
#
# Figures are criterion's mean estimates, read from
# target/criterion/<id>/<baseline>/estimates.json.
# Environment: KILN_CARGO_LOCK=/path makes every cargo command take that
# lock (flock) first, for machines where builds must not overlap.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
what="${1:-all}"
criterion="$root/target/criterion"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

# mean_ns DIR BASELINE: criterion's mean estimate, in nanoseconds.
mean_ns() {
    jq -r '.mean.point_estimate' "$criterion/$1/$2/estimates.json"
}

instantiate() {
    (cd "$root/benches/compare" && "${lock[@]}" cargo bench --bench instantiate -- --noplot)
    echo
    echo "Per-request instantiation (new Store + instantiate + drop; precompiled module; mean)"
    printf '| %-14s | %13s | %13s | %9s |\n' module "kiln µs" "wasmtime µs" ratio
    printf '|%s|%s|%s|%s|\n' "----------------" "--------------" "--------------" "-----------"
    for case in empty small funcs_200 logscan data_16mib; do
        k="$(mean_ns "instantiate-$case/kiln" new)"
        w="$(mean_ns "instantiate-$case/wasmtime" new)"
        awk -v c="$case" -v k="$k" -v w="$w" \
            'BEGIN { printf "| %-14s | %12.2f | %12.2f | %8.1f× |\n", c, k / 1000, w / 1000, k / w }'
    done
    e="$(mean_ns instantiate-empty/kiln new)"
    d="$(mean_ns instantiate-data_16mib/kiln new)"
    awk -v e="$e" -v d="$d" \
        'BEGIN { printf "kiln: 16 MiB data segment / empty module = %.1f× (goal: <= 1.5×)\n", d / e }'
}

# The code benchmark is sensitive to whatever else the machine runs, so the
# three configurations are run in interleaved rounds (CODE_ROUNDS, default
# 2) and each figure is the lowest mean over the rounds; the spread of the
# plain runs is printed as a measure of the noise.
code() {
    local rounds="${CODE_ROUNDS:-2}" round config kernel
    for round in $(seq 1 "$rounds"); do
        for config in plain epoch fuel; do
            local deadlines=""
            if [ "$config" != plain ]; then deadlines="$config"; fi
            (cd "$root" && KILN_BENCH_DEADLINES="$deadlines" "${lock[@]}" \
                cargo bench -p kiln --bench code -- --noplot --save-baseline "$config-$round" /kiln)
        done
    done
    echo
    echo "Deadline overhead in generated code (cargo bench -p kiln --bench code; lowest mean of $rounds rounds)"
    printf '| %-7s | %11s | %11s | %11s | %7s | %7s | %11s |\n' kernel "plain µs" "epoch µs" "fuel µs" epoch fuel "plain noise"
    printf '|%s|%s|%s|%s|%s|%s|%s|\n' "---------" "------------" "------------" "------------" "---------" "---------" "-------------"
    for kernel in fib sieve matmul fnv; do
        local p="" e="" f="" pmax=""
        for round in $(seq 1 "$rounds"); do
            p="$p $(mean_ns "code/${kernel}_kiln" "plain-$round")"
            e="$e $(mean_ns "code/${kernel}_kiln" "epoch-$round")"
            f="$f $(mean_ns "code/${kernel}_kiln" "fuel-$round")"
        done
        awk -v n="$kernel" -v p="$p" -v e="$e" -v f="$f" '
            function lo(list,   a, i, m) { split(list, a, " "); m = a[1]; for (i in a) if (a[i] < m) m = a[i]; return m }
            function hi(list,   a, i, m) { split(list, a, " "); m = a[1]; for (i in a) if (a[i] > m) m = a[i]; return m }
            BEGIN {
                P = lo(p); E = lo(e); F = lo(f)
                printf "| %-7s | %10.1f | %10.1f | %10.1f | %6.2f× | %6.2f× | %10.2f× |\n", n, P / 1000, E / 1000, F / 1000, E / P, F / P, hi(p) / P
            }'
    done
    echo "goals: epoch <= 1.05×, fuel <= 1.30×; plain noise = slowest / fastest plain round"
}

case "$what" in
    instantiate) instantiate ;;
    code) code ;;
    all) instantiate; echo; code ;;
    *) echo "usage: $0 [instantiate|code|all]" >&2; exit 2 ;;
esac
