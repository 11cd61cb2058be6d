#!/usr/bin/env bash
# Load test for `kiln serve`: builds kiln (release) and the serve-load client
# (benches/compare), serves tests/wasi-guests/bin/wagi_hello.wasm on a free
# loopback port with a per-request timeout, sends it a bounded load (default
# 64 connections, 100,000 requests, at most 600 s), samples the server's RSS
# (VmRSS) before, during and after, stops the server and prints the figures.
#
#   benches/serve-load.sh [CONNECTIONS] [REQUESTS]
#
# Environment: KILN_CARGO_LOCK=/path makes every cargo command take that
# lock (flock) first, for machines where builds must not overlap;
# SERVE_TIMEOUT (default 5s) is the `-W timeout` given to the server.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
connections="${1:-64}"
requests="${2:-100000}"
timeout="${SERVE_TIMEOUT:-5s}"
guest="$root/tests/wasi-guests/bin/wagi_hello.wasm"
lock=()
if [ -n "${KILN_CARGO_LOCK:-}" ]; then lock=(flock "$KILN_CARGO_LOCK"); fi

(cd "$root" && "${lock[@]}" cargo build --release --quiet --bin kiln)
(cd "$root/benches/compare" && "${lock[@]}" cargo build --release --quiet --bin serve-load)
kiln="$root/target/release/kiln"
load="$root/target/release/serve-load"

work="$(mktemp -d)"
server=""
sampler=""
cleanup() {
    if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$kiln" serve --addr 127.0.0.1:0 -W "timeout=$timeout" "$guest" >"$work/stdout" 2>"$work/stderr" &
server=$!
addr=""
for _ in $(seq 1 300); do
    addr="$(sed -n 's|^Serving on http://||p' "$work/stdout")"
    if [ -n "$addr" ]; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "kiln serve exited early:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$addr" ]; then echo "kiln serve did not start within 30 s" >&2; exit 1; fi

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
rss_start="$(rss_kib)"
( while kill -0 "$server" 2>/dev/null; do rss_kib >>"$work/rss" 2>/dev/null || true; sleep 0.2; done ) &
sampler=$!

"$load" --url "http://$addr/hello?from=serve-load" --connections "$connections" --requests "$requests" \
    --max-seconds 600 | tee "$work/load"

rss_end="$(rss_kib)"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
# Up to ten samples spread evenly over the run, to tell growth that levels
# off (thread pool, allocator) from growth that goes on.
rss_trace="$(awk '{ v[NR] = $1 } END { n = NR < 10 ? NR : 10; for (i = 1; i <= n; i++) printf "%d ", v[int((i - 1) * (NR - 1) / (n > 1 ? n - 1 : 1)) + 1] / 1024 }' "$work/rss")"
printf '%s\n%s\n' "$rss_start" "$rss_end" >>"$work/rss"
rss_peak="$(sort -n "$work/rss" | tail -1)"
kill "$server"
wait "$server" 2>/dev/null || true
server=""

get() { sed -n "s/^$1=//p" "$work/load"; }
echo
echo "kiln serve load test: $guest, -W timeout=$timeout, $connections connections, $requests requests"
printf '  %-22s %s\n' \
    requests "$(get requests)" \
    failures "$(get failures) (errors and non-2xx)" \
    "stopped by time bound" "$(get timed_out)" \
    elapsed "$(get elapsed_s) s" \
    throughput "$(get throughput_rps) requests/s" \
    "latency p50" "$(get p50_us) µs" \
    "latency p90" "$(get p90_us) µs" \
    "latency p99" "$(get p99_us) µs" \
    "latency max" "$(get max_us) µs" \
    "server RSS start" "$((rss_start / 1024)) MiB ($rss_start KiB)" \
    "server RSS peak" "$((rss_peak / 1024)) MiB ($rss_peak KiB)" \
    "server RSS end" "$((rss_end / 1024)) MiB ($rss_end KiB)" \
    "server RSS during" "${rss_trace}(MiB, evenly spaced samples)"
if [ -s "$work/stderr" ]; then
    echo "  server stderr (last lines):"
    tail -5 "$work/stderr" | sed 's/^/    /'
fi
