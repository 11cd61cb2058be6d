//! The `fd_*` calls: reading, writing, seeking, syncing, stat and flags on
//! an open descriptor of any kind, directory listing with cookies, and the
//! preopen queries.

use super::WasiCtx;
use super::errno::Errno;
use super::fd_table::{Descriptor, Entry, FileEntry, Socket};
use super::memory::{GuestMemory, IoVec, MAX_IO};
use super::types::{Abi, Fd, FileType, Filestat, GuestPtr, PREOPENTYPE_DIR, Rights, Whence, advice, fdflags, fstflags};
use super::unstable;
use rustix::fs::{OFlags, Timespec, Timestamps};
use std::io::{Read, Write};
use std::num::NonZeroU64;

/// How many bytes a read into `iovs` asks for, at most [`MAX_IO`].
fn total_len(iovs: &[IoVec]) -> usize {
    iovs.iter().map(|v| v.len as usize).fold(0usize, usize::saturating_add).min(MAX_IO)
}

/// The open file behind `fd`, with `rights`; EBADF for other kinds.
fn file(entry: &Entry, rights: Rights) -> Result<&FileEntry, Errno> {
    match &entry.desc {
        Descriptor::File(f) => {
            entry.require(rights)?;
            Ok(f)
        }
        Descriptor::Dir(_) => Err(Errno::ISDIR),
        _ => Err(Errno::BADF),
    }
}

/// Whether a read from a stream with this readiness would return at once
/// (for a guest that set NONBLOCK on it).
fn input_ready(r: super::pipe::Readiness) -> Result<bool, Errno> {
    match r {
        super::pipe::Readiness::Ready(_) => Ok(true),
        super::pipe::Readiness::HostFd(fd) => {
            // SAFETY: the descriptor belongs to the stream being read, which
            // outlives this call.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
            let mut p = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
            let zero = rustix::time::Timespec { tv_sec: 0, tv_nsec: 0 };
            Ok(rustix::event::poll(&mut p, Some(&zero))? > 0)
        }
    }
}

/// A `timestamp` + `fstflags` pair as a `futimens` time.
pub(crate) fn time_spec(ts: u64, set: bool, now: bool) -> Result<Timespec, Errno> {
    Ok(match (set, now) {
        (true, true) => return Err(Errno::INVAL),
        (true, false) => Timespec { tv_sec: (ts / 1_000_000_000) as _, tv_nsec: (ts % 1_000_000_000) as _ },
        (false, true) => Timespec { tv_sec: 0, tv_nsec: rustix::fs::UTIME_NOW },
        (false, false) => Timespec { tv_sec: 0, tv_nsec: rustix::fs::UTIME_OMIT },
    })
}

/// The `futimens` times for `atim`, `mtim` and `fst_flags`.
pub(crate) fn timestamps(atim: u64, mtim: u64, flags: u32) -> Result<Timestamps, Errno> {
    let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
    if flags & !fstflags::ALL != 0 {
        return Err(Errno::INVAL);
    }
    Ok(Timestamps {
        last_access: time_spec(atim, flags & fstflags::ATIM != 0, flags & fstflags::ATIM_NOW != 0)?,
        last_modification: time_spec(mtim, flags & fstflags::MTIM != 0, flags & fstflags::MTIM_NOW != 0)?,
    })
}

/// A readable descriptor for `dir` itself. cap-std may hold directories as
/// `O_PATH` descriptors, which cannot be listed, synced or have their times
/// set; reopening `.` through one gives a descriptor that can.
pub(crate) fn reopen_dir(dir: &cap_std::fs::Dir) -> Result<std::os::fd::OwnedFd, Errno> {
    Ok(rustix::fs::openat(dir, ".", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, rustix::fs::Mode::empty())?)
}

/// The `fdflags` of a host file.
fn host_fdflags(f: impl std::os::fd::AsFd) -> Result<u16, Errno> {
    let fl = rustix::fs::fcntl_getfl(f)?;
    let mut out = 0;
    if fl.contains(OFlags::APPEND) {
        out |= fdflags::APPEND;
    }
    if fl.contains(OFlags::NONBLOCK) {
        out |= fdflags::NONBLOCK;
    }
    if fl.contains(OFlags::SYNC) {
        out |= fdflags::SYNC;
    } else if fl.contains(OFlags::DSYNC) {
        out |= fdflags::DSYNC;
    }
    Ok(out)
}

/// Writes all of `data` without moving the descriptor's offset: at
/// `offset`, or at the end of the file when `append` (the host's `O_APPEND`
/// is set). Returns how many bytes were written (fewer only if the file
/// stopped taking them).
fn pwrite_all(file: &cap_std::fs::File, data: &[u8], offset: u64, append: bool) -> Result<usize, Errno> {
    let mut done = 0;
    while done < data.len() {
        // Linux ignores the offset of a `pwrite` on an `O_APPEND` file, but
        // still refuses a negative one: the guest's offset means nothing
        // here, so it is not passed on (nor checked).
        let at =
            if append && cfg!(target_os = "linux") { 0 } else { offset.checked_add(done as u64).ok_or(Errno::FBIG)? };
        let n = match rustix::io::pwrite(file, &data[done..], at) {
            Ok(n) => n,
            Err(rustix::io::Errno::INTR) => continue,
            // Report what did reach the file; the next call sees the error.
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            break;
        }
        done += n;
    }
    Ok(done)
}

impl Socket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        match self {
            Socket::TcpListener(s) => s.as_fd(),
            Socket::TcpStream(s) => s.as_fd(),
            Socket::UnixListener(s) => s.as_fd(),
            Socket::UnixStream(s) => s.as_fd(),
        }
    }

    pub(crate) fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::TcpStream(s) => s.read(buf),
            Socket::UnixStream(s) => s.read(buf),
            _ => Err(std::io::Error::from_raw_os_error(libc::ENOTCONN)),
        }
    }

    pub(crate) fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::TcpStream(s) => s.write(buf),
            Socket::UnixStream(s) => s.write(buf),
            _ => Err(std::io::Error::from_raw_os_error(libc::ENOTCONN)),
        }
    }

    pub(crate) fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.as_fd().as_raw_fd()
    }

    pub(crate) fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.as_fd()
    }
}

impl WasiCtx {
    pub(crate) fn fd_advise(&mut self, fd: Fd, offset: u64, len: u64, adv: u32) -> Result<(), Errno> {
        use rustix::fs::Advice;
        let adv = match u8::try_from(adv).map_err(|_| Errno::INVAL)? {
            advice::NORMAL => Advice::Normal,
            advice::SEQUENTIAL => Advice::Sequential,
            advice::RANDOM => Advice::Random,
            advice::WILLNEED => Advice::WillNeed,
            advice::DONTNEED => Advice::DontNeed,
            advice::NOREUSE => Advice::NoReuse,
            _ => return Err(Errno::INVAL),
        };
        let f = file(self.table.get(fd)?, Rights::FD_ADVISE)?;
        offset.checked_add(len).ok_or(Errno::INVAL)?;
        rustix::fs::fadvise(&f.file, offset, NonZeroU64::new(len), adv)?;
        Ok(())
    }

    pub(crate) fn fd_allocate(&mut self, fd: Fd, offset: u64, len: u64) -> Result<(), Errno> {
        let f = file(self.table.get(fd)?, Rights::FD_ALLOCATE)?;
        let end = offset.checked_add(len).ok_or(Errno::FBIG)?;
        if len == 0 {
            return Err(Errno::INVAL);
        }
        let size = f.file.metadata()?.len();
        if end > size {
            f.file.set_len(end)?;
        }
        Ok(())
    }

    pub(crate) fn fd_close(&mut self, fd: Fd) -> Result<(), Errno> {
        let entry = self.table.remove(fd)?;
        if let Descriptor::Output(mut s) = entry.desc {
            let _ = s.flush();
        }
        Ok(())
    }

    pub(crate) fn fd_datasync(&mut self, fd: Fd) -> Result<(), Errno> {
        let f = file(self.table.get(fd)?, Rights::FD_DATASYNC)?;
        rustix::fs::fdatasync(&f.file)?;
        Ok(())
    }

    pub(crate) fn fd_sync(&mut self, fd: Fd) -> Result<(), Errno> {
        let e = self.table.get(fd)?;
        e.require(Rights::FD_SYNC)?;
        match &e.desc {
            Descriptor::File(f) => rustix::fs::fsync(&f.file)?,
            Descriptor::Dir(d) => rustix::fs::fsync(reopen_dir(&d.dir)?)?,
            _ => return Err(Errno::INVAL),
        }
        Ok(())
    }

    pub(crate) fn fd_fdstat_get(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, out: GuestPtr) -> Result<(), Errno> {
        let e = self.table.get(fd)?;
        let flags = match &e.desc {
            Descriptor::File(f) => host_fdflags(&f.file)?,
            _ => e.flags,
        };
        mem.check_out(out, 24, 8)?;
        mem.write_bytes(out, &[e.filetype() as u8, 0])?;
        mem.write_u16(out + 2, flags)?;
        mem.write_u32(out + 4, 0)?;
        mem.write_u64(out + 8, e.base.0)?;
        mem.write_u64(out + 16, e.inheriting.0)
    }

    pub(crate) fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: u32) -> Result<(), Errno> {
        let flags = u16::try_from(flags).map_err(|_| Errno::INVAL)?;
        if flags & !fdflags::ALL != 0 {
            return Err(Errno::INVAL);
        }
        let e = self.table.get_mut(fd)?;
        e.require(Rights::FD_FDSTAT_SET_FLAGS)?;
        match &e.desc {
            Descriptor::File(f) => {
                let current = host_fdflags(&f.file)?;
                let sync = fdflags::DSYNC | fdflags::SYNC;
                // Linux cannot change the sync flags of an open file.
                let rsync_without_sync = flags & fdflags::RSYNC != 0 && current & fdflags::SYNC == 0;
                if (current ^ flags) & sync != 0 || rsync_without_sync {
                    return Err(Errno::NOTSUP);
                }
                let mut fl = rustix::fs::fcntl_getfl(&f.file)?;
                fl.set(OFlags::APPEND, flags & fdflags::APPEND != 0);
                fl.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
                rustix::fs::fcntl_setfl(&f.file, fl)?;
            }
            Descriptor::Socket(s) => {
                if flags & !fdflags::NONBLOCK != 0 {
                    return Err(Errno::NOTSUP);
                }
                let mut fl = rustix::fs::fcntl_getfl(s.fd())?;
                fl.set(OFlags::NONBLOCK, flags & fdflags::NONBLOCK != 0);
                rustix::fs::fcntl_setfl(s.fd(), fl)?;
                e.flags = flags;
            }
            _ => {
                if flags & !(fdflags::APPEND | fdflags::NONBLOCK) != 0 {
                    return Err(Errno::NOTSUP);
                }
                e.flags = flags;
            }
        }
        Ok(())
    }

    pub(crate) fn fd_fdstat_set_rights(&mut self, fd: Fd, base: u64, inheriting: u64) -> Result<(), Errno> {
        let e = self.table.get_mut(fd)?;
        let (base, inheriting) = (Rights(base), Rights(inheriting));
        if !e.base.contains(base) || !e.inheriting.contains(inheriting) {
            return Err(Errno::NOTCAPABLE);
        }
        e.base = base;
        e.inheriting = inheriting;
        Ok(())
    }

    pub(crate) fn fd_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        abi: Abi,
        fd: Fd,
        out: GuestPtr,
    ) -> Result<(), Errno> {
        let e = self.table.get(fd)?;
        e.require(Rights::FD_FILESTAT_GET)?;
        let st = match &e.desc {
            Descriptor::File(f) => Filestat::from_stat(&rustix::fs::fstat(&f.file)?),
            Descriptor::Dir(d) => Filestat::from_stat(&rustix::fs::fstat(&d.dir)?),
            Descriptor::Socket(s) => Filestat::from_stat(&rustix::fs::fstat(s.fd())?),
            _ => Filestat { filetype: e.filetype() as u8, ..Filestat::default() },
        };
        unstable::write_filestat(mem, abi, out, &st)
    }

    pub(crate) fn fd_filestat_set_size(&mut self, fd: Fd, size: u64) -> Result<(), Errno> {
        let f = file(self.table.get(fd)?, Rights::FD_FILESTAT_SET_SIZE)?;
        if size > i64::MAX as u64 {
            return Err(Errno::FBIG);
        }
        rustix::fs::ftruncate(&f.file, size)?;
        Ok(())
    }

    pub(crate) fn fd_filestat_set_times(&mut self, fd: Fd, atim: u64, mtim: u64, flags: u32) -> Result<(), Errno> {
        let times = timestamps(atim, mtim, flags)?;
        let e = self.table.get(fd)?;
        e.require(Rights::FD_FILESTAT_SET_TIMES)?;
        match &e.desc {
            Descriptor::File(f) => rustix::fs::futimens(&f.file, &times)?,
            Descriptor::Dir(d) => rustix::fs::futimens(reopen_dir(&d.dir)?, &times)?,
            _ => return Err(Errno::BADF),
        }
        Ok(())
    }

    pub(crate) fn fd_read(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        nread: GuestPtr,
    ) -> Result<(), Errno> {
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(nread, 4, 4)?;
        let mut buf = vec![0u8; total_len(&iovs)];
        let e = self.table.get_mut(fd)?;
        let n = match &mut e.desc {
            Descriptor::Input(s) => {
                e.base.contains(Rights::FD_READ).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                if e.flags & fdflags::NONBLOCK != 0 && !input_ready(s.readiness())? {
                    return Err(Errno::AGAIN);
                }
                s.read(&mut buf)?
            }
            Descriptor::File(f) => {
                f.readable()?;
                e.base.contains(Rights::FD_READ).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                (&f.file).read(&mut buf)?
            }
            Descriptor::Socket(s) => {
                e.base.contains(Rights::FD_READ).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                s.read(&mut buf)?
            }
            Descriptor::Dir(_) => return Err(Errno::ISDIR),
            Descriptor::Output(_) => return Err(Errno::BADF),
        };
        mem.scatter(&iovs, &buf[..n])?;
        tracing::trace!(target: "kiln::wasi", "| *nread={n}");
        mem.write_u32(nread, n as u32)
    }

    pub(crate) fn fd_write(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        nwritten: GuestPtr,
    ) -> Result<(), Errno> {
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(nwritten, 4, 4)?;
        let data = mem.gather(&iovs)?;
        let e = self.table.get_mut(fd)?;
        let n = match &mut e.desc {
            Descriptor::Output(s) => {
                e.base.contains(Rights::FD_WRITE).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                s.write(&data)?;
                data.len()
            }
            Descriptor::File(f) => {
                f.writable()?;
                e.base.contains(Rights::FD_WRITE).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                (&f.file).write_all(&data)?;
                data.len()
            }
            Descriptor::Socket(s) => {
                e.base.contains(Rights::FD_WRITE).then_some(()).ok_or(Errno::NOTCAPABLE)?;
                s.write(&data)?
            }
            Descriptor::Dir(_) => return Err(Errno::ISDIR),
            Descriptor::Input(_) => return Err(Errno::BADF),
        };
        tracing::trace!(target: "kiln::wasi", "| *nwritten={n}");
        mem.write_u32(nwritten, n as u32)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fd_pread(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        offset: u64,
        nread: GuestPtr,
    ) -> Result<(), Errno> {
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(nread, 4, 4)?;
        let e = self.table.get(fd)?;
        if matches!(e.desc, Descriptor::Input(_) | Descriptor::Output(_) | Descriptor::Socket(_)) {
            return Err(Errno::SPIPE);
        }
        if let Descriptor::File(f) = &e.desc {
            f.readable()?;
        }
        let f = file(e, Rights::FD_READ | Rights::FD_SEEK)?;
        let mut buf = vec![0u8; total_len(&iovs)];
        let n = rustix::io::pread(&f.file, &mut buf, offset)?;
        mem.scatter(&iovs, &buf[..n])?;
        mem.write_u32(nread, n as u32)
    }

    pub(crate) fn fd_pwrite(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        iovs: GuestPtr,
        iovs_len: u32,
        offset: u64,
        nwritten: GuestPtr,
    ) -> Result<(), Errno> {
        let iovs = mem.iovecs(iovs, iovs_len)?;
        mem.check_out(nwritten, 4, 4)?;
        let data = mem.gather(&iovs)?;
        let e = self.table.get(fd)?;
        if matches!(e.desc, Descriptor::Input(_) | Descriptor::Output(_) | Descriptor::Socket(_)) {
            return Err(Errno::SPIPE);
        }
        if let Descriptor::File(f) = &e.desc {
            f.writable()?;
        }
        let f = file(e, Rights::FD_WRITE)?;
        let append = host_fdflags(&f.file)? & fdflags::APPEND != 0;
        // An append-mode descriptor writes at the end of the file (Linux's
        // `pwrite` semantics, as wasmtime has them) and never positions
        // anything, so it needs FD_WRITE alone; any other needs FD_SEEK too.
        if !append {
            e.require(Rights::FD_SEEK)?;
        }
        let done = pwrite_all(&f.file, &data, offset, append)?;
        tracing::trace!(target: "kiln::wasi", "| *nwritten={done}");
        mem.write_u32(nwritten, done as u32)
    }

    pub(crate) fn fd_prestat_get(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, out: GuestPtr) -> Result<(), Errno> {
        let name = self.preopen_name(fd)?;
        let len = u32::try_from(name.len())?;
        mem.check_out(out, 8, 4)?;
        mem.write_u32(out, PREOPENTYPE_DIR as u32)?;
        mem.write_u32(out + 4, len)
    }

    pub(crate) fn fd_prestat_dir_name(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr,
        path_len: u32,
    ) -> Result<(), Errno> {
        let name = self.preopen_name(fd)?;
        if (path_len as usize) < name.len() {
            return Err(Errno::NAMETOOLONG);
        }
        mem.write_bytes(path, name.as_bytes())
    }

    fn preopen_name(&self, fd: Fd) -> Result<&str, Errno> {
        match &self.table.get(fd)?.desc {
            Descriptor::Dir(d) => d.preopen.as_deref().ok_or(Errno::BADF),
            _ => Err(Errno::BADF),
        }
    }

    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    pub(crate) fn fd_readdir(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        buf: GuestPtr,
        buf_len: u32,
        cookie: u64,
        bufused: GuestPtr,
    ) -> Result<(), Errno> {
        let e = self.table.get(fd)?;
        let d = match &e.desc {
            Descriptor::Dir(d) => d,
            // Not a directory: like wasmtime, "not a descriptor you can list".
            _ => return Err(Errno::BADF),
        };
        e.require(Rights::FD_READDIR)?;
        mem.slice(buf, buf_len)?;
        mem.check_out(bufused, 4, 4)?;
        let mut reader = rustix::fs::Dir::new(reopen_dir(&d.dir)?)?;
        if cookie != 0 {
            reader.seek(cookie as i64)?;
        }
        let self_ino = rustix::fs::fstat(&d.dir)?.st_ino as u64;
        let mut used = 0u32;
        while used < buf_len {
            let Some(entry) = reader.read() else { break };
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            let mut ino = entry.ino();
            let filetype = match entry.file_type() {
                rustix::fs::FileType::Directory => FileType::Directory,
                rustix::fs::FileType::RegularFile => FileType::RegularFile,
                rustix::fs::FileType::Symlink => FileType::SymbolicLink,
                rustix::fs::FileType::CharacterDevice => FileType::CharacterDevice,
                rustix::fs::FileType::BlockDevice => FileType::BlockDevice,
                rustix::fs::FileType::Socket => FileType::SocketStream,
                _ if name == b".." => FileType::Directory,
                // The file system did not say: ask, without following links.
                _ => rustix::fs::statat(&d.dir, entry.file_name(), rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .map(|st| FileType::from_mode(st.st_mode as u32))
                    .unwrap_or(FileType::Unknown),
            };
            if name == b".." {
                // The parent may lie outside the sandbox (the preopen, or the
                // preopen opened again through "."), and a directory cannot
                // tell which: report its own inode, as wasmtime does.
                ino = self_ino;
            }
            let mut rec = Vec::with_capacity(24 + name.len());
            rec.extend_from_slice(&(entry.offset() as u64).to_le_bytes());
            rec.extend_from_slice(&ino.to_le_bytes());
            rec.extend_from_slice(&(name.len() as u32).to_le_bytes());
            rec.extend_from_slice(&[filetype as u8, 0, 0, 0]);
            rec.extend_from_slice(name);
            let n = (rec.len() as u32).min(buf_len - used);
            mem.write_bytes(buf + used, &rec[..n as usize])?;
            used += n;
        }
        mem.write_u32(bufused, used)
    }

    pub(crate) fn fd_renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        if !self.table.contains(from) || !self.table.contains(to) {
            return Err(Errno::BADF);
        }
        if from == to {
            return Ok(());
        }
        let entry = self.table.remove(from)?;
        self.table.insert_at(to, entry);
        Ok(())
    }

    pub(crate) fn fd_seek(
        &mut self,
        mem: &mut GuestMemory<'_>,
        abi: Abi,
        fd: Fd,
        offset: i64,
        whence: u32,
        newoffset: GuestPtr,
    ) -> Result<(), Errno> {
        let whence = unstable::whence(abi, whence)?;
        mem.check_out(newoffset, 8, 8)?;
        let e = self.table.get(fd)?;
        let rights = if whence == Whence::Cur && offset == 0 { Rights::FD_TELL } else { Rights::FD_SEEK };
        if matches!(e.desc, Descriptor::Input(_) | Descriptor::Output(_) | Descriptor::Socket(_)) {
            return Err(Errno::SPIPE);
        }
        if !e.base.intersects(rights) {
            return Err(Errno::NOTCAPABLE);
        }
        let f = file(e, Rights::NONE).map_err(|e| if e == Errno::ISDIR { Errno::BADF } else { e })?;
        let pos = match whence {
            Whence::Set => {
                let off = u64::try_from(offset).map_err(|_| Errno::INVAL)?;
                rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Start(off))?
            }
            Whence::Cur => rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Current(offset))?,
            Whence::End => rustix::fs::seek(&f.file, rustix::fs::SeekFrom::End(offset))?,
        };
        mem.write_u64(newoffset, pos)
    }

    pub(crate) fn fd_tell(&mut self, mem: &mut GuestMemory<'_>, fd: Fd, out: GuestPtr) -> Result<(), Errno> {
        mem.check_out(out, 8, 8)?;
        let e = self.table.get(fd)?;
        if matches!(e.desc, Descriptor::Input(_) | Descriptor::Output(_) | Descriptor::Socket(_)) {
            return Err(Errno::SPIPE);
        }
        let f = file(e, Rights::FD_TELL).map_err(|e| if e == Errno::ISDIR { Errno::BADF } else { e })?;
        let pos = rustix::fs::seek(&f.file, rustix::fs::SeekFrom::Current(0))?;
        mem.write_u64(out, pos)
    }
}
