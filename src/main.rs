//! The `storybank` binary: parse flags, set up logging, run, map the outcome to an exit code
//! (0 ok, 1 partial failure or nothing found, 2 error).

use std::process::ExitCode;

use clap::Parser;
use storybank::cli::{Cli, init_tracing, run};

fn main() -> ExitCode {
    // `storybank search ... | head` ends quietly when the reader goes away, as Unix tools do,
    // instead of panicking on the broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    init_tracing(cli.log_format, &cli.command);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("storybank: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
