//! kiln's integration tests, as one binary with a module per area.

mod api;
mod artifact;
mod artifact_mutation;
mod c_api;
mod cache;
mod cli;
mod command;
mod cow;
mod cross;
mod deadlines;
mod debugger;
mod disas;
mod exe;
mod fuzz;
mod limits;
mod loops;
mod pooling;
mod profiling;
mod serve;
mod simd;
mod simd_host;
mod spec;
mod spellings;
mod threads;
mod traps;
mod wasi;

/// Compiles `wat` with a default engine.
pub fn module(wat: &str) -> (kiln::Engine, kiln::Module) {
    let engine = kiln::Engine::default();
    let module = kiln::Module::new(&engine, wat).expect("test module compiles");
    (engine, module)
}
