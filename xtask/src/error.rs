//! The one error type of the xtask: every failure says what ran and, where a
//! single command reproduces it, which one.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

use crate::layering::Violation;
use crate::prereq::{Remedy, Requirement};

/// Why an xtask command failed.
#[derive(Debug)]
pub(crate) enum Error {
    /// The command line was not understood.
    Usage { message: String },
    /// The xtask could not find the workspace root above its own manifest.
    NoWorkspaceRoot,
    /// A program could not be started at all.
    Spawn { command: String, source: io::Error },
    /// A program ran and reported failure.
    CommandFailed { command: String, status: ExitStatus },
    /// A tool a step needs is not installed.
    ToolMissing {
        tool: &'static str,
        install: &'static str,
    },
    /// What the test suite needs from the system is missing, and the
    /// xtask may not (or could not) install it.
    Prerequisites {
        missing: Vec<&'static Requirement>,
        remedy: Remedy,
    },
    /// `cargo metadata` printed something the xtask cannot read.
    Metadata { problem: String },
    /// Workspace crates break the dependency rule of docs/DESIGN.md.
    Layering { violations: Vec<Violation> },
    /// A file or directory could not be read or written.
    Io {
        path: std::path::PathBuf,
        source: io::Error,
    },
    /// Fuzz targets crashed, leaked or timed out.
    FuzzFailed { targets: Vec<String> },
    /// A step of `cargo xtask test` failed; the suite has already printed
    /// the details and the command that reproduces it.
    StepFailed { step: &'static str },
    /// `cargo xtask bogo` has no runner: none was named, or the named one
    /// is not there.
    NoBogoRunner { missing: Option<PathBuf> },
    /// The BoGo runner left no results the xtask can read.
    BogoResults {
        path: PathBuf,
        problem: String,
        log: PathBuf,
        /// The end of the runner's output, which often says why.
        last_line: Option<String>,
    },
    /// BoGo tests failed, or the run was cut short.
    BogoFailed { failed: usize, interrupted: bool },
    /// The library manifests are not ready to publish.
    Package { problems: Vec<String> },
    /// The RFC requirement files do not match the code and tests.
    Rfc { problems: Vec<String> },
    /// Line coverage fell, or lines no test reaches are not listed.
    Coverage { problems: Vec<String> },
    /// `cargo xtask bench-proxy` needs a program that is not installed.
    BenchToolMissing {
        program: &'static str,
        package: &'static str,
    },
    /// A measurement of `cargo xtask bench-proxy` failed.
    Bench { problem: String },
}

impl Error {
    /// The shortest command that reproduces this failure, if there is one.
    pub(crate) fn reproduce(&self) -> Option<String> {
        match self {
            Self::CommandFailed { command, .. } => Some(command.clone()),
            Self::Layering { .. } => Some("cargo xtask layering".to_owned()),
            Self::Package { .. } => Some("cargo xtask package".to_owned()),
            Self::Rfc { .. } => Some("cargo xtask rfc".to_owned()),
            Self::Coverage { .. } => Some("cargo xtask coverage".to_owned()),
            Self::Prerequisites { .. } => Some("cargo xtask prereq".to_owned()),
            Self::Usage { .. }
            | Self::NoWorkspaceRoot
            | Self::Spawn { .. }
            | Self::ToolMissing { .. }
            | Self::Metadata { .. }
            | Self::Io { .. }
            | Self::StepFailed { .. }
            | Self::NoBogoRunner { .. }
            | Self::BogoResults { .. }
            | Self::BogoFailed { .. }
            | Self::BenchToolMissing { .. }
            | Self::Bench { .. } => None,
            Self::FuzzFailed { targets } => Some(format!("cargo xtask fuzz {}", targets.join(" "))),
        }
    }

    /// Whether the failure was printed where it happened. A BoGo run that
    /// completed has printed its counts and every failed test; one that
    /// was interrupted has not said so yet.
    pub(crate) fn is_already_reported(&self) -> bool {
        matches!(
            self,
            Self::StepFailed { .. }
                | Self::BogoFailed {
                    interrupted: false,
                    ..
                }
        )
    }

    /// The process's exit status for this failure. A missing BoGo runner
    /// gets its own, 3, so that a script can tell "could not run the suite"
    /// from "ran it and tests failed" (1); 2, a command line not
    /// understood, is decided in `main`.
    pub(crate) fn exit_status(&self) -> u8 {
        match self {
            Self::NoBogoRunner { .. } => 3,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage { message } => write!(f, "{message}"),
            Self::NoWorkspaceRoot => {
                write!(
                    f,
                    "the xtask manifest directory has no parent: where is the workspace?"
                )
            }
            Self::Spawn { command, source } => write!(f, "could not start `{command}`: {source}"),
            Self::CommandFailed { command, status } => {
                write!(f, "`{command}` failed ({status})")
            }
            Self::ToolMissing { tool, install } => {
                write!(f, "{tool} is not installed; install it with `{install}`")
            }
            Self::Prerequisites { missing, remedy } => {
                write!(f, "the test suite needs what this machine lacks:")?;
                for requirement in missing {
                    write!(f, "\n  - {requirement}")?;
                }
                let packages = crate::prereq::packages(missing).join(" ");
                match remedy {
                    Remedy::Sudo => write!(f, "\nrun `sudo apt-get install -y {packages}`"),
                    Remedy::NoApt => write!(
                        f,
                        "\nthere is no apt-get on PATH: install the equivalent of the \
                         Debian packages {packages} with this system's package manager"
                    ),
                    Remedy::StillMissing => write!(
                        f,
                        "\n`apt-get install -y {packages}` ran, yet this is still not \
                         found: is the directory it went to on PATH?"
                    ),
                }
            }
            Self::Metadata { problem } => {
                write!(f, "cannot read `cargo metadata` output: {problem}")
            }
            Self::Layering { violations } => {
                write!(f, "the crate layering rule is broken:")?;
                for violation in violations {
                    write!(f, "\n  - {violation}")?;
                }
                Ok(())
            }
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Package { problems } => {
                write!(f, "the library crates are not ready to publish:")?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            Self::BenchToolMissing { program, package } => write!(
                f,
                "bench-proxy runs {program}, which is not installed; install it with \
                 `apt-get install -y {package}`"
            ),
            Self::Bench { problem } => write!(f, "bench-proxy: {problem}"),
            Self::Coverage { problems } => {
                write!(
                    f,
                    "{} coverage problems (each crate's coverage.txt lists what no test reaches):",
                    problems.len()
                )?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            Self::Rfc { problems } => {
                write!(
                    f,
                    "{} problems in the RFC requirement files (docs/rfc/README.md says the rules):",
                    problems.len()
                )?;
                for problem in problems {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
            Self::FuzzFailed { targets } => write!(
                f,
                "fuzz targets failed: {} (inputs in fuzz/artifacts/, output in fuzz/logs/)",
                targets.join(", ")
            ),
            Self::StepFailed { step } => write!(f, "step `{step}` failed"),
            Self::NoBogoRunner { missing } => {
                match missing {
                    None => write!(
                        f,
                        "no BoGo runner: pass --runner PATH or set {}",
                        crate::bogo::RUNNER_ENV
                    )?,
                    Some(path) => write!(f, "no BoGo runner at {}", path.display())?,
                }
                write!(f, "\n\n{}", crate::bogo::how_to_build_a_runner())
            }
            Self::BogoResults {
                path,
                problem,
                log,
                last_line,
            } => {
                write!(
                    f,
                    "no BoGo results in {}: {problem}; the runner's output is in {}",
                    path.display(),
                    log.display()
                )?;
                match last_line {
                    Some(line) => write!(f, ", ending: {line}"),
                    None => Ok(()),
                }
            }
            Self::BogoFailed {
                failed,
                interrupted: true,
            } => write!(
                f,
                "the BoGo runner was interrupted, so its counts are partial ({failed} failed)"
            ),
            Self::BogoFailed { failed, .. } => write!(f, "{failed} BoGo tests failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Spawn { source, .. } | Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    #[test]
    fn a_failed_command_names_itself_and_is_its_own_reproduction() {
        let error = Error::CommandFailed {
            command: "cargo fmt --all --check".to_owned(),
            status: ExitStatus::from_raw(1 << 8),
        };
        assert_eq!(
            error.to_string(),
            "`cargo fmt --all --check` failed (exit status: 1)"
        );
        assert_eq!(
            error.reproduce().as_deref(),
            Some("cargo fmt --all --check")
        );
    }

    #[test]
    fn missing_prerequisites_name_one_command_and_reproduce_alone() {
        let missing: Vec<_> = crate::prereq::REQUIREMENTS
            .iter()
            .filter(|r| r.package == "gnutls-bin" || r.package == "curl")
            .collect();
        let error = Error::Prerequisites {
            missing,
            remedy: Remedy::Sudo,
        };
        let message = error.to_string();
        assert_eq!(message.matches("apt-get").count(), 1, "{message}");
        assert!(
            message.ends_with("\nrun `sudo apt-get install -y gnutls-bin curl`"),
            "{message}"
        );
        assert_eq!(error.reproduce().as_deref(), Some("cargo xtask prereq"));
    }

    #[test]
    fn a_missing_tool_says_how_to_install_it() {
        let error = Error::ToolMissing {
            tool: "cargo-deny",
            install: "cargo install --locked cargo-deny",
        };
        assert!(
            error
                .to_string()
                .contains("cargo install --locked cargo-deny")
        );
    }
}
