//! Compiles `guest/inventory.wat` with kiln-compiler into a linkable
//! object and links it into this crate as a static library: at run time
//! `kiln::Module::from_linked` finds it through the descriptor symbol
//! `kiln_module_inventory`, with no file to read and no code to copy.

use std::path::PathBuf;

fn main() {
    let guest = "guest/inventory.wat";
    println!("cargo:rerun-if-changed={guest}");
    let wat = std::fs::read(guest).expect("read the guest");
    let options = kiln_compiler::LinkOptions { symbol: "kiln_module_inventory".to_string(), ..Default::default() };
    // The host's CPU features, as `kiln compile` uses by default; a build
    // for other machines would set `target` or `cranelift_flags`.
    let compiled = kiln_compiler::compile_linkable(&wat, &kiln_compiler::CompilerConfig::default(), &options)
        .unwrap_or_else(|e| panic!("compiling {guest}: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let object = out.join("inventory.o");
    std::fs::write(&object, &compiled.bytes).expect("write the object");
    // Archive it and tell cargo to link it (cc finds `ar` as it finds `cc`).
    cc::Build::new().object(&object).compile("kiln_inventory");
}
