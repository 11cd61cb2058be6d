//! Subcommands `clocks`, `random` and `poll`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::raw::{self, Event, EBADF, EINVAL, ENOSYS, ENOTSUP, EVENTTYPE_CLOCK, EVENTTYPE_FD_WRITE};
use crate::Report;

const MS: u64 = 1_000_000;
/// 2020-01-01T00:00:00Z and 2200-01-01T00:00:00Z in nanoseconds.
const Y2020: u64 = 1_577_836_800 * 1_000_000_000;
const Y2200: u64 = 7_258_118_400 * 1_000_000_000;

/// `clocks`: clock_res_get / clock_time_get for every clock id, through raw calls and std.
pub fn clocks(r: &mut Report) {
    r.expect("res_realtime", raw::clock_res(raw::CLOCK_REALTIME), |&v| v > 0 && v <= 1_000_000_000);
    r.expect("res_monotonic", raw::clock_res(raw::CLOCK_MONOTONIC), |&v| v > 0 && v <= 1_000_000_000);
    // The CPU-time clocks are optional: a host may support them (then res > 0) or
    // refuse them. Either is accepted; the errno is not printed because hosts differ.
    for (name, id) in
        [("res_process_cputime", raw::CLOCK_PROCESS_CPUTIME), ("res_thread_cputime", raw::CLOCK_THREAD_CPUTIME)]
    {
        let got = raw::clock_res(id);
        r.check(
            name,
            matches!(got, Ok(v) if v > 0) || matches!(got, Err(e) if [EINVAL, ENOTSUP, ENOSYS, EBADF].contains(&e)),
            || format!("{got:?}"),
        );
    }
    for (name, id) in
        [("time_process_cputime", raw::CLOCK_PROCESS_CPUTIME), ("time_thread_cputime", raw::CLOCK_THREAD_CPUTIME)]
    {
        let got = raw::clock_time(id);
        r.check(name, got.is_ok() || matches!(got, Err(e) if [EINVAL, ENOTSUP, ENOSYS, EBADF].contains(&e)), || {
            format!("{got:?}")
        });
    }
    r.expect("time_realtime_plausible", raw::clock_time(raw::CLOCK_REALTIME), |&v| (Y2020..Y2200).contains(&v));
    let a = raw::clock_time(raw::CLOCK_MONOTONIC);
    let b = raw::clock_time(raw::CLOCK_MONOTONIC);
    r.check("time_monotonic_nondecreasing", matches!((a, b), (Ok(x), Ok(y)) if y >= x), || format!("{a:?} then {b:?}"));
    // std: SystemTime uses the realtime clock, Instant the monotonic one.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64);
    r.expect("std_systemtime_plausible", now, |v| (Y2020..Y2200).contains(v));
    let raw_rt = raw::clock_time(raw::CLOCK_REALTIME).unwrap_or(0);
    let std_rt = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    r.check("std_systemtime_matches_raw", std_rt.abs_diff(raw_rt) < 60_000 * MS, || {
        format!("std {std_rt} vs raw {raw_rt}")
    });
    let t0 = Instant::now();
    let m0 = raw::clock_time(raw::CLOCK_MONOTONIC).unwrap_or(0);
    std::thread::sleep(Duration::from_millis(20));
    let m1 = raw::clock_time(raw::CLOCK_MONOTONIC).unwrap_or(0);
    let el = t0.elapsed();
    r.check("std_instant_advances", el >= Duration::from_millis(20), || {
        format!("slept 20ms, Instant saw {}ns", el.as_nanos())
    });
    r.check("monotonic_advances", m1.saturating_sub(m0) >= 20 * MS, || {
        format!("slept 20ms, monotonic moved {}ns", m1.saturating_sub(m0))
    });
    // clock_time_get with a very coarse precision still returns a time.
    let mut out = 0u64;
    // SAFETY: `out` is a live, aligned u64.
    let e = unsafe { raw::clock_time_get(raw::CLOCK_MONOTONIC, i64::MAX, &mut out as *mut u64 as usize) };
    r.check("time_any_precision", e == 0 && out > 0, || format!("errno {e}, time {out}"));
}

/// `random`: random_get fills buffers of several sizes with bytes that are not constant.
pub fn random(r: &mut Report) {
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    let ra = raw::random(&mut a);
    let rb = raw::random(&mut b);
    r.check("random_32", ra.is_ok() && rb.is_ok(), || format!("{ra:?} {rb:?}"));
    r.check("random_not_zero", a != [0u8; 32], || "32 zero bytes".into());
    r.check("random_differs", a != b, || "two calls returned the same 32 bytes".into());
    r.result("random_len_0", raw::random(&mut []));
    let mut big = vec![0u8; 1 << 16];
    if r.result("random_64k", raw::random(&mut big)).is_some() {
        let mut seen = [0u32; 256];
        for &x in &big {
            seen[x as usize] += 1;
        }
        let distinct = seen.iter().filter(|&&c| c > 0).count();
        let max = *seen.iter().max().unwrap();
        // 65536 uniform bytes: every value appears (~256 times); none anywhere near 1024.
        r.check("random_distribution", distinct == 256 && max < 1024, || {
            format!("{distinct} distinct values, max count {max}")
        });
    }
    // An odd length and an unaligned start.
    let mut odd = [0u8; 13];
    let res = raw::random(&mut odd[1..12]);
    r.check("random_unaligned", res.is_ok() && odd[0] == 0 && odd[12] == 0, || format!("{res:?} {odd:?}"));
    // std reaches random_get through HashMap's RandomState.
    use std::hash::{BuildHasher, Hasher};
    let h1 = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let h2 = std::collections::hash_map::RandomState::new().build_hasher().finish();
    r.check("std_randomstate", h1 != 0 || h2 != 0, || "zero hashes".into());
}

/// `poll`: poll_oneoff with clock subscriptions (relative, absolute, zero, two at once),
/// an fd_write subscription on stdout, sched_yield and std's sleep.
pub fn poll(r: &mut Report) {
    let now = || raw::clock_time(raw::CLOCK_MONOTONIC).unwrap_or(0);

    let t0 = now();
    let ev = raw::poll(&[raw::clock_subscription(0x1111, raw::CLOCK_MONOTONIC, 20 * MS, 0, 0)]);
    let el = now() - t0;
    r.check(
        "poll_clock_relative",
        ev == Ok(vec![Event { userdata: 0x1111, error: 0, kind: EVENTTYPE_CLOCK }]) && el >= 20 * MS,
        || format!("{ev:?} after {el}ns"),
    );

    let t0 = now();
    let ev =
        raw::poll(&[raw::clock_subscription(0x2222, raw::CLOCK_MONOTONIC, t0 + 15 * MS, 0, raw::SUBCLOCK_ABSTIME)]);
    let t1 = now();
    r.check(
        "poll_clock_absolute",
        ev == Ok(vec![Event { userdata: 0x2222, error: 0, kind: EVENTTYPE_CLOCK }]) && t1 >= t0 + 15 * MS,
        || format!("{ev:?} after {}ns", t1 - t0),
    );

    let t0 = now();
    let ev = raw::poll(&[raw::clock_subscription(
        0x3333,
        raw::CLOCK_MONOTONIC,
        t0.saturating_sub(1_000 * MS),
        0,
        raw::SUBCLOCK_ABSTIME,
    )]);
    let el = now() - t0;
    r.check(
        "poll_clock_absolute_past",
        ev == Ok(vec![Event { userdata: 0x3333, error: 0, kind: EVENTTYPE_CLOCK }]) && el < 500 * MS,
        || format!("{ev:?} after {el}ns"),
    );

    let t0 = now();
    let ev = raw::poll(&[raw::clock_subscription(0x4444, raw::CLOCK_REALTIME, 0, 0, 0)]);
    let el = now() - t0;
    r.check(
        "poll_clock_zero_realtime",
        ev == Ok(vec![Event { userdata: 0x4444, error: 0, kind: EVENTTYPE_CLOCK }]) && el < 500 * MS,
        || format!("{ev:?} after {el}ns"),
    );

    // Two timers: only the short one may have fired when poll returns.
    let t0 = now();
    let ev = raw::poll(&[
        raw::clock_subscription(0x5555, raw::CLOCK_MONOTONIC, 5_000 * MS, 0, 0),
        raw::clock_subscription(0x6666, raw::CLOCK_MONOTONIC, 10 * MS, 0, 0),
    ]);
    let el = now() - t0;
    r.check(
        "poll_two_clocks",
        ev == Ok(vec![Event { userdata: 0x6666, error: 0, kind: EVENTTYPE_CLOCK }]) && el >= 10 * MS && el < 4_000 * MS,
        || format!("{ev:?} after {el}ns"),
    );

    // stdout is writable at once, so poll returns before the 5 s timer with an
    // fd_write event for it (and no clock event).
    let t0 = now();
    let ev = raw::poll(&[
        raw::fd_subscription(0x7777, EVENTTYPE_FD_WRITE, 1),
        raw::clock_subscription(0x8888, raw::CLOCK_MONOTONIC, 5_000 * MS, 0, 0),
    ]);
    let el = now() - t0;
    r.check(
        "poll_fd_write_stdout",
        matches!(&ev, Ok(v) if v.len() == 1 && v[0].userdata == 0x7777 && v[0].error == 0 && v[0].kind == EVENTTYPE_FD_WRITE)
            && el < 4_000 * MS,
        || format!("{ev:?} after {el}ns"),
    );

    r.errno("poll_no_subscriptions", raw::poll(&[]), &[EINVAL]);

    // SAFETY: sched_yield takes no arguments.
    let e = unsafe { raw::sched_yield() };
    r.check("sched_yield", e == 0, || format!("errno {e}"));

    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(25));
    let el = t0.elapsed();
    r.check("std_sleep", el >= Duration::from_millis(25), || format!("slept 25ms, Instant saw {}ns", el.as_nanos()));
}
