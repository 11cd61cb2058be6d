//! Guest memory access for the host functions: every pointer and length the
//! guest passes is checked against the memory's size (EFAULT when out of
//! bounds) and, for typed values, against its alignment (EINVAL).

use super::errno::Errno;
use super::types::GuestPtr;

/// The most one read or write call moves, so a guest cannot make the host
/// allocate without bound (huge or overlapping iovecs). Preview1 lets a call
/// move fewer bytes than asked.
pub(crate) const MAX_IO: usize = 16 << 20;

/// The most buffers one read or write call uses (POSIX's `IOV_MAX`, as
/// wasi-libc defines it).
pub(crate) const MAX_IOVECS: usize = 1024;

/// A guest's linear memory, borrowed for one host call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One `iovec`/`ciovec`: a buffer in guest memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IoVec {
    pub ptr: GuestPtr,
    pub len: u32,
}

impl<'a> GuestMemory<'a> {
    pub(crate) fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    /// The byte range `ptr..ptr+len`, if it lies inside memory.
    fn range(&self, ptr: GuestPtr, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::FAULT)?;
        if end > self.bytes.len() {
            return Err(Errno::FAULT);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub(crate) fn slice(&self, ptr: GuestPtr, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// `len` bytes at `ptr`, mutably.
    pub(crate) fn slice_mut(&mut self, ptr: GuestPtr, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// A `size`-byte value at `ptr` aligned to `align`.
    fn typed(&self, ptr: GuestPtr, size: u32, align: u32) -> Result<std::ops::Range<usize>, Errno> {
        let r = self.range(ptr, size)?;
        if !ptr.is_multiple_of(align) {
            return Err(Errno::INVAL);
        }
        Ok(r)
    }

    pub(crate) fn read_u8(&self, ptr: GuestPtr) -> Result<u8, Errno> {
        Ok(self.bytes[self.typed(ptr, 1, 1)?][0])
    }

    pub(crate) fn read_u16(&self, ptr: GuestPtr) -> Result<u16, Errno> {
        let r = self.typed(ptr, 2, 2)?;
        Ok(u16::from_le_bytes(self.bytes[r].try_into().expect("2 bytes")))
    }

    pub(crate) fn read_u32(&self, ptr: GuestPtr) -> Result<u32, Errno> {
        let r = self.typed(ptr, 4, 4)?;
        Ok(u32::from_le_bytes(self.bytes[r].try_into().expect("4 bytes")))
    }

    pub(crate) fn read_u64(&self, ptr: GuestPtr) -> Result<u64, Errno> {
        let r = self.typed(ptr, 8, 8)?;
        Ok(u64::from_le_bytes(self.bytes[r].try_into().expect("8 bytes")))
    }

    pub(crate) fn write_u8(&mut self, ptr: GuestPtr, v: u8) -> Result<(), Errno> {
        let r = self.typed(ptr, 1, 1)?;
        self.bytes[r][0] = v;
        Ok(())
    }

    pub(crate) fn write_u16(&mut self, ptr: GuestPtr, v: u16) -> Result<(), Errno> {
        let r = self.typed(ptr, 2, 2)?;
        self.bytes[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    pub(crate) fn write_u32(&mut self, ptr: GuestPtr, v: u32) -> Result<(), Errno> {
        let r = self.typed(ptr, 4, 4)?;
        self.bytes[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    pub(crate) fn write_u64(&mut self, ptr: GuestPtr, v: u64) -> Result<(), Errno> {
        let r = self.typed(ptr, 8, 8)?;
        self.bytes[r].copy_from_slice(&v.to_le_bytes());
        Ok(())
    }

    /// Copies `data` to `ptr`.
    pub(crate) fn write_bytes(&mut self, ptr: GuestPtr, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Checks that `size` bytes at `ptr`, aligned to `align`, are writable,
    /// before an operation with side effects whose result goes there.
    pub(crate) fn check_out(&self, ptr: GuestPtr, size: u32, align: u32) -> Result<(), Errno> {
        self.typed(ptr, size, align).map(drop)
    }

    /// The array of `len` iovecs at `ptr` (each 8 bytes, 4-aligned), with
    /// every buffer checked to lie inside memory (EFAULT), but only the
    /// first of them that one call moves: empty buffers are left out, and
    /// so is everything after [`MAX_IOVECS`] buffers or [`MAX_IO`] bytes.
    /// The host's copy of the array thus stays small however long the
    /// guest's is (half a billion empty iovecs fit in 4 GiB); preview1 lets
    /// a call move fewer bytes than its iovecs hold.
    pub(crate) fn iovecs(&self, ptr: GuestPtr, len: u32) -> Result<Vec<IoVec>, Errno> {
        let size = len.checked_mul(8).ok_or(Errno::FAULT)?;
        self.typed(ptr, size, 4)?;
        let mut out = Vec::new();
        let mut total = 0usize;
        for i in 0..len {
            let at = ptr + i * 8;
            let v = IoVec { ptr: self.read_u32(at)?, len: self.read_u32(at + 4)? };
            self.range(v.ptr, v.len)?;
            if v.len > 0 && out.len() < MAX_IOVECS && total < MAX_IO {
                total = total.saturating_add(v.len as usize);
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The bytes of the buffers in `iovs`, concatenated, but at most
    /// [`MAX_IO`] of them: iovecs may overlap, so their total is bounded by
    /// nothing but the guest's wishes. Preview1 lets a write move fewer
    /// bytes than asked, and reports how many it did.
    pub(crate) fn gather(&self, iovs: &[IoVec]) -> Result<Vec<u8>, Errno> {
        let total = iovs.iter().map(|v| v.len as usize).fold(0usize, usize::saturating_add);
        let mut out = Vec::with_capacity(total.min(MAX_IO));
        for v in iovs {
            let room = MAX_IO - out.len();
            if room == 0 {
                break;
            }
            let bytes = self.slice(v.ptr, v.len)?;
            out.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
        Ok(out)
    }

    /// Copies `data` into the buffers of `iovs` in order; returns how much fit.
    pub(crate) fn scatter(&mut self, iovs: &[IoVec], mut data: &[u8]) -> Result<usize, Errno> {
        let mut done = 0;
        for v in iovs {
            if data.is_empty() {
                break;
            }
            let n = data.len().min(v.len as usize);
            self.slice_mut(v.ptr, n as u32)?.copy_from_slice(&data[..n]);
            data = &data[n..];
            done += n;
        }
        Ok(done)
    }

    /// A path or other string argument: EFAULT out of bounds, EILSEQ if it is
    /// not UTF-8.
    pub(crate) fn str(&self, ptr: GuestPtr, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::ILSEQ)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        let mut bytes = vec![0u8; 64];
        let mut m = GuestMemory::new(&mut bytes);
        assert!(m.slice(0, 64).is_ok());
        assert_eq!(m.slice(1, 64), Err(Errno::FAULT));
        assert_eq!(m.slice(64, 0).map(<[u8]>::len), Ok(0));
        assert_eq!(m.slice(65, 0), Err(Errno::FAULT));
        assert_eq!(m.slice(u32::MAX, 2), Err(Errno::FAULT));
        assert_eq!(m.read_u32(62), Err(Errno::FAULT));
        assert_eq!(m.write_u64(60, 1), Err(Errno::FAULT));
        assert_eq!(m.write_bytes(63, b"ab"), Err(Errno::FAULT));
        assert!(m.write_u64(56, 7).is_ok());
        assert_eq!(m.read_u64(56), Ok(7));
    }

    #[test]
    fn alignment_is_checked() {
        let mut bytes = vec![0u8; 64];
        let mut m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_u32(2), Err(Errno::INVAL));
        assert_eq!(m.write_u16(3, 1), Err(Errno::INVAL));
        assert_eq!(m.read_u8(3), Ok(0));
        m.write_u32(4, 0xdead_beef).unwrap();
        assert_eq!(m.slice(4, 4).unwrap(), &[0xef, 0xbe, 0xad, 0xde]);
    }

    #[test]
    fn iovecs_and_their_buffers_are_checked() {
        let mut bytes = vec![0u8; 64];
        let mut m = GuestMemory::new(&mut bytes);
        // Two iovecs at 0: (32, 4) and (40, 8).
        m.write_u32(0, 32).unwrap();
        m.write_u32(4, 4).unwrap();
        m.write_u32(8, 40).unwrap();
        m.write_u32(12, 8).unwrap();
        let iovs = m.iovecs(0, 2).unwrap();
        assert_eq!(iovs, vec![IoVec { ptr: 32, len: 4 }, IoVec { ptr: 40, len: 8 }]);
        assert_eq!(m.scatter(&iovs, b"hello world!!").unwrap(), 12);
        assert_eq!(m.gather(&iovs).unwrap(), b"hello world!");
        // The array itself runs past the end.
        assert_eq!(m.iovecs(60, 1), Err(Errno::FAULT));
        assert_eq!(m.iovecs(0, u32::MAX), Err(Errno::FAULT));
        // A buffer runs past the end.
        m.write_u32(12, 100).unwrap();
        assert_eq!(m.iovecs(0, 2), Err(Errno::FAULT));
    }

    #[test]
    fn only_the_iovecs_one_call_moves_are_kept() {
        // 512 Ki empty iovecs, then one of 3 bytes: only that one is kept.
        let n = 512 << 10;
        let mut bytes = vec![0u8; n * 8 + 64];
        let mut m = GuestMemory::new(&mut bytes);
        let last = (n * 8) as u32;
        m.write_u32(last - 8, last + 8).unwrap();
        m.write_u32(last - 4, 3).unwrap();
        assert_eq!(m.iovecs(0, n as u32).unwrap(), vec![IoVec { ptr: last + 8, len: 3 }]);
        // 2000 one-byte iovecs: the first MAX_IOVECS are kept...
        for i in 0..2000u32 {
            m.write_u32(i * 8, 0).unwrap();
            m.write_u32(i * 8 + 4, 1).unwrap();
        }
        assert_eq!(m.iovecs(0, 2000).unwrap().len(), MAX_IOVECS);
        // ...but every one is still checked: a bad buffer past the cap is EFAULT.
        m.write_u32(1999 * 8, u32::MAX).unwrap();
        assert_eq!(m.iovecs(0, 2000), Err(Errno::FAULT));
    }

    #[test]
    fn gather_is_capped_however_the_iovecs_overlap() {
        let mut bytes = vec![7u8; 1 << 20];
        let m = GuestMemory::new(&mut bytes);
        // 64 iovecs over the same 1 MiB ask for 64 MiB.
        let iovs = vec![IoVec { ptr: 0, len: 1 << 20 }; 64];
        let data = m.gather(&iovs).unwrap();
        assert_eq!(data.len(), MAX_IO);
        assert!(data.iter().all(|b| *b == 7));
    }

    #[test]
    fn strings_must_be_utf8() {
        let mut bytes = b"ok\xff\xfe".to_vec();
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(m.str(0, 2), Ok("ok"));
        assert_eq!(m.str(0, 4), Err(Errno::ILSEQ));
        assert_eq!(m.str(2, 8), Err(Errno::FAULT));
    }
}
