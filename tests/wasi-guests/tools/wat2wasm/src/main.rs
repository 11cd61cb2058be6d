//! `kiln-wat2wasm IN.wat OUT.wasm [IN.wat OUT.wasm ...]`: parses each WAT file with
//! the `wat` crate and writes the binary module. Exits 1 on the first error.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.len() % 2 != 0 {
        eprintln!("usage: kiln-wat2wasm IN.wat OUT.wasm [IN.wat OUT.wasm ...]");
        std::process::exit(2);
    }
    for pair in args.chunks(2) {
        let (input, output) = (&pair[0], &pair[1]);
        let bytes = match wat::parse_file(input) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{input}: {e}");
                std::process::exit(1);
            }
        };
        if let Err(e) = std::fs::write(output, &bytes) {
            eprintln!("{output}: {e}");
            std::process::exit(1);
        }
    }
}
