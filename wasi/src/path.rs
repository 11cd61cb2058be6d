//! The `path_*` calls. Every path is resolved by cap-std relative to a
//! directory descriptor, so `..`, absolute paths and symlinks cannot leave
//! the preopen (cap-std reports such an attempt, which becomes ENOTCAPABLE).
//! This file adds the spec's checks around that: UTF-8 (EILSEQ), empty
//! paths (ENOENT), rights, and the trailing-slash rules.

use super::WasiCtx;
use super::errno::Errno;
use super::fd_table::{Descriptor, DirEntry, Entry, FileEntry};
use super::fs::timestamps;
use super::memory::GuestMemory;
use super::types::{Abi, Fd, Filestat, GuestPtr, Rights, fdflags, lookupflags, oflags};
use super::unstable;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt};
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};

/// A guest path: in bounds (EFAULT), UTF-8 (EILSEQ), not empty (ENOENT),
/// without NUL bytes (EINVAL).
pub(crate) fn guest_path<'m>(mem: &'m GuestMemory<'_>, ptr: GuestPtr, len: u32) -> Result<&'m str, Errno> {
    let s = mem.str(ptr, len)?;
    if s.is_empty() {
        return Err(Errno::NOENT);
    }
    if s.contains('\0') {
        return Err(Errno::INVAL);
    }
    tracing::trace!(target: "kiln::wasi", "| path={s:?}");
    Ok(s)
}

/// Whether `path` names a directory by its form (a trailing `/`).
fn has_trailing_slash(path: &str) -> bool {
    path.ends_with('/')
}

/// `path` without trailing slashes (but never emptied).
fn strip_trailing_slashes(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() { &path[..1] } else { t }
}

fn follow(flags: u32) -> Result<bool, Errno> {
    if flags & !lookupflags::SYMLINK_FOLLOW != 0 {
        return Err(Errno::INVAL);
    }
    Ok(flags & lookupflags::SYMLINK_FOLLOW != 0)
}

impl WasiCtx {
    pub(crate) fn path_create_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr,
        len: u32,
    ) -> Result<(), Errno> {
        let path = guest_path(mem, path, len)?;
        let d = self.table.dir(fd, Rights::PATH_CREATE_DIRECTORY)?;
        d.dir.create_dir(path)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_filestat_get(
        &mut self,
        mem: &mut GuestMemory<'_>,
        abi: Abi,
        fd: Fd,
        flags: u32,
        path: GuestPtr,
        len: u32,
        out: GuestPtr,
    ) -> Result<(), Errno> {
        let follow = follow(flags)?;
        let path = guest_path(mem, path, len)?;
        let d = self.table.dir(fd, Rights::PATH_FILESTAT_GET)?;
        let meta =
            if follow || has_trailing_slash(path) { d.dir.metadata(path)? } else { d.dir.symlink_metadata(path)? };
        if has_trailing_slash(path) && !meta.is_dir() {
            return Err(Errno::NOTDIR);
        }
        let st = Filestat::from_metadata(&meta);
        unstable::write_filestat(mem, abi, out, &st)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_filestat_set_times(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        flags: u32,
        path: GuestPtr,
        len: u32,
        atim: u64,
        mtim: u64,
        fst_flags: u32,
    ) -> Result<(), Errno> {
        let follow = follow(flags)?;
        let times = timestamps(atim, mtim, fst_flags)?;
        let path = guest_path(mem, path, len)?;
        let d = self.table.dir(fd, Rights::PATH_FILESTAT_SET_TIMES)?;
        let spec = |t: rustix::fs::Timespec| -> Option<cap_fs_ext::SystemTimeSpec> {
            match t.tv_nsec {
                rustix::fs::UTIME_OMIT => None,
                rustix::fs::UTIME_NOW => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
                _ => Some(cap_fs_ext::SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(
                    std::time::UNIX_EPOCH + std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32),
                ))),
            }
        };
        let (a, m) = (spec(times.last_access), spec(times.last_modification));
        if follow {
            d.dir.set_times(path, a, m)?;
        } else {
            d.dir.set_symlink_times(path, a, m)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_link(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_fd: Fd,
        old_flags: u32,
        old_path: GuestPtr,
        old_len: u32,
        new_fd: Fd,
        new_path: GuestPtr,
        new_len: u32,
    ) -> Result<(), Errno> {
        let follow = follow(old_flags)?;
        let old = guest_path(mem, old_path, old_len)?;
        let new = guest_path(mem, new_path, new_len)?;
        let src = self.table.dir(old_fd, Rights::PATH_LINK_SOURCE)?;
        let dst = self.table.dir(new_fd, Rights::PATH_LINK_TARGET)?;
        if has_trailing_slash(new) || has_trailing_slash(old) {
            // A trailing slash names a directory, and directories cannot be
            // hard-linked; but the source is looked up first, as Linux does,
            // so a missing one is ENOENT whatever the names look like.
            let old_name = strip_trailing_slashes(old);
            let meta = if follow || has_trailing_slash(old) {
                src.dir.metadata(old_name)?
            } else {
                src.dir.symlink_metadata(old_name)?
            };
            if meta.is_dir() {
                return Err(Errno::PERM);
            }
            if has_trailing_slash(old) {
                return Err(Errno::NOTDIR);
            }
            // `new/` cannot name the link to a non-directory: EEXIST if
            // something is there already, else what the lookup says (ENOENT).
            dst.dir.symlink_metadata(strip_trailing_slashes(new))?;
            return Err(Errno::EXIST);
        }
        if follow {
            // Resolve the source inside the sandbox, then link what it names.
            let resolved = src.dir.canonicalize(old)?;
            src.dir.hard_link(resolved, &dst.dir, new)?;
        } else {
            src.dir.hard_link(old, &dst.dir, new)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_open(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        dirflags: u32,
        path: GuestPtr,
        len: u32,
        oflags_raw: u32,
        base: u64,
        inheriting: u64,
        fdflags_raw: u32,
        out: GuestPtr,
    ) -> Result<(), Errno> {
        let follow = follow(dirflags)?;
        let of = u16::try_from(oflags_raw).map_err(|_| Errno::INVAL)?;
        let ff = u16::try_from(fdflags_raw).map_err(|_| Errno::INVAL)?;
        if of & !oflags::ALL != 0 || ff & !fdflags::ALL != 0 {
            return Err(Errno::INVAL);
        }
        let path = guest_path(mem, path, len)?;
        mem.check_out(out, 4, 4)?;
        let parent_entry = self.table.get(fd)?;
        let mut needed = Rights::PATH_OPEN;
        if of & oflags::CREAT != 0 {
            needed = needed | Rights::PATH_CREATE_FILE;
        }
        if of & oflags::TRUNC != 0 {
            needed = needed | Rights::PATH_FILESTAT_SET_SIZE;
        }
        let parent = self.table.dir(fd, needed)?;
        let base = Rights(base) & parent_entry.inheriting;
        let inheriting = Rights(inheriting) & parent_entry.inheriting;
        // APPEND alone does not make a descriptor writable: without a write
        // right the file is opened for reading only.
        let write = base.intersects(Rights::WRITE_MODE);
        let read = base.intersects(Rights::FD_READ | Rights::FD_READDIR) || !write;

        let entry = if of & oflags::DIRECTORY != 0 {
            if of & (oflags::CREAT | oflags::EXCL) != 0 {
                return Err(Errno::INVAL);
            }
            let dir = if follow { parent.dir.open_dir(path)? } else { parent.dir.open_dir_nofollow(path)? };
            if write || of & oflags::TRUNC != 0 {
                return Err(Errno::ISDIR);
            }
            Entry::new(Descriptor::Dir(DirEntry { dir, preopen: None }), base & Rights::DIR, inheriting)
        } else {
            // Creating or truncating needs write access at the OS level (and
            // cap-std must know about it to resolve the path safely), even
            // when the guest did not ask to write: the descriptor's rights and
            // access mode still refuse its writes.
            let creat = of & oflags::CREAT != 0;
            let trunc = of & oflags::TRUNC != 0;
            let os_write = write || creat || trunc;
            let mut opts = OpenOptions::new();
            // std's (and cap-std's) `append` implies write access, so it is
            // set only for a descriptor that may write.
            opts.read(read).write(os_write).append(write && ff & fdflags::APPEND != 0);
            opts.create(creat).create_new(creat && of & oflags::EXCL != 0).truncate(trunc);
            if !os_write {
                opts.maybe_dir(true);
            }
            let mut custom = 0;
            if ff & fdflags::NONBLOCK != 0 {
                custom |= libc::O_NONBLOCK;
            }
            opts.custom_flags(custom);
            opts.sync(ff & fdflags::SYNC != 0).dsync(ff & fdflags::DSYNC != 0).rsync(ff & fdflags::RSYNC != 0);
            opts.follow(if follow { FollowSymlinks::Yes } else { FollowSymlinks::No });
            let file = parent.dir.open_with(path, &opts)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                if os_write {
                    return Err(Errno::ISDIR);
                }
                let dir = Dir::from_std_file(file.into_std());
                Entry::new(Descriptor::Dir(DirEntry { dir, preopen: None }), base & Rights::DIR, inheriting)
            } else {
                if has_trailing_slash(path) {
                    return Err(Errno::NOTDIR);
                }
                let mut rights = base & Rights::FILE;
                if !write {
                    rights = rights & !Rights::FILE_WRITE;
                }
                let rights = rights | (base & Rights::FD_FILESTAT_SET_TIMES);
                Entry::new(Descriptor::File(FileEntry { file, read, write }), rights, Rights::NONE)
            }
        };
        let new_fd = self.table.push(entry)?;
        tracing::trace!(target: "kiln::wasi", "| *fd={new_fd}");
        mem.write_u32(out, new_fd.0)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_readlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr,
        len: u32,
        buf: GuestPtr,
        buf_len: u32,
        bufused: GuestPtr,
    ) -> Result<(), Errno> {
        let path = guest_path(mem, path, len)?;
        mem.slice(buf, buf_len)?;
        mem.check_out(bufused, 4, 4)?;
        let d = self.table.dir(fd, Rights::PATH_READLINK)?;
        // `read_link`, not `read_link_contents`: an absolute target names a
        // host path the guest must not learn (ENOTCAPABLE).
        let target = d.dir.read_link(path)?;
        use std::os::unix::ffi::OsStrExt;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(buf_len as usize);
        mem.write_bytes(buf, &bytes[..n])?;
        mem.write_u32(bufused, n as u32)
    }

    pub(crate) fn path_remove_directory(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr,
        len: u32,
    ) -> Result<(), Errno> {
        let path = guest_path(mem, path, len)?;
        let d = self.table.dir(fd, Rights::PATH_REMOVE_DIRECTORY)?;
        // `dir/` names the directory `dir`, as rmdir(2) takes it. cap-std
        // would remove the last component, which is then `.` (EINVAL).
        d.dir.remove_dir(strip_trailing_slashes(path))?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn path_rename(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        old_path: GuestPtr,
        old_len: u32,
        new_fd: Fd,
        new_path: GuestPtr,
        new_len: u32,
    ) -> Result<(), Errno> {
        let old = guest_path(mem, old_path, old_len)?;
        let new = guest_path(mem, new_path, new_len)?;
        let src = self.table.dir(fd, Rights::PATH_RENAME_SOURCE)?;
        let dst = self.table.dir(new_fd, Rights::PATH_RENAME_TARGET)?;
        if has_trailing_slash(old) || has_trailing_slash(new) {
            let m = src.dir.symlink_metadata(strip_trailing_slashes(old))?;
            if !m.is_dir() {
                return Err(Errno::NOTDIR);
            }
        }
        src.dir.rename(strip_trailing_slashes(old), &dst.dir, strip_trailing_slashes(new))?;
        Ok(())
    }

    pub(crate) fn path_symlink(
        &mut self,
        mem: &mut GuestMemory<'_>,
        old_path: GuestPtr,
        old_len: u32,
        fd: Fd,
        new_path: GuestPtr,
        new_len: u32,
    ) -> Result<(), Errno> {
        let old = guest_path(mem, old_path, old_len)?;
        let new = guest_path(mem, new_path, new_len)?;
        let d = self.table.dir(fd, Rights::PATH_SYMLINK)?;
        if has_trailing_slash(new) {
            // A symlink is not a directory; POSIX says ENOENT unless it exists.
            return match d.dir.symlink_metadata(strip_trailing_slashes(new)) {
                Ok(_) => Err(Errno::EXIST),
                Err(_) => Err(Errno::NOENT),
            };
        }
        d.dir.symlink(old, new)?;
        Ok(())
    }

    pub(crate) fn path_unlink_file(
        &mut self,
        mem: &mut GuestMemory<'_>,
        fd: Fd,
        path: GuestPtr,
        len: u32,
    ) -> Result<(), Errno> {
        let path = guest_path(mem, path, len)?;
        let d = self.table.dir(fd, Rights::PATH_UNLINK_FILE)?;
        if has_trailing_slash(path) {
            let m = d.dir.metadata(path)?;
            return Err(if m.is_dir() { Errno::ISDIR } else { Errno::NOTDIR });
        }
        let m = d.dir.symlink_metadata(path)?;
        if m.is_dir() {
            return Err(Errno::ISDIR);
        }
        d.dir.remove_file_or_symlink(path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_paths_are_validated() {
        let mut bytes = b"\0abc/\xff".to_vec();
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(guest_path(&m, 1, 3), Ok("abc"));
        assert_eq!(guest_path(&m, 1, 0), Err(Errno::NOENT));
        assert_eq!(guest_path(&m, 1, 5), Err(Errno::ILSEQ));
        assert_eq!(guest_path(&m, 0, 2), Err(Errno::INVAL));
        assert_eq!(guest_path(&m, 4, 9), Err(Errno::FAULT));
    }

    #[test]
    fn trailing_slashes() {
        assert!(has_trailing_slash("a/"));
        assert!(!has_trailing_slash("a"));
        assert_eq!(strip_trailing_slashes("a//"), "a");
        assert_eq!(strip_trailing_slashes("/"), "/");
    }

    #[test]
    fn resolution_stays_inside_the_directory() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("root")).unwrap();
        std::fs::write(tmp.path().join("secret"), "x").unwrap();
        std::fs::write(tmp.path().join("root/file"), "y").unwrap();
        std::os::unix::fs::symlink("../secret", tmp.path().join("root/up")).unwrap();
        std::os::unix::fs::symlink("file", tmp.path().join("root/inside")).unwrap();
        let dir = Dir::open_ambient_dir(tmp.path().join("root"), cap_std::ambient_authority()).unwrap();
        let err = |r: std::io::Result<cap_std::fs::Metadata>| Errno::from(r.unwrap_err());
        assert_eq!(err(dir.metadata("../secret")), Errno::NOTCAPABLE);
        assert_eq!(err(dir.metadata("/etc")), Errno::NOTCAPABLE);
        assert_eq!(err(dir.metadata("up")), Errno::NOTCAPABLE);
        assert!(dir.metadata("inside").unwrap().is_file());
        assert!(dir.metadata("./x/../file").is_err());
        assert_eq!(err(dir.metadata("file/")), Errno::NOTDIR);
    }
}
