//! `Config` settings about how code is generated that kiln supports in one
//! position only: `strategy` (Cranelift) and `signals_based_traps` (on),
//! `debug_info` (which reaches the compiler), and the `target`, which the compiler checks
//! (the host, or another Linux architecture kiln compiles for; a build
//! without the compiler accepts the host only). They exist so that
//! wasmtime programs which set them to what kiln does compile and run; any
//! other choice fails, naming the setting, instead of being ignored.

use anyhow::{Result, bail};

/// The code generator (wasmtime's `Strategy`). kiln has Cranelift only.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Let kiln choose: Cranelift.
    Auto,
    /// Cranelift, kiln's only code generator.
    Cranelift,
    /// wasmtime's baseline compiler, which kiln does not have: an engine
    /// configured with it fails `Engine::new`.
    Winch,
}

/// The choices, as set; [`CodegenChoices::check`] refuses what kiln cannot do.
#[derive(Clone, Debug)]
pub(crate) struct CodegenChoices {
    pub(crate) strategy: Strategy,
    pub(crate) debug_info: bool,
    pub(crate) signals_based_traps: bool,
    /// The full triple to compile for, when it is not the host's.
    pub(crate) target: Option<String>,
}

impl Default for CodegenChoices {
    fn default() -> Self {
        Self { strategy: Strategy::Auto, debug_info: false, signals_based_traps: true, target: None }
    }
}

impl CodegenChoices {
    /// The reason `Engine::new` refuses these choices, if it does.
    pub(crate) fn check(&self) -> Result<()> {
        if self.strategy == Strategy::Winch {
            bail!("`Config::strategy(Strategy::Winch)`: kiln compiles with Cranelift only");
        }
        if !self.signals_based_traps {
            bail!(
                "`Config::signals_based_traps(false)`: kiln's code relies on guard pages and signals \
                 for out-of-bounds accesses and has no explicitly bounds-checked mode"
            );
        }
        Ok(())
    }
}

/// The triple `Config::target` asks for, when it is not the host's.
#[cfg(feature = "compiler")]
pub(crate) fn resolve_target(target: &str) -> Result<Option<String>> {
    kiln_compiler::resolve_target(target).map_err(|e| anyhow::format_err!("`Config::target(\"{target}\")`: {e}"))
}

/// A build without the compiler runs host artifacts only.
#[cfg(not(feature = "compiler"))]
pub(crate) fn resolve_target(target: &str) -> Result<Option<String>> {
    check_target(target).map(|()| None)
}

/// Checks a `Config::target` triple for the host: the triple must
/// name the host's architecture, and any vendor, system
/// or environment it gives must be the host's too (`x86_64` alone is fine
/// on an x86_64 Linux host; `aarch64` or `x86_64-pc-windows-msvc` is not).
#[cfg(any(not(feature = "compiler"), test))]
pub(crate) fn check_target(target: &str) -> Result<()> {
    use std::str::FromStr;
    use target_lexicon::Triple;
    let asked = Triple::from_str(target).map_err(|e| anyhow::format_err!("`Config::target(\"{target}\")`: {e}"))?;
    let host = Triple::host();
    let unknown = Triple::unknown();
    let same_or_unknown = asked.architecture == host.architecture
        && (asked.vendor == unknown.vendor || asked.vendor == host.vendor)
        && (asked.operating_system == unknown.operating_system || asked.operating_system == host.operating_system)
        && (asked.environment == unknown.environment || asked.environment == host.environment)
        && (asked.binary_format == unknown.binary_format || asked.binary_format == host.binary_format);
    if !same_or_unknown {
        bail!("`Config::target(\"{target}\")`: kiln compiles only for the host, {host}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use target_lexicon::Triple;

    #[test]
    fn the_host_and_its_architecture_are_accepted_and_others_refused() {
        let host = Triple::host();
        check_target(&host.to_string()).unwrap();
        check_target(&host.architecture.to_string()).unwrap();
        let other = if host.architecture.to_string() == "aarch64" { "x86_64" } else { "aarch64" };
        assert!(check_target(other).unwrap_err().to_string().contains("only for the host"));
        assert!(check_target("not a triple").is_err());
    }

    #[test]
    fn only_kilns_own_choices_pass() {
        CodegenChoices::default().check().unwrap();
        for bad in [
            CodegenChoices { strategy: Strategy::Winch, ..Default::default() },
            CodegenChoices { signals_based_traps: false, ..Default::default() },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        CodegenChoices { strategy: Strategy::Cranelift, ..Default::default() }.check().unwrap();
        CodegenChoices { debug_info: true, ..Default::default() }.check().unwrap();
    }
}
