//! The runtime library embedded in this binary (`libkiln_runtime.a`, built
//! from `runtime-lib/` by `build.rs`): what executables from
//! `kiln compile --exe` and C programs linking `--c-header` objects link
//! against. `kiln runtime-lib` prints where it is.
//!
//! It is written once per kiln build under the cache directory
//! (`$XDG_CACHE_HOME/kiln/runtime/VERSION-HASH/`, or a temporary directory
//! when there is none), atomically, and checked against the embedded
//! bytes before every use. `KILN_RUNTIME_LIB` names another library to use
//! instead: the only way to link for another target, since the embedded
//! library is this host's ([`for_target`]).

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

/// The runtime library an executable for `target` links (`None`: this
/// host's). The embedded library is the host's; another target's must be
/// named in `KILN_RUNTIME_LIB`, and a named library is checked to hold
/// code for the target's architecture.
pub fn for_target(target: Option<&str>) -> Result<PathBuf> {
    let overridden = std::env::var_os(OVERRIDE_VAR).is_some_and(|p| !p.is_empty());
    if let Some(triple) = target
        && !overridden
    {
        bail!(
            "the embedded runtime library is for `{host}`, not `{triple}`: build one for `{triple}` \
             (`cargo rustc --release -p kiln-runtime-lib --target {triple} --crate-type staticlib` in kiln's \
             source tree) and name it in {OVERRIDE_VAR}",
            host = kiln_compiler::host_target()
        );
    }
    let path = path()?;
    if overridden {
        let triple = target.map_or_else(kiln_compiler::host_target, str::to_string);
        let want = triple.split('-').next().unwrap_or_default();
        let found = architecture_of(&path)?;
        if found != want {
            bail!("the runtime library `{}` holds {found} code, not {want} code for `{triple}`", path.display());
        }
    }
    Ok(path)
}

/// The architecture of the first object in the static library at `path`,
/// spelled as in target triples (`x86_64`, `aarch64`).
fn architecture_of(path: &std::path::Path) -> Result<&'static str> {
    use object::Object;
    let bytes = std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let not_a_library = || anyhow::anyhow!("`{}` is not a static library of ELF objects", path.display());
    let archive = object::read::archive::ArchiveFile::parse(&*bytes).map_err(|_| not_a_library())?;
    for member in archive.members() {
        let member = member.map_err(|_| not_a_library())?;
        let Ok(file) = object::File::parse(member.data(&*bytes).map_err(|_| not_a_library())?) else { continue };
        return Ok(match file.architecture() {
            object::Architecture::X86_64 => "x86_64",
            object::Architecture::Aarch64 => "aarch64",
            _ => "another architecture's",
        });
    }
    Err(not_a_library())
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
