//! Raw `wasi_snapshot_preview1` imports, declared by hand so the suite reaches
//! calls that std never makes (fd_advise, fd_allocate, fd_pread, fd_readdir with
//! cookies, fd_renumber, path_link, poll_oneoff, ...) and so error checks see the
//! host's own errno rather than whatever wasi-libc decided before calling it.
//!
//! Rules for this module:
//! - Every signature is the witx lowering at the wasm level: pointers and
//!   32-bit values are `i32`/`usize`/raw pointers, 64-bit values are `i64`/`u64`,
//!   small integers (u8 whence, u16 flags) are passed as `i32`, every call
//!   returns the errno as `i32`. They must match std's own declarations of the
//!   same imports exactly, or wasm-ld reports a signature mismatch.
//! - Structures are read from and written to plain byte buffers at the witx
//!   offsets (see the layout constants below), never through `repr(C)` guesses.
//! - Pointers are `usize` so tests can pass deliberately out-of-bounds values.

pub type Fd = i32;
pub type Errno = i32;

// ---- errno values (witx `errno`) -------------------------------------------
pub const ESUCCESS: Errno = 0;
pub const EBADF: Errno = 8;
pub const EEXIST: Errno = 20;
pub const EFAULT: Errno = 21;
pub const EILSEQ: Errno = 25;
pub const EINVAL: Errno = 28;
pub const EISDIR: Errno = 31;
pub const ENOENT: Errno = 44;
pub const ENOSYS: Errno = 52;
pub const ENOTDIR: Errno = 54;
pub const ENOTEMPTY: Errno = 55;
pub const ENOTSUP: Errno = 58;
pub const EPERM: Errno = 63;
pub const ENOTCAPABLE: Errno = 76;

// ---- clocks ------------------------------------------------------------------
pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME: i32 = 2;
pub const CLOCK_THREAD_CPUTIME: i32 = 3;

// ---- whence ------------------------------------------------------------------
pub const WHENCE_SET: i32 = 0;
pub const WHENCE_CUR: i32 = 1;
pub const WHENCE_END: i32 = 2;

// ---- filetype ----------------------------------------------------------------
pub const FILETYPE_DIRECTORY: u8 = 3;
pub const FILETYPE_REGULAR_FILE: u8 = 4;
pub const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// ---- lookupflags / oflags / fdflags / fstflags ---------------------------------
pub const LOOKUP_SYMLINK_FOLLOW: i32 = 1;
pub const O_CREAT: i32 = 1;
pub const O_DIRECTORY: i32 = 2;
pub const O_EXCL: i32 = 4;
pub const O_TRUNC: i32 = 8;
pub const FDFLAGS_APPEND: i32 = 1;
pub const FST_ATIM: i32 = 1;
pub const FST_ATIM_NOW: i32 = 2;
pub const FST_MTIM: i32 = 4;
pub const FST_MTIM_NOW: i32 = 8;

// ---- rights --------------------------------------------------------------------
pub const RIGHT_FD_DATASYNC: u64 = 1 << 0;
pub const RIGHT_FD_READ: u64 = 1 << 1;
pub const RIGHT_FD_SEEK: u64 = 1 << 2;
pub const RIGHT_FD_SYNC: u64 = 1 << 4;
pub const RIGHT_FD_TELL: u64 = 1 << 5;
pub const RIGHT_FD_WRITE: u64 = 1 << 6;
pub const RIGHT_FD_ALLOCATE: u64 = 1 << 8;
pub const RIGHT_FD_READDIR: u64 = 1 << 14;
pub const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
pub const RIGHT_FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
/// Every right defined by preview1 (bits 0..=29).
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;
/// The rights a host reads as "open for writing" (wasi-libc sets them for `O_WRONLY`
/// and `O_RDWR`; wasmtime maps them to write access, and refuses them on a directory
/// with EISDIR).
pub const RIGHTS_WRITE_MODE: u64 = RIGHT_FD_DATASYNC | RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE;
/// What wasi-libc asks for when it opens a directory (`O_RDONLY | O_DIRECTORY`).
pub const RIGHTS_DIR: u64 = RIGHTS_ALL & !RIGHTS_WRITE_MODE;
/// What wasi-libc asks for when it opens a file `O_RDONLY`.
pub const RIGHTS_READ_ONLY: u64 =
    RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET | RIGHT_FD_READDIR;
/// What wasi-libc asks for when it opens a file `O_WRONLY`.
pub const RIGHTS_WRITE_ONLY: u64 =
    RIGHT_FD_WRITE | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET | RIGHT_FD_DATASYNC | RIGHT_FD_SYNC;

// ---- eventtype / subscription flags ---------------------------------------------
pub const EVENTTYPE_CLOCK: u8 = 0;
pub const EVENTTYPE_FD_WRITE: u8 = 2;
pub const SUBCLOCK_ABSTIME: u16 = 1;

// ---- advice ----------------------------------------------------------------------
pub const ADVICE_NORMAL: i32 = 0;
pub const ADVICE_NOREUSE: i32 = 5;

// ---- layouts (witx, wasm32) --------------------------------------------------------
// prestat: tag u8 @0, pr_name_len u32 @4; size 8.
// fdstat: fs_filetype u8 @0, fs_flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16; size 24.
// filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56; size 64.
// dirent: d_next @0, d_ino @8, d_namlen u32 @16, d_type u8 @20; size 24, then the name.
// subscription: userdata @0, tag u8 @8, clock { id u32 @16, timeout @24, precision @32, flags u16 @40 },
//   fd_readwrite { fd u32 @16 }; size 48.
// event: userdata @0, error u16 @8, type u8 @10, fd_readwrite { nbytes @16, flags u16 @24 }; size 32.
pub const DIRENT_SIZE: usize = 24;
pub const SUBSCRIPTION_SIZE: usize = 48;
pub const EVENT_SIZE: usize = 32;

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    pub fn args_get(argv: usize, argv_buf: usize) -> Errno;
    pub fn args_sizes_get(argc: usize, argv_buf_size: usize) -> Errno;
    pub fn environ_get(environ: usize, environ_buf: usize) -> Errno;
    pub fn environ_sizes_get(count: usize, buf_size: usize) -> Errno;
    pub fn clock_res_get(id: i32, resolution: usize) -> Errno;
    pub fn clock_time_get(id: i32, precision: i64, time: usize) -> Errno;
    pub fn fd_advise(fd: Fd, offset: i64, len: i64, advice: i32) -> Errno;
    pub fn fd_allocate(fd: Fd, offset: i64, len: i64) -> Errno;
    pub fn fd_close(fd: Fd) -> Errno;
    pub fn fd_datasync(fd: Fd) -> Errno;
    pub fn fd_fdstat_get(fd: Fd, stat: usize) -> Errno;
    pub fn fd_fdstat_set_flags(fd: Fd, flags: i32) -> Errno;
    pub fn fd_filestat_get(fd: Fd, stat: usize) -> Errno;
    pub fn fd_filestat_set_size(fd: Fd, size: i64) -> Errno;
    pub fn fd_filestat_set_times(fd: Fd, atim: i64, mtim: i64, fst_flags: i32) -> Errno;
    pub fn fd_pread(fd: Fd, iovs: usize, iovs_len: usize, offset: i64, nread: usize) -> Errno;
    pub fn fd_prestat_get(fd: Fd, prestat: usize) -> Errno;
    pub fn fd_prestat_dir_name(fd: Fd, path: usize, path_len: usize) -> Errno;
    pub fn fd_pwrite(fd: Fd, iovs: usize, iovs_len: usize, offset: i64, nwritten: usize) -> Errno;
    pub fn fd_read(fd: Fd, iovs: usize, iovs_len: usize, nread: usize) -> Errno;
    pub fn fd_readdir(fd: Fd, buf: usize, buf_len: usize, cookie: i64, bufused: usize) -> Errno;
    pub fn fd_renumber(fd: Fd, to: Fd) -> Errno;
    pub fn fd_seek(fd: Fd, offset: i64, whence: i32, newoffset: usize) -> Errno;
    pub fn fd_sync(fd: Fd) -> Errno;
    pub fn fd_tell(fd: Fd, offset: usize) -> Errno;
    pub fn fd_write(fd: Fd, iovs: usize, iovs_len: usize, nwritten: usize) -> Errno;
    pub fn path_create_directory(fd: Fd, path: usize, path_len: usize) -> Errno;
    pub fn path_filestat_get(fd: Fd, flags: i32, path: usize, path_len: usize, stat: usize) -> Errno;
    pub fn path_filestat_set_times(
        fd: Fd,
        flags: i32,
        path: usize,
        path_len: usize,
        atim: i64,
        mtim: i64,
        fst_flags: i32,
    ) -> Errno;
    pub fn path_link(
        old_fd: Fd,
        old_flags: i32,
        old_path: usize,
        old_path_len: usize,
        new_fd: Fd,
        new_path: usize,
        new_path_len: usize,
    ) -> Errno;
    pub fn path_open(
        fd: Fd,
        dirflags: i32,
        path: usize,
        path_len: usize,
        oflags: i32,
        fs_rights_base: i64,
        fs_rights_inheriting: i64,
        fdflags: i32,
        opened_fd: usize,
    ) -> Errno;
    pub fn path_readlink(fd: Fd, path: usize, path_len: usize, buf: usize, buf_len: usize, bufused: usize) -> Errno;
    pub fn path_remove_directory(fd: Fd, path: usize, path_len: usize) -> Errno;
    pub fn path_rename(
        fd: Fd,
        old_path: usize,
        old_path_len: usize,
        new_fd: Fd,
        new_path: usize,
        new_path_len: usize,
    ) -> Errno;
    pub fn path_symlink(old_path: usize, old_path_len: usize, fd: Fd, new_path: usize, new_path_len: usize) -> Errno;
    pub fn path_unlink_file(fd: Fd, path: usize, path_len: usize) -> Errno;
    pub fn poll_oneoff(subs: usize, events: usize, nsubscriptions: usize, nevents: usize) -> Errno;
    pub fn random_get(buf: usize, buf_len: usize) -> Errno;
    pub fn sched_yield() -> Errno;
}

// ---- small safe wrappers ------------------------------------------------------------
// Each returns `Result<T, Errno>` so checks can compare the errno directly.

fn res<T>(e: Errno, v: T) -> Result<T, Errno> {
    if e == ESUCCESS {
        Ok(v)
    } else {
        Err(e)
    }
}

pub fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

pub fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

pub fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(b[off..off + 2].try_into().unwrap())
}

/// A `filestat` as the host filled it in.
#[derive(Clone, Copy, Debug)]
pub struct Filestat {
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
}

impl Filestat {
    fn parse(b: &[u8; 64]) -> Self {
        Filestat {
            ino: u64_at(b, 8),
            filetype: b[16],
            nlink: u64_at(b, 24),
            size: u64_at(b, 32),
            atim: u64_at(b, 40),
            mtim: u64_at(b, 48),
        }
    }
}

/// 8-byte aligned scratch so every out-structure is naturally aligned.
#[repr(C, align(8))]
struct Aligned<const N: usize>([u8; N]);

pub fn fd_filestat(fd: Fd) -> Result<Filestat, Errno> {
    let mut b = Aligned([0u8; 64]);
    let e = unsafe { fd_filestat_get(fd, b.0.as_mut_ptr() as usize) };
    res(e, Filestat::parse(&b.0))
}

pub fn path_filestat(fd: Fd, flags: i32, path: &[u8]) -> Result<Filestat, Errno> {
    let mut b = Aligned([0u8; 64]);
    let e = unsafe { path_filestat_get(fd, flags, path.as_ptr() as usize, path.len(), b.0.as_mut_ptr() as usize) };
    res(e, Filestat::parse(&b.0))
}

/// (filetype, fdflags, rights_base, rights_inheriting)
pub fn fdstat(fd: Fd) -> Result<(u8, u16, u64, u64), Errno> {
    let mut b = Aligned([0u8; 24]);
    let e = unsafe { fd_fdstat_get(fd, b.0.as_mut_ptr() as usize) };
    res(e, (b.0[0], u16_at(&b.0, 2), u64_at(&b.0, 8), u64_at(&b.0, 16)))
}

/// `path_open`. Like wasi-libc, it first narrows the requested rights to the
/// directory's inheriting rights, so hosts that enforce rights (uvwasi, old
/// wasmtime) do not refuse the open with ENOTCAPABLE for rights nobody needed.
pub fn open(dirfd: Fd, lookup: i32, path: &[u8], oflags: i32, rights: u64, fdflags: i32) -> Result<Fd, Errno> {
    let rights = match fdstat(dirfd) {
        Ok((_, _, _, inheriting)) => rights & inheriting,
        Err(_) => rights,
    };
    let mut fd: Fd = -1;
    let e = unsafe {
        path_open(
            dirfd,
            lookup,
            path.as_ptr() as usize,
            path.len(),
            oflags,
            rights as i64,
            rights as i64,
            fdflags,
            &mut fd as *mut Fd as usize,
        )
    };
    res(e, fd)
}

/// Opens `path` (relative to `dirfd`) read-write with every right, following symlinks.
pub fn open_rw(dirfd: Fd, path: &[u8], oflags: i32) -> Result<Fd, Errno> {
    open(dirfd, LOOKUP_SYMLINK_FOLLOW, path, oflags, RIGHTS_ALL, 0)
}

/// Opens directory `path` (relative to `dirfd`) for reading, following symlinks.
pub fn open_dir(dirfd: Fd, path: &[u8]) -> Result<Fd, Errno> {
    open(dirfd, LOOKUP_SYMLINK_FOLLOW, path, O_DIRECTORY, RIGHTS_DIR, 0)
}

pub fn close(fd: Fd) -> Result<(), Errno> {
    res(unsafe { fd_close(fd) }, ())
}

pub fn seek(fd: Fd, offset: i64, whence: i32) -> Result<u64, Errno> {
    let mut out = Aligned([0u8; 8]);
    let e = unsafe { fd_seek(fd, offset, whence, out.0.as_mut_ptr() as usize) };
    res(e, u64::from_le_bytes(out.0))
}

pub fn tell(fd: Fd) -> Result<u64, Errno> {
    let mut out = Aligned([0u8; 8]);
    let e = unsafe { fd_tell(fd, out.0.as_mut_ptr() as usize) };
    res(e, u64::from_le_bytes(out.0))
}

/// Gather-write: one ciovec per slice.
pub fn write(fd: Fd, bufs: &[&[u8]]) -> Result<usize, Errno> {
    let iovs: Vec<[u32; 2]> = bufs.iter().map(|b| [b.as_ptr() as u32, b.len() as u32]).collect();
    let mut n: u32 = 0;
    let e = unsafe { fd_write(fd, iovs.as_ptr() as usize, iovs.len(), &mut n as *mut u32 as usize) };
    res(e, n as usize)
}

pub fn pwrite(fd: Fd, bufs: &[&[u8]], offset: u64) -> Result<usize, Errno> {
    let iovs: Vec<[u32; 2]> = bufs.iter().map(|b| [b.as_ptr() as u32, b.len() as u32]).collect();
    let mut n: u32 = 0;
    let e = unsafe { fd_pwrite(fd, iovs.as_ptr() as usize, iovs.len(), offset as i64, &mut n as *mut u32 as usize) };
    res(e, n as usize)
}

/// Scatter-read: one iovec per slice.
pub fn read(fd: Fd, bufs: &mut [&mut [u8]]) -> Result<usize, Errno> {
    let iovs: Vec<[u32; 2]> = bufs.iter_mut().map(|b| [b.as_mut_ptr() as u32, b.len() as u32]).collect();
    let mut n: u32 = 0;
    let e = unsafe { fd_read(fd, iovs.as_ptr() as usize, iovs.len(), &mut n as *mut u32 as usize) };
    res(e, n as usize)
}

pub fn pread(fd: Fd, bufs: &mut [&mut [u8]], offset: u64) -> Result<usize, Errno> {
    let iovs: Vec<[u32; 2]> = bufs.iter_mut().map(|b| [b.as_mut_ptr() as u32, b.len() as u32]).collect();
    let mut n: u32 = 0;
    let e = unsafe { fd_pread(fd, iovs.as_ptr() as usize, iovs.len(), offset as i64, &mut n as *mut u32 as usize) };
    res(e, n as usize)
}

/// Reads everything from offset 0 with `fd_pread` (does not move the file offset).
pub fn pread_all(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let n = pread(fd, &mut [&mut buf[..]], out.len() as u64)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

pub fn mkdir(fd: Fd, path: &[u8]) -> Result<(), Errno> {
    res(unsafe { path_create_directory(fd, path.as_ptr() as usize, path.len()) }, ())
}

pub fn rmdir(fd: Fd, path: &[u8]) -> Result<(), Errno> {
    res(unsafe { path_remove_directory(fd, path.as_ptr() as usize, path.len()) }, ())
}

pub fn unlink(fd: Fd, path: &[u8]) -> Result<(), Errno> {
    res(unsafe { path_unlink_file(fd, path.as_ptr() as usize, path.len()) }, ())
}

pub fn rename(fd: Fd, old: &[u8], new_fd: Fd, new: &[u8]) -> Result<(), Errno> {
    let e = unsafe { path_rename(fd, old.as_ptr() as usize, old.len(), new_fd, new.as_ptr() as usize, new.len()) };
    res(e, ())
}

pub fn symlink(target: &[u8], fd: Fd, link: &[u8]) -> Result<(), Errno> {
    let e = unsafe { path_symlink(target.as_ptr() as usize, target.len(), fd, link.as_ptr() as usize, link.len()) };
    res(e, ())
}

pub fn link(old_fd: Fd, old_flags: i32, old: &[u8], new_fd: Fd, new: &[u8]) -> Result<(), Errno> {
    let e = unsafe {
        path_link(old_fd, old_flags, old.as_ptr() as usize, old.len(), new_fd, new.as_ptr() as usize, new.len())
    };
    res(e, ())
}

pub fn readlink(fd: Fd, path: &[u8], buf_len: usize) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; buf_len];
    let mut used: u32 = 0;
    let e = unsafe {
        path_readlink(
            fd,
            path.as_ptr() as usize,
            path.len(),
            buf.as_mut_ptr() as usize,
            buf.len(),
            &mut used as *mut u32 as usize,
        )
    };
    buf.truncate(used as usize);
    res(e, buf)
}

/// One call to `fd_readdir`: returns the filled part of a `buf_len`-byte buffer.
pub fn readdir_raw(fd: Fd, buf_len: usize, cookie: u64) -> Result<Vec<u8>, Errno> {
    let mut buf = vec![0u8; buf_len];
    let mut used: u32 = 0;
    let e =
        unsafe { fd_readdir(fd, buf.as_mut_ptr() as usize, buf.len(), cookie as i64, &mut used as *mut u32 as usize) };
    buf.truncate(used as usize);
    res(e, buf)
}

pub fn clock_time(id: i32) -> Result<u64, Errno> {
    let mut out = Aligned([0u8; 8]);
    let e = unsafe { clock_time_get(id, 1, out.0.as_mut_ptr() as usize) };
    res(e, u64::from_le_bytes(out.0))
}

pub fn clock_res(id: i32) -> Result<u64, Errno> {
    let mut out = Aligned([0u8; 8]);
    let e = unsafe { clock_res_get(id, out.0.as_mut_ptr() as usize) };
    res(e, u64::from_le_bytes(out.0))
}

pub fn random(buf: &mut [u8]) -> Result<(), Errno> {
    res(unsafe { random_get(buf.as_mut_ptr() as usize, buf.len()) }, ())
}

/// Name of preopen `fd`, or the errno of `fd_prestat_get` / `fd_prestat_dir_name`.
/// Fails with `EINVAL` if the prestat tag is not `dir` (0).
pub fn prestat_dir_name(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut b = Aligned([0u8; 8]);
    let e = unsafe { fd_prestat_get(fd, b.0.as_mut_ptr() as usize) };
    if e != ESUCCESS {
        return Err(e);
    }
    if b.0[0] != 0 {
        return Err(EINVAL);
    }
    let len = u32_at(&b.0, 4) as usize;
    let mut name = vec![0u8; len];
    let e = unsafe { fd_prestat_dir_name(fd, name.as_mut_ptr() as usize, len) };
    res(e, name)
}

/// A clock subscription, laid out as witx `subscription` (48 bytes).
pub fn clock_subscription(
    userdata: u64,
    clock: i32,
    timeout: u64,
    precision: u64,
    flags: u16,
) -> [u8; SUBSCRIPTION_SIZE] {
    let mut s = [0u8; SUBSCRIPTION_SIZE];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = EVENTTYPE_CLOCK;
    s[16..20].copy_from_slice(&(clock as u32).to_le_bytes());
    s[24..32].copy_from_slice(&timeout.to_le_bytes());
    s[32..40].copy_from_slice(&precision.to_le_bytes());
    s[40..42].copy_from_slice(&flags.to_le_bytes());
    s
}

/// An fd_read / fd_write subscription.
pub fn fd_subscription(userdata: u64, kind: u8, fd: Fd) -> [u8; SUBSCRIPTION_SIZE] {
    let mut s = [0u8; SUBSCRIPTION_SIZE];
    s[0..8].copy_from_slice(&userdata.to_le_bytes());
    s[8] = kind;
    s[16..20].copy_from_slice(&(fd as u32).to_le_bytes());
    s
}

/// A returned event: (userdata, error, type).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub userdata: u64,
    pub error: u16,
    pub kind: u8,
}

pub fn poll(subs: &[[u8; SUBSCRIPTION_SIZE]]) -> Result<Vec<Event>, Errno> {
    // Contiguous, 8-aligned copies of the subscriptions and room for one event each.
    let mut inb: Vec<u64> = vec![0; subs.len() * SUBSCRIPTION_SIZE / 8];
    for (i, s) in subs.iter().enumerate() {
        for j in 0..SUBSCRIPTION_SIZE / 8 {
            inb[i * 6 + j] = u64_at(s, j * 8);
        }
    }
    let mut outb: Vec<u64> = vec![0; subs.len().max(1) * EVENT_SIZE / 8];
    let mut n: u32 = 0;
    let e = unsafe {
        poll_oneoff(inb.as_ptr() as usize, outb.as_mut_ptr() as usize, subs.len(), &mut n as *mut u32 as usize)
    };
    if e != ESUCCESS {
        return Err(e);
    }
    let bytes: Vec<u8> = outb.iter().flat_map(|w| w.to_le_bytes()).collect();
    Ok((0..n as usize)
        .map(|i| {
            let ev = &bytes[i * EVENT_SIZE..(i + 1) * EVENT_SIZE];
            Event { userdata: u64_at(ev, 0), error: u16_at(ev, 8), kind: ev[10] }
        })
        .collect())
}

/// Size of linear memory 0 in bytes.
pub fn memory_bytes() -> usize {
    core::arch::wasm32::memory_size(0) * 65536
}
