//! libFuzzer entry point: load mutated artifacts, panic or crash never
//! (`kiln_fuzzing::artifact_load`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kiln_fuzzing::artifact_load(data);
});
