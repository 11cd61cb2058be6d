//! Copy-on-write heap images: where the artifact keeps each defined
//! memory's initial contents, ready to be mapped `MAP_PRIVATE`.
//!
//! The compiler turns the active data segments of a memory into one
//! page-aligned image when that is safe (constant offsets, every segment
//! inside the memory's minimum size) and not wasteful (see the compiler's
//! `static_init`). The images lie in their own section, [`IMAGE_SECTION`],
//! aligned to [`MemoryImages::granularity`], so that the loader can map
//! them from the artifact file, or from a memfd holding the section,
//! instead of copying. The data segments an image covers count as applied
//! and dropped at instantiation; their bytes are not in `.kiln.data`.

use crate::index::{DataIndex, DefinedMemoryIndex};
use serde::{Deserialize, Serialize};

/// Name of the section holding the memory images.
pub const IMAGE_SECTION: &str = ".kiln.image";

/// The granularity kiln compiles images with: the wasm page size, so that
/// any host page size up to 64 KiB (x86-64's 4 KiB, AArch64's 16 or
/// 64 KiB) divides it and the images can be mapped there.
pub const IMAGE_GRANULARITY: u32 = 0x1_0000;

/// One memory's image.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryImageInfo {
    /// The defined memory it initialises.
    pub memory: DefinedMemoryIndex,
    /// Where the image starts in the linear memory.
    pub linear_offset: u64,
    /// Its length in bytes.
    pub len: u64,
    /// Where its bytes start in [`IMAGE_SECTION`].
    pub section_offset: u64,
}

/// Every memory image of an artifact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryImages {
    /// Every offset and length below is a multiple of this (a power of
    /// two); a host whose page size does not divide it copies the images.
    pub granularity: u32,
    /// At most one image per memory, sorted by memory and by section offset.
    pub images: Vec<MemoryImageInfo>,
    /// The active data segments the images stand for, sorted.
    pub covered_data: Vec<DataIndex>,
}

impl MemoryImages {
    /// The image of `memory`, if it has one.
    pub fn image(&self, memory: DefinedMemoryIndex) -> Option<&MemoryImageInfo> {
        self.images.binary_search_by_key(&memory, |i| i.memory).ok().and_then(|i| self.images.get(i))
    }
}
