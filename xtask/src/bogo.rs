//! `cargo xtask bogo`: runs BoringSSL's BoGo conformance runner against the
//! `keel-bogo` shim and sums up what it found.
//!
//! The runner is not part of this repository, and the project's build
//! machines cannot fetch it, so this is not a step of `cargo xtask test`;
//! whoever has a runner names it with `--runner` or `KEEL_BOGO_RUNNER`.
//! The runner prints thousands of lines, so they go to a log file, and the
//! verdict comes from its JSON results rather than its exit status, which
//! is 1 whenever any test fails.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::workspace::Workspace;

/// The environment variable naming the runner when `--runner` does not.
pub(crate) const RUNNER_ENV: &str = "KEEL_BOGO_RUNNER";
/// The BoringSSL commit whose runner the shim's `config.json` is written
/// for: its test names and flags. Moves together with docs/INTEROP.md.
pub(crate) const RUNNER_COMMIT: &str = "a0689af29e8e";
/// Tests the runner runs at once unless its own `-num-workers` is given:
/// one per core of the two-core machines keel is built on.
const DEFAULT_WORKERS: &str = "2";

/// Which runner to use and what else to tell it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// The runner binary from `--runner`; `None` falls back to
    /// [`RUNNER_ENV`].
    pub(crate) runner: Option<PathBuf>,
    /// Everything after `--`, passed to the runner after its other flags.
    pub(crate) runner_args: Vec<String>,
}

impl Options {
    /// Parses `[--runner PATH] [-- RUNNER FLAGS...]`.
    pub(crate) fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, Error> {
        let mut options = Self::default();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--runner" => match args.next() {
                    Some(path) if path != "--" => options.runner = Some(PathBuf::from(path)),
                    _ => {
                        return Err(Error::Usage {
                            message: "`--runner` needs the path of BoGo's runner.test".to_owned(),
                        });
                    }
                },
                "--" => {
                    options.runner_args = args.by_ref().collect();
                }
                other => {
                    return Err(Error::Usage {
                        message: format!(
                            "unknown bogo option `{other}` (the runner's own flags go after `--`)"
                        ),
                    });
                }
            }
        }
        // The verdict is read from the results file the xtask names; a
        // second one would leave it reading nothing, or a stale run.
        if options
            .runner_args
            .iter()
            .any(|arg| go_flag_name(arg) == Some("json-output"))
        {
            return Err(Error::Usage {
                message: "`-json-output` is set by `cargo xtask bogo` itself".to_owned(),
            });
        }
        Ok(options)
    }
}

/// The name of a Go command-line flag (`-name`, `--name`, `-name=value`),
/// or `None` for anything that is not one.
fn go_flag_name(arg: &str) -> Option<&str> {
    let name = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    let name = name.split_once('=').map_or(name, |(name, _)| name);
    (!name.is_empty() && !name.starts_with('-')).then_some(name)
}

/// The runner to run: `--runner`, else [`RUNNER_ENV`] (an empty value
/// counts as unset), made absolute because it runs from its own directory.
/// Without one, the error says how to build one.
fn locate_runner(given: Option<&Path>, env: Option<OsString>) -> Result<PathBuf, Error> {
    let path = given
        .map(Path::to_path_buf)
        .or_else(|| env.filter(|value| !value.is_empty()).map(PathBuf::from));
    let Some(path) = path else {
        return Err(Error::NoBogoRunner { missing: None });
    };
    match fs::canonicalize(&path) {
        Ok(absolute) if absolute.is_file() => Ok(absolute),
        _ => Err(Error::NoBogoRunner {
            missing: Some(path),
        }),
    }
}

/// Where a runner comes from and how to build one, shown when there is
/// none: the one step of a BoGo run that cannot be automated here.
pub(crate) fn how_to_build_a_runner() -> String {
    format!(
        "BoGo's runner is BoringSSL's ssl/test/runner, compiled as a Go test binary.\n\
         The shim's config.json is written for BoringSSL commit {RUNNER_COMMIT}. With Go\n\
         and network access:\n\
         \n    \
             git clone https://boringssl.googlesource.com/boringssl\n    \
             cd boringssl && git checkout {RUNNER_COMMIT}\n    \
             cd ssl/test/runner && go test -c -o runner.test\n\
         \n\
         Go needs the modules BoringSSL's go.mod names for the runner (golang.org/x/crypto,\n\
         x/sys and x/term; filippo.io/mldsa too at this commit) from the network, a module\n\
         proxy or its module cache. Then run `cargo xtask bogo --runner PATH/runner.test`,\n\
         or set {RUNNER_ENV} to that path. docs/INTEROP.md has the details."
    )
}

/// Builds the shim, runs the runner with its output in a log file, and
/// prints the summary; fails if any test failed or the run was cut short.
pub(crate) fn run(workspace: &Workspace, options: &Options) -> Result<(), Error> {
    // Before the build, which takes minutes, so that a missing runner is
    // said at once.
    let runner = locate_runner(options.runner.as_deref(), std::env::var_os(RUNNER_ENV))?;
    let runner_dir = runner.parent().ok_or_else(|| Error::NoBogoRunner {
        missing: Some(runner.clone()),
    })?;
    let target = target_directory(&workspace.metadata()?)?;
    workspace
        .cargo(&["build", "--release", "-p", "keel-bogo"])
        .run()?;

    let out_dir = target.join("bogo");
    fs::create_dir_all(&out_dir).map_err(|source| Error::Io {
        path: out_dir.clone(),
        source,
    })?;
    let results = out_dir.join("results.json");
    let log = out_dir.join("runner.log");
    // A results file from an earlier run must not stand in for this one's.
    match fs::remove_file(&results) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(Error::Io {
                path: results,
                source,
            });
        }
    }

    let args = runner_args(
        &target.join("release").join("keel-bogo"),
        &workspace
            .root()
            .join("crates")
            .join("keel-bogo")
            .join("config.json"),
        &results,
        &options.runner_args,
    );
    let mut command = Command::new(&runner);
    // The runner reads its test keys and certificates relative to its own
    // directory: the real one, when `runner.test` is a symbolic link.
    command.args(&args).current_dir(runner_dir);
    println!(
        "xtask bogo: running {}; its output goes to {}",
        runner.display(),
        log.display()
    );
    let status = run_logged(command, &log)?;

    let summary = read_results(&results, status).map_err(|problem| Error::BogoResults {
        path: results.clone(),
        problem,
        log: log.clone(),
        last_line: last_line(&log),
    })?;
    print!("{summary}");
    println!("xtask bogo: results in {}", results.display());
    println!("xtask bogo: runner output in {}", log.display());
    summary.verdict()
}

/// The results file, summed up, or what is wrong with it. The runner
/// writes none when it stops early (no test matched, a flag it does not
/// know); its exit status is only worth saying then.
fn read_results(path: &Path, status: ExitStatus) -> Result<Summary, String> {
    let json = match fs::read(path) {
        Ok(json) => json,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(format!("the runner wrote none and exited with {status}"));
        }
        Err(error) => return Err(error.to_string()),
    };
    let json: Value =
        serde_json::from_slice(&json).map_err(|error| format!("not JSON: {error}"))?;
    Summary::from_results(&json)
}

/// The runner's flags: the shim, its config, the results file and the
/// worker count, then the user's own flags last, so that they win.
fn runner_args(shim: &Path, config: &Path, results: &Path, extra: &[String]) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "-shim-path".into(),
        shim.into(),
        "-shim-config".into(),
        config.into(),
        "-allow-unimplemented".into(),
        "-json-output".into(),
        results.into(),
    ];
    if !extra
        .iter()
        .any(|arg| go_flag_name(arg) == Some("num-workers"))
    {
        args.extend(["-num-workers".into(), DEFAULT_WORKERS.into()]);
    }
    args.extend(extra.iter().map(OsString::from));
    args
}

/// Runs the command with stdout and stderr in `log`, headed by the command
/// itself, and returns how it exited, whatever that was.
fn run_logged(mut command: Command, log: &Path) -> Result<ExitStatus, Error> {
    let io_error = |source| Error::Io {
        path: log.to_path_buf(),
        source,
    };
    let mut file = fs::File::create(log).map_err(io_error)?;
    io::Write::write_all(&mut file, format!("# {command:?}\n").as_bytes()).map_err(io_error)?;
    let stderr = file.try_clone().map_err(io_error)?;
    command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(stderr)
        .status()
        .map_err(|source| Error::Spawn {
            command: format!("{command:?}"),
            source,
        })
}

/// The last non-empty line of the log, where the runner says why it wrote
/// no results (`No tests run`, a bad flag).
fn last_line(log: &Path) -> Option<String> {
    let text = fs::read_to_string(log).ok()?;
    let line = text.lines().rev().find(|line| !line.trim().is_empty())?;
    Some(line.trim().chars().take(200).collect())
}

/// Where cargo puts build output for this workspace, as `cargo metadata`
/// resolves it (`CARGO_TARGET_DIR` and `build.target-dir` included).
fn target_directory(metadata: &Value) -> Result<PathBuf, Error> {
    metadata
        .get("target_directory")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| Error::Metadata {
            problem: "no target_directory".to_owned(),
        })
}

/// Test counts of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    /// Tests the shim declined with exit status 89; the runner reports
    /// them as `SKIP`.
    pub(crate) unimplemented: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} unimplemented",
            self.passed, self.failed, self.unimplemented
        )
    }
}

/// What a run's JSON results say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Every test.
    pub(crate) all: Counts,
    /// The tests whose names contain `TLS12`, the version keel speaks.
    pub(crate) tls12: Counts,
    /// The names of the failed tests, sorted.
    pub(crate) failed: Vec<String>,
    /// Whether the runner says it stopped before the end.
    pub(crate) interrupted: bool,
}

impl Summary {
    /// Reads the runner's results: Chromium's JSON test results, version 3.
    /// `tests` is a tree whose leaves are the objects with an `actual`
    /// key; a test's name is the keys down to its leaf, joined by
    /// `path_delimiter`. `actual` is `PASS` or `SKIP` (unimplemented);
    /// anything else, `FAIL` or a result this reader does not know, counts
    /// as a failure, so that a surprise cannot pass.
    pub(crate) fn from_results(json: &Value) -> Result<Self, String> {
        let version = json.get("version").and_then(Value::as_u64);
        if version != Some(3) {
            return Err(format!(
                "expected version 3 of the JSON test results format, found {}",
                json.get("version").unwrap_or(&Value::Null)
            ));
        }
        let field = |key: &str| json.get(key).ok_or_else(|| format!("no `{key}`"));
        let interrupted = field("interrupted")?
            .as_bool()
            .ok_or("`interrupted` is not true or false")?;
        let delimiter = field("path_delimiter")?
            .as_str()
            .ok_or("`path_delimiter` is not a string")?;
        let tests = field("tests")?
            .as_object()
            .ok_or("`tests` is not an object")?;
        let mut summary = Self {
            interrupted,
            ..Self::default()
        };
        summary.walk(tests, "", delimiter)?;
        summary.failed.sort();
        Ok(summary)
    }

    fn walk(
        &mut self,
        tree: &Map<String, Value>,
        prefix: &str,
        delimiter: &str,
    ) -> Result<(), String> {
        for (key, value) in tree {
            let name = format!("{prefix}{key}");
            let node = value
                .as_object()
                .ok_or_else(|| format!("`{name}` is neither a test nor a group of tests"))?;
            let Some(actual) = node.get("actual") else {
                self.walk(node, &format!("{name}{delimiter}"), delimiter)?;
                continue;
            };
            let actual = actual
                .as_str()
                .ok_or_else(|| format!("`{name}` has an `actual` that is not a string"))?;
            let tls12 = name.contains("TLS12");
            for counts in [Some(&mut self.all), tls12.then_some(&mut self.tls12)]
                .into_iter()
                .flatten()
            {
                match actual {
                    "PASS" => counts.passed += 1,
                    "SKIP" => counts.unimplemented += 1,
                    _ => counts.failed += 1,
                }
            }
            if !matches!(actual, "PASS" | "SKIP") {
                self.failed.push(name);
            }
        }
        Ok(())
    }

    /// Success exactly when nothing failed and the run was complete.
    pub(crate) fn verdict(&self) -> Result<(), Error> {
        if self.all.failed == 0 && !self.interrupted {
            Ok(())
        } else {
            Err(Error::BogoFailed {
                failed: self.all.failed,
                interrupted: self.interrupted,
            })
        }
    }
}

/// The summary line, then the failed tests one per line.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "bogo: {} (TLS12: {})", self.all, self.tls12)?;
        for name in &self.failed {
            writeln!(f, "{name}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, Error> {
        Options::parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn options_parse() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        let runner = parse(&["--runner", "/x/runner.test"]).unwrap();
        assert_eq!(runner.runner, Some(PathBuf::from("/x/runner.test")));
        assert!(runner.runner_args.is_empty());
        let flags = parse(&["--", "-test", "A*"]).unwrap();
        assert_eq!(flags.runner, None);
        assert_eq!(flags.runner_args, ["-test", "A*"]);
        let both = parse(&["--runner", "r", "--", "-test", "A*", "--", "x"]).unwrap();
        assert_eq!(both.runner, Some(PathBuf::from("r")));
        assert_eq!(both.runner_args, ["-test", "A*", "--", "x"]);
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for args in [
            &["--runner"][..],
            &["--runner", "--", "-test", "A*"],
            &["-test", "A*"],
            &["--", "-json-output", "x.json"],
            &["--", "--json-output=x.json"],
        ] {
            assert!(
                matches!(parse(args), Err(Error::Usage { .. })),
                "{args:?} was accepted"
            );
        }
        assert!(
            parse(&["--runner"])
                .unwrap_err()
                .to_string()
                .contains("--runner")
        );
    }

    #[test]
    fn go_flags_are_recognised_in_every_spelling() {
        for arg in [
            "-num-workers",
            "--num-workers",
            "-num-workers=4",
            "--num-workers=4",
        ] {
            assert_eq!(go_flag_name(arg), Some("num-workers"), "{arg}");
        }
        for arg in ["num-workers", "-", "--", "---x", "A*"] {
            assert_ne!(go_flag_name(arg), Some("num-workers"), "{arg}");
        }
    }

    #[test]
    fn our_worker_count_gives_way_to_the_users() {
        let args = |extra: &[&str]| {
            let extra: Vec<String> = extra.iter().map(|a| (*a).to_owned()).collect();
            runner_args(
                Path::new("shim"),
                Path::new("c.json"),
                Path::new("r.json"),
                &extra,
            )
        };
        let ours = args(&["-test", "Basic-*"]);
        let workers = ours.iter().position(|a| a == "-num-workers").unwrap();
        assert_eq!(ours[workers + 1], "2");
        assert_eq!(ours[ours.len() - 2..], ["-test", "Basic-*"]);
        let theirs = args(&["-num-workers=1"]);
        assert_eq!(
            theirs
                .iter()
                .filter(|a| a.to_string_lossy().contains("num-workers"))
                .count(),
            1
        );
        assert_eq!(theirs.last().unwrap(), "-num-workers=1");
    }

    #[test]
    fn without_a_runner_the_status_is_3_and_the_way_to_build_one_is_shown() {
        let none = locate_runner(None, None).unwrap_err();
        assert!(matches!(none, Error::NoBogoRunner { missing: None }));
        assert_eq!(none.exit_status(), 3);
        let empty_env = locate_runner(None, Some(OsString::new())).unwrap_err();
        assert!(matches!(empty_env, Error::NoBogoRunner { missing: None }));
        let gone = Path::new("/no/such/dir/runner.test");
        let missing = locate_runner(Some(gone), None).unwrap_err();
        assert_eq!(missing.exit_status(), 3);
        assert!(missing.to_string().contains("/no/such/dir/runner.test"));
        let from_env = locate_runner(None, Some(gone.into())).unwrap_err();
        assert!(from_env.to_string().contains("/no/such/dir/runner.test"));
        let text = none.to_string();
        for needed in [
            RUNNER_COMMIT,
            "go test -c -o runner.test",
            "--runner",
            RUNNER_ENV,
            "docs/INTEROP.md",
        ] {
            assert!(text.contains(needed), "the message misses {needed}: {text}");
        }
    }

    #[test]
    fn an_existing_runner_is_found_and_made_absolute() {
        // Any existing file will do: the xtask's own manifest.
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let found = locate_runner(None, Some(manifest.clone().into())).unwrap();
        assert!(found.is_absolute());
        assert_eq!(found, fs::canonicalize(&manifest).unwrap());
        // `--runner` wins over the environment.
        let gone = OsString::from("/no/such/runner.test");
        assert_eq!(locate_runner(Some(&manifest), Some(gone)).unwrap(), found);
        // A directory is not a runner.
        assert!(locate_runner(Some(Path::new(env!("CARGO_MANIFEST_DIR"))), None).is_err());
    }

    fn results(tests: Value, interrupted: bool) -> Value {
        json!({
            "version": 3,
            "interrupted": interrupted,
            "path_delimiter": ".",
            "seconds_since_epoch": 1.5,
            "num_failures_by_type": {},
            "tests": tests,
        })
    }

    fn leaf(actual: &str) -> Value {
        json!({"actual": actual, "expected": "PASS", "is_unexpected": actual != "PASS"})
    }

    #[test]
    fn results_are_counted_overall_and_for_tls12() {
        let json = results(
            json!({
                "Basic-Client-TLS12-Sync": leaf("PASS"),
                "Basic-Server-TLS12-Async": leaf("FAIL"),
                "ALPNServer-TLS12": leaf("SKIP"),
                "Renegotiate-Client-Forbidden-1": leaf("FAIL"),
                "Resume": {
                    "TLS12": {"Stateful": leaf("PASS")},
                    "Client": leaf("SKIP"),
                    "Crash": leaf("CRASH"),
                },
            }),
            false,
        );
        let summary = Summary::from_results(&json).unwrap();
        assert_eq!(
            summary.all,
            Counts {
                passed: 2,
                failed: 3,
                unimplemented: 2
            }
        );
        assert_eq!(
            summary.tls12,
            Counts {
                passed: 2,
                failed: 1,
                unimplemented: 1
            }
        );
        assert_eq!(
            summary.failed,
            [
                "Basic-Server-TLS12-Async",
                "Renegotiate-Client-Forbidden-1",
                "Resume.Crash"
            ]
        );
        assert_eq!(
            summary.to_string(),
            "bogo: 2 passed, 3 failed, 2 unimplemented (TLS12: 2 passed, 1 failed, 1 unimplemented)\n\
             Basic-Server-TLS12-Async\n\
             Renegotiate-Client-Forbidden-1\n\
             Resume.Crash\n"
        );
        let error = summary.verdict().unwrap_err();
        assert!(error.is_already_reported());
        assert_eq!(error.exit_status(), 1);
    }

    #[test]
    fn a_clean_run_passes_and_an_interrupted_one_does_not() {
        let tests = json!({"Basic-Client-TLS12-Sync": leaf("PASS"), "X": leaf("SKIP")});
        let clean = Summary::from_results(&results(tests.clone(), false)).unwrap();
        assert_eq!(
            clean.to_string(),
            "bogo: 1 passed, 0 failed, 1 unimplemented (TLS12: 1 passed, 0 failed, 0 unimplemented)\n"
        );
        assert!(clean.verdict().is_ok());
        let cut_short = Summary::from_results(&results(tests, true)).unwrap();
        assert!(cut_short.interrupted);
        let error = cut_short.verdict().unwrap_err();
        assert!(
            !error.is_already_reported(),
            "the summary line does not say it"
        );
        assert!(error.to_string().contains("interrupted"));
        assert_eq!(error.exit_status(), 1);
    }

    #[test]
    fn malformed_results_are_refused() {
        let mut wrong_version = results(json!({}), false);
        wrong_version["version"] = json!(4);
        assert!(Summary::from_results(&wrong_version).is_err());
        assert!(Summary::from_results(&json!([])).is_err());
        let mut no_tests = results(json!({}), false);
        no_tests.as_object_mut().unwrap().remove("tests");
        assert!(Summary::from_results(&no_tests).is_err());
        let not_a_test = results(json!({"A": 1}), false);
        assert!(
            Summary::from_results(&not_a_test)
                .unwrap_err()
                .contains("`A`")
        );
        let bad_actual = results(json!({"G": {"B": {"actual": 3}}}), false);
        assert!(
            Summary::from_results(&bad_actual)
                .unwrap_err()
                .contains("`G.B`")
        );
    }

    #[test]
    fn missing_results_say_how_the_runner_exited() {
        use std::os::unix::process::ExitStatusExt;

        let problem = read_results(
            Path::new("/no/such/dir/results.json"),
            ExitStatus::from_raw(1 << 8),
        )
        .unwrap_err();
        assert_eq!(
            problem,
            "the runner wrote none and exited with exit status: 1"
        );
        // Not a JSON document: the xtask's own manifest.
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let problem = read_results(&manifest, ExitStatus::from_raw(0)).unwrap_err();
        assert!(problem.starts_with("not JSON"), "{problem}");
    }

    #[test]
    fn the_target_directory_comes_from_cargo_metadata() {
        let metadata = json!({"target_directory": "/t", "packages": []});
        assert_eq!(target_directory(&metadata).unwrap(), PathBuf::from("/t"));
        assert!(target_directory(&json!({})).is_err());
    }
}
