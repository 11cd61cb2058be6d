//! The artifact format: what a compiled module looks like on disk.
//!
//! An artifact is an ELF relocatable object. Next to `.text` it carries:
//! - `.kiln.meta`: an [`ArtifactHeader`] of fixed layout, followed by the
//!   postcard-encoded [`ArtifactMetadata`].
//! - `.kiln.data`: the bytes of the data segments no memory image covers.
//! - `.kiln.image`: each defined memory's initial contents, aligned so they
//!   can be mapped copy-on-write ([`images`]).
//!
//! The loader checks the header (magic, format version, kiln version,
//! target, CPU features) and the checksum before it decodes anything else.
//! The checksum is an XXH3-64 of the whole file with the checksum field
//! itself read as zeros. It detects corruption, not forgery: after it,
//! [`validate`] checks everything the decoded metadata says.

pub mod images;
pub mod linked;
pub mod validate;

pub use images::{IMAGE_GRANULARITY, IMAGE_SECTION, MemoryImageInfo, MemoryImages};
pub use linked::{LINKED_MAGIC, LinkedArtifact, LinkedField};
pub use validate::{CodeSymbol, Sections, validate};

use crate::index::*;
use crate::module_info::ModuleInfo;
use crate::trap_code::TrapSite;
use cranelift_entity::PrimaryMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Name of the metadata section.
pub const META_SECTION: &str = ".kiln.meta";
/// Name of the data-segment section.
pub const DATA_SECTION: &str = ".kiln.data";
/// Name of the code section.
pub const TEXT_SECTION: &str = ".text";

/// The header's magic bytes.
pub const MAGIC: [u8; 8] = *b"\0KILNAOT";
/// Bumped whenever the artifact layout or the metadata schema changes.
pub const FORMAT_VERSION: u32 = 4;
/// The version of kiln that wrote the artifact must equal the loader's.
pub const KILN_VERSION: &str = env!("CARGO_PKG_VERSION");

const VERSION_LEN: usize = 24;
const TARGET_LEN: usize = 64;
/// Size of the encoded header.
pub const HEADER_SIZE: usize = 8 + 4 + 4 + 8 + 8 + VERSION_LEN + TARGET_LEN;
/// Offset of the checksum inside the header.
pub const CHECKSUM_OFFSET: usize = 16;

/// The fixed-layout header at the start of `.kiln.meta`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactHeader {
    /// Layout version.
    pub format_version: u32,
    /// XXH3-64 of the file with this field zeroed.
    pub checksum: u64,
    /// CPU features the code needs, as [`CpuFeature`] bits.
    pub cpu_features: u64,
    /// The kiln version that wrote it.
    pub kiln_version: String,
    /// The target triple the code is for.
    pub target: String,
}

/// Why an artifact was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// Not an ELF file, or not one kiln wrote.
    #[error("not a kiln artifact: {0}")]
    NotAnArtifact(&'static str),
    /// Shorter than its own structure says.
    #[error("truncated kiln artifact: {0}")]
    Truncated(&'static str),
    /// Written with another artifact layout.
    #[error("artifact format version {found} is not supported (this kiln reads version {expected})")]
    FormatVersion {
        /// In the artifact.
        found: u32,
        /// What we read.
        expected: u32,
    },
    /// Written by another kiln version.
    #[error("artifact was compiled by kiln {found}, but this is kiln {expected}; recompile it")]
    KilnVersion {
        /// In the artifact.
        found: String,
        /// Ours.
        expected: String,
    },
    /// Compiled for another target.
    #[error("artifact was compiled for target `{found}`, but this host is `{expected}`")]
    Target {
        /// In the artifact.
        found: String,
        /// Ours.
        expected: String,
    },
    /// The host lacks a CPU feature the code uses.
    #[error("artifact needs CPU feature(s) this host lacks: {0}")]
    CpuFeatures(String),
    /// The checksum does not match: the file was changed after compilation.
    #[error(
        "artifact checksum mismatch (expected {expected:#018x}, computed {computed:#018x}): the file is corrupted or was modified"
    )]
    Checksum {
        /// Stored.
        expected: u64,
        /// Computed.
        computed: u64,
    },
    /// The structure is inconsistent.
    #[error("malformed kiln artifact: {0}")]
    Malformed(String),
    /// The metadata decodes, but names something that does not exist or
    /// does not fit (see [`validate`]).
    #[error("invalid kiln artifact metadata: {0}")]
    InvalidMetadata(String),
    /// A relocation the loader does not understand, or that points outside
    /// what it may patch.
    #[error("invalid relocation in kiln artifact: {0}")]
    Relocation(String),
}

fn put_str(out: &mut Vec<u8>, s: &str, len: usize) {
    let bytes = s.as_bytes();
    let n = bytes.len().min(len);
    out.extend_from_slice(&bytes[..n]);
    out.resize(out.len() + (len - n), 0);
}

fn get_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

impl ArtifactHeader {
    /// A header for this kiln and `target`, checksum still zero.
    pub fn new(target: &str, cpu_features: u64) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            checksum: 0,
            cpu_features,
            kiln_version: KILN_VERSION.to_string(),
            target: target.to_string(),
        }
    }

    /// Encodes the header.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_SIZE);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.format_version.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.checksum.to_le_bytes());
        out.extend_from_slice(&self.cpu_features.to_le_bytes());
        put_str(&mut out, &self.kiln_version, VERSION_LEN);
        put_str(&mut out, &self.target, TARGET_LEN);
        debug_assert_eq!(out.len(), HEADER_SIZE);
        out
    }

    /// Decodes a header, checking only its magic and size.
    pub fn decode(bytes: &[u8]) -> Result<Self, ArtifactError> {
        if bytes.len() < HEADER_SIZE {
            return Err(ArtifactError::Truncated("metadata header"));
        }
        if bytes[..8] != MAGIC {
            return Err(ArtifactError::NotAnArtifact("bad metadata magic"));
        }
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap());
        Ok(Self {
            format_version: u32_at(8),
            checksum: u64_at(CHECKSUM_OFFSET),
            cpu_features: u64_at(24),
            kiln_version: get_str(&bytes[32..32 + VERSION_LEN]),
            target: get_str(&bytes[32 + VERSION_LEN..HEADER_SIZE]),
        })
    }

    /// Checks that this host can run the artifact: format and kiln version,
    /// target and CPU features.
    pub fn check_compatible(&self, host_target: &str) -> Result<(), ArtifactError> {
        if self.format_version != FORMAT_VERSION {
            return Err(ArtifactError::FormatVersion { found: self.format_version, expected: FORMAT_VERSION });
        }
        if self.kiln_version != KILN_VERSION {
            return Err(ArtifactError::KilnVersion {
                found: self.kiln_version.clone(),
                expected: KILN_VERSION.to_string(),
            });
        }
        if self.target != host_target {
            return Err(ArtifactError::Target { found: self.target.clone(), expected: host_target.to_string() });
        }
        let missing = self.cpu_features & !CpuFeature::detect_host();
        if missing != 0 {
            let names: Vec<&str> =
                CpuFeature::ALL.iter().filter(|f| missing & f.bit() != 0).map(|f| f.name()).collect();
            let names = if names.is_empty() { "unknown feature bits".to_string() } else { names.join(", ") };
            return Err(ArtifactError::CpuFeatures(names));
        }
        Ok(())
    }
}

/// Computes the artifact checksum of `file`, reading the 8 bytes at
/// `checksum_at` as zeros.
pub fn checksum(file: &[u8], checksum_at: usize) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let end = (checksum_at + 8).min(file.len());
    h.update(&file[..checksum_at.min(file.len())]);
    h.update(&[0u8; 8][..end - checksum_at.min(file.len())]);
    h.update(&file[end..]);
    h.digest()
}

/// CPU features compiled code may depend on, as bits of
/// [`ArtifactHeader::cpu_features`]. Names are Cranelift's setting names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CpuFeature {
    bit: u8,
    name: &'static str,
}

impl CpuFeature {
    /// Every feature kiln records. Bits are part of the format: append only.
    pub const ALL: &'static [CpuFeature] = &[
        CpuFeature { bit: 0, name: "has_sse3" },
        CpuFeature { bit: 1, name: "has_ssse3" },
        CpuFeature { bit: 2, name: "has_sse41" },
        CpuFeature { bit: 3, name: "has_sse42" },
        CpuFeature { bit: 4, name: "has_popcnt" },
        CpuFeature { bit: 5, name: "has_avx" },
        CpuFeature { bit: 6, name: "has_avx2" },
        CpuFeature { bit: 7, name: "has_fma" },
        CpuFeature { bit: 8, name: "has_bmi1" },
        CpuFeature { bit: 9, name: "has_bmi2" },
        CpuFeature { bit: 10, name: "has_lzcnt" },
        CpuFeature { bit: 11, name: "has_avx512bitalg" },
        CpuFeature { bit: 12, name: "has_avx512dq" },
        CpuFeature { bit: 13, name: "has_avx512f" },
        CpuFeature { bit: 14, name: "has_avx512vl" },
        CpuFeature { bit: 15, name: "has_avx512vbmi" },
        CpuFeature { bit: 16, name: "has_cmpxchg16b" },
        CpuFeature { bit: 32, name: "has_lse" },
        CpuFeature { bit: 33, name: "has_pauth" },
        CpuFeature { bit: 34, name: "has_fp16" },
    ];

    /// The bit mask.
    pub fn bit(self) -> u64 {
        1 << self.bit
    }

    /// Cranelift's name for it.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Looks a feature up by Cranelift setting name.
    pub fn by_name(name: &str) -> Option<CpuFeature> {
        Self::ALL.iter().copied().find(|f| f.name == name)
    }

    /// Whether this host has the feature.
    pub fn host_has(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self.name {
                "has_sse3" => has!("sse3"),
                "has_ssse3" => has!("ssse3"),
                "has_sse41" => has!("sse4.1"),
                "has_sse42" => has!("sse4.2"),
                "has_popcnt" => has!("popcnt"),
                "has_avx" => has!("avx"),
                "has_avx2" => has!("avx2"),
                "has_fma" => has!("fma"),
                "has_bmi1" => has!("bmi1"),
                "has_bmi2" => has!("bmi2"),
                "has_lzcnt" => has!("lzcnt"),
                "has_avx512bitalg" => has!("avx512bitalg"),
                "has_avx512dq" => has!("avx512dq"),
                "has_avx512f" => has!("avx512f"),
                "has_avx512vl" => has!("avx512vl"),
                "has_avx512vbmi" => has!("avx512vbmi"),
                "has_cmpxchg16b" => has!("cmpxchg16b"),
                _ => false,
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            use std::arch::is_aarch64_feature_detected as has;
            match self.name {
                "has_lse" => has!("lse"),
                "has_pauth" => has!("paca"),
                "has_fp16" => has!("fp16"),
                _ => false,
            }
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        {
            false
        }
    }

    /// The features this host has, as a bit set.
    pub fn detect_host() -> u64 {
        Self::ALL.iter().filter(|f| f.host_has()).fold(0, |acc, f| acc | f.bit())
    }
}

/// Where the compiler put things in `.text`. Offsets are from the start of
/// the section.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct CodeLayout {
    /// Each defined function's code: (offset, length).
    pub functions: PrimaryMap<DefinedFuncIndex, (u32, u32)>,
    /// The array-to-wasm trampoline of each escaping function, by
    /// `FuncRefIndex`.
    pub array_to_wasm: PrimaryMap<FuncRefIndex, u32>,
    /// The wasm-to-host trampoline of each signature.
    pub wasm_to_array: PrimaryMap<SignatureIndex, u32>,
    /// The new-epoch trampoline that epoch checks call, present exactly
    /// when the code was compiled with epoch interruption. Its symbol comes
    /// right after the defined functions'.
    pub new_epoch: Option<u32>,
    /// Every trapping instruction, sorted by offset.
    pub traps: Vec<TrapSite>,
    /// How many relocations `.text` has, so that a relocation section the
    /// loader cannot find or read is refused instead of skipped.
    pub relocations: u32,
}

/// The postcard-encoded part of `.kiln.meta`.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct ArtifactMetadata {
    /// The module.
    pub module: ModuleInfo,
    /// The code layout.
    pub code: CodeLayout,
    /// The deadline instrumentation the code was compiled with.
    pub tunables: crate::tunables::Tunables,
    /// The copy-on-write images of the defined memories.
    pub images: MemoryImages,
}

impl ArtifactMetadata {
    /// Encodes the metadata.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("metadata serialization cannot fail")
    }

    /// Decodes the metadata.
    pub fn decode(bytes: &[u8]) -> Result<Self, ArtifactError> {
        postcard::from_bytes(bytes).map_err(|e| ArtifactError::Malformed(format!("metadata: {e}")))
    }
}

impl fmt::Display for ArtifactHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kiln artifact v{} (kiln {}, target {})", self.format_version, self.kiln_version, self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let mut h = ArtifactHeader::new("x86_64-unknown-linux-gnu", 0b101);
        h.checksum = 0xdead_beef;
        let bytes = h.encode();
        assert_eq!(bytes.len(), HEADER_SIZE);
        assert_eq!(ArtifactHeader::decode(&bytes).unwrap(), h);
    }

    #[test]
    fn header_rejects_bad_magic_and_short_input() {
        let mut bytes = ArtifactHeader::new("t", 0).encode();
        assert!(matches!(ArtifactHeader::decode(&bytes[..10]), Err(ArtifactError::Truncated(_))));
        bytes[1] = b'X';
        assert!(matches!(ArtifactHeader::decode(&bytes), Err(ArtifactError::NotAnArtifact(_))));
    }

    #[test]
    fn compatibility_checks_each_field() {
        let host = "x86_64-unknown-linux-gnu";
        let ok = ArtifactHeader::new(host, 0);
        assert!(ok.check_compatible(host).is_ok());
        let mut h = ok.clone();
        h.format_version = 99;
        assert!(matches!(h.check_compatible(host), Err(ArtifactError::FormatVersion { .. })));
        let mut h = ok.clone();
        h.kiln_version = "0.0.0-other".into();
        assert!(matches!(h.check_compatible(host), Err(ArtifactError::KilnVersion { .. })));
        assert!(matches!(ok.check_compatible("riscv64"), Err(ArtifactError::Target { .. })));
        let mut h = ok;
        h.cpu_features = 1 << 63;
        assert!(matches!(h.check_compatible(host), Err(ArtifactError::CpuFeatures(_))));
    }

    #[test]
    fn checksum_ignores_its_own_field() {
        let mut file = vec![7u8; 64];
        let a = checksum(&file, 16);
        file[16..24].copy_from_slice(&a.to_le_bytes());
        assert_eq!(checksum(&file, 16), a);
        file[40] ^= 1;
        assert_ne!(checksum(&file, 16), a);
    }
}
