//! `keel-bogo`: the shim through which BoringSSL's BoGo test runner
//! (`ssl/test/runner`) drives keel. The runner starts it once per test
//! with flags (see `flags.rs`); the shim connects back to the runner,
//! writes its shim id, and runs TLS over that socket as client or server
//! (`run.rs`). Exit 0: the test's expectations held; 1: they did not, with
//! a BoringSSL error name between colons on stderr (`errors.rs`); 89: the
//! test asks for something keel does not do. docs/INTEROP.md says how to
//! run the shim under BoGo.

mod checks;
mod compliance;
mod configure;
mod errors;
mod flags;
mod io;
mod run;
mod verify;

use std::os::unix::ffi::OsStringExt;
use std::process::ExitCode;

use crate::flags::{Command, FlagError};
use crate::run::Outcome;

/// The exit status that tells the runner "unimplemented": the test is
/// skipped, not failed.
const UNIMPLEMENTED: u8 = 89;

fn main() -> ExitCode {
    let args: Vec<Vec<u8>> = std::env::args_os()
        .skip(1)
        .map(OsStringExt::into_vec)
        .collect();
    match flags::parse(&args) {
        Ok(Command::HandshakerSupported) => {
            // keel has no split handshakes.
            println!("No");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => match run::run(&options) {
            Outcome::Passed => ExitCode::SUCCESS,
            Outcome::Failed(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
            Outcome::Unimplemented(why) => unimplemented(&why),
        },
        Err(FlagError::Unimplemented(why)) => unimplemented(&why),
        Err(FlagError::Invalid(why)) => {
            eprintln!("keel-bogo: {why}");
            ExitCode::FAILURE
        }
    }
}

fn unimplemented(why: &str) -> ExitCode {
    eprintln!("keel-bogo: unimplemented: {why}");
    ExitCode::from(UNIMPLEMENTED)
}
