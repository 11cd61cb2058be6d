#!/usr/bin/env bash
# The AArch64 checks (`.ci/run` calls this): kiln cross-built for
# aarch64-unknown-linux-gnu runs under qemu-user the spec suite's core-2.0
# files and a WASI program, an artifact compiled on this x86-64 host with
# `--target aarch64-unknown-linux-gnu` runs there and is refused here, and
# the C API's test program, linked for both, prints the same on both, and
# an executable from `kiln compile --exe --target aarch64` runs there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    apt-get update -qq && apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1
# The linker and the runner, also in .cargo/config.toml for this target.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
suite="${KILN_SPEC_TESTSUITE:-$(cd .. && pwd)/shared/testsuite}"

echo "== aarch64: build kiln for aarch64-unknown-linux-gnu"
# Without the embedded runtime library (`embed-runtime`): `--exe` is
# checked on the host, and building the library again for aarch64 would
# only cost time here.
cargo build -q --target aarch64-unknown-linux-gnu --no-default-features --bin kiln
root=$(pwd)
a64() { qemu-aarch64 -L /usr/aarch64-linux-gnu "$root/target/aarch64-unknown-linux-gnu/debug/kiln" "$@"; }
cargo build -q --bin kiln
x86=target/debug/kiln
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== aarch64: the spec suite's core-2.0 and SIMD files under qemu"
for groups in "core-2.0" "simd 3.0-simd proposal-relaxed-simd"; do
    mapfile -t files < <(awk -F'\t' -v g=" $groups " 'index(g, " " $1 " ") { print $2 }' "$suite/FEATURES.tsv")
    [ "${#files[@]}" -gt 50 ] || { echo "aarch64: found only ${#files[@]} files of $groups in $suite"; exit 1; }
    (cd "$suite" && a64 wast "${files[@]}") | tail -n 1
done

echo "== aarch64: a WASI program (transform) under qemu"
guests=tests/wasi-guests
cp -r "$guests/data/transform-input" "$tmp/in"
(cd "$tmp" && a64 run -C cache=n --dir=. "$root/$guests/bin/transform.wasm" in out >/dev/null)
diff -r "$guests/expected/transform" "$tmp/out"

echo "== aarch64: epoch interruption, fuel and stack overflow trap under qemu"
cat >"$tmp/spin.wat" <<'WAT'
(module
  (func $spin (export "spin") (loop (br 0)))
  (func $deep (export "deep") (call $deep)))
WAT
expect_trap() {
    local want=$1; shift
    if a64 run -C cache=n "$@" 2>"$tmp/trap"; then echo "aarch64: expected a trap: $*"; exit 1; fi
    grep -qi "$want" "$tmp/trap" || { echo "aarch64: expected '$want':"; cat "$tmp/trap"; exit 1; }
}
expect_trap "interrupt" -W timeout=200ms --invoke spin "$tmp/spin.wat"
expect_trap "all fuel consumed" -W fuel=100000 --invoke spin "$tmp/spin.wat"
expect_trap "call stack exhausted" --invoke deep "$tmp/spin.wat"

echo "== aarch64: an artifact cross-compiled on x86-64 runs under qemu and is refused here"
"$x86" compile --target aarch64-unknown-linux-gnu "$guests/bin/wasi_suite.wasm" -o "$tmp/suite.o"
a64 run -C cache=n "$tmp/suite.o" -- args hello "two words" ü >"$tmp/args.stdout"
diff "$guests/expected/wasi_suite/args.stdout" "$tmp/args.stdout"
if "$x86" run "$tmp/suite.o" -- args 2>"$tmp/refused"; then
    echo "aarch64: the x86-64 kiln ran an aarch64 artifact"; exit 1
fi
grep -q "compiled for target \`aarch64-unknown-linux-gnu\`" "$tmp/refused" || { cat "$tmp/refused"; exit 1; }
echo "== aarch64: a C program linking a --c-header object prints under qemu what it prints here"
# The runtime library for aarch64, in the dev profile: it shares the
# dependencies built for the aarch64 kiln above.
cargo rustc -q -p kiln-runtime-lib --target aarch64-unknown-linux-gnu --crate-type staticlib
a64_runtime=target/aarch64-unknown-linux-gnu/debug/libkiln_runtime.a
read -ra native_libs < <("$x86" runtime-lib --native-libs)
c_program() { # ARCH-DIR TARGET-TRIPLE CC RUNTIME-LIB
    mkdir -p "$1"
    "$x86" compile --target "$2" tests/c-api/calc.wat -o "$1/calc.o" --c-header "$1/calc.h"
    "$3" -std=c99 -Wall -Wextra -Werror -pedantic -I"$1" -o "$1/main" tests/c-api/main.c "$1/calc.o" "$4" \
        "${native_libs[@]}"
}
c_program "$tmp/c-x86" x86_64-unknown-linux-gnu cc "$("$x86" runtime-lib)"
c_program "$tmp/c-a64" aarch64-unknown-linux-gnu aarch64-linux-gnu-gcc "$a64_runtime"
"$tmp/c-x86/main" >"$tmp/c-x86/out"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$tmp/c-a64/main" >"$tmp/c-a64/out"
grep -q "^blend: status 0: 24 8 36, sum 120$" "$tmp/c-x86/out" || { echo "aarch64: the x86-64 C program:"; cat "$tmp/c-x86/out"; exit 1; }
diff "$tmp/c-x86/out" "$tmp/c-a64/out"

echo "== aarch64: kiln compile --exe --target aarch64 on x86-64, with that runtime library, runs under qemu"
if KILN_RUNTIME_LIB="$a64_runtime" "$x86" compile --exe --target aarch64 "$guests/bin/transform.wasm" \
    -o "$tmp/transform" 2>"$tmp/refused"; then
    echo "aarch64: --exe for aarch64 linked without a CC for it"; exit 1
fi
grep -q "name it in CC" "$tmp/refused" || { cat "$tmp/refused"; exit 1; }
CC=aarch64-linux-gnu-gcc KILN_RUNTIME_LIB="$a64_runtime" "$x86" compile --exe --target aarch64 --dir=. \
    "$guests/bin/transform.wasm" -o "$tmp/transform"
rm -rf "$tmp/in" "$tmp/out"
cp -r "$guests/data/transform-input" "$tmp/in"
(cd "$tmp" && qemu-aarch64 -L /usr/aarch64-linux-gnu ./transform in out >/dev/null)
diff -r "$guests/expected/transform" "$tmp/out"

echo "aarch64: all checks passed"
