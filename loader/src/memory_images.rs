//! A module's memory images, ready for instantiation: mapped
//! copy-on-write where possible, copied where not.
//!
//! - From [`Module::deserialize_file`](crate::Module::deserialize_file),
//!   each image is mapped from the artifact file itself (the module keeps
//!   the file open), when its file offset is a multiple of the host page
//!   size.
//! - From bytes (`Module::new`, `Module::deserialize`), the `.kiln.image`
//!   section is written once, at load, into a sealed memfd, and each
//!   image is mapped from that.
//!
//! An image is copied instead when `Config::memory_init_cow` is off, when
//! the host page size does not divide the image granularity or the file
//! offset, or when no memfd can be created. Copying gives the same
//! contents; it just costs time proportional to the image.

use crate::stored_artifact::StoredArtifact;
use kiln_runtime_support::artifact::MemoryImages;
use kiln_runtime_support::index::DefinedMemoryIndex;
use kiln_runtime_support::sys::{page_size, sealed_memfd};
use kiln_runtime_support::vm::error::InstanceError;
use kiln_runtime_support::vm::memory::LinearMemory;
use kiln_runtime_support::vm::memory_image::MemoryImage;
use std::ops::Range;
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// Where the `.kiln.image` section can be mapped from.
pub(crate) enum ImageSource<'a> {
    /// The artifact file, with the section at this file offset.
    File(OwnedFd, u64),
    /// The section's bytes, to put into a memfd.
    Bytes(&'a [u8]),
}

/// Each image of a module, mappable or not, parallel to
/// `ArtifactMetadata::images.images`.
pub(crate) struct ModuleImages {
    mapped: Vec<Option<MemoryImage>>,
}

impl ModuleImages {
    /// Prepares the images of `images` (validated: each lies inside the
    /// section and its memory's minimum size) for mapping from `source`,
    /// unless `cow` is off.
    pub(crate) fn new(images: &MemoryImages, source: ImageSource<'_>, cow: bool) -> Self {
        let divides = images.granularity != 0 && (images.granularity as usize).is_multiple_of(page_size());
        if !cow || images.images.is_empty() || !divides {
            return Self { mapped: Vec::new() };
        }
        let (fd, base) = match source {
            ImageSource::File(fd, at) => (fd, at),
            ImageSource::Bytes(bytes) => match sealed_memfd("kiln-memory-image", bytes) {
                Ok(fd) => (fd, 0),
                Err(_) => return Self { mapped: Vec::new() },
            },
        };
        let fd = Arc::new(fd);
        let mapped = images
            .images
            .iter()
            .map(|i| {
                let at = base.checked_add(i.section_offset)?;
                MemoryImage::new(fd.clone(), at, i.linear_offset, i.len)
            })
            .collect();
        Self { mapped }
    }

    /// The image to map over new memory `def`, if it has one that can be
    /// mapped; see [`ModuleImages::copy_into`] for the others.
    pub(crate) fn mapped(&self, images: &MemoryImages, def: DefinedMemoryIndex) -> Option<&MemoryImage> {
        let i = images.images.binary_search_by_key(&def, |i| i.memory).ok()?;
        self.mapped.get(i)?.as_ref()
    }

    /// Initialises new memory `mem`, defined memory `def` of the module,
    /// by copying its image, if it has one that is not mapped, from the
    /// module's kept artifact, where `section` is `.kiln.image`.
    pub(crate) fn copy_into(
        &self,
        images: &MemoryImages,
        stored: &StoredArtifact,
        section: Range<usize>,
        def: DefinedMemoryIndex,
        mem: &mut LinearMemory,
    ) -> Result<(), InstanceError> {
        let Ok(i) = images.images.binary_search_by_key(&def, |i| i.memory) else { return Ok(()) };
        if let Some(Some(_)) = self.mapped.get(i) {
            return Ok(());
        }
        // Validation proved the image inside the section and inside the
        // memory's minimum size, which a new memory has.
        let info = images.images[i];
        let bytes = usize::try_from(info.section_offset)
            .ok()
            .zip(usize::try_from(info.len).ok())
            .and_then(|(at, len)| stored.get(section).get(at..at.checked_add(len)?));
        let dst = usize::try_from(info.linear_offset).ok().and_then(|at| {
            let len = bytes?.len();
            mem.as_mut_slice().get_mut(at..at.checked_add(len)?)
        });
        match (bytes, dst) {
            (Some(bytes), Some(dst)) => dst.copy_from_slice(bytes),
            _ => kiln_runtime_support::bail_bug!("memory image {i} does not fit its section or memory"),
        }
        Ok(())
    }
}
