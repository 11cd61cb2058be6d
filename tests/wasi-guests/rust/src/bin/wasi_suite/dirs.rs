//! Subcommand `dirs`: directories, listing, renames, removal and links in the preopen:
//! path_create_directory, fd_readdir in small buffers resumed from cookies,
//! path_rename, path_unlink_file, path_remove_directory, path_symlink,
//! path_readlink, path_link, plus the std equivalents.
//! Works in `suite_dirs/` and removes it at the end.

use std::fs;

use crate::raw::{
    self, EEXIST, ENOENT, FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, FILETYPE_SYMBOLIC_LINK, LOOKUP_SYMLINK_FOLLOW,
};
use crate::{preopen, Report};

/// One parsed `dirent`.
#[derive(Clone, Debug, PartialEq)]
struct Dirent {
    next: u64,
    ino: u64,
    kind: u8,
    name: Vec<u8>,
}

/// Lists a directory through `fd_readdir`, `buf_len` bytes at a time, from `cookie`.
///
/// Only entries that fit whole in a buffer are taken; the next call resumes from the
/// `d_next` cookie of the last whole entry. A full buffer that holds no whole entry
/// means the next entry is bigger than the buffer, so the buffer is doubled (the
/// recovery the witx docs describe). A buffer that comes back less than full means
/// the end of the directory. Returns the entries and the number of calls made.
fn list(fd: raw::Fd, mut buf_len: usize, mut cookie: u64) -> Result<(Vec<Dirent>, usize), raw::Errno> {
    let mut out = Vec::new();
    let mut calls = 0;
    loop {
        let buf = raw::readdir_raw(fd, buf_len, cookie)?;
        calls += 1;
        if calls > 10_000 {
            return Err(-1); // a host that never reaches the end
        }
        let mut off = 0;
        let mut took = 0;
        while off + raw::DIRENT_SIZE <= buf.len() {
            let namlen = raw::u32_at(&buf, off + 16) as usize;
            let end = off + raw::DIRENT_SIZE + namlen;
            if end > buf.len() {
                break;
            }
            let d = Dirent {
                next: raw::u64_at(&buf, off),
                ino: raw::u64_at(&buf, off + 8),
                kind: buf[off + 20],
                name: buf[off + raw::DIRENT_SIZE..end].to_vec(),
            };
            cookie = d.next;
            out.push(d);
            off = end;
            took += 1;
        }
        if buf.len() < buf_len {
            return Ok((out, calls));
        }
        if took == 0 {
            buf_len *= 2;
        }
    }
}

fn names(entries: &[Dirent]) -> Vec<String> {
    entries
        .iter()
        .filter(|d| d.name != b"." && d.name != b"..")
        .map(|d| String::from_utf8_lossy(&d.name).into_owned())
        .collect()
}

pub fn dirs(r: &mut Report) {
    let ctx = preopen(r);
    let fd3 = ctx.fd;
    let top = ctx.p("suite_dirs");
    let _ = fs::remove_dir_all(&top);
    if r.result("std_create_dir", fs::create_dir(&top)).is_none() {
        return;
    }

    // ---- creating directories -------------------------------------------------
    r.result("mkdir", raw::mkdir(fd3, b"suite_dirs/sub"));
    r.expect("mkdir_is_dir", raw::path_filestat(fd3, 0, b"suite_dirs/sub"), |s| s.filetype == FILETYPE_DIRECTORY);
    r.errno("mkdir_exists", raw::mkdir(fd3, b"suite_dirs/sub"), &[EEXIST]);
    r.result("mkdir_trailing_slash", raw::mkdir(fd3, b"suite_dirs/sub2/"));
    r.result("std_create_dir_all", fs::create_dir_all(ctx.p("suite_dirs/a/b/c")));
    r.expect("std_is_dir", fs::metadata(ctx.p("suite_dirs/a/b/c")).map(|m| m.is_dir()), |&d| d);

    // ---- listing ------------------------------------------------------------------
    // Names of many lengths, one too long for the 64-byte buffer (forces regrowth).
    let long = "a_file_name_that_is_longer_than_the_small_readdir_buffer_can_hold.txt".to_string();
    let mut expected: Vec<String> = (0..12).map(|i| format!("f{i:02}{}", "x".repeat(i))).collect();
    expected.push(long.clone());
    let mut populated = fs::create_dir(ctx.p("suite_dirs/list")).is_ok();
    for n in &expected {
        populated &= fs::write(ctx.p(&format!("suite_dirs/list/{n}")), n.as_bytes()).is_ok();
    }
    populated &= raw::mkdir(fd3, b"suite_dirs/list/subdir").is_ok();
    populated &= raw::symlink(b"f00", fd3, b"suite_dirs/list/link").is_ok();
    expected.push("subdir".into());
    expected.push("link".into());
    expected.sort_unstable();
    r.check("populate", populated, || "could not create the listing fixture".into());

    let Some(dfd) = r.result("open_dir", raw::open_dir(fd3, b"suite_dirs/list")) else { return };
    r.expect("open_dir_fdstat", raw::fdstat(dfd), |s| s.0 == FILETYPE_DIRECTORY);
    let small = list(dfd, 64, 0);
    let Some((entries, calls)) = r.result("readdir_small_buffer", small) else { return };
    let got = names(&entries);
    let mut got_sorted = got.clone();
    got_sorted.sort_unstable();
    r.check("readdir_names", got_sorted == expected, || format!("{got:?}"));
    let mut dedup = got_sorted.clone();
    dedup.dedup();
    r.check("readdir_no_duplicates", dedup.len() == got.len(), || format!("{got:?}"));
    r.check("readdir_used_cookies", calls > 3, || format!("only {calls} fd_readdir calls"));
    let kind_of = |n: &str| entries.iter().find(|d| d.name == n.as_bytes()).map(|d| d.kind);
    r.check(
        "readdir_types",
        kind_of("f00") == Some(FILETYPE_REGULAR_FILE)
            && kind_of(&long) == Some(FILETYPE_REGULAR_FILE)
            && kind_of("subdir") == Some(FILETYPE_DIRECTORY)
            && kind_of("link") == Some(FILETYPE_SYMBOLIC_LINK),
        || {
            format!(
                "f00 {:?}, long {:?}, subdir {:?}, link {:?}",
                kind_of("f00"),
                kind_of(&long),
                kind_of("subdir"),
                kind_of("link")
            )
        },
    );
    let f05 = entries.iter().find(|d| d.name == b"f05xxxxx").map(|d| d.ino);
    let st05 = raw::path_filestat(fd3, 0, b"suite_dirs/list/f05xxxxx").map(|s| s.ino);
    r.check("readdir_ino_matches_filestat", f05.is_some() && Ok(f05.unwrap()) == st05, || {
        format!("dirent {f05:?}, filestat {st05:?}")
    });

    // Every whole listing, from cookie 0, in one big buffer: same order as above.
    let big = list(dfd, 64 * 1024, 0);
    r.expect("readdir_rewind_same_order", big.as_ref().map(|(e, _)| names(e)), |n| *n == got);
    // Resume from the cookie of an entry in the middle: the rest, in the same order.
    let k = entries.len() / 2;
    let tail = list(dfd, 64 * 1024, entries[k].next).map(|(e, _)| e);
    r.expect(
        "readdir_resume_from_cookie",
        tail.as_ref().map(|e| e.iter().map(|d| d.name.clone()).collect::<Vec<_>>()),
        |t| *t == entries[k + 1..].iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
    );
    // The cookie after the last entry gives an empty listing.
    let last = entries.last().map(|d| d.next).unwrap_or(0);
    r.expect("readdir_at_end_empty", raw::readdir_raw(dfd, 256, last), |b| b.is_empty());
    // A buffer smaller than one dirent header: filled completely (truncated entry).
    r.expect("readdir_tiny_buffer_truncates", raw::readdir_raw(dfd, 10, 0), |b| b.len() == 10);
    r.result("close_dir", raw::close(dfd));

    let std_names: Result<Vec<String>, _> = fs::read_dir(ctx.p("suite_dirs/list"))
        .and_then(|rd| rd.map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned())).collect())
        .map(|mut v: Vec<String>| {
            v.sort_unstable();
            v
        });
    r.expect("std_read_dir", std_names, |n| *n == expected);

    // ---- renames -------------------------------------------------------------------
    r.result("rename_file", raw::rename(fd3, b"suite_dirs/list/f01x", fd3, b"suite_dirs/moved.txt"));
    r.errno("rename_old_gone", raw::path_filestat(fd3, 0, b"suite_dirs/list/f01x"), &[ENOENT]);
    r.expect("rename_new_content", fs::read_to_string(ctx.p("suite_dirs/moved.txt")), |s| s == "f01x");
    r.result("rename_replaces_file", raw::rename(fd3, b"suite_dirs/list/f02xx", fd3, b"suite_dirs/moved.txt"));
    r.expect("rename_replaced_content", fs::read_to_string(ctx.p("suite_dirs/moved.txt")), |s| s == "f02xx");
    r.result("rename_dir", raw::rename(fd3, b"suite_dirs/a", fd3, b"suite_dirs/a2"));
    r.expect("rename_dir_moved_tree", raw::path_filestat(fd3, 0, b"suite_dirs/a2/b/c"), |s| {
        s.filetype == FILETYPE_DIRECTORY
    });
    r.result("rename_dir_onto_empty_dir", raw::rename(fd3, b"suite_dirs/a2/b/c", fd3, b"suite_dirs/sub2"));
    r.result("std_rename", fs::rename(ctx.p("suite_dirs/moved.txt"), ctx.p("suite_dirs/moved2.txt")));
    r.errno("std_rename_old_gone", raw::path_filestat(fd3, 0, b"suite_dirs/moved.txt"), &[ENOENT]);

    // ---- removal -------------------------------------------------------------------
    r.result("unlink_file", raw::unlink(fd3, b"suite_dirs/moved2.txt"));
    r.errno("unlink_gone", raw::path_filestat(fd3, 0, b"suite_dirs/moved2.txt"), &[ENOENT]);
    r.result("rmdir", raw::rmdir(fd3, b"suite_dirs/sub2"));
    r.errno("rmdir_gone", raw::path_filestat(fd3, 0, b"suite_dirs/sub2"), &[ENOENT]);
    r.result("std_remove_file", fs::remove_file(ctx.p("suite_dirs/list/f03xxx")));
    r.result("std_remove_dir", fs::remove_dir(ctx.p("suite_dirs/a2/b")));
    // rmdir("dir/") removes `dir`, as rmdir(2) does.
    r.result("mkdir_for_rmdir_slash", raw::mkdir(fd3, b"suite_dirs/slash"));
    r.result("rmdir_trailing_slash", raw::rmdir(fd3, b"suite_dirs/slash/"));
    r.errno("rmdir_trailing_slash_gone", raw::path_filestat(fd3, 0, b"suite_dirs/slash"), &[ENOENT]);
    r.result("std_create_dir_for_slash", fs::create_dir(ctx.p("suite_dirs/slash2")));
    r.result("std_remove_dir_trailing_slash", fs::remove_dir(ctx.p("suite_dirs/slash2/")));
    r.errno("std_remove_dir_trailing_slash_gone", raw::path_filestat(fd3, 0, b"suite_dirs/slash2"), &[ENOENT]);

    // ---- symbolic links ---------------------------------------------------------------
    r.result("write_target", fs::write(ctx.p("suite_dirs/target.txt"), "target!"));
    r.result("symlink", raw::symlink(b"target.txt", fd3, b"suite_dirs/link"));
    r.expect("readlink", raw::readlink(fd3, b"suite_dirs/link", 64), |t| t == b"target.txt");
    r.expect("std_read_link", fs::read_link(ctx.p("suite_dirs/link")), |p| p.as_os_str() == "target.txt");
    r.expect("lstat_symlink", raw::path_filestat(fd3, 0, b"suite_dirs/link"), |s| s.filetype == FILETYPE_SYMBOLIC_LINK);
    r.expect("stat_follows_symlink", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"suite_dirs/link"), |s| {
        s.filetype == FILETYPE_REGULAR_FILE && s.size == 7
    });
    r.expect(
        "std_symlink_metadata",
        fs::symlink_metadata(ctx.p("suite_dirs/link")).map(|m| m.file_type().is_symlink()),
        |&l| l,
    );
    r.expect("read_through_symlink", fs::read_to_string(ctx.p("suite_dirs/link")), |s| s == "target!");
    r.errno("symlink_exists", raw::symlink(b"whatever", fd3, b"suite_dirs/link"), &[EEXIST]);
    r.result("symlink_to_dir", raw::symlink(b"sub", fd3, b"suite_dirs/dirlink"));
    r.expect("stat_dir_through_symlink", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"suite_dirs/dirlink"), |s| {
        s.filetype == FILETYPE_DIRECTORY
    });
    r.result("create_through_dir_symlink", fs::write(ctx.p("suite_dirs/dirlink/inner.txt"), "in"));
    r.expect("created_in_real_dir", fs::read_to_string(ctx.p("suite_dirs/sub/inner.txt")), |s| s == "in");
    r.result("dangling_symlink", raw::symlink(b"does-not-exist", fd3, b"suite_dirs/dangling"));
    r.expect("lstat_dangling", raw::path_filestat(fd3, 0, b"suite_dirs/dangling"), |s| {
        s.filetype == FILETYPE_SYMBOLIC_LINK
    });
    r.errno("stat_dangling_follow", raw::path_filestat(fd3, LOOKUP_SYMLINK_FOLLOW, b"suite_dirs/dangling"), &[ENOENT]);
    r.result("unlink_symlink", raw::unlink(fd3, b"suite_dirs/link"));
    r.expect("unlink_symlink_keeps_target", fs::read_to_string(ctx.p("suite_dirs/target.txt")), |s| s == "target!");

    // ---- hard links --------------------------------------------------------------------
    r.result("link", raw::link(fd3, 0, b"suite_dirs/target.txt", fd3, b"suite_dirs/hard.txt"));
    let t = raw::path_filestat(fd3, 0, b"suite_dirs/target.txt");
    let h = raw::path_filestat(fd3, 0, b"suite_dirs/hard.txt");
    r.check(
        "link_same_inode",
        matches!((&t, &h), (Ok(t), Ok(h)) if t.ino == h.ino && t.nlink == 2 && h.nlink == 2),
        || format!("{t:?} {h:?}"),
    );
    r.result("write_through_link", fs::write(ctx.p("suite_dirs/hard.txt"), "changed"));
    r.expect("link_shares_data", fs::read_to_string(ctx.p("suite_dirs/target.txt")), |s| s == "changed");
    r.errno("link_exists", raw::link(fd3, 0, b"suite_dirs/target.txt", fd3, b"suite_dirs/hard.txt"), &[EEXIST]);
    r.result("unlink_link_source", raw::unlink(fd3, b"suite_dirs/target.txt"));
    r.expect("link_survives", raw::path_filestat(fd3, 0, b"suite_dirs/hard.txt"), |s| s.nlink == 1 && s.size == 7);
    r.result("std_hard_link", fs::hard_link(ctx.p("suite_dirs/hard.txt"), ctx.p("suite_dirs/hard2.txt")));
    r.expect("std_hard_link_nlink", raw::path_filestat(fd3, 0, b"suite_dirs/hard2.txt"), |s| s.nlink == 2);

    // ---- cleanup -----------------------------------------------------------------------
    r.result("std_remove_dir_all", fs::remove_dir_all(&top));
    r.errno("gone_after_cleanup", raw::path_filestat(fd3, 0, b"suite_dirs"), &[ENOENT]);
}
