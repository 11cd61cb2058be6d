//! Virtual memory reservations: reserve address space inaccessible, then
//! open parts of it for reading and writing (linear memories) or for
//! execution (code).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

/// The host page size.
pub fn page_size() -> usize {
    use std::sync::OnceLock;
    static SIZE: OnceLock<usize> = OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *SIZE.get_or_init(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize })
}

/// Rounds `n` up to a multiple of the page size.
pub fn round_up_to_page(n: usize) -> usize {
    let p = page_size();
    n.div_ceil(p) * p
}

/// An owned, page-aligned range of address space, unmapped on drop.
#[derive(Debug)]
pub struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; synchronising
// access to its contents is up to the owner, as for a `Box<[u8]>`.
unsafe impl Send for Mmap {}
// SAFETY: as above; `&Mmap` only hands out raw pointers.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Reserves `len` bytes (rounded up to pages) of inaccessible memory.
    pub fn reserve(len: usize) -> io::Result<Self> {
        let len = round_up_to_page(len.max(1));
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing touches no existing memory.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { ptr: NonNull::new(ptr.cast()).expect("mmap never returns null on success"), len })
    }

    /// Start of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Length of the mapping.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never, but clippy asks).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn protect(&self, start: usize, len: usize, prot: libc::c_int) -> io::Result<()> {
        assert!(start.is_multiple_of(page_size()) && start <= self.len && len <= self.len - start);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our own mapping (asserted above).
        let rc = unsafe { libc::mprotect(self.ptr.as_ptr().add(start).cast(), len, prot) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Makes `[start, start + len)` readable and writable.
    pub fn make_accessible(&self, start: usize, len: usize) -> io::Result<()> {
        self.protect(start, round_up_to_page(len), libc::PROT_READ | libc::PROT_WRITE)
    }

    /// Makes `[start, start + len)` readable and executable, and no longer writable.
    pub fn make_executable(&self, start: usize, len: usize) -> io::Result<()> {
        self.protect(start, round_up_to_page(len), libc::PROT_READ | libc::PROT_EXEC)
    }

    /// Gives `[start, start + len)` back to the kernel: the range becomes
    /// fresh, inaccessible, zero-filled pages of the same reservation, in
    /// one atomic step (`MAP_FIXED` over our own range), so no old contents
    /// can be seen through it again.
    pub fn decommit(&self, start: usize, len: usize) -> io::Result<()> {
        let len = round_up_to_page(len);
        assert!(start.is_multiple_of(page_size()) && start <= self.len && len <= self.len - start);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our own mapping (asserted above), so
        // MAP_FIXED replaces only pages we own.
        let ptr = unsafe {
            libc::mmap(
                self.ptr.as_ptr().add(start).cast(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Maps `len` bytes of `fd` from `file_offset` over `[start, start + len)`,
    /// readable and writable and private (`MAP_PRIVATE | MAP_FIXED`): reads
    /// see the file, writes go to private copies of the pages and never to
    /// the file. [`Mmap::decommit`] turns the range back into anonymous
    /// zero pages. `start`, `len` and `file_offset` must be page-aligned,
    /// and the file at least `file_offset + len` bytes long (a page past
    /// its end would fault on access).
    pub fn map_file_private(&self, start: usize, len: usize, fd: BorrowedFd<'_>, file_offset: u64) -> io::Result<()> {
        let p = page_size();
        assert!(start.is_multiple_of(p) && start <= self.len && len <= self.len - start);
        if !len.is_multiple_of(p) || !file_offset.is_multiple_of(p as u64) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "file mapping not page-aligned"));
        }
        if len == 0 {
            return Ok(());
        }
        let offset = libc::off_t::try_from(file_offset).map_err(io::Error::other)?;
        // SAFETY: the range lies inside our own mapping (asserted above), so
        // MAP_FIXED replaces only pages we own.
        let ptr = unsafe {
            libc::mmap(
                self.ptr.as_ptr().add(start).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                fd.as_raw_fd(),
                offset,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Reserves `len` bytes (rounded up to pages) of readable and writable
    /// memory, committed by the kernel only as it is touched (pools of
    /// VMContexts and tables).
    pub fn accessible(len: usize) -> io::Result<Self> {
        let m = Self::reserve(len)?;
        m.make_accessible(0, m.len)?;
        Ok(m)
    }

    /// Makes `[start, start + len)` inaccessible, keeping its contents.
    pub fn make_inaccessible(&self, start: usize, len: usize) -> io::Result<()> {
        self.protect(start, round_up_to_page(len), libc::PROT_NONE)
    }

    /// Throws away the contents of `[start, start + len)` with
    /// `madvise(MADV_DONTNEED)`: the pages keep their protection and read
    /// as zero from then on (private anonymous memory), and the kernel gets
    /// them back until they are touched again.
    pub fn discard(&self, start: usize, len: usize) -> io::Result<()> {
        let len = round_up_to_page(len);
        assert!(start.is_multiple_of(page_size()) && start <= self.len && len <= self.len - start);
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our own mapping (asserted above);
        // dropping private anonymous pages only zeroes our own memory.
        let rc = unsafe { libc::madvise(self.ptr.as_ptr().add(start).cast(), len, libc::MADV_DONTNEED) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Makes `[start, start + len)` read-only.
    pub fn make_readonly(&self, start: usize, len: usize) -> io::Result<()> {
        self.protect(start, round_up_to_page(len), libc::PROT_READ)
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and nothing refers to it any more.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_then_open() {
        let m = Mmap::reserve(3 * page_size()).unwrap();
        m.make_accessible(0, 10).unwrap();
        // SAFETY: the first page was just made accessible.
        unsafe {
            m.as_ptr().write(42);
            assert_eq!(m.as_ptr().read(), 42);
        }
    }

    #[test]
    fn file_mappings_are_private_and_decommit_to_zero() {
        let p = page_size();
        let bytes: Vec<u8> = (0..2 * p).map(|i| (i / p + 1) as u8).collect();
        let fd = crate::sys::sealed_memfd("kiln-mmap-test", &bytes).unwrap();
        let m = Mmap::reserve(3 * p).unwrap();
        m.make_accessible(0, 3 * p).unwrap();
        use std::os::fd::AsFd;
        m.map_file_private(p, p, fd.as_fd(), p as u64).unwrap();
        // SAFETY: all three pages are accessible.
        unsafe {
            assert_eq!(m.as_ptr().add(p).read(), 2, "the second page of the file");
            m.as_ptr().add(p).write(9);
            assert_eq!(m.as_ptr().add(p).read(), 9);
        }
        let again = Mmap::reserve(p).unwrap();
        again.map_file_private(0, p, fd.as_fd(), p as u64).unwrap();
        // SAFETY: just mapped readable.
        assert_eq!(unsafe { again.as_ptr().read() }, 2, "the write stayed private");
        m.decommit(p, p).unwrap();
        m.make_accessible(p, p).unwrap();
        // SAFETY: accessible again.
        assert_eq!(unsafe { m.as_ptr().add(p).read() }, 0, "decommit leaves zero pages");
        assert!(m.map_file_private(0, p, fd.as_fd(), 1).is_err(), "unaligned file offset");
    }

    #[test]
    fn discard_zeroes_and_keeps_access() {
        let m = Mmap::accessible(2 * page_size()).unwrap();
        // SAFETY: both pages are accessible.
        unsafe {
            m.as_ptr().write(1);
            m.as_ptr().add(page_size()).write(2);
        }
        m.discard(0, page_size()).unwrap();
        // SAFETY: both pages are still accessible.
        unsafe {
            assert_eq!(m.as_ptr().read(), 0, "the discarded page reads as zero");
            assert_eq!(m.as_ptr().add(page_size()).read(), 2, "pages outside the range are kept");
        }
    }

    #[test]
    fn decommit_zeroes_the_range() {
        let m = Mmap::reserve(2 * page_size()).unwrap();
        m.make_accessible(0, 2 * page_size()).unwrap();
        // SAFETY: both pages are accessible.
        unsafe {
            m.as_ptr().write(1);
            m.as_ptr().add(page_size()).write(2);
        }
        m.decommit(0, page_size()).unwrap();
        m.make_accessible(0, page_size()).unwrap();
        // SAFETY: both pages are accessible again (the second never stopped being).
        unsafe {
            assert_eq!(m.as_ptr().read(), 0, "the decommitted page comes back zeroed");
            assert_eq!(m.as_ptr().add(page_size()).read(), 2, "pages outside the range are kept");
        }
    }
}
