//! Subcommand `files`: regular-file I/O in the preopen, first through std, then through
//! raw calls (seek/tell, scatter/gather, pread/pwrite, sync, advise, allocate,
//! set_size, stat, times, fdstat flags, open flags, renumber, close).
//! Works in `suite_files/` and removes it at the end.

use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{Duration, UNIX_EPOCH};

use crate::raw::{self, EBADF, EINVAL, ENOENT, ENOTSUP, FDFLAGS_APPEND, O_CREAT, O_EXCL, O_TRUNC};
use crate::{preopen, Report};

const SEC: u64 = 1_000_000_000;

pub fn files(r: &mut Report) {
    let ctx = preopen(r);
    let dir = ctx.p("suite_files");
    let _ = fs::remove_dir_all(&dir);
    if r.result("std_create_dir", fs::create_dir(&dir)).is_none() {
        return;
    }
    let a = ctx.p("suite_files/a.txt");

    // ---- std ------------------------------------------------------------------
    r.result("std_write", fs::write(&a, "hello world\n"));
    r.expect("std_read", fs::read_to_string(&a), |s| s == "hello world\n");
    r.expect("std_metadata", fs::metadata(&a).map(|m| (m.is_file(), m.len())), |&v| v == (true, 12));
    let seek_read = (|| {
        let mut f = File::open(&a)?;
        f.seek(SeekFrom::Start(6))?;
        let mut buf = [0u8; 5];
        f.read_exact(&mut buf)?;
        Ok::<_, std::io::Error>((buf, f.stream_position()?))
    })();
    r.expect("std_seek_read", seek_read, |(b, pos)| b == b"world" && *pos == 11);
    let append = (|| {
        let mut f = OpenOptions::new().append(true).open(&a)?;
        f.write_all(b"more\n")?;
        fs::read_to_string(&a)
    })();
    r.expect("std_append", append, |s| s == "hello world\nmore\n");
    let set_len = (|| {
        let f = OpenOptions::new().write(true).open(&a)?;
        f.set_len(12)?;
        f.sync_all()?;
        f.sync_data()?;
        Ok::<_, std::io::Error>(f.metadata()?.len())
    })();
    r.expect("std_set_len_sync", set_len, |&n| n == 12);
    let when = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let set_times = (|| {
        let f = OpenOptions::new().write(true).open(&a)?;
        f.set_times(FileTimes::new().set_modified(when).set_accessed(when))?;
        fs::metadata(&a)?.modified()
    })();
    r.expect("std_set_times", set_times, |&t| t == when);
    let again = OpenOptions::new().write(true).create_new(true).open(&a).map(|_| ());
    r.check("std_create_new_exists", matches!(&again, Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists), || {
        format!("{again:?}")
    });

    // ---- raw ------------------------------------------------------------------
    let Some(fd) = r.result("open_rw", raw::open_rw(ctx.fd, b"suite_files/a.txt", 0)) else { return };
    r.expect("fdstat_regular", raw::fdstat(fd), |s| {
        s.0 == raw::FILETYPE_REGULAR_FILE && s.1 & FDFLAGS_APPEND as u16 == 0
    });
    let st = r.expect("filestat", raw::fd_filestat(fd), |s| {
        s.filetype == raw::FILETYPE_REGULAR_FILE && s.size == 12 && s.nlink >= 1
    });
    r.expect("seek_end", raw::seek(fd, 0, raw::WHENCE_END), |&p| p == 12);
    r.expect("tell", raw::tell(fd), |&p| p == 12);
    r.expect("seek_cur_back", raw::seek(fd, -6, raw::WHENCE_CUR), |&p| p == 6);
    r.expect("seek_cur_zero", raw::seek(fd, 0, raw::WHENCE_CUR), |&p| p == 6);
    r.expect("seek_set", raw::seek(fd, 0, raw::WHENCE_SET), |&p| p == 0);
    r.errno("seek_negative", raw::seek(fd, -1, raw::WHENCE_SET), &[EINVAL]);
    r.expect("tell_after_errors", raw::tell(fd), |&p| p == 0);

    // A host may move fewer bytes than the iovecs hold (wasmtime only uses the first
    // non-empty iovec), so these loop like readv/writev callers must; the first call
    // must move at least one byte, and the bytes must end up right.
    let got = read_scattered(fd, 5, 12);
    r.check("read_scatter", matches!(&got, Ok((n, c)) if (1..=12).contains(n) && c == b"hello world\n"), || {
        format!("{got:?}")
    });
    let mut b1 = [0u8; 5];
    r.expect("read_at_eof", raw::read(fd, &mut [&mut b1[..]]), |&n| n == 0);
    let put = write_gathered(fd, &[b"AB", b"", b"CD"], None);
    r.check("write_gather", matches!(put, Ok(n) if (1..=4).contains(&n)), || format!("{put:?}"));
    r.expect("tell_after_write", raw::tell(fd), |&p| p == 16);
    let mut w = [0u8; 5];
    let n = raw::pread(fd, &mut [&mut w[..]], 6);
    r.check("pread", n == Ok(5) && &w == b"world", || format!("{n:?} {w:?}"));
    r.expect("pread_keeps_offset", raw::tell(fd), |&p| p == 16);
    r.expect("pread_past_eof", raw::pread(fd, &mut [&mut w[..]], 100), |&n| n == 0);
    let put = write_gathered(fd, &[b"HEL", b"LO"], Some(0));
    r.check("pwrite", matches!(put, Ok(n) if (1..=5).contains(&n)), || format!("{put:?}"));
    r.expect("pwrite_keeps_offset", raw::tell(fd), |&p| p == 16);
    r.expect("content_after_pwrite", raw::pread_all(fd), |c| c == b"HELLO world\nABCD");
    r.expect("std_sees_raw_writes", fs::read_to_string(&a), |s| s == "HELLO world\nABCD");

    r.result("datasync", raw_errno(unsafe { raw::fd_datasync(fd) }));
    r.result("sync", raw_errno(unsafe { raw::fd_sync(fd) }));
    let advise_ok =
        (raw::ADVICE_NORMAL..=raw::ADVICE_NOREUSE).all(|adv| unsafe { raw::fd_advise(fd, 0, 16, adv) } == 0);
    r.check("advise_all_kinds", advise_ok, || "fd_advise failed for some advice".into());

    // fd_allocate: either it works (and the file grows to cover the range), or the
    // host does not support it (ENOTSUP, as current wasmtime answers).
    let alloc = raw_errno(unsafe { raw::fd_allocate(fd, 0, 64) });
    let size = raw::fd_filestat(fd).map(|s| s.size);
    r.check("allocate", (alloc.is_ok() && size == Ok(64)) || (alloc == Err(ENOTSUP) && size == Ok(16)), || {
        format!("{alloc:?}, size now {size:?}")
    });

    r.result("set_size_shrink", raw_errno(unsafe { raw::fd_filestat_set_size(fd, 5) }));
    r.expect("size_after_shrink", raw::fd_filestat(fd), |s| s.size == 5);
    r.result("set_size_grow", raw_errno(unsafe { raw::fd_filestat_set_size(fd, 10) }));
    r.expect("content_after_grow", raw::pread_all(fd), |c| c == b"HELLO\0\0\0\0\0");

    let (atim, mtim) = (1_000_000_000 * SEC, 1_234_567_890 * SEC);
    r.result(
        "set_times",
        raw_errno(unsafe { raw::fd_filestat_set_times(fd, atim as i64, mtim as i64, raw::FST_ATIM | raw::FST_MTIM) }),
    );
    r.expect("times_after_set", raw::fd_filestat(fd), |s| s.atim == atim && s.mtim == mtim);
    r.result(
        "set_mtim_only",
        raw_errno(unsafe { raw::fd_filestat_set_times(fd, 0, (mtim + 7 * SEC) as i64, raw::FST_MTIM) }),
    );
    r.expect("atim_kept", raw::fd_filestat(fd), |s| s.atim == atim && s.mtim == mtim + 7 * SEC);
    r.result(
        "set_times_now",
        raw_errno(unsafe { raw::fd_filestat_set_times(fd, 0, 0, raw::FST_ATIM_NOW | raw::FST_MTIM_NOW) }),
    );
    let now = raw::clock_time(raw::CLOCK_REALTIME).unwrap_or(0);
    r.expect("times_now", raw::fd_filestat(fd), |s| s.mtim.abs_diff(now) < 60 * SEC && s.atim.abs_diff(now) < 60 * SEC);
    r.errno(
        "set_times_conflict",
        raw_errno(unsafe { raw::fd_filestat_set_times(fd, 0, 0, raw::FST_ATIM | raw::FST_ATIM_NOW) }),
        &[EINVAL],
    );

    let p = b"suite_files/a.txt";
    let pst = r.expect("path_filestat", raw::path_filestat(ctx.fd, raw::LOOKUP_SYMLINK_FOLLOW, p), |s| {
        s.filetype == raw::FILETYPE_REGULAR_FILE && s.size == 10
    });
    if let (Some(st), Some(pst)) = (st, pst) {
        r.check("path_filestat_same_ino", st.ino == pst.ino, || format!("{} vs {}", st.ino, pst.ino));
    }
    let (atim2, mtim2) = (1_100_000_000 * SEC, 1_200_000_000 * SEC);
    let e = unsafe {
        raw::path_filestat_set_times(
            ctx.fd,
            raw::LOOKUP_SYMLINK_FOLLOW,
            p.as_ptr() as usize,
            p.len(),
            atim2 as i64,
            mtim2 as i64,
            raw::FST_ATIM | raw::FST_MTIM,
        )
    };
    r.result("path_set_times", raw_errno(e));
    r.expect("path_times_after_set", raw::path_filestat(ctx.fd, raw::LOOKUP_SYMLINK_FOLLOW, p), |s| {
        s.atim == atim2 && s.mtim == mtim2
    });

    // fdstat flags: APPEND makes every write go to the end, whatever the offset.
    r.result("set_flags_append", raw_errno(unsafe { raw::fd_fdstat_set_flags(fd, FDFLAGS_APPEND) }));
    r.expect("fdstat_append", raw::fdstat(fd), |s| s.1 & FDFLAGS_APPEND as u16 != 0);
    let _ = raw::seek(fd, 0, raw::WHENCE_SET);
    r.expect("append_write", raw::write(fd, &[b"Z"]), |&n| n == 1);
    r.expect("append_wrote_at_end", raw::pread_all(fd), |c| c == b"HELLO\0\0\0\0\0Z");
    r.result("set_flags_clear", raw_errno(unsafe { raw::fd_fdstat_set_flags(fd, 0) }));
    r.expect("fdstat_no_append", raw::fdstat(fd), |s| s.1 & FDFLAGS_APPEND as u16 == 0);

    // path_open flags.
    if let Some(fd2) =
        r.result("open_append", raw::open(ctx.fd, raw::LOOKUP_SYMLINK_FOLLOW, p, 0, raw::RIGHTS_ALL, FDFLAGS_APPEND))
    {
        r.expect("open_append_fdstat", raw::fdstat(fd2), |s| s.1 & FDFLAGS_APPEND as u16 != 0);
        let _ = raw::write(fd2, &[b"!"]);
        r.expect("open_append_wrote_at_end", raw::pread_all(fd), |c| c == b"HELLO\0\0\0\0\0Z!");
        r.result("close_append", raw::close(fd2));
    }
    pwrite_append(r, &ctx);
    if let Some(fd2) = r.result("open_trunc", raw::open_rw(ctx.fd, p, O_TRUNC)) {
        r.expect("open_trunc_empty", raw::fd_filestat(fd2), |s| s.size == 0);
        let _ = raw::write(fd2, &[b"0123456789"]);
        r.result("close_trunc", raw::close(fd2));
    }
    let Some(fdb) = r.result("open_create_excl", raw::open_rw(ctx.fd, b"suite_files/b.txt", O_CREAT | O_EXCL)) else {
        return;
    };
    r.expect("created_empty", raw::fd_filestat(fdb), |s| s.size == 0 && s.filetype == raw::FILETYPE_REGULAR_FILE);
    let _ = raw::write(fdb, &[b"bee"]);

    // fd_renumber: `fd` (a.txt) takes the place of `fdb` (b.txt, which is closed).
    let a_ino = raw::fd_filestat(fd).map(|s| s.ino);
    r.result("renumber", raw_errno(unsafe { raw::fd_renumber(fd, fdb) }));
    r.check("renumber_target_is_source", raw::fd_filestat(fdb).map(|s| s.ino) == a_ino && a_ino.is_ok(), || {
        "fd_renumber target does not refer to the source file".into()
    });
    r.expect("renumber_target_content", raw::pread_all(fdb), |c| c == b"0123456789");
    r.errno("renumber_source_closed", raw::close(fd), &[EBADF]);
    r.expect("b_kept_its_data", fs::read_to_string(ctx.p("suite_files/b.txt")), |s| s == "bee");
    r.result("close", raw::close(fdb));
    r.errno("close_twice", raw::close(fdb), &[EBADF]);

    r.result("std_remove_dir_all", fs::remove_dir_all(&dir));
    r.errno("gone_after_cleanup", raw::path_filestat(ctx.fd, 0, b"suite_files"), &[ENOENT]);
}

/// `fd_pwrite` on a descriptor opened with APPEND must write every byte and leave the
/// offset where it was. POSIX writes at the offset given, Linux (and wasmtime) at the
/// end of the file: both pass, and the `pwrite_append_lands` line says which this host
/// chose. The rights leave out FD_SEEK, as wasmtime's own pwrite test does, since an
/// append-mode write positions nothing.
fn pwrite_append(r: &mut Report, ctx: &crate::Ctx) {
    let c = b"suite_files/c.txt";
    let rights = raw::RIGHTS_ALL & !raw::RIGHT_FD_SEEK;
    let opened = raw::open(ctx.fd, raw::LOOKUP_SYMLINK_FOLLOW, c, O_CREAT, rights, FDFLAGS_APPEND);
    let Some(fd) = r.result("open_append_without_seek_right", opened) else { return };
    r.expect("append_write_first", raw::write(fd, &[b"abcdef"]), |&n| n == 6);
    r.expect("append_offset_at_end", raw::tell(fd), |&p| p == 6);
    r.expect("pwrite_append", raw::pwrite(fd, &[b"XY"], 1), |&n| n == 2);
    r.expect("pwrite_append_keeps_offset", raw::tell(fd), |&p| p == 6);
    let big = vec![b'z'; 64 << 10];
    r.expect("pwrite_append_writes_all", raw::pwrite(fd, &[&big[..]], 2), |&n| n == big.len());
    r.expect("pwrite_append_keeps_offset_again", raw::tell(fd), |&p| p == 6);
    let content = fs::read(ctx.p("suite_files/c.txt")).unwrap_or_default();
    let mut at_end = b"abcdefXY".to_vec();
    at_end.extend_from_slice(&big);
    let mut at_offset = b"aXY".to_vec();
    at_offset.extend_from_slice(&big);
    let lands = if content == at_end {
        "end"
    } else if content == at_offset {
        "offset"
    } else {
        "neither"
    };
    r.value("pwrite_append_lands", lands);
    r.check("pwrite_append_content", lands != "neither", || format!("{} bytes", content.len()));
    // An ordinary write after them still goes to the end.
    r.expect("append_write_after_pwrite", raw::write(fd, &[b"!"]), |&n| n == 1);
    let len = fs::metadata(ctx.p("suite_files/c.txt")).map(|m| m.len());
    r.expect("append_write_after_pwrite_at_end", len, |&n| n == content.len() as u64 + 1);
    r.result("close_append_without_seek_right", raw::close(fd));
}

/// Reads `want` bytes with `fd_read` into two iovecs split at `split`, repeating after
/// short reads. Returns the first call's count and everything read.
fn read_scattered(fd: raw::Fd, split: usize, want: usize) -> Result<(usize, Vec<u8>), raw::Errno> {
    let mut out = Vec::new();
    let mut first = None;
    while out.len() < want {
        let rem = want - out.len();
        let s = split.saturating_sub(out.len()).min(rem);
        let (mut b1, mut b2) = (vec![0u8; s], vec![0u8; rem - s]);
        let n = raw::read(fd, &mut [&mut b1[..], &mut b2[..]])?;
        first.get_or_insert(n);
        if n == 0 {
            break;
        }
        b1.extend_from_slice(&b2);
        out.extend_from_slice(&b1[..n]);
    }
    Ok((first.unwrap_or(0), out))
}

/// Writes all of `parts` with `fd_write` (or `fd_pwrite` from `offset`), one ciovec per
/// part still (partly) unwritten, repeating after short writes. Returns the first
/// call's count.
fn write_gathered(fd: raw::Fd, parts: &[&[u8]], offset: Option<u64>) -> Result<usize, raw::Errno> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let (mut done, mut first) = (0usize, None);
    while done < total {
        let mut skip = done;
        let mut iovs: Vec<&[u8]> = Vec::new();
        for p in parts {
            if skip >= p.len() && !p.is_empty() {
                skip -= p.len();
            } else {
                iovs.push(&p[skip.min(p.len())..]);
                skip = 0;
            }
        }
        let n = match offset {
            Some(o) => raw::pwrite(fd, &iovs, o + done as u64)?,
            None => raw::write(fd, &iovs)?,
        };
        first.get_or_insert(n);
        if n == 0 {
            return Err(-1);
        }
        done += n;
    }
    Ok(first.unwrap_or(0))
}

/// An errno from a raw call as a `Result`.
pub fn raw_errno(e: raw::Errno) -> Result<(), raw::Errno> {
    if e == 0 {
        Ok(())
    } else {
        Err(e)
    }
}
