//! `cargo xtask`: the project's automation, written as a plain Rust binary so
//! that it runs wherever cargo does, with nothing else to install.
//!
//! `cargo xtask test` is everything CI gates on (`.ci/run` calls it);
//! `cargo xtask prereq`, its first step, checks and installs what it needs;
//! `cargo xtask layering` checks the crate dependency rule on its own;
//! `cargo xtask rfc` checks the RFC requirement files against the code;
//! `cargo xtask coverage` measures the protocol crates' line coverage;
//! `cargo xtask fuzz` runs the cargo-fuzz targets;
//! `cargo xtask bogo` runs BoringSSL's BoGo runner against the shim. It is
//! not a step of `test`, because CI cannot fetch the runner.
//! `cargo xtask bench-proxy` compares `keel proxy` with HAProxy and stunnel
//! on this machine; not a step of `test` either, as its figures mean
//! something only on an idle machine.
//!
//! Exit status: 0 on success, 1 on failure, 2 when the command line is not
//! understood, 3 when `bogo` has no runner to run.

mod bench_proxy;
mod bogo;
mod coverage;
mod error;
mod fuzz;
mod layering;
mod package;
mod prereq;
mod process;
mod python;
mod rfc;
mod test_suite;
mod workspace;

use std::process::ExitCode;

use crate::error::Error;
use crate::workspace::Workspace;

fn main() -> ExitCode {
    let command = match Command::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("xtask: {error}\n");
            eprint!("{}", help_text());
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The test suite prints its own account of a failed step, with
            // the command to reproduce it; saying it again would only bury it.
            if !error.is_already_reported() {
                eprintln!("xtask: error: {error}");
            }
            ExitCode::from(error.exit_status())
        }
    }
}

/// A subcommand of `cargo xtask`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Command {
    /// Everything CI gates on, in the order of [`test_suite::STEPS`].
    Test,
    /// The prerequisite check alone: the programs the suite runs.
    Prereq,
    /// The crate layering check alone.
    Layering,
    /// The x509-limbo harness alone.
    Limbo,
    /// Build and run the fuzz targets.
    Fuzz(fuzz::Options),
    /// Run BoGo against the shim.
    Bogo(bogo::Options),
    /// Compare keel proxy with HAProxy and stunnel.
    BenchProxy(bench_proxy::Options),
    /// Check that the library crates are ready to publish.
    Package,
    /// Check the RFC requirement files against the code and tests.
    Rfc,
    /// Build the Python package and run its pytest suite.
    Python,
    /// Measure and check line coverage of the protocol crates.
    Coverage(coverage::Options),
    /// Print the usage text.
    Help,
}

impl Command {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, Error> {
        let Some(first) = args.next() else {
            return Err(Error::Usage {
                message: "no command given".to_owned(),
            });
        };
        let command = match first.as_str() {
            "test" => Self::Test,
            "prereq" => Self::Prereq,
            "layering" => Self::Layering,
            "limbo" => Self::Limbo,
            "package" => Self::Package,
            "rfc" => Self::Rfc,
            "python" => Self::Python,
            "fuzz" => return Ok(Self::Fuzz(fuzz::Options::parse(args)?)),
            "coverage" => return Ok(Self::Coverage(coverage::Options::parse(args)?)),
            "bogo" => return Ok(Self::Bogo(bogo::Options::parse(args)?)),
            "bench-proxy" => return Ok(Self::BenchProxy(bench_proxy::Options::parse(args)?)),
            "help" | "-h" | "--help" => Self::Help,
            other => {
                return Err(Error::Usage {
                    message: format!("unknown command `{other}`"),
                });
            }
        };
        if let Some(extra) = args.next() {
            return Err(Error::Usage {
                message: format!("unexpected argument `{extra}` after `{first}`"),
            });
        }
        Ok(command)
    }
}

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Help => {
            print!("{}", help_text());
            Ok(())
        }
        Command::Test => test_suite::run(&Workspace::locate()?),
        Command::Prereq => {
            prereq::run(&Workspace::locate()?)?;
            println!("xtask prereq: ok (everything `cargo xtask test` runs is installed)");
            Ok(())
        }
        Command::Limbo => test_suite::limbo(&Workspace::locate()?),
        Command::Package => package::run(&Workspace::locate()?),
        Command::Rfc => rfc::run(&Workspace::locate()?),
        Command::Python => python::run(&Workspace::locate()?),
        Command::Coverage(options) => coverage::run(&Workspace::locate()?, &options),
        Command::Fuzz(options) => fuzz::run(&Workspace::locate()?, &options),
        Command::Bogo(options) => bogo::run(&Workspace::locate()?, &options),
        Command::BenchProxy(options) => bench_proxy::run(&Workspace::locate()?, &options),
        Command::Layering => {
            let checked = layering::check_workspace(&Workspace::locate()?)?;
            println!("xtask layering: ok ({checked} workspace crates follow the dependency rule)");
            Ok(())
        }
    }
}

/// The usage text. The list of test steps comes from [`test_suite::STEPS`],
/// so it cannot fall behind what `cargo xtask test` really runs.
fn help_text() -> String {
    let mut text = String::from(
        "Usage: cargo xtask <COMMAND>\n\
         \n\
         Commands:\n  \
           test       Run everything CI gates on, in order, stopping at the first failure\n  \
           prereq     Check that the programs the tests run are installed; install cargo tools, Go,\n             \
                      and Debian packages as root with apt-get, else name the command to run\n  \
           layering   Check that workspace crates depend on each other only as docs/DESIGN.md allows\n  \
           limbo      Run the x509-limbo certificate-validation cases through keel-pki\n  \
           package    Check, offline, that the library crates are ready to publish\n  \
           rfc        Check docs/rfc/ against the code and tests; count statements per RFC\n  \
           python     Build the Python package into target/py-venv and run its pytest suite\n  \
           coverage   Line coverage of the protocol crates (cargo-tarpaulin), checked against each\n             \
                      crate's coverage.txt: [--update] rewrites those lists from this run\n  \
           fuzz       Build the cargo-fuzz targets and run each: [--smoke] [--seconds N] [--jobs N] [TARGET...]\n  \
           bogo       Run BoringSSL's BoGo runner against keel-bogo: [--runner PATH] [-- RUNNER FLAGS...]\n             \
                      PATH is runner.test (default: $KEEL_BOGO_RUNNER); not part of `test`, as CI cannot fetch it\n  \
           bench-proxy\n             \
                      Compare keel proxy (release) with HAProxy and stunnel here: [--quick] [--out FILE]\n             \
                      needs haproxy, stunnel4, openssl, python3, prlimit; not part of `test`\n  \
           help       Print this text (also -h, --help)\n\
         \n\
         Exit status: 0 success, 1 failure, 2 command line not understood, 3 `bogo` without a runner\n\
         \n\
         Steps of `cargo xtask test`:\n",
    );
    for step in test_suite::STEPS {
        text.push_str(&format!("  {:<10} {}\n", step.name, step.about));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, Error> {
        Command::parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn subcommands_parse() {
        assert_eq!(parse(&["test"]).unwrap(), Command::Test);
        assert_eq!(parse(&["prereq"]).unwrap(), Command::Prereq);
        assert_eq!(parse(&["layering"]).unwrap(), Command::Layering);
        assert_eq!(parse(&["limbo"]).unwrap(), Command::Limbo);
        assert_eq!(parse(&["rfc"]).unwrap(), Command::Rfc);
        assert_eq!(
            parse(&["coverage", "--update"]).unwrap(),
            Command::Coverage(coverage::Options { update: true })
        );
        assert!(parse(&["coverage", "--fast"]).is_err());
        assert!(matches!(
            parse(&["fuzz", "--smoke"]).unwrap(),
            Command::Fuzz(_)
        ));
        assert_eq!(
            parse(&["bogo", "--", "-test", "A*"]).unwrap(),
            Command::Bogo(bogo::Options {
                runner: None,
                runner_args: vec!["-test".to_owned(), "A*".to_owned()],
            })
        );
        assert!(matches!(
            parse(&["bogo", "--runner"]),
            Err(Error::Usage { .. })
        ));
        assert_eq!(
            parse(&["bench-proxy", "--quick"]).unwrap(),
            Command::BenchProxy(bench_proxy::Options {
                quick: true,
                out: None,
            })
        );
        assert_eq!(parse(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(&["-h"]).unwrap(), Command::Help);
    }

    #[test]
    fn bad_usage_is_rejected_with_the_offending_word() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["tset"]).unwrap_err().to_string().contains("`tset`"));
        assert!(
            parse(&["test", "--fast"])
                .unwrap_err()
                .to_string()
                .contains("`--fast`")
        );
    }

    #[test]
    fn help_lists_every_subcommand_and_step() {
        let help = help_text();
        for word in [
            "test",
            "prereq",
            "layering",
            "limbo",
            "fuzz",
            "bogo",
            "bench-proxy",
            "python",
            "help",
        ] {
            assert!(help.contains(word), "help misses {word}");
        }
        for step in test_suite::STEPS {
            assert!(help.contains(step.name), "help misses step {}", step.name);
        }
    }
}
