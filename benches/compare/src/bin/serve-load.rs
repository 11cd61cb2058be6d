//! serve-load: a bounded HTTP/1.1 load generator for `kiln serve`.
//!
//! `serve-load --url http://127.0.0.1:PORT/PATH [--connections 64]
//! [--requests 100000] [--max-seconds 600]` opens that many keep-alive
//! connections (hyper's client on tokio) and sends GET requests on them
//! until the total is reached or the time bound passes. It only talks to
//! loopback addresses. It prints one `key=value` line per figure:
//! requests sent, failures (errors and non-2xx answers), elapsed seconds,
//! throughput, and p50/p90/p99/max latency in microseconds.

use anyhow::{Context, Result, bail};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The command line.
struct Args {
    addr: SocketAddr,
    path: String,
    connections: usize,
    requests: u64,
    max_time: Duration,
}

fn parse_args() -> Result<Args> {
    let mut url = None;
    let (mut connections, mut requests, mut max_seconds) = (64usize, 100_000u64, 600u64);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--url" => url = Some(value),
            "--connections" => connections = value.parse().context("--connections")?,
            "--requests" => requests = value.parse().context("--requests")?,
            "--max-seconds" => max_seconds = value.parse().context("--max-seconds")?,
            _ => bail!("unknown flag `{flag}` (expected --url, --connections, --requests, --max-seconds)"),
        }
    }
    let url = url.context("--url http://127.0.0.1:PORT/PATH is required")?;
    let rest = url.strip_prefix("http://").context("only http:// URLs are supported")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let addr: SocketAddr = authority.parse().with_context(|| format!("`{authority}` is not IP:PORT"))?;
    if !addr.ip().is_loopback() {
        bail!("serve-load only targets loopback addresses, not {addr}");
    }
    if connections == 0 {
        bail!("--connections must be at least 1");
    }
    let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
    Ok(Args { addr, path, connections, requests, max_time: Duration::from_secs(max_seconds) })
}

/// What one connection's task saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    failures: u64,
}

/// Sends requests on one connection (reconnecting after an error) until
/// the shared budget is spent or the deadline passes.
async fn connection(args: Arc<Args>, issued: Arc<AtomicU64>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut sender = None;
    while issued.fetch_add(1, Ordering::Relaxed) < args.requests && Instant::now() < deadline {
        let start = Instant::now();
        let ok = match one_request(&args, &mut sender).await {
            Ok(status) => status.is_success(),
            Err(_) => {
                sender = None;
                false
            }
        };
        let micros = u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX);
        tally.latencies_us.push(micros);
        if !ok {
            tally.failures += 1;
        }
    }
    tally
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn one_request(args: &Args, sender: &mut Option<Sender>) -> Result<hyper::StatusCode> {
    if sender.is_none() {
        let stream = tokio::net::TcpStream::connect(args.addr).await?;
        stream.set_nodelay(true)?;
        let (s, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        *sender = Some(s);
    }
    let Some(s) = sender.as_mut() else { bail!("no connection") };
    s.ready().await?;
    let request = hyper::Request::get(args.path.as_str())
        .header(hyper::header::HOST, args.addr.to_string())
        .header("x-kiln-test", "serve-load")
        .body(Empty::<Bytes>::new())?;
    let response = s.send_request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> Result<()> {
    let args = Arc::new(parse_args()?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (tallies, elapsed) = runtime.block_on(async {
        let issued = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let deadline = start + args.max_time;
        let tasks: Vec<_> =
            (0..args.connections).map(|_| tokio::spawn(connection(args.clone(), issued.clone(), deadline))).collect();
        let mut tallies = Vec::with_capacity(tasks.len());
        for task in tasks {
            tallies.push(task.await?);
        }
        anyhow::Ok((tallies, start.elapsed()))
    })?;
    let mut latencies: Vec<u32> = tallies.iter().flat_map(|t| t.latencies_us.iter().copied()).collect();
    latencies.sort_unstable();
    let failures: u64 = tallies.iter().map(|t| t.failures).sum();
    let requests = latencies.len() as u64;
    println!("connections={}", args.connections);
    println!("requests={requests}");
    println!("failures={failures}");
    println!("timed_out={}", requests < args.requests);
    println!("elapsed_s={:.3}", elapsed.as_secs_f64());
    println!("throughput_rps={:.0}", requests as f64 / elapsed.as_secs_f64());
    for (name, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0)] {
        println!("{name}_us={}", percentile(&latencies, p));
    }
    println!("max_us={}", latencies.last().copied().unwrap_or(0));
    Ok(())
}
