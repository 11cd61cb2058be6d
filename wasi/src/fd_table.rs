//! The guest's descriptor table: what each `Fd` refers to (a stream, a
//! file, a directory, a socket), with its rights and flags.

use super::errno::Errno;
use super::pipe::{InputStream, OutputStream};
use super::types::{Fd, FileType, Rights};
use std::collections::BTreeMap;

/// An open regular file (or other non-directory) reached through a preopen.
pub(crate) struct FileEntry {
    pub file: cap_std::fs::File,
    /// Whether the host file is open for reading.
    pub read: bool,
    /// Whether the host file is open for writing.
    pub write: bool,
}

impl FileEntry {
    /// EBADF unless the file was opened for reading (as POSIX `read` says).
    pub(crate) fn readable(&self) -> Result<(), Errno> {
        if self.read { Ok(()) } else { Err(Errno::BADF) }
    }

    /// EBADF unless the file was opened for writing.
    pub(crate) fn writable(&self) -> Result<(), Errno> {
        if self.write { Ok(()) } else { Err(Errno::BADF) }
    }
}

/// An open directory: a preopen, or one the guest opened under one.
pub(crate) struct DirEntry {
    pub dir: cap_std::fs::Dir,
    /// The guest-visible name, for preopens only.
    pub preopen: Option<String>,
}

/// A socket handed to the guest by the embedder, or accepted from one.
pub(crate) enum Socket {
    TcpListener(std::net::TcpListener),
    TcpStream(std::net::TcpStream),
    UnixListener(std::os::unix::net::UnixListener),
    UnixStream(std::os::unix::net::UnixStream),
}

/// What a descriptor refers to.
pub(crate) enum Descriptor {
    Input(Box<dyn InputStream>),
    Output(Box<dyn OutputStream>),
    File(FileEntry),
    Dir(DirEntry),
    Socket(Socket),
}

/// One slot of the table.
pub(crate) struct Entry {
    pub desc: Descriptor,
    /// Rights of the descriptor itself.
    pub base: Rights,
    /// Rights that descriptors opened through it may get.
    pub inheriting: Rights,
    /// `fdflags` kept by the host for streams and sockets (files ask the OS).
    pub flags: u16,
}

impl Entry {
    pub(crate) fn new(desc: Descriptor, base: Rights, inheriting: Rights) -> Self {
        Self { desc, base, inheriting, flags: 0 }
    }

    /// ENOTCAPABLE unless the descriptor has every right in `rights`.
    pub(crate) fn require(&self, rights: Rights) -> Result<(), Errno> {
        if self.base.contains(rights) { Ok(()) } else { Err(Errno::NOTCAPABLE) }
    }

    /// The `filetype` the guest sees in `fdstat`.
    pub(crate) fn filetype(&self) -> FileType {
        match &self.desc {
            Descriptor::Input(s) if s.is_terminal() => FileType::CharacterDevice,
            Descriptor::Output(s) if s.is_terminal() => FileType::CharacterDevice,
            Descriptor::Input(_) | Descriptor::Output(_) => FileType::Unknown,
            Descriptor::File(f) => {
                f.file.metadata().map(|m| FileType::from_host(m.file_type())).unwrap_or(FileType::Unknown)
            }
            Descriptor::Dir(_) => FileType::Directory,
            Descriptor::Socket(_) => FileType::SocketStream,
        }
    }
}

/// Descriptors by number.
#[derive(Default)]
pub(crate) struct FdTable {
    entries: BTreeMap<u32, Entry>,
}

impl FdTable {
    /// Puts `entry` at the lowest free number.
    pub(crate) fn push(&mut self, entry: Entry) -> Result<Fd, Errno> {
        let mut fd = 0u32;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::MFILE)?;
        }
        self.entries.insert(fd, entry);
        Ok(Fd(fd))
    }

    /// Puts `entry` at `fd`, replacing what was there.
    pub(crate) fn insert_at(&mut self, fd: Fd, entry: Entry) {
        self.entries.insert(fd.0, entry);
    }

    pub(crate) fn get(&self, fd: Fd) -> Result<&Entry, Errno> {
        self.entries.get(&fd.0).ok_or(Errno::BADF)
    }

    pub(crate) fn get_mut(&mut self, fd: Fd) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&fd.0).ok_or(Errno::BADF)
    }

    pub(crate) fn remove(&mut self, fd: Fd) -> Result<Entry, Errno> {
        self.entries.remove(&fd.0).ok_or(Errno::BADF)
    }

    pub(crate) fn contains(&self, fd: Fd) -> bool {
        self.entries.contains_key(&fd.0)
    }

    /// A directory with `rights`: EBADF if there is no such descriptor,
    /// ENOTDIR if it is not a directory, ENOTCAPABLE without the rights.
    pub(crate) fn dir(&self, fd: Fd, rights: Rights) -> Result<&DirEntry, Errno> {
        let e = self.get(fd)?;
        match &e.desc {
            Descriptor::Dir(d) => {
                e.require(rights)?;
                Ok(d)
            }
            _ => Err(Errno::NOTDIR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::ClosedInputPipe;

    fn entry() -> Entry {
        Entry::new(Descriptor::Input(Box::new(ClosedInputPipe)), Rights::FD_READ, Rights::NONE)
    }

    #[test]
    fn numbers_are_reused_lowest_first() {
        let mut t = FdTable::default();
        assert_eq!(t.push(entry()).unwrap(), Fd(0));
        assert_eq!(t.push(entry()).unwrap(), Fd(1));
        assert_eq!(t.push(entry()).unwrap(), Fd(2));
        t.remove(Fd(1)).unwrap();
        assert_eq!(t.push(entry()).unwrap(), Fd(1));
        assert_eq!(t.push(entry()).unwrap(), Fd(3));
        assert!(matches!(t.remove(Fd(9)), Err(Errno::BADF)));
    }

    #[test]
    fn type_and_rights_are_checked() {
        let mut t = FdTable::default();
        let fd = t.push(entry()).unwrap();
        assert!(matches!(t.dir(fd, Rights::NONE), Err(Errno::NOTDIR)));
        assert!(matches!(t.dir(Fd(7), Rights::NONE), Err(Errno::BADF)));
        assert_eq!(t.get(fd).unwrap().require(Rights::FD_WRITE), Err(Errno::NOTCAPABLE));
        assert_eq!(t.get(fd).unwrap().require(Rights::FD_READ), Ok(()));
    }
}
