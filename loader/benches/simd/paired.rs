//! The SIMD kernels of `main.rs`, timed in pairs: each round times a
//! batch of kiln calls and a batch of native calls back to back (in
//! alternating order), and the round's ratio compares the two. The report
//! is the median over the rounds, with the spread of the ratios.
//!
//! Criterion times each side for seconds on its own, so on a shared
//! machine the two sides of one kernel can run under different load (a
//! busy sibling hyperthread slows both kinds of code alike, by up to 2.5×
//! here, for seconds at a time) and their means then compare the load as
//! much as the code. Rounds of a few milliseconds see the same load on
//! both sides; the median ratio is the comparison of the code.
//!
//! Run with `cargo bench -p kiln --bench simd-paired [ROUNDS]`
//! (default 400); `benches/simd.sh` runs it after criterion.

mod kernels;
mod native;

use kernels::{Kernel, Kernels, Work};
use std::time::{Duration, Instant};

/// How long one side's batch should take.
const BATCH: Duration = Duration::from_millis(2);

/// Times `calls` calls of `f`.
fn batch(calls: u32, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed()
}

/// The `q`-quantile of sorted `v` (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; a number is the round count.
    let rounds = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(400).max(1);
    let mut k = Kernels::new();
    println!("128-bit SIMD kernels, paired rounds ({rounds} per kernel, medians; ratio = kiln / native per round)");
    println!(
        "| {:<9} | {:>10} | {:>10} | {:>7} | {:>15} | {:>14} |",
        "kernel", "kiln µs", "native µs", "ratio", "ratio p10–p90", "kiln rate"
    );
    println!("|-----------|------------|------------|---------|-----------------|----------------|");
    for kernel in Kernel::ALL {
        // Warm up both sides, then size the batch from the kiln side.
        let warm = batch(20, || k.kiln(kernel)) + batch(20, || k.native(kernel));
        let per_call = (warm / 40).max(Duration::from_nanos(1));
        let calls = (BATCH.as_nanos() / per_call.as_nanos()).clamp(1, 1 << 20) as u32;
        let (mut kiln, mut native, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (tk, tn) = if round % 2 == 0 {
                let tk = batch(calls, || k.kiln(kernel));
                (tk, batch(calls, || k.native(kernel)))
            } else {
                let tn = batch(calls, || k.native(kernel));
                (batch(calls, || k.kiln(kernel)), tn)
            };
            kiln.push(tk.as_secs_f64() * 1e6 / f64::from(calls));
            native.push(tn.as_secs_f64() * 1e6 / f64::from(calls));
            ratio.push(tk.as_secs_f64() / tn.as_secs_f64());
        }
        for v in [&mut kiln, &mut native, &mut ratio] {
            v.sort_by(f64::total_cmp);
        }
        let us = quantile(&kiln, 0.5);
        let rate = match kernel.work() {
            Work::Bytes(n) => format!("{:.2} GiB/s", n as f64 / us * 1e6 / f64::from(1 << 30)),
            Work::Elements(n) => format!("{:.1} M/s", n as f64 / us),
        };
        println!(
            "| {:<9} | {:>10.2} | {:>10.2} | {:>6.2}× | {:>15} | {:>14} |",
            kernel.name(),
            us,
            quantile(&native, 0.5),
            quantile(&ratio, 0.5),
            format!("{:.2}–{:.2}×", quantile(&ratio, 0.1), quantile(&ratio, 0.9)),
            rate,
        );
    }
}
