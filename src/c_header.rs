//! `kiln compile --c-header`: a module in, a linkable object and a C
//! header out, for a C program to link with kiln's runtime library.
//!
//! The object is a linkable one ([`kiln::LinkOptions::c_api`]) whose
//! descriptor is `PREFIX_module`; the header declares the runtime's
//! `kiln_*` functions, a typed function for each export and a prototype
//! for each import the program defines. The runtime library runs every
//! linked module on an engine with default settings, so options that would
//! compile in other engine settings (deadline checks, non-deterministic
//! relaxed SIMD) or that only a running `kiln` enforces are refused.

use crate::options::GroupedOptions;
use anyhow::{Context, Result, bail};
use kiln::{Config, Engine, LinkOptions};
use std::path::Path;
use std::process::ExitCode;

/// The prefix of a header's C names when `--c-prefix` is not given: the
/// header's file stem, made an identifier (`my-lib.h` is `my_lib`).
pub fn default_prefix(header: &Path) -> String {
    let stem = header.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut prefix: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if !prefix.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        prefix.insert(0, '_');
    }
    prefix
}

/// Refuses the options a C program's runtime cannot honour.
fn check_options(options: &GroupedOptions) -> Result<()> {
    let refused = [
        (options.epoch_interruption || options.timeout.is_some(), "-W epoch-interruption/timeout"),
        (options.fuel.is_some(), "-W fuel"),
        (options.relaxed_simd_deterministic == Some(false), "-W relaxed-simd-deterministic=n"),
        (
            options.max_memory_size.is_some() || options.max_table_elements.is_some(),
            "-W max-memory-size/max-table-elements",
        ),
        (options.trap_on_grow_failure || options.max_wasm_stack.is_some(), "-W trap-on-grow-failure/max-wasm-stack"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
        bail!("`{flag}` cannot be used with `--c-header`: a C program runs its modules with kiln's default settings");
    }
    Ok(())
}

/// Compiles `input` to the linkable object `output` and its C header
/// `header`, with C names prefixed `prefix`.
pub fn compile_c(
    input: &Path,
    output: &Path,
    header: &Path,
    prefix: &str,
    options: &GroupedOptions,
    target: Option<&str>,
) -> Result<ExitCode> {
    check_options(options)?;
    let mut config = Config::new();
    options.configure(&mut config);
    if let Some(target) = target {
        config.target(target)?;
    }
    let engine = Engine::new(&config)?;
    let wasm = std::fs::read(input).with_context(|| format!("failed to read `{}`", input.display()))?;
    let link = LinkOptions { symbol: String::new(), exe_main: None, c_api: Some(prefix.to_string()) };
    let object =
        engine.precompile_linkable(&wasm, &link).with_context(|| format!("failed to compile `{}`", input.display()))?;
    let text = object.c_header.context("the compiler wrote no C header")?;
    crate::atomic_write::write_atomic(output, &object.bytes)
        .with_context(|| format!("failed to write `{}`", output.display()))?;
    crate::atomic_write::write_atomic(header, text.as_bytes())
        .with_context(|| format!("failed to write `{}`", header.display()))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_prefix_is_the_header_stem_as_an_identifier() {
        assert_eq!(default_prefix(Path::new("out/app.h")), "app");
        assert_eq!(default_prefix(Path::new("my-lib.v2.h")), "my_lib_v2");
        assert_eq!(default_prefix(Path::new("3d.h")), "_3d");
    }

    #[test]
    fn options_a_c_program_cannot_honour_are_refused() {
        let options = GroupedOptions::parse(&[], &["fuel=10".into()], &[], &[]).unwrap();
        let err = check_options(&options).unwrap_err().to_string();
        assert!(err.contains("`-W fuel` cannot be used with `--c-header`"), "{err}");
        assert!(check_options(&GroupedOptions::parse(&["opt-level=2".into()], &[], &[], &[]).unwrap()).is_ok());
    }
}
