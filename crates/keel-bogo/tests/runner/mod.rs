//! The runner's side of the BoGo shim protocol, small: a listening socket,
//! the shim started with `-port` and `-shim-id`, each connection's 8-byte
//! id checked, and the runner's exchange (32 bytes of 0x42 out, the same
//! bytes XOR 0xff back, then close_notify). The TLS peer on the runner's
//! side is keel itself or a real `openssl` spliced onto the socket.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use keel::pki::{CertifiedKey, TrustStore};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// How long any one step may take before the test fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(30);

/// The runner's credentials, as BoringSSL's runner makes them: a root and
/// one leaf (ECDSA P-256 here) for the name "test", used by whichever side
/// the runner plays.
pub(crate) struct Pki {
    pub(crate) root_pem: String,
    pub(crate) leaf_pem: String,
    pub(crate) key_pem: String,
}

pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut root = CertificateParams::default();
        root.distinguished_name
            .push(DnType::CommonName, "Test Root");
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let root_key = KeyPair::generate().unwrap();
        let root_cert = root.self_signed(&root_key).unwrap();
        let issuer = Issuer::from_params(&root, &root_key);
        let mut leaf = CertificateParams::new(vec!["test".to_owned()]).unwrap();
        leaf.distinguished_name.push(DnType::CommonName, "test");
        leaf.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        Pki {
            root_pem: root_cert.pem(),
            leaf_pem: leaf_cert.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    })
}

impl Pki {
    pub(crate) fn certified_key(&self) -> CertifiedKey {
        CertifiedKey::from_pem(
            format!("{}{}", self.leaf_pem, self.root_pem).as_bytes(),
            self.key_pem.as_bytes(),
        )
        .unwrap()
    }

    pub(crate) fn roots(&self) -> TrustStore {
        TrustStore::from_pem(self.root_pem.as_bytes()).unwrap()
    }
}

/// A directory of the test's own, removed afterwards, holding the
/// credential files the shim is pointed at.
pub(crate) struct Files {
    dir: PathBuf,
}

impl Files {
    pub(crate) fn new(test: &str) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "keel-bogo-{test}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = pki();
        std::fs::write(dir.join("root.pem"), &pki.root_pem).unwrap();
        std::fs::write(dir.join("cert.pem"), &pki.leaf_pem).unwrap();
        std::fs::write(dir.join("key.pem"), &pki.key_pem).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// `-cert-file C -key-file K`.
    pub(crate) fn credential(&self) -> Vec<String> {
        vec![
            "-cert-file".into(),
            self.path("cert.pem"),
            "-key-file".into(),
            self.path("key.pem"),
        ]
    }

    /// `-trust-cert R`.
    pub(crate) fn trust(&self) -> Vec<String> {
        vec!["-trust-cert".into(), self.path("root.pem")]
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The runner: one listening socket, shims started against it.
pub(crate) struct Runner {
    listener: TcpListener,
    next_id: u64,
}

/// A running shim; killed if the test ends first.
pub(crate) struct Shim {
    child: Child,
    pub(crate) id: u64,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// How a shim ended.
#[derive(Debug)]
pub(crate) struct Exit {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Runner {
    pub(crate) fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Self {
            listener,
            next_id: 1000,
        }
    }

    /// Starts the shim as the runner does: `-port`, `-shim-id`, then the
    /// test's flags.
    pub(crate) fn start(&mut self, files: &Files, flags: &[String]) -> Shim {
        let id = self.next_id;
        self.next_id += 1;
        let port = self.listener.local_addr().unwrap().port();
        let stdout = files.dir().join(format!("shim-{id}.out"));
        let stderr = files.dir().join(format!("shim-{id}.err"));
        let child = Command::new(env!("CARGO_BIN_EXE_keel-bogo"))
            .args(["-port", &port.to_string(), "-shim-id", &id.to_string()])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Shim {
            child,
            id,
            stdout,
            stderr,
        }
    }

    /// Accepts the shim's next connection and checks its id prefix.
    pub(crate) fn accept(&self, shim: &mut Shim) -> TcpStream {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.listener.accept() {
                Ok((mut sock, _)) => {
                    sock.set_nonblocking(false).unwrap();
                    sock.set_read_timeout(Some(PATIENCE)).unwrap();
                    let mut id = [0u8; 8];
                    sock.read_exact(&mut id).unwrap();
                    assert_eq!(u64::from_le_bytes(id), shim.id, "the shim id prefix");
                    return sock;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if let Ok(Some(_)) = shim.child.try_wait() {
                        panic!("the shim exited without connecting: {:?}", shim.wait());
                    }
                    assert!(Instant::now() < deadline, "the shim never connected");
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
}

impl Shim {
    /// Waits for the shim to exit (killing it after [`PATIENCE`]).
    pub(crate) fn wait(&mut self) -> Exit {
        let deadline = Instant::now() + PATIENCE;
        let code = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(5));
        };
        Exit {
            code,
            stdout: std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap_or_default(),
        }
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The runner's exchange on an established connection: its message of 32
/// bytes of 0x42, `hello` first if the shim writes first, the echo of the
/// message XOR 0xff, then close_notify (`close`) and the end of the
/// socket.
pub(crate) fn exchange<S: Read + Write>(tls: &mut S, shim_writes_first: bool) {
    let message = [0x42u8; 32];
    tls.write_all(&message).unwrap();
    tls.flush().unwrap();
    if shim_writes_first {
        let mut hello = [0u8; 5];
        tls.read_exact(&mut hello).unwrap();
        assert_eq!(&hello, b"hello");
    }
    let mut echo = [0u8; 32];
    tls.read_exact(&mut echo).unwrap();
    assert_eq!(echo, [0x42 ^ 0xff; 32], "the echo, XOR 0xff");
}

/// Copies bytes both ways between two sockets until either side ends:
/// how a real `openssl` process becomes the runner's TLS peer.
pub(crate) fn splice(a: TcpStream, b: TcpStream) -> thread::JoinHandle<()> {
    let (a2, b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let one = thread::spawn(move || pipe(a, b));
    thread::spawn(move || {
        pipe(b2, a2);
        let _ = one.join();
    })
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// A child process killed when dropped (an `openssl` peer).
pub(crate) struct Peer(pub Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `openssl s_server` on an ephemeral loopback port: its stdin is what it
/// sends, its stdout (collected raw) what it received.
pub(crate) struct OpensslServer {
    _peer: Peer,
    pub(crate) port: u16,
    stdin: std::process::ChildStdin,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl OpensslServer {
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-naccept", "1"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl is installed (.ci/run installs it)");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&out);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let mut server = Self {
            _peer: Peer(child),
            port: 0,
            stdin,
            out,
        };
        let line = server.wait_for(|out| {
            let text = String::from_utf8_lossy(out);
            let start = text.find("ACCEPT 127.0.0.1:")?;
            let rest = &text[start + "ACCEPT 127.0.0.1:".len()..];
            let end = rest.find('\n')?;
            rest[..end].trim().parse::<u16>().ok()
        });
        server.port = line;
        server
    }

    /// Waits until `find` finds something in what the server printed.
    pub(crate) fn wait_for<T>(&self, find: impl Fn(&[u8]) -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(found) = find(&self.out.lock().unwrap()) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "openssl s_server: {}",
                String::from_utf8_lossy(&self.out.lock().unwrap())
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `data` to the client.
    pub(crate) fn send(&mut self, data: &[u8]) {
        self.stdin.write_all(data).unwrap();
        self.stdin.flush().unwrap();
    }
}
