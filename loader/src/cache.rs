//! The compile cache: `Config::cache`, used by `Module::new` (and so
//! `from_file` and `from_binary`) and by `kiln run`.
//!
//! An entry is a complete artifact, the same bytes `kiln compile` writes,
//! under `<dir>/modules/<key>.o`. The key is a 128-bit xxh3 hash of
//! everything that decides those bytes: kiln's version, the host target
//! and the CPU features it detects (the compiler targets the host), the
//! whole `CompilerConfig` (optimization level, tunables, accepted
//! proposals, Cranelift settings; its `Debug` form, so a setting added
//! later is keyed without anyone remembering to), and the wasm bytes.
//!
//! - **Reading.** An entry is loaded like any artifact from outside, mapped
//!   (`Module::deserialize_file`'s path: header, checksum, metadata
//!   validation, relocation checks). One that fails any check is deleted,
//!   the module is compiled afresh and the entry rewritten: a corrupted
//!   entry is never trusted, and never an error.
//! - **Writing.** A new entry is written to a temporary file in the same
//!   directory and renamed over its final name, so a reader sees a whole
//!   entry or none, and concurrent writers of one key each rename a
//!   complete file (the last wins; both are equal). An entry is never
//!   changed in place, so mapping it is safe: a replaced or deleted entry
//!   keeps its inode alive for whoever mapped it. A cache that cannot be
//!   written costs only the next compile: the module is still returned.
//! - **Where.** `CacheConfig::with_directory`, else `$XDG_CACHE_HOME/kiln`,
//!   else `$HOME/.cache/kiln`.
//!
//! The hash is not cryptographic: the cache directory is as trusted as the
//! artifacts in it (the same as `Module::deserialize_file`), and the key
//! only has to tell honest inputs apart.

use crate::Engine;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a [`Cache`] is set up (wasmtime's spelling).
#[derive(Clone, Debug, Default)]
pub struct CacheConfig {
    directory: Option<PathBuf>,
}

impl CacheConfig {
    /// The default configuration: the user's cache directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// The directory entries go to, if one was chosen.
    pub fn directory(&self) -> Option<&PathBuf> {
        self.directory.as_ref()
    }

    /// Keeps the entries in `directory` instead of the user's cache
    /// directory.
    pub fn with_directory(&mut self, directory: impl Into<PathBuf>) -> &mut Self {
        self.directory = Some(directory.into());
        self
    }
}

/// A compile cache, shared by the engines configured with it (clones share
/// the counters).
#[derive(Clone, Debug)]
pub struct Cache {
    inner: Arc<CacheInner>,
}

#[derive(Debug)]
struct CacheInner {
    directory: PathBuf,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

/// The user's cache directory for kiln: `$XDG_CACHE_HOME/kiln`, else
/// `$HOME/.cache/kiln`.
pub fn default_cache_directory() -> Result<PathBuf> {
    let non_empty = |v: std::ffi::OsString| (!v.is_empty()).then(|| PathBuf::from(v));
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").and_then(non_empty) {
        return Ok(dir.join("kiln"));
    }
    match std::env::var_os("HOME").and_then(non_empty) {
        Some(home) => Ok(home.join(".cache").join("kiln")),
        None => bail!("no cache directory: neither XDG_CACHE_HOME nor HOME is set"),
    }
}

impl Cache {
    /// A cache as `config` says.
    pub fn new(config: CacheConfig) -> Result<Self> {
        let directory = match config.directory {
            Some(dir) => dir,
            None => default_cache_directory()?,
        };
        Ok(Self { inner: Arc::new(CacheInner { directory, hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }) })
    }

    /// The default cache. wasmtime reads a TOML configuration file here;
    /// kiln has no configuration file, so a path is refused rather than
    /// ignored.
    pub fn from_file(path: Option<&Path>) -> Result<Self> {
        if let Some(path) = path {
            bail!(
                "{}: kiln reads no cache configuration files; use `CacheConfig::with_directory` instead",
                path.display()
            );
        }
        Self::new(CacheConfig::new())
    }

    /// The directory the entries are in.
    pub fn directory(&self) -> &PathBuf {
        &self.inner.directory
    }

    /// Modules loaded from the cache so far.
    pub fn cache_hits(&self) -> usize {
        self.inner.hits.load(Ordering::Relaxed)
    }

    /// Modules compiled because the cache had no usable entry.
    pub fn cache_misses(&self) -> usize {
        self.inner.misses.load(Ordering::Relaxed)
    }

    fn modules_dir(&self) -> PathBuf {
        self.inner.directory.join("modules")
    }

    /// Removes every entry. Returns how many there were.
    pub fn clear(&self) -> Result<usize> {
        let dir = self.modules_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e).with_context(|| format!("failed to list {}", dir.display())),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry.with_context(|| format!("failed to list {}", dir.display()))?.path();
            std::fs::remove_file(&path).with_context(|| format!("failed to remove {}", path.display()))?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Where the entry for `wasm` compiled by `engine` lives.
    pub(crate) fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        self.modules_dir().join(format!("{:032x}.o", key(engine, wasm)))
    }

    /// The module for `wasm`: from its entry when that is a sound artifact,
    /// else compiled by `compile` and written back.
    pub(crate) fn get_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        compile: impl FnOnce() -> Result<(crate::Module, Vec<u8>)>,
    ) -> Result<crate::Module> {
        let path = self.entry_path(engine, wasm);
        if path.exists() {
            // SAFETY: entries are only ever replaced by rename, never
            // changed in place, and the directory is trusted as artifacts
            // are (see the module doc); every artifact check still runs.
            match unsafe { crate::Module::deserialize_file(engine, &path) } {
                Ok(module) => {
                    self.inner.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(module);
                }
                Err(_) => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        self.inner.misses.fetch_add(1, Ordering::Relaxed);
        let (module, bytes) = compile()?;
        let _ = write_atomically(&path, &bytes);
        Ok(module)
    }
}

/// The cache key of `wasm` compiled by `engine` on this host.
fn key(engine: &Engine, wasm: &[u8]) -> u128 {
    use kiln_runtime_support::artifact::{CpuFeature, KILN_VERSION};
    let mut config = engine.compiler_config();
    // Whether functions compile in parallel does not change the artifact.
    config.single_threaded = false;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [KILN_VERSION, &kiln_compiler::host_target(), &format!("{:x}", CpuFeature::detect_host())] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.update(format!("{config:?}").as_bytes());
    h.update(&[0]);
    h.update(wasm);
    h.digest128()
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
