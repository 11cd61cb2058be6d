//! The target ISA: the host's, with kiln's fixed shared settings and the
//! ISA flags a `Config` sets (`cranelift_flag_enable`/`cranelift_flag_set`,
//! e.g. `has_avx=false`), and the CPU features that code compiled for it may
//! use, as artifact header bits.
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

/// Builds the ISA `config` asks for.
pub(crate) fn build_isa(config: &CompilerConfig) -> CompileResult<OwnedTargetIsa> {
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
        ("is_pic", "false"),
        ("enable_verifier", if config.verify { "true" } else { "false" }),
    ] {
        flags.set(k, v).map_err(|e| internal(&e))?;
    }
    let mut isa = cranelift_native::builder().map_err(|e| internal(&e))?;
    for (name, value) in &config.cranelift_flags {
        match value {
            Some(value) => isa.set(name, value).map_err(|e| flag_error(name, value, e, &flags))?,
            None => isa.enable(name).map_err(|e| flag_error(name, "true", e, &flags))?,
        }
    }
    isa.finish(settings::Flags::new(flags)).map_err(|e| internal(&e))
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
