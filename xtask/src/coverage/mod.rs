//! `cargo xtask coverage`: line coverage of the four protocol crates
//! (keel-wire, keel-record, keel-pki, keel-handshake) from their own tests
//! plus the facade-level pair suite (`tests/pairs.rs`), measured with
//! cargo-tarpaulin, and checked against each crate's `coverage.txt`.
//!
//! cargo-llvm-cov needs the llvm-tools component, which these machines
//! cannot install; tarpaulin's LLVM engine reads the raw profiles itself,
//! so it works with the plain toolchain. Tarpaulin reports lines, not
//! branches.
//!
//! The check fails when an uncovered line is listed neither as an
//! exception nor as still to be tested, or when a crate's figure drops
//! below the one recorded. A listed line that is reached now is reported,
//! for `--update` to take off the list. Reports go to `target/coverage/`: an lcov
//! file per run and tarpaulin's HTML.

mod lcov;
mod lists;

use std::fs;
use std::path::Path;

use crate::error::Error;
use crate::workspace::Workspace;

/// The crates measured, by directory under `crates/`.
pub(crate) const CRATES: [&str; 4] = ["keel-wire", "keel-record", "keel-pki", "keel-handshake"];

/// Where reports go, from the workspace root.
const OUTPUT: &str = "target/coverage";

/// What `cargo xtask coverage` was asked to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Rewrite each `coverage.txt` from this run instead of checking it.
    pub(crate) update: bool,
}

impl Options {
    pub(crate) fn parse(args: impl Iterator<Item = String>) -> Result<Self, Error> {
        let mut options = Self::default();
        for arg in args {
            match arg.as_str() {
                "--update" => options.update = true,
                other => {
                    return Err(Error::Usage {
                        message: format!("unexpected argument `{other}` after `coverage`"),
                    });
                }
            }
        }
        Ok(options)
    }
}

/// The step of `cargo xtask test`: measure and check.
pub(crate) fn check(workspace: &Workspace) -> Result<(), Error> {
    run(workspace, &Options::default())
}

/// Measures, prints a line per crate, then checks or updates the lists.
pub(crate) fn run(workspace: &Workspace, options: &Options) -> Result<(), Error> {
    if !workspace
        .cargo(&["tarpaulin", "--version"])
        .succeeds_quietly()
    {
        return Err(Error::ToolMissing {
            tool: "cargo-tarpaulin",
            install: "cargo install --locked cargo-tarpaulin",
        });
    }
    let root = workspace.root();
    let mut lines = lcov::Lines::new();
    for (run, packages) in RUNS {
        let dir = format!("{OUTPUT}/{run}");
        let mut command = workspace
            .cargo(&[
                "tarpaulin",
                "--engine",
                "llvm",
                "--skip-clean",
                "--target-dir",
                "target/coverage-build",
                "--out",
                "Lcov",
                "--out",
                "Html",
                "--timeout",
                "600",
            ])
            .arg("--output-dir")
            .arg(dir.clone());
        for argument in *packages {
            command = command.arg(*argument);
        }
        for krate in CRATES {
            command = command
                .arg("--include-files")
                .arg(format!("crates/{krate}/src/*"));
        }
        command.run()?;
        let path = root.join(&dir).join("lcov.info");
        let text = fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
        for (file, file_lines) in lcov::parse(&text) {
            let merged = lines.entry(file).or_default();
            for (number, ran) in file_lines {
                *merged.entry(number).or_insert(false) |= ran;
            }
        }
    }
    let mut problems = Vec::new();
    for krate in CRATES {
        let measured = measure(root, krate, &lines)?;
        problems.extend(judge(root, krate, &measured, options)?);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Coverage { problems })
    }
}

/// The tarpaulin runs whose coverage is merged: each crate's own tests
/// (unit, integration, property), then the facade's pair suite.
const RUNS: &[(&str, &[&str])] = &[
    (
        "crates",
        &[
            "-p",
            "keel-wire",
            "-p",
            "keel-record",
            "-p",
            "keel-pki",
            "-p",
            "keel-handshake",
            "--lib",
            "--tests",
        ],
    ),
    ("pairs", &["-p", "keel-tests", "--test", "pairs"]),
];

/// One crate's lines from a run.
#[derive(Debug)]
struct Measured {
    covered: usize,
    total: usize,
    /// `(file from the crate root, line number, trimmed text)`, in order.
    uncovered: Vec<(String, usize, String)>,
}

impl Measured {
    fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            // Line counts are far below 2^52: the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let ratio = self.covered as f64 / self.total as f64;
            ratio * 100.0
        }
    }
}

fn measure(root: &Path, krate: &str, lines: &lcov::Lines) -> Result<Measured, Error> {
    let crate_dir = root.join("crates").join(krate);
    let mut measured = Measured {
        covered: 0,
        total: 0,
        uncovered: Vec::new(),
    };
    for (file, file_lines) in lines {
        let path = Path::new(file);
        let absolute = if path.is_absolute() {
            path.to_owned()
        } else {
            root.join(path)
        };
        let Ok(relative) = absolute.strip_prefix(&crate_dir) else {
            continue;
        };
        let text = fs::read_to_string(&absolute).map_err(|source| Error::Io {
            path: absolute.clone(),
            source,
        })?;
        let source: Vec<&str> = text.lines().collect();
        for (&number, &ran) in file_lines {
            measured.total += 1;
            if ran {
                measured.covered += 1;
            } else {
                let line = number
                    .checked_sub(1)
                    .and_then(|i| source.get(i))
                    .map_or("", |l| l.trim());
                measured.uncovered.push((
                    relative.to_string_lossy().into_owned(),
                    number,
                    line.to_owned(),
                ));
            }
        }
    }
    Ok(measured)
}

/// Prints the crate's line and returns what is wrong with it, or rewrites
/// its list under `--update`.
fn judge(
    root: &Path,
    krate: &str,
    measured: &Measured,
    options: &Options,
) -> Result<Vec<String>, Error> {
    let name = format!("crates/{krate}/coverage.txt");
    let path = root.join(&name);
    let text = fs::read_to_string(&path).unwrap_or_default();
    let list = match lists::parse(&name, &text) {
        Ok(list) => list,
        Err(problems) => return Ok(problems),
    };
    let percent = measured.percent();
    if options.update {
        let updated = lists::updated(krate, &list, percent, &measured.uncovered);
        fs::write(&path, updated).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    let comparison = lists::compare(&list, &measured.uncovered);
    println!(
        "xtask coverage: {krate}: {percent:.2} % of lines ({} of {}); not reached: {} exceptions, {} to test{}",
        measured.covered,
        measured.total,
        comparison.exceptions,
        comparison.untested,
        if comparison.new.is_empty() {
            String::new()
        } else {
            format!(", {} unlisted", comparison.new.len())
        }
    );
    if options.update {
        return Ok(Vec::new());
    }
    let mut problems = Vec::new();
    for (file, number, text) in &comparison.new {
        problems.push(format!(
            "crates/{krate}/{file}:{number}: not reached by any test and not in {name}: `{text}`"
        ));
    }
    // A listed line that is reached now is progress, not a failure: it is
    // named so that `--update` can take it off the list.
    for listed in &comparison.stale {
        println!(
            "xtask coverage: {name}: `{}` in {} is reached now (or gone); `cargo xtask coverage --update` takes it off",
            listed.text, listed.file
        );
    }
    match list.recorded {
        None => problems.push(format!("{name}: no `recorded:` figure")),
        // Two decimals are recorded; allow for the rounding.
        Some(recorded) if percent + 0.005 < recorded => problems.push(format!(
            "{krate}: line coverage fell to {percent:.2} %, below the {recorded:.2} % recorded in {name}"
        )),
        Some(_) => {}
    }
    Ok(problems)
}

#[cfg(test)]
mod tests;
