//! Which WebAssembly features kiln compiles, and naming the one a module
//! needs when it is refused.

use wasmparser::{Validator, WasmFeatures};

/// The features kiln supports: WebAssembly 2.0 (SIMD included) and
/// relaxed SIMD.
pub fn supported() -> WasmFeatures {
    WasmFeatures::WASM2.union(WasmFeatures::RELAXED_SIMD)
}

/// Which of the supported WebAssembly 2.0 proposals a compilation accepts
/// (`Config::wasm_reference_types` and friends): all of them by default;
/// one turned off makes validation refuse a module that uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// Reference types (`externref`, tables of references, `table.*`).
    pub reference_types: bool,
    /// Bulk memory (`memory.copy`, `memory.fill`, passive segments).
    pub bulk_memory: bool,
    /// Multiple results and block parameters.
    pub multi_value: bool,
}

impl Default for Features {
    fn default() -> Self {
        Self { reference_types: true, bulk_memory: true, multi_value: true }
    }
}

impl Features {
    /// The validator's feature set.
    pub fn wasm(&self) -> WasmFeatures {
        let mut f = supported();
        f.set(WasmFeatures::REFERENCE_TYPES, self.reference_types);
        f.set(WasmFeatures::BULK_MEMORY, self.bulk_memory);
        f.set(WasmFeatures::MULTI_VALUE, self.multi_value);
        f
    }
}

/// Features kiln does not support yet, with the name used in
/// `unsupported: <feature>` errors.
const UNSUPPORTED: &[(&str, WasmFeatures)] = &[
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
    // Invalid under every feature, or valid with what kiln supports (then
    // a proposal turned off in the engine's `Config` refused it, and the
    // validator's error says which).
    if !valid_with(WasmFeatures::all()) || valid_with(supported()) {
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
        assert_eq!(needs("(module (func (param v128)))"), None, "simd is supported");
        assert_eq!(needs("(module (memory i64 1))"), Some("memory64"));
        assert_eq!(needs("(module (func return_call 0))"), Some("tail-call"));
        assert_eq!(needs("(component)"), Some("the component model (kiln runs core modules)"));
        assert_eq!(needs("(module (func (result i32)))"), None, "invalid under every feature");
    }

    #[test]
    fn turning_a_proposal_off_refuses_modules_that_use_it() {
        let wasm = wat::parse_str("(module (func (result i32 i32) i32.const 0 i32.const 1))").unwrap();
        let valid = |f: Features| Validator::new_with_features(f.wasm()).validate_all(&wasm).is_ok();
        assert!(valid(Features::default()));
        assert!(!valid(Features { multi_value: false, ..Features::default() }));
        assert!(valid(Features { bulk_memory: false, ..Features::default() }));
    }
}
