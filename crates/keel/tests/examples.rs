//! The crate's examples, run as a user would run them: the tokio echo
//! server answering the tokio client, and the hyper server answering curl
//! and the hyper client, each on 127.0.0.1 with a port the server picks,
//! against certificates made for the test. Every server is killed when
//! its test ends, also on failure.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A directory of its own per test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("keel-examples-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes ca.pem, chain.pem and key.pem (a root and a localhost leaf).
fn certificates(dir: &Path) {
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    ca.distinguished_name
        .push(DnType::CommonName, "keel examples root");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("chain.pem"), leaf_cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).unwrap();
}

/// An example's binary. Cargo builds the examples with the tests (they
/// need keel's `tokio` feature, which a workspace build enables).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/examples-<hash> -> target/<profile>/examples/
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.is_file(),
        "{} is not built: run the tests for the workspace, or \
         `cargo build -p keel --features tokio --examples` first",
        path.display()
    );
    path
}

/// A running example server, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(name: &str, dir: &Path) -> Self {
        let mut child = Command::new(example(name))
            .arg(dir.join("chain.pem"))
            .arg(dir.join("key.pem"))
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("{name} did not say where it listens"));
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{name} printed {line:?}"))
            .to_owned();
        Self { child, addr }
    }

    fn port(&self) -> &str {
        self.addr.rsplit(':').next().unwrap()
    }
}

/// Runs a client to completion, within a bound.
fn run(mut command: Command) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("the client did not finish in 20 s");
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_tokio_client_gets_its_line_back_from_the_tokio_server() {
    let dir = TempDir::new("tokio");
    certificates(&dir.0);
    let server = Server::start("tokio_server", &dir.0);
    let mut client = Command::new(example("tokio_client"));
    client
        .arg(dir.0.join("ca.pem"))
        .arg(&server.addr)
        .args(["localhost", "hello from the example test"]);
    let output = run(client);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        "hello from the example test"
    );
    assert!(
        // TLS 1.3 by default: its suites name no key exchange.
        text(&output).contains("negotiated TLS_AES_128_GCM_SHA256"),
        "{}",
        text(&output)
    );
}

#[test]
fn curl_gets_a_page_from_the_hyper_server() {
    let dir = TempDir::new("hyper-curl");
    certificates(&dir.0);
    let server = Server::start("hyper_server", &dir.0);
    let mut curl = Command::new("curl");
    curl.args(["--silent", "--show-error", "--fail", "--cacert"])
        .arg(dir.0.join("ca.pem"))
        .arg(format!("https://localhost:{}/from-curl", server.port()))
        .args(["--resolve"])
        .arg(format!("localhost:{}:127.0.0.1", server.port()));
    let output = run(curl);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hello from hyper over keel: /from-curl\n"
    );
}

#[test]
fn the_hyper_client_gets_a_page_from_the_hyper_server() {
    let dir = TempDir::new("hyper-client");
    certificates(&dir.0);
    let server = Server::start("hyper_server", &dir.0);
    let mut client = Command::new(example("hyper_client"));
    client
        .arg(dir.0.join("ca.pem"))
        .arg(format!("https://localhost:{}/from-hyper", server.port()));
    let output = run(client);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "hello from hyper over keel: /from-hyper\n"
    );
    assert!(text(&output).contains("status 200 OK"), "{}", text(&output));
}
