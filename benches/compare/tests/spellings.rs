//! `tests/spellings/core.rs` compiled against wasmtime 48 and run: the
//! programs kiln's `tests/all/spellings.rs` runs are valid wasmtime
//! programs, so kiln's API spells them as wasmtime does.

mod api {
    pub use wasmtime::*;
}

include!("../../../tests/spellings/core.rs");

#[test]
fn every_program_runs_on_wasmtime() {
    for (name, program) in [
        ("errors", errors as fn() -> Result<()>),
        ("config_and_engine", config_and_engine),
        ("linker", linker),
        ("functions", functions),
        ("values_and_tables", values_and_tables),
        ("memories", memories),
        ("deadlines", deadlines),
        ("limits_and_pooling", limits_and_pooling),
    ] {
        program().unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}
