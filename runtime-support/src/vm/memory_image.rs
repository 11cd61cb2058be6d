//! A memory's copy-on-write initial contents: a page-aligned range of a
//! file (the artifact itself, or a memfd holding its `.kiln.image`
//! section), mapped `MAP_PRIVATE | MAP_FIXED` over the first pages of a
//! memory at instantiation, so nothing is copied and an instance's writes
//! stay its own.
//!
//! A `MemoryImage` knows nothing of who owns the memory: it maps into any
//! [`Mmap`] at a given base offset ([`MemoryImage::map_into`]) and is
//! removed again by [`MemoryImage::remove_from`], which leaves fresh,
//! inaccessible zero pages (as [`Mmap::decommit`] does for the whole used
//! range when a reservation is released). So an on-demand
//! [`LinearMemory`](super::memory::LinearMemory) and a pooled slot use it
//! alike.

use crate::sys::{Mmap, page_size};
use std::io;
use std::ops::Range;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// One memory's image.
#[derive(Debug, Clone)]
pub struct MemoryImage {
    fd: Arc<OwnedFd>,
    file_offset: u64,
    linear_offset: usize,
    len: usize,
}

impl MemoryImage {
    /// The image at `file_offset` of `fd`, `len` bytes, for the memory
    /// bytes from `linear_offset`; `None` when the host page size does not
    /// divide the offsets and the length (then it cannot be mapped, and the
    /// caller copies instead). The caller guarantees the file holds
    /// `file_offset + len` bytes and does not change.
    pub fn new(fd: Arc<OwnedFd>, file_offset: u64, linear_offset: u64, len: u64) -> Option<Self> {
        let p = page_size() as u64;
        let aligned = [file_offset, linear_offset, len].iter().all(|v| v.is_multiple_of(p));
        if !aligned || len == 0 {
            return None;
        }
        let (linear_offset, len) = (usize::try_from(linear_offset).ok()?, usize::try_from(len).ok()?);
        linear_offset.checked_add(len)?;
        Some(Self { fd, file_offset, linear_offset, len })
    }

    /// Whether `other` is this very image (the same file, offsets and
    /// length): a slot that still has `other` mapped needs no new mapping.
    pub fn same(&self, other: &MemoryImage) -> bool {
        Arc::ptr_eq(&self.fd, &other.fd)
            && (self.file_offset, self.linear_offset, self.len) == (other.file_offset, other.linear_offset, other.len)
    }

    /// The bytes of the memory it covers.
    pub fn linear_range(&self) -> Range<usize> {
        self.linear_offset..self.linear_offset + self.len
    }

    /// Maps the image over the memory that starts `base` bytes into
    /// `mmap` and has `accessible` bytes open: afterwards those bytes read
    /// as the image, and writes to them are private to this mapping.
    pub fn map_into(&self, mmap: &Mmap, base: usize, accessible: usize) -> io::Result<()> {
        let start = self.start_in(mmap, base, accessible)?;
        mmap.map_file_private(start, self.len, self.fd.as_fd(), self.file_offset)
    }

    /// Replaces the image's range of the memory at `base` in `mmap` with
    /// fresh inaccessible zero pages: nothing mapped or written there is
    /// visible afterwards.
    pub fn remove_from(&self, mmap: &Mmap, base: usize) -> io::Result<()> {
        let start = self.start_in(mmap, base, mmap.len().saturating_sub(base))?;
        mmap.decommit(start, self.len)
    }

    fn start_in(&self, mmap: &Mmap, base: usize, accessible: usize) -> io::Result<usize> {
        let fits = base.is_multiple_of(page_size())
            && self.linear_offset.checked_add(self.len).is_some_and(|end| end <= accessible)
            && base.checked_add(accessible).is_some_and(|end| end <= mmap.len());
        if !fits {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "memory image does not fit the memory"));
        }
        Ok(base + self.linear_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::sealed_memfd;

    #[test]
    fn maps_privately_and_is_removed_to_zero() {
        let p = page_size();
        let fd = Arc::new(sealed_memfd("kiln-image-test", &vec![7u8; 2 * p]).unwrap());
        let image = MemoryImage::new(fd, p as u64, p as u64, p as u64).unwrap();
        assert_eq!(image.linear_range(), p..2 * p);
        let m = Mmap::reserve(4 * p).unwrap();
        m.make_accessible(p, 3 * p).unwrap();
        assert!(image.map_into(&m, p, p).is_err(), "does not fit one accessible page");
        image.map_into(&m, p, 3 * p).unwrap();
        // SAFETY: pages 1..4 are accessible; page 2 is the image.
        unsafe {
            assert_eq!(m.as_ptr().add(2 * p).read(), 7);
            assert_eq!(m.as_ptr().add(p).read(), 0, "before the image");
            m.as_ptr().add(2 * p).write(1);
        }
        image.remove_from(&m, p).unwrap();
        m.make_accessible(2 * p, p).unwrap();
        // SAFETY: reopened.
        assert_eq!(unsafe { m.as_ptr().add(2 * p).read() }, 0);
    }

    #[test]
    fn unaligned_images_are_refused() {
        let fd = Arc::new(sealed_memfd("kiln-image-test", &[0; 16]).unwrap());
        assert!(MemoryImage::new(fd.clone(), 8, 0, page_size() as u64).is_none());
        assert!(MemoryImage::new(fd.clone(), 0, 0, 0).is_none());
        assert!(MemoryImage::new(fd, 0, 0, 100).is_none());
    }
}
