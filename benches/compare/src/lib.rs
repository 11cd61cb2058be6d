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
