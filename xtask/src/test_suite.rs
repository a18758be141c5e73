//! `cargo xtask test`: everything CI gates on, in one ordered list.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::Error;
use crate::layering;
use crate::workspace::Workspace;

/// One step of the suite.
#[derive(Debug)]
pub(crate) struct Step {
    /// A short name, used in progress lines and failure messages.
    pub(crate) name: &'static str,
    /// What the step checks, for `cargo xtask --help`.
    pub(crate) about: &'static str,
    /// Runs the step; an error stops the suite.
    pub(crate) run: fn(&Workspace) -> Result<(), Error>,
}

/// Everything `cargo xtask test` runs, in this order. Cheap checks come
/// first so that a formatting slip fails in seconds, not after the tests;
/// before them all, the prerequisites, so that a fresh machine is told
/// what to install before anything is built. A new suite is one more line
/// here.
pub(crate) const STEPS: &[Step] = &[
    Step {
        name: "prereq",
        about: "the programs the tests run are installed (cargo xtask prereq; installs what it may)",
        run: crate::prereq::run,
    },
    Step {
        name: "fmt",
        about: "cargo fmt --all --check",
        run: fmt,
    },
    Step {
        name: "layering",
        about: "crates depend on each other only as docs/DESIGN.md allows",
        run: layering,
    },
    Step {
        name: "rfc",
        about: "docs/rfc/: every normative statement has a status; code and tests it cites exist (cargo xtask rfc)",
        run: crate::rfc::run,
    },
    Step {
        name: "clippy",
        about: "cargo clippy --workspace --all-targets -- -D warnings",
        run: clippy,
    },
    Step {
        name: "limbo",
        about: "x509-limbo cases through keel-pki; fails on any unexpected verdict",
        run: limbo,
    },
    Step {
        name: "tests",
        about: "cargo nextest run --workspace (cargo test --workspace without nextest)",
        run: tests,
    },
    Step {
        name: "python",
        about: "the Python package (crates/keel-python) built by maturin into target/py-venv, its pytest suite run (cargo xtask python)",
        run: crate::python::run,
    },
    Step {
        name: "coverage",
        about: "line coverage of the protocol crates (cargo-tarpaulin); every line no test reaches is listed in its crate's coverage.txt",
        run: crate::coverage::check,
    },
    Step {
        name: "doctests",
        about: "cargo test --workspace --doc (nextest does not run doctests)",
        run: doctests,
    },
    Step {
        name: "docs",
        about: "cargo doc --workspace --no-deps, with rustdoc warnings denied",
        run: docs,
    },
    Step {
        name: "package",
        about: "the library crates' manifests are ready for crates.io (offline)",
        run: crate::package::run,
    },
    Step {
        name: "deny",
        about: "cargo deny: bans, licenses, sources (workspace and fuzz crate); advisories when the database can be fetched",
        run: deny,
    },
    Step {
        name: "fuzz",
        about: "cargo xtask fuzz --smoke: every fuzz target for 20 s; any crash, leak or timeout fails",
        run: fuzz_smoke,
    },
];

/// Runs [`STEPS`] in order, stopping at the first failure, and prints a line
/// per step with its duration and a summary line at the end.
pub(crate) fn run(workspace: &Workspace) -> Result<(), Error> {
    let suite_started = Instant::now();
    let total = STEPS.len();
    for (index, step) in STEPS.iter().enumerate() {
        let position = index + 1;
        println!("xtask: [{position}/{total}] {}: {}", step.name, step.about);
        let step_started = Instant::now();
        let outcome = (step.run)(workspace);
        let took = format_duration(step_started.elapsed());
        match outcome {
            Ok(()) => println!("xtask: [{position}/{total}] {} ok in {took}", step.name),
            Err(error) => {
                eprintln!(
                    "xtask: [{position}/{total}] {} FAILED after {took}",
                    step.name
                );
                eprintln!("xtask: {error}");
                if let Some(command) = error.reproduce() {
                    eprintln!("xtask: reproduce with: {command}");
                }
                eprintln!(
                    "xtask test: FAILED at step `{}` ({index} of {total} steps passed) in {}",
                    step.name,
                    format_duration(suite_started.elapsed())
                );
                return Err(Error::StepFailed { step: step.name });
            }
        }
    }
    println!(
        "xtask test: all {total} steps passed in {}",
        format_duration(suite_started.elapsed())
    );
    Ok(())
}

fn fmt(workspace: &Workspace) -> Result<(), Error> {
    workspace.cargo(&["fmt", "--all", "--check"]).run()?;
    // The fuzz crate is outside the workspace, so `--all` does not see it.
    workspace
        .cargo(&["fmt", "--manifest-path", "fuzz/Cargo.toml", "--check"])
        .run()
}

fn fuzz_smoke(workspace: &Workspace) -> Result<(), Error> {
    crate::fuzz::run(workspace, &crate::fuzz::Options::smoke())
}

fn layering(workspace: &Workspace) -> Result<(), Error> {
    let checked = layering::check_workspace(workspace)?;
    println!("xtask: {checked} workspace crates follow the dependency rule");
    Ok(())
}

fn clippy(workspace: &Workspace) -> Result<(), Error> {
    workspace
        .cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run()
}

fn tests(workspace: &Workspace) -> Result<(), Error> {
    if workspace
        .cargo(&["nextest", "--version"])
        .succeeds_quietly()
    {
        workspace.cargo(&["nextest", "run", "--workspace"]).run()
    } else {
        println!("xtask: cargo-nextest is not installed; running cargo test instead");
        // cargo test runs a binary's tests as threads of one process, and the
        // scale test keeps every core busy: beside it, tests that time a
        // one-second timeout could miss their window. nextest runs it alone
        // (.config/nextest.toml); here it runs after the rest.
        workspace
            .cargo(&["test", "--workspace", "--", "--skip", SCALE_TEST])
            .run()?;
        workspace
            .cargo(&[
                "test",
                "-p",
                "keel-cli",
                "--test",
                "cli_proxy",
                "--",
                "--exact",
                SCALE_TEST,
            ])
            .run()
    }
}

/// `keel proxy`'s scale test (tests/cli/proxy/load.rs), by its full name.
const SCALE_TEST: &str =
    "load::ten_thousand_connections_at_once_then_a_burst_of_two_thousand_handshakes";

/// The x509-limbo harness, a test in keel-pki, run alone so that its
/// summary line and every case that did not pass are shown.
pub(crate) fn limbo(workspace: &Workspace) -> Result<(), Error> {
    workspace
        .cargo(&[
            "test",
            "--quiet",
            "-p",
            "keel-pki",
            "--test",
            "limbo",
            "--",
            "--nocapture",
        ])
        .run()
}

fn doctests(workspace: &Workspace) -> Result<(), Error> {
    // `cargo test --doc` refuses a workspace without a library target, which
    // is no failure of ours: there is simply nothing to run yet.
    if !has_doctest_target(&workspace.metadata()?) {
        println!("xtask: no library target has doctests enabled; nothing to run");
        return Ok(());
    }
    workspace.cargo(&["test", "--workspace", "--doc"]).run()
}

fn docs(workspace: &Workspace) -> Result<(), Error> {
    workspace
        .cargo(&["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()
}

fn deny(workspace: &Workspace) -> Result<(), Error> {
    if !workspace.cargo(&["deny", "--version"]).succeeds_quietly() {
        return Err(Error::ToolMissing {
            tool: "cargo-deny",
            install: "cargo install --locked cargo-deny",
        });
    }
    workspace
        .cargo(&["deny", "check", "bans", "licenses", "sources"])
        .run()?;
    // The fuzz crate is outside the workspace, on a lock file of its own:
    // the same rules apply to what it pulls in.
    workspace
        .cargo(&[
            "deny",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--config",
            "deny.toml",
            "check",
            "bans",
            "licenses",
            "sources",
        ])
        .run()?;
    advisories(workspace)
}

/// The RustSec advisories, when the database can be fetched (it comes from
/// GitHub, which CI machines may not reach): a known vulnerability fails
/// the step; an unreachable database is said, not hidden.
fn advisories(workspace: &Workspace) -> Result<(), Error> {
    let command = workspace.cargo(&["deny", "check", "advisories"]);
    let output = command.captured()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    match advisories_verdict(output.status.success(), &stderr) {
        Advisories::Checked => {
            println!("xtask: advisories ok (RustSec database fetched)");
            Ok(())
        }
        Advisories::Unreachable(why) => {
            println!(
                "xtask: advisories NOT checked: the RustSec database cannot be fetched ({why})"
            );
            Ok(())
        }
        Advisories::Found => {
            eprint!("{stderr}");
            Err(Error::CommandFailed {
                command: command.to_string(),
                status: output.status,
            })
        }
    }
}

/// What `cargo deny check advisories` said.
#[derive(Debug, PartialEq, Eq)]
enum Advisories {
    Checked,
    /// The database could not be fetched; the first error line says why.
    Unreachable(String),
    Found,
}

fn advisories_verdict(success: bool, stderr: &str) -> Advisories {
    if success {
        return Advisories::Checked;
    }
    match stderr
        .lines()
        .find(|line| line.contains("failed to fetch advisory database"))
    {
        Some(line) => {
            let why = stderr
                .lines()
                .find(|l| l.starts_with("fatal:"))
                .unwrap_or(line);
            Advisories::Unreachable(why.trim().to_owned())
        }
        None => Advisories::Found,
    }
}

/// Whether any workspace target would take part in `cargo test --doc`.
fn has_doctest_target(metadata: &Value) -> bool {
    let packages = metadata.get("packages").and_then(Value::as_array);
    packages.into_iter().flatten().any(|package| {
        let targets = package.get("targets").and_then(Value::as_array);
        targets
            .into_iter()
            .flatten()
            .any(|target| target.get("doctest").and_then(Value::as_bool) == Some(true))
    })
}

/// `0.4s`, `12.0s`, `3m 07s`: precise where it matters, short where it does not.
fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The fallback without nextest names the scale test; a rename would
    /// otherwise run it among the others again, and not alone.
    #[test]
    fn the_scale_test_named_for_cargo_test_exists_and_nextest_runs_it_alone() {
        let root = Workspace::locate().unwrap();
        let load = std::fs::read_to_string(root.root().join("tests/cli/proxy/load.rs")).unwrap();
        let name = SCALE_TEST.strip_prefix("load::").unwrap();
        assert!(
            load.contains(&format!("fn {name}()")),
            "no test {SCALE_TEST}"
        );
        let nextest = std::fs::read_to_string(root.root().join(".config/nextest.toml")).unwrap();
        assert!(
            nextest.contains("filter = 'binary(cli_proxy) and test(/^load::/)'"),
            "{nextest}"
        );
    }

    #[test]
    fn advisories_are_unchecked_only_when_the_database_is_unreachable() {
        assert_eq!(advisories_verdict(true, ""), Advisories::Checked);
        let offline = "2026-12-04 [ERROR] failed to fetch advisory database \
                       https://github.com/RustSec/advisory-db with cli: failed to clone\n\
                       fatal: unable to access 'https://github.com/RustSec/advisory-db/': \
                       Could not resolve host: github.com\n";
        assert_eq!(
            advisories_verdict(false, offline),
            Advisories::Unreachable(
                "fatal: unable to access 'https://github.com/RustSec/advisory-db/': \
                 Could not resolve host: github.com"
                    .to_owned()
            )
        );
        let found = "error[vulnerability]: Use-after-free in foo\nadvisories FAILED\n";
        assert_eq!(advisories_verdict(false, found), Advisories::Found);
    }

    #[test]
    fn prerequisites_are_checked_before_anything_is_built() {
        assert_eq!(STEPS.first().map(|step| step.name), Some("prereq"));
    }

    #[test]
    fn step_names_are_unique() {
        for (index, step) in STEPS.iter().enumerate() {
            assert!(
                STEPS[..index]
                    .iter()
                    .all(|earlier| earlier.name != step.name),
                "step `{}` appears twice",
                step.name
            );
        }
    }

    #[test]
    fn a_workspace_of_binaries_has_no_doctests_to_run() {
        let binaries_only = json!({"packages": [
            {"name": "xtask", "targets": [{"kind": ["bin"], "doctest": false}]}
        ]});
        assert!(!has_doctest_target(&binaries_only));
        let with_library = json!({"packages": [
            {"name": "xtask", "targets": [{"kind": ["bin"], "doctest": false}]},
            {"name": "keel-wire", "targets": [{"kind": ["lib"], "doctest": true}]}
        ]});
        assert!(has_doctest_target(&with_library));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(format_duration(Duration::from_millis(420)), "0.4s");
        assert_eq!(format_duration(Duration::from_millis(59_940)), "59.9s");
        assert_eq!(format_duration(Duration::from_secs(187)), "3m 07s");
    }
}
