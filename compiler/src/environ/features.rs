//! Which WebAssembly features kiln compiles, and naming the one a module
//! needs when it is refused.

use wasmparser::{Validator, WasmFeatures};

/// The features kiln supports: WebAssembly 2.0 without SIMD.
pub fn supported() -> WasmFeatures {
    WasmFeatures::WASM2.difference(WasmFeatures::SIMD)
}

/// Features kiln does not support yet, with the name used in
/// `unsupported: <feature>` errors.
const UNSUPPORTED: &[(&str, WasmFeatures)] = &[
    ("simd", WasmFeatures::SIMD),
    ("relaxed-simd", WasmFeatures::SIMD.union(WasmFeatures::RELAXED_SIMD)),
    ("threads", WasmFeatures::THREADS),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("memory64", WasmFeatures::MEMORY64),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("exceptions", WasmFeatures::EXCEPTIONS),
    ("function-references", WasmFeatures::FUNCTION_REFERENCES),
    ("gc", WasmFeatures::GC.union(WasmFeatures::FUNCTION_REFERENCES)),
    ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
];

/// For a module that failed validation with [`supported`], finds a single
/// unsupported feature that would make it valid.
pub fn needed_unsupported_feature(wasm: &[u8]) -> Option<&'static str> {
    let valid_with = |features: WasmFeatures| Validator::new_with_features(features).validate_all(wasm).is_ok();
    if !valid_with(WasmFeatures::all()) {
        return None;
    }
    UNSUPPORTED
        .iter()
        .find(|(_, f)| valid_with(supported().union(*f)))
        .map(|(name, _)| *name)
        .or(Some("a post-2.0 WebAssembly proposal"))
}
