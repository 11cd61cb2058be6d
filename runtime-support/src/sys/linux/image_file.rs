//! Where in the program's own executable file some bytes of its image
//! come from, so that the memory images of a module linked into the
//! program can be mapped copy-on-write from the file, as an artifact's are,
//! instead of being copied into a memfd at every start.
//!
//! `dl_iterate_phdr` names the loaded object and the `PT_LOAD` segment
//! holding the bytes; only the main executable is used (opened as
//! `/proc/self/exe`, which is the running file even if its path was
//! replaced since), the bytes must lie in the segment's file-backed part,
//! and their start and end are read back from the file and compared
//! before the file is trusted.

use std::ffi::c_void;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;

/// What the search over loaded objects looks for and finds.
struct Search {
    addr: usize,
    len: usize,
    /// The file offset of `addr`, if the main executable maps it from its file.
    found: Option<u64>,
}

unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _size: libc::size_t, data: *mut c_void) -> libc::c_int {
    // SAFETY: `dl_iterate_phdr` passes a valid `info` for the duration of
    // the call, and `data` is the `Search` that `file_offset` passed.
    let (info, search) = unsafe { (&*info, &mut *data.cast::<Search>()) };
    // The main executable is the first object, with an empty name.
    // SAFETY: `dlpi_name` is null or a C string, per `dl_iterate_phdr`.
    let is_main = info.dlpi_name.is_null() || unsafe { *info.dlpi_name } == 0;
    if !is_main || info.dlpi_phdr.is_null() {
        return 1;
    }
    // SAFETY: `dlpi_phdr` points to `dlpi_phnum` program headers.
    let phdrs = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
    let Some(rel) = search.addr.checked_sub(info.dlpi_addr as usize) else { return 1 };
    for ph in phdrs.iter().filter(|ph| ph.p_type == libc::PT_LOAD) {
        let (start, filesz) = (ph.p_vaddr as usize, ph.p_filesz as usize);
        if rel >= start && rel.saturating_add(search.len) <= start.saturating_add(filesz) {
            search.found = Some(ph.p_offset + (rel - start) as u64);
        }
    }
    1
}

/// The main executable's file, opened read-only, and the offset in it of
/// `bytes`, which must be part of its loaded image; `None` when they are
/// not file-backed there, or the file does not hold them.
pub fn executable_file_of(bytes: &[u8]) -> Option<(OwnedFd, u64)> {
    if bytes.is_empty() {
        return None;
    }
    let mut search = Search { addr: bytes.as_ptr() as usize, len: bytes.len(), found: None };
    // SAFETY: `visit` matches the callback type and only reads what the
    // loader hands it; `search` outlives the call.
    unsafe { libc::dl_iterate_phdr(Some(visit), (&raw mut search).cast()) };
    let offset = search.found?;
    let file = File::open("/proc/self/exe").ok()?;
    // Trust, but verify: the bytes at both ends must match.
    let edge = bytes.len().min(4096);
    let mut buf = vec![0u8; edge];
    let same = |at: u64, expected: &[u8], buf: &mut [u8]| file.read_exact_at(buf, at).is_ok() && buf == expected;
    if !same(offset, &bytes[..edge], &mut buf) {
        return None;
    }
    let tail = bytes.len() - edge;
    if !same(offset + tail as u64, &bytes[tail..], &mut buf) {
        return None;
    }
    Some((file.into(), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read-only data of this test executable, in its file.
    static IN_THE_FILE: [u8; 16] = *b"kiln image bytes";

    #[test]
    fn finds_read_only_data_of_the_executable_in_its_file() {
        let (fd, offset) = executable_file_of(&IN_THE_FILE).expect("in the executable's file");
        let mut buf = [0u8; 16];
        File::from(fd).read_exact_at(&mut buf, offset).unwrap();
        assert_eq!(buf, IN_THE_FILE);
    }

    #[test]
    fn heap_bytes_are_not_in_any_file() {
        let heap = vec![7u8; 64];
        assert!(executable_file_of(&heap).is_none());
        assert!(executable_file_of(&[]).is_none());
    }
}
