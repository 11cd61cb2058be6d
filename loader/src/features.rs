//! `Config::wasm_*`: the WebAssembly proposals an engine accepts, with
//! wasmtime's method names.
//!
//! kiln compiles WebAssembly 2.0 (SIMD included) and relaxed SIMD. Each of its proposals can be
//! turned off (validation then refuses modules that use it). A proposal
//! kiln does not implement is off, can be turned off again, and turning it
//! on fails at `Engine::new`, naming it: a program written for wasmtime
//! learns at once, not at the first module that needs it.
//!
//! Artifacts do not record the proposals they were compiled with: loading
//! an artifact checks the code's CPU features and deadline settings, not
//! which proposals the compiling engine accepted.

use anyhow::{Result, bail};

macro_rules! proposals {
    ($($variant:ident $method:ident $name:literal $supported:literal;)*) => {
        /// A WebAssembly proposal that `Config` can turn on or off.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Proposal {
            $(#[doc = $name] $variant,)*
        }

        impl Proposal {
            /// Every proposal, in declaration order.
            const ALL: &'static [Proposal] = &[$(Proposal::$variant),*];

            /// Its name, as the proposal spells it.
            fn name(self) -> &'static str {
                match self { $(Proposal::$variant => $name,)* }
            }

            /// The `Config` method that toggles it.
            fn method(self) -> &'static str {
                match self { $(Proposal::$variant => concat!("Config::", stringify!($method)),)* }
            }

            /// Whether kiln implements it.
            fn supported(self) -> bool {
                match self { $(Proposal::$variant => $supported,)* }
            }

            fn bit(self) -> u32 {
                1 << self as u32
            }
        }

        impl crate::Config {
            $(
                #[doc = concat!("Turns the ", $name, " proposal on or off (kiln implements it: ", stringify!($supported), ").")]
                #[doc = ""]
                #[doc = "A proposal kiln does not implement is off; turning it on makes `Engine::new` fail."]
                pub fn $method(&mut self, enable: bool) -> &mut Self {
                    self.proposals.set(Proposal::$variant, enable);
                    self
                }
            )*
        }
    };
}

proposals! {
    ReferenceTypes wasm_reference_types "reference-types" true;
    BulkMemory wasm_bulk_memory "bulk-memory" true;
    MultiValue wasm_multi_value "multi-value" true;
    Simd wasm_simd "simd" true;
    RelaxedSimd wasm_relaxed_simd "relaxed-simd" true;
    Threads wasm_threads "threads" false;
    SharedEverythingThreads wasm_shared_everything_threads "shared-everything-threads" false;
    MultiMemory wasm_multi_memory "multi-memory" false;
    Memory64 wasm_memory64 "memory64" false;
    TailCall wasm_tail_call "tail-call" false;
    ExtendedConst wasm_extended_const "extended-const" false;
    FunctionReferences wasm_function_references "function-references" false;
    Gc wasm_gc "gc" false;
    WideArithmetic wasm_wide_arithmetic "wide-arithmetic" false;
    CustomPageSizes wasm_custom_page_sizes "custom-page-sizes" false;
    Exceptions wasm_exceptions "exceptions" false;
    LegacyExceptions wasm_legacy_exceptions "legacy-exceptions" false;
    StackSwitching wasm_stack_switching "stack-switching" false;
    ComponentModel wasm_component_model "component-model" false;
}

/// The proposals a `Config` has turned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Proposals(u32);

impl Default for Proposals {
    /// Exactly the proposals kiln implements.
    fn default() -> Self {
        Self(Proposal::ALL.iter().filter(|p| p.supported()).fold(0, |bits, p| bits | p.bit()))
    }
}

impl Proposals {
    fn set(&mut self, p: Proposal, enable: bool) {
        if enable { self.0 |= p.bit() } else { self.0 &= !p.bit() }
    }

    fn enabled(self, p: Proposal) -> bool {
        self.0 & p.bit() != 0
    }

    /// Fails, naming it, when a proposal kiln does not implement is on,
    /// or relaxed SIMD is on without SIMD.
    pub(crate) fn check(self) -> Result<()> {
        if self.enabled(Proposal::RelaxedSimd) && !self.enabled(Proposal::Simd) {
            bail!("`Config::wasm_relaxed_simd(true)` needs `Config::wasm_simd(true)`: relaxed SIMD extends SIMD");
        }
        if let Some(p) = Proposal::ALL.iter().find(|p| self.enabled(**p) && !p.supported()) {
            bail!("`{}(true)`: kiln does not implement the {} proposal", p.method(), p.name());
        }
        Ok(())
    }

    /// What the compiler's validation accepts.
    #[cfg(feature = "compiler")]
    pub(crate) fn compiler_features(self) -> kiln_compiler::Features {
        kiln_compiler::Features {
            reference_types: self.enabled(Proposal::ReferenceTypes),
            bulk_memory: self.enabled(Proposal::BulkMemory),
            multi_value: self.enabled(Proposal::MultiValue),
            simd: self.enabled(Proposal::Simd),
            relaxed_simd: self.enabled(Proposal::RelaxedSimd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_what_kiln_implements_and_unsupported_ones_fail() {
        let mut p = Proposals::default();
        assert!(p.check().is_ok());
        assert!(p.enabled(Proposal::MultiValue) && p.enabled(Proposal::Simd) && p.enabled(Proposal::RelaxedSimd));
        p.set(Proposal::Threads, false);
        assert!(p.check().is_ok(), "turning an unsupported proposal off is fine");
        p.set(Proposal::Simd, false);
        assert_eq!(
            p.check().unwrap_err().to_string(),
            "`Config::wasm_relaxed_simd(true)` needs `Config::wasm_simd(true)`: relaxed SIMD extends SIMD"
        );
        p.set(Proposal::RelaxedSimd, false);
        assert!(p.check().is_ok());
        p.set(Proposal::MultiValue, false);
        assert!(p.check().is_ok() && !p.enabled(Proposal::MultiValue));
        p.set(Proposal::Threads, true);
        assert_eq!(
            p.check().unwrap_err().to_string(),
            "`Config::wasm_threads(true)`: kiln does not implement the threads proposal"
        );
    }
}
