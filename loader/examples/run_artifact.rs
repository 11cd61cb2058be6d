//! Deployment mode: load a precompiled artifact and call one export, with no
//! compiler in the binary (build with `--no-default-features`).
//!
//! `cargo run -p kiln --no-default-features --example run_artifact -- app.o add 1 2`

use anyhow::{Context, Result, bail};
use kiln::{Engine, Instance, Module, Store, Val};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, func, params @ ..] = args.as_slice() else {
        bail!("usage: run_artifact ARTIFACT FUNCTION [I32 ARGS...]");
    };
    let engine = Engine::default();
    // SAFETY: the artifact comes from the user who runs this example; its
    // header, target, CPU features and checksum are checked before use.
    let module = unsafe { Module::deserialize_file(&engine, path)? };
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_func(&mut store, func).with_context(|| format!("no export `{func}`"))?;
    let params = params.iter().map(|p| Ok(Val::I32(p.parse()?))).collect::<Result<Vec<_>>>()?;
    let mut results: Vec<Val> = f.ty(&store).results().map(Val::default_for).collect();
    f.call(&mut store, &params, &mut results)?;
    for r in results {
        println!("{}", r.i32().map_or_else(|| format!("{r:?}"), |v| v.to_string()));
    }
    Ok(())
}
