//! The target ISA: the host's, or another Linux target kiln supports
//! (`CompilerConfig::target`, e.g. `aarch64-unknown-linux-gnu`), with kiln's
//! fixed shared settings and the ISA flags a `Config` sets
//! (`cranelift_flag_enable`/`cranelift_flag_set`, e.g. `has_avx=false`), and
//! the CPU features that code compiled for it may use, as artifact header
//! bits. The host's ISA starts from the host's CPU features; another
//! target's from its baseline (no optional feature), so the code runs on
//! every CPU of that architecture unless flags turn features on.
//!
//! Only ISA flags (the host's CPU features and the like) can be set: the
//! shared settings (`opt_level`, frame pointers, PIC, ...) are what the
//! artifact format and the runtime rely on, so a user flag naming one is
//! refused, as is an unknown flag or a bad value.

use crate::error::{CompileError, CompileResult};
use crate::{CompilerConfig, OptLevel};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable, SetError};
use kiln_environ::artifact::CpuFeature;
use std::str::FromStr;
use target_lexicon::{Aarch64Architecture, Architecture, BinaryFormat, Environment, OperatingSystem, Triple, Vendor};

/// Builds the ISA `config` asks for.
pub(crate) fn build_isa(config: &CompilerConfig) -> CompileResult<OwnedTargetIsa> {
    build_isa_with(config, false)
}

/// Builds the ISA `config` asks for; `pic` compiles position-independent
/// code, for a system linker.
pub(crate) fn build_isa_with(config: &CompilerConfig, pic: bool) -> CompileResult<OwnedTargetIsa> {
    let internal = |e: &dyn std::fmt::Display| CompileError::Internal(format!("target setup: {e}"));
    let mut flags = settings::builder();
    let opt = match config.opt_level {
        OptLevel::None => "none",
        OptLevel::Speed => "speed",
        OptLevel::SpeedAndSize => "speed_and_size",
    };
    for (k, v) in [
        ("opt_level", opt),
        ("preserve_frame_pointers", "true"),
        ("enable_multi_ret_implicit_sret", "true"),
        ("enable_probestack", "false"),
        ("unwind_info", "false"),
        ("is_pic", if pic { "true" } else { "false" }),
        ("enable_verifier", if config.verify { "true" } else { "false" }),
    ] {
        flags.set(k, v).map_err(|e| internal(&e))?;
    }
    let mut isa = match target_triple(config)? {
        None => cranelift_native::builder().map_err(|e| internal(&e))?,
        Some(triple) => cranelift_codegen::isa::lookup(triple.clone())
            .map_err(|e| CompileError::Target(format!("target `{triple}`: {e}")))?,
    };
    for (name, value) in &config.cranelift_flags {
        match value {
            Some(value) => isa.set(name, value).map_err(|e| flag_error(name, value, e, &flags))?,
            None => isa.enable(name).map_err(|e| flag_error(name, "true", e, &flags))?,
        }
    }
    isa.finish(settings::Flags::new(flags)).map_err(|e| internal(&e))
}

/// The targets kiln compiles for: Linux on these architectures (ELF
/// objects, the System V calling conventions the trampolines assume).
const ARCHITECTURES: &[Architecture] = &[Architecture::X86_64, Architecture::Aarch64(Aarch64Architecture::Aarch64)];

/// The triple `config.target` names, completed to Linux, or `None` when it
/// is the host (or absent).
fn target_triple(config: &CompilerConfig) -> CompileResult<Option<Triple>> {
    config.target.as_deref().map_or(Ok(None), resolve_target)
}

/// The triple `target` names, completed to Linux (`aarch64` is
/// `aarch64-unknown-linux-gnu`), or `None` when it agrees with the host's.
/// A triple kiln cannot compile for is a [`CompileError::Target`] naming it.
pub(crate) fn resolve_target(target: &str) -> CompileResult<Option<Triple>> {
    let asked = Triple::from_str(target).map_err(|e| CompileError::Target(format!("target `{target}`: {e}")))?;
    let host = Triple::host();
    let full = Triple {
        architecture: asked.architecture,
        vendor: Vendor::Unknown,
        operating_system: OperatingSystem::Linux,
        environment: Environment::Gnu,
        binary_format: BinaryFormat::Elf,
    };
    let unknown = Triple::unknown();
    let agrees = |a: &Triple, b: &Triple| {
        a.architecture == b.architecture
            && (a.vendor == unknown.vendor || a.vendor == b.vendor)
            && (a.operating_system == unknown.operating_system || a.operating_system == b.operating_system)
            && (a.environment == unknown.environment || a.environment == b.environment)
            && (a.binary_format == unknown.binary_format || a.binary_format == b.binary_format)
    };
    if agrees(&asked, &host) {
        return Ok(None);
    }
    if !ARCHITECTURES.contains(&asked.architecture) || !agrees(&asked, &full) {
        return Err(CompileError::Target(format!(
            "target `{target}`: kiln compiles for x86_64-unknown-linux-gnu and aarch64-unknown-linux-gnu only"
        )));
    }
    Ok(Some(full))
}

/// The triple an artifact compiled with `config` records.
pub(crate) fn artifact_target(config: &CompilerConfig) -> CompileResult<String> {
    Ok(target_triple(config)?.unwrap_or_else(Triple::host).to_string())
}

/// Why the user flag `name=value` was refused.
fn flag_error(name: &str, value: &str, e: SetError, shared: &settings::Builder) -> CompileError {
    CompileError::Target(match e {
        SetError::BadName(_) if shared.iter().any(|s| s.name == name) => {
            format!(
                "Cranelift flag `{name}` is a shared setting kiln fixes; only ISA flags (such as `has_avx`) can be set"
            )
        }
        SetError::BadName(_) => format!("unknown Cranelift flag `{name}` for this target"),
        SetError::BadType => format!("Cranelift flag `{name}` cannot be set this way"),
        SetError::BadValue(expected) => format!("Cranelift flag `{name}={value}`: expected {expected}"),
    })
}

/// The CPU features compiled code may use, as artifact header bits.
pub(crate) fn cpu_features(isa: &OwnedTargetIsa) -> u64 {
    isa.isa_flags()
        .iter()
        .filter(|v| v.as_bool() == Some(true))
        .filter_map(|v| CpuFeature::by_name(v.name))
        .fold(0, |acc, f| acc | f.bit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_flags(flags: &[(&str, &str)]) -> CompileResult<OwnedTargetIsa> {
        let cranelift_flags = flags.iter().map(|(k, v)| (k.to_string(), Some(v.to_string()))).collect();
        build_isa(&CompilerConfig { cranelift_flags, ..Default::default() })
    }

    #[test]
    fn bad_flags_are_target_errors_naming_the_flag() {
        let err = |flags: &[(&str, &str)]| with_flags(flags).err().map(|e| e.to_string());
        assert_eq!(
            err(&[("has_warp_drive", "true")]).as_deref(),
            Some("target configuration: unknown Cranelift flag `has_warp_drive` for this target")
        );
        assert!(err(&[("opt_level", "none")]).is_some_and(|e| e.contains("shared setting kiln fixes")));
        let enable = |name: &str| {
            build_isa(&CompilerConfig { cranelift_flags: vec![(name.to_string(), None)], ..Default::default() })
        };
        assert!(enable("has_warp_drive").is_err());
        if cfg!(target_arch = "x86_64") {
            assert!(err(&[("has_avx", "maybe")]).is_some_and(|e| e.contains("`has_avx=maybe`: expected")));
        }
    }

    fn for_target(target: &str) -> CompileResult<OwnedTargetIsa> {
        build_isa(&CompilerConfig { target: Some(target.to_string()), ..Default::default() })
    }

    #[test]
    fn both_architectures_build_and_others_are_refused_by_name() {
        let arm = for_target("aarch64-unknown-linux-gnu").unwrap();
        assert_eq!(arm.triple().architecture.to_string(), "aarch64");
        let x86 = for_target("x86_64").unwrap();
        assert_eq!(x86.triple().architecture.to_string(), "x86_64");
        let conf = |t: &str| CompilerConfig { target: Some(t.to_string()), ..Default::default() };
        assert_eq!(artifact_target(&conf("aarch64")).unwrap(), "aarch64-unknown-linux-gnu");
        assert_eq!(artifact_target(&CompilerConfig::default()).unwrap(), Triple::host().to_string());
        for bad in ["riscv64gc-unknown-linux-gnu", "x86_64-pc-windows-msvc", "aarch64-apple-darwin", "no such"] {
            let e = for_target(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(&format!("`{bad}`")), "{bad}: {e}");
        }
    }

    #[test]
    fn another_target_starts_from_its_baseline() {
        let other =
            if cfg!(target_arch = "aarch64") { "x86_64-unknown-linux-gnu" } else { "aarch64-unknown-linux-gnu" };
        let isa = for_target(other).unwrap();
        let bits = cpu_features(&isa);
        assert_eq!(bits, 0, "no optional CPU feature assumed for {other}");
        let cranelift_flags = vec![("has_lse".to_string(), None)];
        if other.starts_with("aarch64") {
            let isa = build_isa(&CompilerConfig { target: Some(other.into()), cranelift_flags, ..Default::default() });
            assert_eq!(cpu_features(&isa.unwrap()), CpuFeature::by_name("has_lse").unwrap().bit());
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn disabled_features_leave_the_header_bits() {
        let bit = |name| CpuFeature::by_name(name).unwrap().bit();
        let isa = with_flags(&[("has_avx", "false"), ("has_avx2", "false")]).unwrap();
        let bits = cpu_features(&isa);
        assert_eq!(bits & (bit("has_avx") | bit("has_avx2")), 0);
        let host = cpu_features(&with_flags(&[]).unwrap());
        assert_eq!(bits & !host, 0, "disabling adds nothing");
    }
}
