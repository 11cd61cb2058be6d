//! Anonymous in-memory files (`memfd_create`): the backing of memory
//! images for modules that did not come from a file.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd};

/// A sealed memfd named `name` holding `bytes`: nothing can write to it,
/// grow it or shrink it any more, so private mappings of it always read
/// `bytes`. Fails where memfds are unavailable (old kernels, seccomp).
pub fn sealed_memfd(name: &str, bytes: &[u8]) -> io::Result<OwnedFd> {
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    // SAFETY: `name` is a valid NUL-terminated string; the flags are plain.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by `memfd_create` and is owned by no one else.
    let mut file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.write_all(bytes)?;
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK;
    // SAFETY: `fcntl` on our own open descriptor with an integer argument.
    if unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(OwnedFd::from(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn holds_its_bytes_and_refuses_writes() {
        let fd = sealed_memfd("kiln-test", b"hello").unwrap();
        let mut file = File::from(fd);
        assert!(file.write_all(b"x").is_err(), "sealed against writes");
        let mut s = String::new();
        std::io::Seek::rewind(&mut file).unwrap();
        file.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
    }
}
