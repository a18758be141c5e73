//! The `python` step of `cargo xtask test` (and `cargo xtask python`):
//! keel's Python package (crates/keel-python) built by maturin and
//! installed into a virtualenv under target/, then its pytest suite run
//! against it, the `keel` CLI (KEEL_BIN) and the real peers on PATH.
//!
//! The virtualenv is made once, with the test tools at pinned versions
//! from PyPI; the package is rebuilt (release, as users get it) every run.
//! Installing it with `pip install ./crates/keel-python` is what a user
//! does too; `--no-build-isolation` uses the pinned maturin instead of
//! fetching one per run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::workspace::Workspace;

/// The virtualenv, relative to the workspace root.
const VENV: &str = "target/py-venv";

/// What the suite needs besides keel, pinned so that a run is repeatable.
const REQUIREMENTS: &[&str] = &[
    "maturin==1.16.0",
    "pytest==9.2.0",
    "hypothesis==6.170.27",
    "Twisted==26.10.0",
    "trustme==1.2.1",
];

/// The package's folder: `pip install ./crates/keel-python`.
const PACKAGE: &str = "crates/keel-python";

pub(crate) fn run(workspace: &Workspace) -> Result<(), Error> {
    let root = workspace.root();
    let python = root.join(VENV).join("bin").join("python");
    if !python.exists() {
        println!("xtask python: making the virtualenv {VENV}");
        run_program(root, Path::new("python3"), &["-m", "venv", VENV], &[])?;
    }
    let mut pip = vec!["-m", "pip", "install", "--disable-pip-version-check", "-q"];
    pip.extend_from_slice(REQUIREMENTS);
    run_program(root, &python, &pip, &[])?;
    println!("xtask python: pip install ./{PACKAGE} (maturin, release build)");
    run_program(
        root,
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "--no-build-isolation",
            "--force-reinstall",
            "--no-deps",
            PACKAGE,
        ],
        &[],
    )?;
    // The tests start `keel serve`; the tests step built it, this makes
    // sure of it when the step runs alone.
    workspace.cargo(&["build", "-q", "-p", "keel-cli"]).run()?;
    let keel_bin = root.join("target").join("debug").join("keel");
    let tests = root.join(PACKAGE).join("tests");
    let tests = tests.to_string_lossy();
    run_program(
        root,
        &python,
        &["-m", "pytest", "-q", "-p", "no:cacheprovider", &tests],
        &[("KEEL_BIN", keel_bin.as_os_str())],
    )
}

/// Runs `program args…` in `root` with `env` added, the virtualenv's
/// programs first on PATH (pip runs the `maturin` installed there),
/// failing unless it succeeds.
fn run_program(
    root: &Path,
    program: &Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<(), Error> {
    let mut path = std::ffi::OsString::from(root.join(VENV).join("bin"));
    if let Some(inherited) = std::env::var_os("PATH") {
        path.push(":");
        path.push(inherited);
    }
    let status = Command::new(program)
        .args(args)
        .env("PATH", path)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .map_err(|source| Error::Spawn {
            command: describe(program, args),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: describe(program, args),
            status,
        })
    }
}

fn describe(program: &Path, args: &[&str]) -> String {
    let mut line = PathBuf::from(program).display().to_string();
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}
