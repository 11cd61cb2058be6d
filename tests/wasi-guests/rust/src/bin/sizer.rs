//! The directory lister from the article that kiln grew from ("WASI - WebAssembly
//! System Interface with Wasmtime"), kept as the article wrote it.
//!
//! Usage: `sizer <input_folder>`. For every entry of the folder it prints
//! `filename: "<name>", filesize: <len> bytes` (the order is the host file
//! system's). With fewer than two arguments it prints `<program> <input_folder>`
//! to stderr and exits 0; errors are printed to stderr and also exit 0.
use std::{env, fs};

fn process(current_dir: &str) -> Result<(), String> {
    for entry in fs::read_dir(current_dir).map_err(|err| format!("{}", err))? {
        let entry = entry.map_err(|err| format!("{}", err))?;
        let path = entry.path();
        let metadata = fs::metadata(&path).map_err(|err| format!("{}", err))?;
        println!(
            "filename: {:?}, filesize: {:?} bytes",
            path.file_name().ok_or("No filename").map_err(|err| format!("{}", err))?,
            metadata.len()
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let program = args[0].clone();
    if args.len() < 2 {
        eprintln!("{} <input_folder>", program);
        return;
    }
    if let Err(err) = process(&args[1]) {
        eprintln!("{}", err)
    }
}
