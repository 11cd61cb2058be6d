//! libFuzzer entry point: compile anything, panic never
//! (`kiln_fuzzing::compile`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kiln_fuzzing::compile(data);
});
