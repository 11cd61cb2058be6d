//! Running the `kiln` binary and other programs from tests: the command
//! and how a failed run is shown.

use std::path::Path;
use std::process::{Command, Output};

/// `kiln`, run in `dir`, without the caller's log settings.
pub fn kiln_in(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kiln"));
    c.current_dir(dir).env_remove("RUST_LOG");
    c
}

/// A run's status and both outputs, for an assertion message.
pub fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
