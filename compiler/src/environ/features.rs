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
    if wasmparser::Parser::is_component(wasm) {
        return Some("the component model (kiln runs core modules)");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_feature_a_module_needs() {
        let needs = |wat: &str| needed_unsupported_feature(&wat::parse_str(wat).unwrap());
        assert_eq!(needs("(module (func (param v128)))"), Some("simd"));
        assert_eq!(needs("(module (memory i64 1))"), Some("memory64"));
        assert_eq!(needs("(module (func return_call 0))"), Some("tail-call"));
        assert_eq!(needs("(component)"), Some("the component model (kiln runs core modules)"));
        assert_eq!(needs("(module (func (result i32)))"), None, "invalid under every feature");
    }
}
