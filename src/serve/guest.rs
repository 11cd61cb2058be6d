//! One request's run of the served module: a fresh WASI context, store and
//! instance every time, so no state survives from one request to the next,
//! and `_start` run to completion. This is blocking code: the server calls
//! it from `tokio::task::spawn_blocking`, never on the async reactor.

use anyhow::{Context, Result, bail};
use kiln::{Engine, InstancePre, Linker, Module, Store};
use kiln_wasi::pipe::{MemoryInputPipe, MemoryOutputPipe};
use kiln_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

/// What every request's guest gets, fixed when the server starts.
#[derive(Debug, Default)]
pub struct GuestSetup {
    /// The guest's argv[0].
    pub argv0: String,
    /// `--env` variables (the request's CGI variables come after them and
    /// win over a name given twice).
    pub envs: Vec<(String, String)>,
    /// `-S inherit-env`: the server's own environment first.
    pub inherit_env: bool,
    /// `--dir`: (host, guest) directory pairs, opened anew per request.
    pub dirs: Vec<(String, String)>,
    /// The most a guest may write to stdout; a write past it fails.
    pub max_response_bytes: usize,
    /// `-W timeout`: each request's deadline, in ticks of the server's
    /// epoch ticker ([`EPOCH_TICK`]).
    pub deadline_ticks: Option<u64>,
    /// `-W fuel`: the fuel each request starts with.
    pub fuel: Option<u64>,
    /// `-W max-memory-size`, `-W max-table-elements`,
    /// `-W trap-on-grow-failure`: each request's store gets a copy.
    pub limits: kiln::StoreLimits,
}

/// How often the server's ticker thread increments the engine's epoch when
/// requests have a timeout: a request's deadline is this precise.
pub const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// The deadline, in [`EPOCH_TICK`]s, for a request timeout (rounded up, so
/// a request always gets at least its timeout).
pub fn deadline_ticks(timeout: std::time::Duration) -> u64 {
    let ticks = timeout.as_nanos().div_ceil(EPOCH_TICK.as_nanos()).max(1);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// The store data of one request.
pub struct RequestState {
    wasi: WasiCtx,
    limits: kiln::StoreLimits,
}

/// The loaded module, ready to be instantiated for each request.
pub struct Guest {
    engine: Engine,
    /// The module with its WASI imports resolved and type-checked once.
    pre: InstancePre<RequestState>,
    setup: GuestSetup,
}

impl Guest {
    /// Links WASI for `module`, which must be a command (export `_start`).
    /// An import WASI does not provide is an error here, at startup, not
    /// at each request.
    pub fn new(engine: Engine, module: Module, setup: GuestSetup) -> Result<Self> {
        if module.get_export("_start").is_none() {
            bail!("the module exports no `_start`: `kiln serve` needs a WASI command (WAGI) module");
        }
        let mut linker = Linker::new(&engine);
        kiln_wasi::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.wasi)?;
        let pre = linker.instantiate_pre(&module).context("failed to link the module")?;
        Ok(Self { engine, pre, setup })
    }

    /// Runs the guest on one request: `vars` as its environment, `body` on
    /// stdin. Returns its stdout if it exited with status 0; a trap, a
    /// non-zero exit or any other failure is an error.
    pub fn run(&self, vars: &[(String, String)], body: Vec<u8>) -> Result<Vec<u8>> {
        let stdout = MemoryOutputPipe::new(self.setup.max_response_bytes);
        let wasi = self.wasi_ctx(vars, body, stdout.clone())?;
        let mut store = self.new_store(wasi)?;
        let instance = self.pre.instantiate(&mut store).context("failed to instantiate the module")?;
        match kiln_wasi::run_command(&mut store, &instance)? {
            0 => Ok(stdout.contents()),
            status => bail!("the guest exited with status {status}"),
        }
    }

    /// The store for one request, with its own deadline, fuel and
    /// resource limits.
    fn new_store(&self, wasi: WasiCtx) -> Result<Store<RequestState>> {
        let mut store = Store::new(&self.engine, RequestState { wasi, limits: self.setup.limits.clone() });
        store.limiter(|s| &mut s.limits);
        if let Some(ticks) = self.setup.deadline_ticks {
            store.set_epoch_deadline(ticks);
        }
        if let Some(fuel) = self.setup.fuel {
            store.set_fuel(fuel)?;
        }
        Ok(store)
    }

    fn wasi_ctx(&self, vars: &[(String, String)], body: Vec<u8>, stdout: MemoryOutputPipe) -> Result<WasiCtx> {
        let setup = &self.setup;
        let mut wasi = WasiCtxBuilder::new();
        wasi.arg(&setup.argv0);
        if setup.inherit_env {
            wasi.inherit_env();
        }
        wasi.envs(&setup.envs).envs(vars);
        for (host, guest) in &setup.dirs {
            wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
                .with_context(|| format!("failed to open `--dir {host}`"))?;
        }
        wasi.stdin(MemoryInputPipe::new(body)).stdout(stdout).inherit_stderr();
        Ok(wasi.build())
    }
}
