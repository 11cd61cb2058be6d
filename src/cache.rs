//! `kiln cache`: where `kiln run`'s compile cache lives, and clearing it.

use anyhow::Result;
use std::process::ExitCode;

/// What `kiln cache` does.
#[derive(clap::Subcommand)]
pub enum CacheCommand {
    /// Remove every cached artifact.
    Clear,
    /// Print the cache directory.
    Dir,
}

/// Runs `kiln cache ...`.
pub fn cache_command(command: CacheCommand) -> Result<ExitCode> {
    let cache = kiln::Cache::from_file(None)?;
    match command {
        CacheCommand::Clear => {
            let removed = cache.clear()?;
            println!("removed {removed} cached artifacts from {}", cache.directory().display());
        }
        CacheCommand::Dir => println!("{}", cache.directory().display()),
    }
    Ok(ExitCode::SUCCESS)
}
