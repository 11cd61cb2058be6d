//! wasmtime's grouped options, `-O`, `-W`, `-S`, `-D` and `-C`, each taking
//! `KEY[=VALUE]` items (several per flag when comma-separated), so that
//! scripts written for `wasmtime run` work with `kiln run`.
//!
//! Only keys kiln can honour are accepted; any other key is an error that
//! names the keys kiln knows, never silently ignored. Booleans take `y`,
//! `yes`, `true`, `n`, `no` or `false`, and a bare key means yes.

use anyhow::{Context, Result, bail};
use kiln::{Config, InstanceAllocationStrategy, OptLevel, StoreLimits};
use std::time::Duration;

/// The four grouped flags as a command line gives them, for the commands
/// that run a module (`run`, `serve`).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct GroupedFlags {
    /// Optimization options, as wasmtime spells them: `opt-level=0|1|2|s`,
    /// `memory-init-cow=y|n`, `pooling-allocator[=y|n]`.
    #[arg(short = 'O', long = "optimize", value_name = "KEY[=VAL[,..]]")]
    pub optimize: Vec<String>,
    /// WebAssembly options: `max-wasm-stack=BYTES`, `timeout=DURATION`,
    /// `fuel=N`, `epoch-interruption`, `max-memory-size=BYTES`,
    /// `max-table-elements=N`, `trap-on-grow-failure`, `simd=y|n`,
    /// `relaxed-simd=y|n`, `relaxed-simd-deterministic=y|n` (default y).
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VAL[,..]]")]
    pub wasm: Vec<String>,
    /// WASI options: `inherit-env`, `tcplisten=ADDR` (`run` only),
    /// `preview2=n`.
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VAL[,..]]")]
    pub wasi: Vec<String>,
    /// Debug options: `debug-info` (as `-d`).
    #[arg(short = 'D', long = "debug", value_name = "KEY[=VAL[,..]]")]
    pub debug: Vec<String>,
    /// Codegen options: `cranelift-FLAG[=VAL]` sets a Cranelift ISA flag,
    /// e.g. `cranelift-has-avx=false` (`-` and `_` alike); a bare one
    /// enables it. `cache=n` turns `kiln run`'s compile cache off.
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VAL[,..]]")]
    pub codegen: Vec<String>,
}

impl GroupedFlags {
    /// Parses every flag's items.
    pub fn parse(&self) -> Result<GroupedOptions> {
        GroupedOptions::parse(&self.optimize, &self.wasm, &self.wasi, &self.debug)?.with_codegen(&self.codegen)
    }
}

/// The grouped options of one command line, after parsing.
#[derive(Debug, Default, PartialEq)]
pub struct GroupedOptions {
    /// `-O opt-level=0|1|2|s`.
    pub opt_level: Option<OptLevel>,
    /// `-O memory-init-cow=y|n`: map initial memory contents copy-on-write.
    pub memory_init_cow: Option<bool>,
    /// `-O pooling-allocator[=y|n]`: take instances' memories, tables and
    /// VMContexts from the pooling allocator (default sizes).
    pub pooling_allocator: bool,
    /// `-W max-wasm-stack=BYTES`.
    pub max_wasm_stack: Option<usize>,
    /// `-W timeout=DURATION`: interrupt wasm after this long (epochs).
    pub timeout: Option<Duration>,
    /// `-W fuel=N`: the fuel the store starts with.
    pub fuel: Option<u64>,
    /// `-W epoch-interruption`: compile epoch checks (implied by `timeout`).
    pub epoch_interruption: bool,
    /// `-W max-memory-size=BYTES`: no memory grows beyond this.
    pub max_memory_size: Option<usize>,
    /// `-W max-table-elements=N`: no table grows beyond this.
    pub max_table_elements: Option<usize>,
    /// `-W trap-on-grow-failure`: a refused grow traps instead of
    /// returning -1.
    pub trap_on_grow_failure: bool,
    /// `-S inherit-env`: pass the host's whole environment to the guest.
    pub inherit_env: bool,
    /// `-S tcplisten=ADDR`, in order.
    pub tcplisten: Vec<String>,
    /// `-D debug-info`: carry the module's DWARF line tables into the
    /// code (function names are always kept).
    pub debug_info: bool,
    /// `-W simd=y|n`.
    pub simd: Option<bool>,
    /// `-W relaxed-simd=y|n`.
    pub relaxed_simd: Option<bool>,
    /// `-W relaxed-simd-deterministic=y|n`.
    pub relaxed_simd_deterministic: Option<bool>,
    /// `-C cranelift-FLAG[=VAL]`, in order, as Cranelift names the flags
    /// (`has_avx`).
    pub cranelift: Vec<(String, Option<String>)>,
    /// `-C cache=y|n`: whether `kiln run` uses the compile cache (default
    /// yes).
    pub cache: Option<bool>,
}

impl GroupedOptions {
    /// Parses the values given to each flag.
    pub fn parse(optimize: &[String], wasm: &[String], wasi: &[String], debug: &[String]) -> Result<Self> {
        let mut me = Self::default();
        for (key, value) in items(optimize) {
            match key {
                "opt-level" => me.opt_level = Some(opt_level(value)?),
                "memory-init-cow" => me.memory_init_cow = Some(boolean("-O", key, value)?),
                "pooling-allocator" => me.pooling_allocator = boolean("-O", key, value)?,
                _ => bail!(unknown("-O", key, "opt-level, memory-init-cow, pooling-allocator")),
            }
        }
        for (key, value) in items(wasm) {
            match key {
                "max-wasm-stack" => {
                    let v = value.context("`-W max-wasm-stack` needs a size in bytes")?;
                    let bytes = v.replace('_', "").parse().with_context(|| format!("`-W max-wasm-stack={v}`"))?;
                    me.max_wasm_stack = Some(bytes);
                }
                "timeout" => me.timeout = Some(duration(value.context("`-W timeout` needs a duration")?)?),
                "epoch-interruption" => me.epoch_interruption = boolean("-W", key, value)?,
                "fuel" => {
                    let v = value.context("`-W fuel` needs an amount")?;
                    me.fuel = Some(v.replace('_', "").parse().with_context(|| format!("`-W fuel={v}`"))?);
                }
                "max-memory-size" => me.max_memory_size = Some(number("-W", key, value)?),
                "max-table-elements" => me.max_table_elements = Some(number("-W", key, value)?),
                "trap-on-grow-failure" => me.trap_on_grow_failure = boolean("-W", key, value)?,
                "simd" => me.simd = Some(boolean("-W", key, value)?),
                "relaxed-simd" => me.relaxed_simd = Some(boolean("-W", key, value)?),
                "relaxed-simd-deterministic" => me.relaxed_simd_deterministic = Some(boolean("-W", key, value)?),
                _ => bail!(unknown(
                    "-W",
                    key,
                    "max-wasm-stack, timeout, fuel, epoch-interruption, max-memory-size, max-table-elements, \
                     trap-on-grow-failure, simd, relaxed-simd, relaxed-simd-deterministic"
                )),
            }
        }
        for (key, value) in items(wasi) {
            match key {
                "inherit-env" => me.inherit_env = boolean("-S", key, value)?,
                "tcplisten" => me.tcplisten.push(value.context("`-S tcplisten` needs an address")?.to_string()),
                // kiln is a preview1 host, so only turning preview2 off makes sense.
                "preview2" if !boolean("-S", key, value)? => {}
                _ => bail!(unknown("-S", key, "inherit-env, tcplisten=ADDR, preview2=n")),
            }
        }
        for (key, value) in items(debug) {
            match key {
                "debug-info" => me.debug_info = boolean("-D", key, value)?,
                _ => bail!(unknown("-D", key, "debug-info")),
            }
        }
        Ok(me)
    }

    /// Adds the values given to `-C`: `cranelift-FLAG[=VAL]` items, the
    /// flag's `-`s read as `_` (wasmtime's spelling).
    pub fn with_codegen(mut self, codegen: &[String]) -> Result<Self> {
        for (key, value) in items(codegen) {
            if key == "cache" {
                self.cache = Some(boolean("-C", key, value)?);
                continue;
            }
            match key.strip_prefix("cranelift-") {
                Some(flag) if !flag.is_empty() => {
                    self.cranelift.push((flag.replace('-', "_"), value.map(str::to_string)));
                }
                _ => bail!(unknown("-C", key, "cache=y|n, cranelift-FLAG[=VAL], e.g. cranelift-has-avx=false")),
            }
        }
        Ok(self)
    }

    /// Applies the engine settings to `config`.
    pub fn configure(&self, config: &mut Config) {
        if let Some(enable) = self.simd {
            config.wasm_simd(enable);
        }
        if let Some(enable) = self.relaxed_simd {
            config.wasm_relaxed_simd(enable);
        }
        // Deadlines, fuel, the wasm stack and relaxed-SIMD determinism, as
        // an executable built with these options configures its engine.
        crate::exe::exe_options(self, &Default::default()).configure(config);
        for (flag, value) in &self.cranelift {
            // SAFETY: the user asked for this flag on the command line, as
            // with wasmtime's `-C`; a bad name or value fails `Engine::new`,
            // and an artifact asking for a CPU feature the host lacks is
            // refused at load.
            unsafe {
                match value {
                    Some(v) => config.cranelift_flag_set(flag, v),
                    None => config.cranelift_flag_enable(flag),
                };
            }
        }
        if let Some(level) = self.opt_level {
            config.cranelift_opt_level(level);
        }
        if let Some(cow) = self.memory_init_cow {
            config.memory_init_cow(cow);
        }
        config.debug_info(self.debug_info);
        if self.pooling_allocator {
            config.allocation_strategy(InstanceAllocationStrategy::pooling());
        }
    }
}

impl GroupedOptions {
    /// The limits every store gets (`-W max-memory-size`,
    /// `-W max-table-elements`, `-W trap-on-grow-failure`), as wasmtime
    /// installs them: always, unbounded where not given.
    /// The same limits as an executable built with these options enforces
    /// (`ExeOptions::store_limits`).
    pub fn store_limits(&self) -> StoreLimits {
        crate::exe::exe_options(self, &Default::default()).store_limits()
    }
}

/// A count or size as wasmtime writes them: decimal or `0x` hex, `_`
/// ignored.
fn number(flag: &str, key: &str, value: Option<&str>) -> Result<usize> {
    let Some(text) = value else { bail!("`{flag} {key}` needs a number") };
    let digits = text.replace('_', "");
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) => usize::from_str_radix(hex, 16),
        None => digits.parse(),
    };
    parsed.with_context(|| format!("`{flag} {key}={text}`: expected a number"))
}

/// The `KEY[=VALUE]` items of every value given to one flag.
fn items(values: &[String]) -> impl Iterator<Item = (&str, Option<&str>)> {
    values.iter().flat_map(|v| v.split(',')).filter(|item| !item.is_empty()).map(|item| match item.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (item, None),
    })
}

fn unknown(flag: &str, key: &str, known: &str) -> String {
    format!("`{flag} {key}` is not an option kiln supports (kiln knows: {known})")
}

fn boolean(flag: &str, key: &str, value: Option<&str>) -> Result<bool> {
    match value {
        None | Some("y" | "yes" | "true") => Ok(true),
        Some("n" | "no" | "false") => Ok(false),
        Some(other) => bail!("`{flag} {key}={other}`: expected y or n"),
    }
}

/// A duration as wasmtime writes them: a number and a unit, `ns`, `us`,
/// `ms`, `s`, `m` or `h` (`500ms`, `2s`, `1m`).
fn duration(value: &str) -> Result<Duration> {
    let split = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let n: u64 = number.parse().with_context(|| format!("`-W timeout={value}`: expected a number and a unit"))?;
    Ok(match unit {
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => bail!("`-W timeout={value}`: expected a unit: ns, us, ms, s, m or h"),
    })
}

fn opt_level(value: Option<&str>) -> Result<OptLevel> {
    Ok(match value {
        Some("0") => OptLevel::None,
        Some("1" | "2") => OptLevel::Speed,
        Some("s") => OptLevel::SpeedAndSize,
        other => bail!("`-O opt-level={}`: expected 0, 1, 2 or s", other.unwrap_or("")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn known_keys_are_parsed() {
        let o = GroupedOptions::parse(
            &strings(&["opt-level=0,memory-init-cow=n,pooling-allocator"]),
            &strings(&["max-wasm-stack=65_536"]),
            &strings(&["inherit-env,tcplisten=127.0.0.1:0", "preview2=n", "tcplisten=[::1]:0"]),
            &strings(&["debug-info=y"]),
        )
        .unwrap();
        assert_eq!(
            o,
            GroupedOptions {
                opt_level: Some(OptLevel::None),
                memory_init_cow: Some(false),
                pooling_allocator: true,
                max_wasm_stack: Some(65536),
                timeout: None,
                fuel: None,
                epoch_interruption: false,
                max_memory_size: None,
                max_table_elements: None,
                trap_on_grow_failure: false,
                inherit_env: true,
                tcplisten: strings(&["127.0.0.1:0", "[::1]:0"]),
                debug_info: true,
                simd: None,
                relaxed_simd: None,
                relaxed_simd_deterministic: None,
                cranelift: Vec::new(),
                cache: None,
            }
        );
        assert_eq!(GroupedOptions::parse(&[], &[], &[], &[]).unwrap(), GroupedOptions::default());
        let s = GroupedOptions::parse(&strings(&["opt-level=s"]), &[], &strings(&["inherit-env=n"]), &[]).unwrap();
        assert_eq!((s.opt_level, s.inherit_env), (Some(OptLevel::SpeedAndSize), false));
        let p = GroupedOptions::parse(&strings(&["pooling-allocator=n"]), &[], &[], &[]).unwrap();
        assert!(!p.pooling_allocator);
    }

    #[test]
    fn deadlines_use_wasmtime_spellings() {
        let o = GroupedOptions::parse(&[], &strings(&["timeout=500ms,fuel=1_000"]), &[], &[]).unwrap();
        assert_eq!((o.timeout, o.fuel), (Some(Duration::from_millis(500)), Some(1000)));
        for (text, d) in
            [("2s", Duration::from_secs(2)), ("1m", Duration::from_secs(60)), ("10us", Duration::from_micros(10))]
        {
            assert_eq!(duration(text).unwrap(), d);
        }
        let o = GroupedOptions::parse(&[], &strings(&["epoch-interruption"]), &[], &[]).unwrap();
        assert!(o.epoch_interruption && o.timeout.is_none());
        assert!(duration("ms").is_err());
        assert!(duration("3 days").is_err());
    }

    #[test]
    fn limits_use_wasmtime_spellings() {
        let o = GroupedOptions::parse(&[], &strings(&["max-memory-size=0x2_0000,max-table-elements=1_000"]), &[], &[])
            .unwrap();
        assert_eq!(
            (o.max_memory_size, o.max_table_elements, o.trap_on_grow_failure),
            (Some(131072), Some(1000), false)
        );
        let o = GroupedOptions::parse(&[], &strings(&["trap-on-grow-failure"]), &[], &[]).unwrap();
        assert!(o.trap_on_grow_failure);
        let o = GroupedOptions::parse(&[], &strings(&["trap-on-grow-failure=n"]), &[], &[]).unwrap();
        assert!(!o.trap_on_grow_failure);
        let err = |w: &str| GroupedOptions::parse(&[], &strings(&[w]), &[], &[]).unwrap_err().to_string();
        assert_eq!(err("max-memory-size=1MiB"), "`-W max-memory-size=1MiB`: expected a number");
        assert_eq!(err("max-table-elements"), "`-W max-table-elements` needs a number");
        assert!(err("trap-on-grow-failure=maybe").contains("expected y or n"));
    }

    #[test]
    fn simd_and_codegen_use_wasmtime_spellings() {
        let o =
            GroupedOptions::parse(&[], &strings(&["simd=n,relaxed-simd=no", "relaxed-simd-deterministic=n"]), &[], &[])
                .unwrap()
                .with_codegen(&strings(&["cranelift-has-avx=false,cranelift-has_avx2=false", "cranelift-has-sse41"]))
                .unwrap();
        assert_eq!((o.simd, o.relaxed_simd, o.relaxed_simd_deterministic), (Some(false), Some(false), Some(false)));
        let flag = |n: &str, v: Option<&str>| (n.to_string(), v.map(str::to_string));
        assert_eq!(
            o.cranelift,
            vec![flag("has_avx", Some("false")), flag("has_avx2", Some("false")), flag("has_sse41", None)]
        );
        let bad = |c: &str| GroupedOptions::default().with_codegen(&strings(&[c])).unwrap_err().to_string();
        assert!(bad("has-avx=false").contains("`-C has-avx` is not an option kiln supports"));
        assert!(bad("cranelift-").contains("`-C cranelift-`"));
        let mut config = Config::new();
        o.configure(&mut config);
        kiln::Engine::new(&config).unwrap();
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let err = |o: &[&str], w: &[&str], s: &[&str], d: &[&str]| {
            GroupedOptions::parse(&strings(o), &strings(w), &strings(s), &strings(d)).unwrap_err().to_string()
        };
        assert!(err(&["opt-level=3"], &[], &[], &[]).contains("expected 0, 1, 2 or s"));
        assert!(err(&["memory-init-cow=maybe"], &[], &[], &[]).contains("expected y or n"));
        assert!(err(&["regalloc=fast"], &[], &[], &[]).contains("`-O regalloc` is not an option kiln supports"));
        assert!(err(&[], &["nan-canonicalization"], &[], &[]).contains("`-W nan-canonicalization`"));
        assert!(err(&[], &["timeout=5"], &[], &[]).contains("expected a unit"));
        assert!(err(&[], &["fuel=lots"], &[], &[]).contains("fuel=lots"));
        assert!(err(&[], &["max-wasm-stack=lots"], &[], &[]).contains("max-wasm-stack=lots"));
        assert!(err(&[], &[], &["inherit-network"], &[]).contains("`-S inherit-network`"));
        assert!(err(&[], &[], &["preview2"], &[]).contains("`-S preview2`"));
        assert!(err(&[], &[], &["inherit-env=maybe"], &[]).contains("expected y or n"));
        assert!(err(&[], &[], &[], &["address-map"]).contains("`-D address-map`"));
    }
}
