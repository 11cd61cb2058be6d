//! Side-by-side measurements of kiln and wasmtime, outside kiln's product
//! workspace so that nothing in the product ever builds or links wasmtime.
//!
//! - [`modules`]: the modules measured (generated, plus the committed
//!   `logscan` guest).
//! - [`kiln_side`]: how kiln prepares and instantiates a module per request.
//! - [`wasmtime_side`]: the same for wasmtime (whose errors are `wasmtime::Error`), with its pooling allocator,
//!   `InstancePre` and copy-on-write memory images.
//!
//! The serve load generator is the `serve-load` binary (`src/bin/`).

pub mod kiln_side;
pub mod modules;
pub mod wasmtime_side;

#[cfg(test)]
mod tests {
    use crate::kiln_side::{self, KilnPre};
    use crate::wasmtime_side::{self, WasmtimePre};

    /// What the benchmarks time must succeed on both engines (each bench
    /// also checks this before measuring).
    #[test]
    fn both_engines_instantiate_every_case() {
        let kiln = kiln_side::engine().unwrap();
        let wasmtime = wasmtime_side::engine().unwrap();
        for case in crate::modules::cases().unwrap() {
            let pre = KilnPre::new(&kiln, &case.wasm).unwrap_or_else(|e| panic!("kiln, {}: {e:#}", case.name));
            pre.instantiate().unwrap_or_else(|e| panic!("kiln, {}: {e:#}", case.name));
            let pre =
                WasmtimePre::new(&wasmtime, &case.wasm).unwrap_or_else(|e| panic!("wasmtime, {}: {e:?}", case.name));
            pre.instantiate().unwrap_or_else(|e| panic!("wasmtime, {}: {e:?}", case.name));
        }
    }
}
