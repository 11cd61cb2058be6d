//! `kiln serve`: an HTTP server that answers every request with a fresh
//! instance of one module, following the WAGI convention: the request
//! arrives as CGI environment variables and stdin, and the guest writes a
//! CGI response (headers, a blank line, the body) to stdout.
//!
//! - [`cgi_env`]: the request's CGI variables.
//! - [`cgi_response`]: parsing the guest's output.
//! - [`guest`]: one request's store, instance and `_start`.
//! - [`server`]: the tokio accept loop and the hyper handler.

pub mod cgi_env;
pub mod cgi_response;
pub mod guest;
pub mod server;

use crate::options::GroupedFlags;
use anyhow::{Context, Result, bail};
use kiln::{Config, Engine};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options and arguments of `kiln serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port. The bound
    /// address is printed as `Serving on http://ADDR`.
    #[arg(long, value_name = "SOCKADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Grant every request's guest access to a host directory, as GUEST
    /// (default: the same name).
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    pub dirs: Vec<String>,
    /// Set an environment variable for the guest; `--env NAME` passes the
    /// host's value of NAME, if it has one. The request's CGI variables
    /// take precedence over these.
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    pub envs: Vec<String>,
    /// The largest request body accepted, in bytes; a larger one gets 413.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_body_size: usize,
    /// The most a guest may write to stdout per request, in bytes (headers
    /// and body); a write past it fails in the guest.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_response_size: usize,
    /// wasmtime's grouped options: `-O`, `-W`, `-S`, `-D`.
    #[command(flatten)]
    pub grouped: GroupedFlags,
    /// The module to serve (.wasm, .wat or a compiled artifact): a WASI
    /// command that reads the request and writes a CGI response.
    pub module: PathBuf,
}

/// `kiln serve`: load the module once, bind, then serve until killed.
pub fn serve_command(args: ServeArgs) -> Result<ExitCode> {
    let options = args.grouped.parse()?;
    if !options.tcplisten.is_empty() {
        bail!("`-S tcplisten` is for `kiln run`: `kiln serve` owns the listening socket (see `--addr`)");
    }
    let mut config = Config::new();
    options.configure(&mut config);
    let engine = Engine::new(&config)?;
    let module = crate::run::load_module(&engine, &args.module)?;

    let setup = guest::GuestSetup {
        argv0: args.module.file_name().unwrap_or(args.module.as_os_str()).to_string_lossy().into_owned(),
        envs: args.envs.iter().filter_map(|e| env_pair(e)).collect(),
        inherit_env: options.inherit_env,
        dirs: args.dirs.iter().map(|d| dir_pair(d)).collect::<Result<_>>()?,
        max_response_bytes: args.max_response_size,
        deadline_ticks: options.timeout.map(guest::deadline_ticks),
        fuel: options.fuel,
        limits: options.store_limits(),
    };
    if options.timeout.is_some() {
        // One ticker for all requests; each store's deadline counts ticks.
        let ticker = engine.clone();
        std::thread::Builder::new()
            .name("kiln-serve-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(guest::EPOCH_TICK);
                    ticker.increment_epoch();
                }
            })
            .context("failed to start the epoch ticker thread")?;
    }
    let guest = guest::Guest::new(engine, module, setup)?;
    let app = server::App { guest, max_body_bytes: args.max_body_size };

    let listener =
        std::net::TcpListener::bind(args.addr).with_context(|| format!("failed to listen on `{}`", args.addr))?;
    let bound = listener.local_addr()?;
    // A closed stdout must not stop the server: the line is for whoever
    // started it, and the server works without anyone reading it.
    let mut stdout = std::io::stdout();
    if let Err(e) = writeln!(stdout, "Serving on http://{bound}").and_then(|()| stdout.flush()) {
        eprintln!("kiln serve: serving on http://{bound} (could not write this to stdout: {e})");
    }
    server::serve(listener, app)?;
    Ok(ExitCode::SUCCESS)
}

/// `NAME=VAL`, or `NAME` for the host's value (none if it has none).
fn env_pair(env: &str) -> Option<(String, String)> {
    match env.split_once('=') {
        Some((name, value)) => Some((name.into(), value.into())),
        None => std::env::var(env).ok().map(|value| (env.into(), value)),
    }
}

/// `HOST[::GUEST]`, checked once here so a typo fails at startup rather
/// than in every request.
fn dir_pair(dir: &str) -> Result<(String, String)> {
    let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
    if !std::path::Path::new(host).is_dir() {
        bail!("`--dir {dir}`: `{host}` is not a directory");
    }
    Ok((host.into(), guest.into()))
}
