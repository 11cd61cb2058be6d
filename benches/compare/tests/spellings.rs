//! `tests/spellings/core.rs` compiled against wasmtime 48, and
//! `tests/spellings/wasi.rs` against wasmtime-wasi 48, and run: the
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

mod wasi {
    mod api {
        pub use wasmtime::*;
    }
    mod api_wasi {
        pub use wasmtime_wasi::*;
    }

    /// The committed WASI guests.
    fn guests() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wasi-guests")
    }

    include!("../../../tests/spellings/wasi.rs");

    #[test]
    fn every_wasi_program_runs_on_wasmtime() {
        for (name, program) in
            [("wasi_args_env_exit", wasi_args_env_exit as fn() -> Result<()>), ("wasi_preopens", wasi_preopens)]
        {
            program().unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }
}
