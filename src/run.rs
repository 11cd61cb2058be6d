//! `kiln run`: load a module (wasm, wat or a compiled artifact, told apart
//! by content), instantiate it, then call `--invoke NAME` with the given
//! arguments or run `_start`.

use anyhow::{Context, Result, anyhow, bail};
use kiln::{Engine, Func, Module, Val, ValType};
use std::path::Path;

/// Loads `path`: an artifact is mapped, anything else is compiled.
pub fn load_module(engine: &Engine, path: &Path) -> Result<Module> {
    let bytes = std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    if kiln::looks_like_artifact(&bytes) {
        drop(bytes);
        // SAFETY: the user asked to run this artifact; its header, target,
        // CPU features and checksum are verified before any code runs.
        return unsafe { Module::deserialize_file(engine, path) };
    }
    Module::new(engine, &bytes).with_context(|| format!("failed to compile `{}`", path.display()))
}

/// Parses a command-line argument as a value of type `ty`.
pub fn parse_arg(ty: ValType, arg: &str) -> Result<Val> {
    let bad = || anyhow!("failed to parse argument `{arg}` as {ty}");
    Ok(match ty {
        ValType::I32 => Val::I32(parse_int::<i32, u32>(arg).ok_or_else(bad)?),
        ValType::I64 => Val::I64(parse_int::<i64, u64>(arg).ok_or_else(bad)?),
        ValType::F32 => Val::F32(arg.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(arg.parse::<f64>().map_err(|_| bad())?.to_bits()),
        other => bail!("cannot pass a {other} argument from the command line"),
    })
}

/// Parses a signed integer, also accepting the unsigned range and `0x`.
fn parse_int<S: TryFrom<i128> + Copy, U: TryFrom<i128> + Into<i128>>(s: &str) -> Option<S> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v: i128 = match digits.strip_prefix("0x") {
        Some(h) => i128::from_str_radix(h, 16).ok()?,
        None => digits.parse().ok()?,
    };
    let v = if neg { -v } else { v };
    if let Ok(s) = S::try_from(v) {
        return Some(s);
    }
    // An unsigned value in range reinterprets as signed (e.g. 4294967295 for i32 -1).
    let u = U::try_from(v).ok()?;
    let bits: i128 = u.into();
    let width = std::mem::size_of::<S>() as u32 * 8;
    S::try_from(bits - (1i128 << width)).ok()
}

/// Formats a result the way `wasmtime --invoke` prints it.
pub fn format_val(v: &Val) -> String {
    match v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(b) => f32::from_bits(*b).to_string(),
        Val::F64(b) => f64::from_bits(*b).to_string(),
        Val::V128(x) => format!("{x:#034x}"),
        Val::FuncRef(None) | Val::ExternRef(None) => "null".into(),
        Val::FuncRef(Some(_)) => "<funcref>".into(),
        Val::ExternRef(Some(_)) => "<externref>".into(),
    }
}

/// Calls `func` with `args` parsed per its parameter types.
pub fn invoke<T: 'static>(store: &mut kiln::Store<T>, func: Func, name: &str, args: &[String]) -> Result<Vec<Val>> {
    let ty = func.ty(&*store);
    if args.len() != ty.params().len() {
        bail!("function `{name}` takes {} arguments, but {} were given", ty.params().len(), args.len());
    }
    let params = ty.params().zip(args).map(|(t, a)| parse_arg(t, a)).collect::<Result<Vec<_>>>()?;
    let mut results: Vec<Val> = ty.results().map(Val::default_for).collect();
    func.call(&mut *store, &params, &mut results)?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_in_both_ranges() {
        assert_eq!(parse_arg(ValType::I32, "-1").unwrap().unwrap_i32(), -1);
        assert_eq!(parse_arg(ValType::I32, "4294967295").unwrap().unwrap_i32(), -1);
        assert_eq!(parse_arg(ValType::I32, "0x10").unwrap().unwrap_i32(), 16);
        assert!(parse_arg(ValType::I32, "4294967296").is_err());
        assert!(parse_arg(ValType::I32, "one").is_err());
        assert_eq!(parse_arg(ValType::I64, "18446744073709551615").unwrap().unwrap_i64(), -1);
        assert_eq!(parse_arg(ValType::F64, "1.5").unwrap().f64(), Some(1.5));
    }
}
