//! Builds kiln's runtime library (`runtime-lib/`, the loader without the
//! compiler plus the WASI host) as a static library and embeds it in the
//! `kiln` binary, so that `kiln compile --exe` and `kiln runtime-lib` work
//! from a single installed binary (`cargo install` included).
//!
//! The library is built by a nested `cargo rustc --crate-type staticlib`
//! into its own target directory (`target/kiln-runtime-lib`, shared by
//! every profile of this build), in release mode without debug info, for
//! the same target as the CLI. It shares the outer build's jobserver.
//! Turning off the `embed-runtime` feature skips all of this; the CLI then
//! needs `KILN_RUNTIME_LIB` to point at a library.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let embedded = out.join("libkiln_runtime.a");
    let libs_file = out.join("native-libs.txt");
    println!("cargo:rustc-env=KILN_EMBEDDED_RUNTIME={}", embedded.display());
    println!("cargo:rustc-env=KILN_EMBEDDED_RUNTIME_LIBS={}", libs_file.display());
    if std::env::var_os("CARGO_FEATURE_EMBED_RUNTIME").is_none() {
        std::fs::write(&embedded, b"").expect("write the empty runtime placeholder");
        std::fs::write(&libs_file, b"").expect("write the empty native-libs placeholder");
        return;
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for dir in ["runtime-lib", "loader", "runtime-support", "environ", "wasi"] {
        println!("cargo:rerun-if-changed={}", manifest_dir.join(dir).display());
    }
    println!("cargo:rerun-if-changed={}", manifest_dir.join("Cargo.lock").display());
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    // OUT_DIR is TARGET_DIR[/TRIPLE]/PROFILE/build/PKG-HASH/out.
    let target_dir = out.ancestors().nth(4).unwrap_or(&out).join("kiln-runtime-lib");
    let (lib, libs) = build_staticlib(&manifest_dir, &target_dir, &target);
    std::fs::copy(&lib, &embedded).unwrap_or_else(|e| panic!("copying {}: {e}", lib.display()));
    // Debug sections are most of the library and no use to a linker user.
    let _ = Command::new("strip").arg("--strip-debug").arg(&embedded).status();
    std::fs::write(&libs_file, libs).expect("write the native-libs list");
}

/// Builds `kiln-runtime-lib` as a staticlib and returns its path and the
/// native libraries a program linking it needs (as rustc prints them).
fn build_staticlib(manifest_dir: &Path, target_dir: &Path, target: &str) -> (PathBuf, String) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["rustc", "--release", "--offline", "-p", "kiln-runtime-lib", "--crate-type", "staticlib"])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--target", target])
        .args(["--", "--print", "native-static-libs"])
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        // Not the outer build's: clippy's driver, its flags for this
        // package, or a target directory of its own.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    let output = cmd.output().expect("run cargo to build the runtime library");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!("building the runtime library (runtime-lib) failed:\n{stderr}");
    }
    let dir = target_dir.join(target).join("release");
    let saved = dir.join("kiln-native-libs.txt");
    // rustc prints the list only when it runs; a fresh build reuses the
    // list saved when it last did.
    let libs = match stderr.lines().find_map(|l| l.split_once("native-static-libs: ")).map(|(_, libs)| libs.trim()) {
        Some(libs) => {
            std::fs::write(&saved, libs).expect("save the native-libs list");
            libs.to_string()
        }
        None => std::fs::read_to_string(&saved).unwrap_or_else(|_| "-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc".into()),
    };
    (dir.join("libkiln_runtime.a"), libs)
}
