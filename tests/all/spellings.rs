//! Programs written only against wasmtime 48's spellings
//! (`tests/spellings/core.rs`, and `tests/spellings/wasi.rs` for
//! wasmtime-wasi's preview1), compiled here against kiln and run. The
//! same file compiles against wasmtime in `benches/compare`
//! (`cargo test --release --test spellings` there), which proves the
//! spellings are wasmtime's: any drift breaks one build or the other.

mod api {
    pub use kiln::*;
}

include!("../spellings/core.rs");

macro_rules! programs {
    ($($name:ident)*) => {$(
        #[test]
        fn $name() {
            super::$name().unwrap();
        }
    )*};
}

mod run {
    programs!(errors config_and_engine linker functions values_and_tables memories deadlines limits_and_pooling);
}

mod wasi {
    mod api {
        pub use kiln::*;
    }
    mod api_wasi {
        pub use kiln_wasi::*;
    }

    /// The committed WASI guests.
    fn guests() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi-guests")
    }

    include!("../spellings/wasi.rs");

    mod run {
        programs!(wasi_args_env_exit wasi_preopens);
    }
}
