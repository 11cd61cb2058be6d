#!/usr/bin/env bash
# Start-up of a `kiln compile --exe` executable beside a C hello world:
# whole-process wall time (posix_spawn to waitpid), median of many runs.
# Goal: the no-op WASI module's executable within 1.5x of the C program
# built with `cc -O2`.
#
#   benches/exe-startup.sh [RUNS]      (default 2000)
#
# Builds kiln in release mode (with its embedded runtime library), the
# executable from benches/startup/noop.wat, benches/startup/hello.c, and
# the timing driver benches/startup/spawn_median.c, all into
# target/exe-startup/. Environment: KILN_CARGO_LOCK=/path makes the cargo
# command take that lock (flock) first.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-2000}"
out="$root/target/exe-startup"
mkdir -p "$out"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

(cd "$root" && "${lock[@]}" cargo build -q --release --bin kiln)
"$root/target/release/kiln" compile --exe "$root/benches/startup/noop.wat" -o "$out/noop"
cc -O2 -o "$out/hello" "$root/benches/startup/hello.c"
cc -O2 -o "$out/spawn_median" "$root/benches/startup/spawn_median.c"

read -r kiln_med kiln_min kiln_p90 < <("$out/spawn_median" "$runs" "$out/noop")
read -r c_med c_min c_p90 < <("$out/spawn_median" "$runs" "$out/hello")
echo "process start-up, $runs runs each (microseconds: median, min, p90)"
printf '| %-28s | %8s | %8s | %8s |\n' program median min p90
printf '|%s|%s|%s|%s|\n' "------------------------------" "----------" "----------" "----------"
printf '| %-28s | %8.1f | %8.1f | %8.1f |\n' "kiln --exe (no-op WASI)" "$kiln_med" "$kiln_min" "$kiln_p90"
printf '| %-28s | %8.1f | %8.1f | %8.1f |\n' "C hello world (cc -O2)" "$c_med" "$c_min" "$c_p90"
awk -v a="$kiln_med" -v b="$c_med" 'BEGIN { printf "ratio (median): %.2fx (goal: at most 1.5x)\n", a / b }'
