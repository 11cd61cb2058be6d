//! The runtime library embedded in this binary (`libkiln_runtime.a`, built
//! from `runtime-lib/` by `build.rs`): what executables from
//! `kiln compile --exe` and C programs linking `--c-header` objects link
//! against. `kiln runtime-lib` prints where it is.
//!
//! It is written once per kiln build under the cache directory
//! (`$XDG_CACHE_HOME/kiln/runtime/VERSION-HASH/`, or a temporary directory
//! when there is none), atomically, and checked against the embedded
//! bytes before every use. `KILN_RUNTIME_LIB` names another library to use
//! instead.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;

static EMBEDDED: &[u8] = include_bytes!(env!("KILN_EMBEDDED_RUNTIME"));
static NATIVE_LIBS: &str = include_str!(env!("KILN_EMBEDDED_RUNTIME_LIBS"));

/// The environment variable that names a runtime library to use instead
/// of the embedded one.
pub const OVERRIDE_VAR: &str = "KILN_RUNTIME_LIB";

/// The runtime library's path, written out from the embedded copy if this
/// is its first use (or `KILN_RUNTIME_LIB`, if set).
pub fn path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(OVERRIDE_VAR).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("{OVERRIDE_VAR} names `{}`, which is not a file", path.display());
        }
        return Ok(path);
    }
    if EMBEDDED.is_empty() {
        bail!(
            "this kiln was built without its runtime library (the `embed-runtime` feature is off); \
             set {OVERRIDE_VAR} to a libkiln_runtime.a"
        );
    }
    let hash = xxhash_rust::xxh3::xxh3_64(EMBEDDED);
    let root = kiln::default_cache_directory()
        .map(|d| d.join("runtime"))
        .unwrap_or_else(|_| std::env::temp_dir().join("kiln-runtime"));
    let dir = root.join(format!("{}-{hash:016x}", env!("CARGO_PKG_VERSION")));
    let path = dir.join("libkiln_runtime.a");
    let intact = std::fs::read(&path).is_ok_and(|bytes| bytes == EMBEDDED);
    if !intact {
        std::fs::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
        crate::atomic_write::write_atomic(&path, EMBEDDED)
            .with_context(|| format!("failed to write the runtime library to `{}`", path.display()))?;
    }
    Ok(path)
}

/// The system libraries a program linking the runtime library needs, as
/// linker flags (`-lpthread`, ...), as rustc reported them.
pub fn native_libs() -> Vec<&'static str> {
    let libs: Vec<&str> = NATIVE_LIBS.split_whitespace().collect();
    if libs.is_empty() { vec!["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"] } else { libs }
}

/// `kiln runtime-lib [--native-libs]`.
pub fn print(native: bool) -> Result<std::process::ExitCode> {
    if native {
        println!("{}", native_libs().join(" "));
    } else {
        println!("{}", path()?.display());
    }
    Ok(std::process::ExitCode::SUCCESS)
}
