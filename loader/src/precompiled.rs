//! Recognising precompiled artifacts and telling whether two engines can
//! share them: `Engine::detect_precompiled` and
//! `Engine::precompile_compatibility_hash`, with wasmtime's spellings.

use crate::engine::Engine;
use anyhow::{Context, Result};
use kiln_runtime_support::artifact::{self, ArtifactHeader, CpuFeature, FORMAT_VERSION, KILN_VERSION};
use object::read::elf::ElfFile64;
use object::{LittleEndian, Object, ObjectSection};
use std::hash::{Hash, Hasher};
use std::path::Path;

/// What [`Engine::detect_precompiled`] recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precompiled {
    /// A compiled core module: [`Module::deserialize`](crate::Module::deserialize) may load it.
    Module,
    /// A compiled component. kiln has no component model, so this is never
    /// returned; it exists so that code matching on wasmtime's enum ports.
    Component,
}

/// Whether `bytes` are a kiln artifact: an ELF object whose metadata
/// section starts with a header kiln can decode. Nothing is checked
/// against the host (that is what loading does).
pub(crate) fn detect(bytes: &[u8]) -> Option<Precompiled> {
    let file = ElfFile64::<LittleEndian>::parse(bytes).ok()?;
    let meta = file.section_by_name(artifact::META_SECTION)?.data().ok()?;
    ArtifactHeader::decode(meta).ok().map(|_| Precompiled::Module)
}

/// Everything an artifact must match to load in an engine: the format and
/// kiln versions, the target, this host's CPU features (what the compiler
/// may use), the deadline and relaxed-SIMD settings and the Cranelift flags
/// (which change the code).
pub(crate) struct CompatibilityHash<'a>(pub(crate) &'a Engine);

impl Hash for CompatibilityHash<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        FORMAT_VERSION.hash(state);
        KILN_VERSION.hash(state);
        let target = self.0.config().codegen.target.clone();
        target.unwrap_or_else(|| target_lexicon::Triple::host().to_string()).hash(state);
        CpuFeature::detect_host().hash(state);
        self.0.config().tunables.hash(state);
        self.0.config().cranelift_flags.hash(state);
    }
}

impl Engine {
    /// Whether `bytes` are a precompiled kiln module (what `kiln compile`
    /// and `Module::serialize` write), without checking that an engine can
    /// load it. An associated function, as in wasmtime.
    pub fn detect_precompiled(bytes: &[u8]) -> Option<Precompiled> {
        detect(bytes)
    }

    /// [`Engine::detect_precompiled`] on the contents of a file.
    pub fn detect_precompiled_file(path: impl AsRef<Path>) -> Result<Option<Precompiled>> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        Ok(detect(&bytes))
    }

    /// A value whose hash is the same for two engines exactly when an
    /// artifact one compiles loads in the other: for keying a cache of
    /// precompiled modules.
    pub fn precompile_compatibility_hash(&self) -> impl Hash + '_ {
        CompatibilityHash(self)
    }
}
