//! Builds the tiny C helper that does setjmp/longjmp for trap unwinding.
fn main() {
    println!("cargo:rerun-if-changed=csrc/unwind.c");
    cc::Build::new().file("csrc/unwind.c").warnings(true).compile("kiln_unwind");
}
