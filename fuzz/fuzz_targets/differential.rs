//! libFuzzer entry point: kiln against wasmi on a wasm-smith module
//! (`kiln_fuzzing::differential`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kiln_fuzzing::differential(data);
});
