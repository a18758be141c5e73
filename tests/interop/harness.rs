//! What every interop test needs: certificates, a temp dir, child processes
//! that cannot outlive the test, and keel endpoints over loopback TCP.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keel::pki::{CertificateDer, CertifiedKey, TrustStore};
use keel::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use keel::{
    ClientConfig, ClientConnection, HandshakeError, ServerConfig, ServerConnection, SessionInfo,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, SignatureAlgorithm,
};

/// How long one test may take at most, peers included. Every wait below is
/// bounded by a deadline derived from this.
pub(crate) const TEST_BUDGET: Duration = Duration::from_secs(10);

/// The timeout on every socket read and write.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The ALPN protocol offered and accepted in the success cases.
pub(crate) const ALPN: &str = "keel-interop";

/// The name every server certificate is issued for (with 127.0.0.1).
pub(crate) const HOST: &str = "localhost";

/// A test's deadline.
pub(crate) fn deadline() -> Instant {
    Instant::now() + TEST_BUDGET
}

fn remaining(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1))
}

// --- Certificates -----------------------------------------------------------

/// The kind of key a certificate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    /// ECDSA on P-256.
    Ecdsa,
    /// RSA, 2048 bits.
    Rsa,
}

/// One certificate and its key, as PEM (the key in PKCS#8).
pub(crate) struct Identity {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) cert_der: CertificateDer<'static>,
}

impl Identity {
    /// The identity as keel loads it.
    pub(crate) fn certified_key(&self) -> CertifiedKey {
        CertifiedKey::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes()).unwrap()
    }

    /// Writes `<name>.crt` and `<name>.key`; returns their paths.
    pub(crate) fn write(&self, dir: &TempDir, name: &str) -> (PathBuf, PathBuf) {
        (
            dir.write(&format!("{name}.crt"), &self.cert_pem),
            dir.write(&format!("{name}.key"), &self.key_pem),
        )
    }
}

/// Every certificate the tests use, made once per process: two server roots
/// (ECDSA and RSA, each issuing a `localhost` leaf of its own key type), a
/// client CA with one client, and a root nobody trusts, issuing a server
/// and a client certificate.
pub(crate) struct Pki {
    /// The ECDSA root and the RSA root, the roots a client trusts.
    pub(crate) server_roots_pem: String,
    pub(crate) ecdsa_server: Identity,
    pub(crate) rsa_server: Identity,
    pub(crate) client_ca_pem: String,
    pub(crate) client: Identity,
    pub(crate) untrusted_root_pem: String,
    pub(crate) untrusted_server: Identity,
    pub(crate) untrusted_client: Identity,
}

impl Pki {
    /// The server certificate of this key type.
    pub(crate) fn server(&self, key: KeyType) -> &Identity {
        match key {
            KeyType::Ecdsa => &self.ecdsa_server,
            KeyType::Rsa => &self.rsa_server,
        }
    }

    /// The roots a client trusts, as keel loads them.
    pub(crate) fn server_roots(&self) -> TrustStore {
        TrustStore::from_pem(self.server_roots_pem.as_bytes()).unwrap()
    }

    /// The roots a server trusts for client certificates.
    pub(crate) fn client_roots(&self) -> TrustStore {
        TrustStore::from_pem(self.client_ca_pem.as_bytes()).unwrap()
    }
}

/// The process-wide PKI (RSA key generation is slow enough to do once).
pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(make_pki)
}

fn make_pki() -> Pki {
    let ecdsa_root = root("keel interop ECDSA root", &rcgen::PKCS_ECDSA_P256_SHA256);
    let rsa_root = root("keel interop RSA root", &rcgen::PKCS_RSA_SHA256);
    let client_ca = root("keel interop client CA", &rcgen::PKCS_ECDSA_P256_SHA256);
    let untrusted = root(
        "keel interop untrusted root",
        &rcgen::PKCS_ECDSA_P256_SHA256,
    );
    let server = |issuer, alg| leaf(issuer, alg, "keel interop server", true);
    let client = |issuer| {
        leaf(
            issuer,
            &rcgen::PKCS_ECDSA_P256_SHA256,
            "keel interop client",
            false,
        )
    };
    Pki {
        server_roots_pem: format!("{}{}", ecdsa_root.pem(), rsa_root.pem()),
        ecdsa_server: server(&ecdsa_root, &rcgen::PKCS_ECDSA_P256_SHA256),
        rsa_server: server(&rsa_root, &rcgen::PKCS_RSA_SHA256),
        client_ca_pem: client_ca.pem(),
        client: client(&client_ca),
        untrusted_root_pem: untrusted.pem(),
        untrusted_server: server(&untrusted, &rcgen::PKCS_ECDSA_P256_SHA256),
        untrusted_client: client(&untrusted),
    }
}

fn validity(params: &mut CertificateParams) {
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2045, 1, 1);
}

fn root(name: &str, alg: &'static SignatureAlgorithm) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    validity(&mut params);
    let key = KeyPair::generate_for(alg).unwrap();
    CertifiedIssuer::self_signed(params, key).unwrap()
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    alg: &'static SignatureAlgorithm,
    name: &str,
    server: bool,
) -> Identity {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    if server {
        params.subject_alt_names = vec![
            SanType::DnsName(HOST.try_into().unwrap()),
            SanType::IpAddress(Ipv4Addr::LOCALHOST.into()),
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    } else {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    validity(&mut params);
    let key = KeyPair::generate_for(alg).unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    Identity {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().clone(),
    }
}

// --- Suites -----------------------------------------------------------------

/// One of keel's six suites with the names the peers use for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Suite {
    pub(crate) keel: CipherSuite,
    pub(crate) openssl: &'static str,
    /// The GnuTLS priority items selecting key exchange and cipher.
    pub(crate) gnutls: &'static str,
    pub(crate) key: KeyType,
}

pub(crate) const ECDHE_ECDSA_AES128_GCM: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
    gnutls: "+ECDHE-ECDSA:+AES-128-GCM",
    key: KeyType::Ecdsa,
};
pub(crate) const ECDHE_ECDSA_AES256_GCM: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
    gnutls: "+ECDHE-ECDSA:+AES-256-GCM",
    key: KeyType::Ecdsa,
};
pub(crate) const ECDHE_ECDSA_CHACHA20: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
    gnutls: "+ECDHE-ECDSA:+CHACHA20-POLY1305",
    key: KeyType::Ecdsa,
};
pub(crate) const ECDHE_RSA_AES128_GCM: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    openssl: "ECDHE-RSA-AES128-GCM-SHA256",
    gnutls: "+ECDHE-RSA:+AES-128-GCM",
    key: KeyType::Rsa,
};
pub(crate) const ECDHE_RSA_AES256_GCM: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    openssl: "ECDHE-RSA-AES256-GCM-SHA384",
    gnutls: "+ECDHE-RSA:+AES-256-GCM",
    key: KeyType::Rsa,
};
pub(crate) const ECDHE_RSA_CHACHA20: Suite = Suite {
    keel: CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    openssl: "ECDHE-RSA-CHACHA20-POLY1305",
    gnutls: "+ECDHE-RSA:+CHACHA20-POLY1305",
    key: KeyType::Rsa,
};

/// A group a test forces, with the name OpenSSL uses for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    pub(crate) keel: NamedGroup,
    pub(crate) openssl: &'static str,
}

pub(crate) const X25519: Group = Group {
    keel: NamedGroup::X25519,
    openssl: "X25519",
};
pub(crate) const P256: Group = Group {
    keel: NamedGroup::SECP256R1,
    openssl: "P-256",
};
pub(crate) const P384: Group = Group {
    keel: NamedGroup::SECP384R1,
    openssl: "P-384",
};

// --- Temp dirs --------------------------------------------------------------

/// A directory of this test's own, removed when dropped.
pub(crate) struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub(crate) fn new(test: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let test: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = std::env::temp_dir().join(format!(
            "keel-interop-{test}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).unwrap();
        Self { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a file into the directory; returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// --- Child processes --------------------------------------------------------

/// A peer process with piped stdio. Dropping it kills and reaps the process
/// (and, for a process group leader, the whole group), so no peer outlives a
/// failed test.
pub(crate) struct Peer {
    name: String,
    child: Child,
    group_leader: bool,
    /// Set once the process is reaped: from then on its pid (and group id)
    /// may belong to someone else.
    status: Option<ExitStatus>,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<thread::JoinHandle<()>>,
}

/// What a peer printed, and how it ended.
pub(crate) struct PeerOutput {
    pub(crate) name: String,
    /// `None`: still running at the deadline, and killed.
    pub(crate) status: Option<ExitStatus>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Peer {
    /// Starts `command` with stdin, stdout and stderr piped.
    pub(crate) fn spawn(name: &str, command: Command) -> Self {
        Self::start(name, command, false)
    }

    /// Starts `command` as the leader of a new process group, so that
    /// dropping the peer also kills everything it started.
    pub(crate) fn spawn_group_leader(name: &str, mut command: Command) -> Self {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        Self::start(name, command, true)
    }

    fn start(name: &str, mut command: Command, group_leader: bool) -> Self {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            let buffer = Arc::clone(&stdout);
            readers.push(thread::spawn(move || collect(out, &buffer, Some(&tx))));
        }
        if let Some(err) = child.stderr.take() {
            let buffer = Arc::clone(&stderr);
            readers.push(thread::spawn(move || collect(err, &buffer, None)));
        }
        Self {
            name: name.to_owned(),
            stdin: child.stdin.take(),
            child,
            group_leader,
            status: None,
            lines,
            stdout,
            stderr,
            readers,
        }
    }

    /// Waits for a stdout line that satisfies `accept` and returns it.
    /// Panics, with everything the peer printed, if it exits first or the
    /// deadline passes.
    pub(crate) fn wait_for_line(
        &mut self,
        what: &str,
        accept: impl Fn(&str) -> bool,
        deadline: Instant,
    ) -> String {
        loop {
            match self.lines.recv_timeout(remaining(deadline)) {
                Ok(line) if accept(&line) => return line,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}\n{}", self.snapshot())
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = self.finish(deadline);
                    panic!("exited before {what}\n{}", self.snapshot())
                }
            }
        }
    }

    /// Writes to the peer's stdin.
    pub(crate) fn send(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(data).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the peer's stdin: the end of its input, which `s_client`
    /// and `s_server` take as the signal to close the connection.
    pub(crate) fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Whether the process has ended (without reaping it twice).
    pub(crate) fn has_exited(&mut self) -> bool {
        self.reap();
        self.status.is_some()
    }

    fn reap(&mut self) {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
    }

    /// Waits for the peer to exit until `deadline`, kills it if it has not,
    /// and returns its output.
    pub(crate) fn finish(&mut self, deadline: Instant) -> PeerOutput {
        loop {
            self.reap();
            if self.status.is_some() || Instant::now() >= deadline {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let status = self.status;
        self.stop();
        // The pipes close when the process ends; give the readers a moment
        // to take the last bytes.
        let until = Instant::now() + Duration::from_secs(1);
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < until {
            thread::sleep(Duration::from_millis(2));
        }
        PeerOutput {
            name: self.name.clone(),
            status,
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        }
    }

    /// Kills the peer now and returns its output (servers that never exit
    /// on their own).
    pub(crate) fn kill(&mut self) -> PeerOutput {
        self.finish(Instant::now())
    }

    /// What the peer printed so far.
    pub(crate) fn snapshot(&self) -> String {
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name,
            self.stdout.lock().unwrap(),
            self.name,
            self.stderr.lock().unwrap()
        )
    }

    fn stop(&mut self) {
        self.stdin = None;
        if self.group_leader && self.status.is_none() {
            // The test binary re-executed in a namespace is the leader of its
            // own group: kill the peers it started with it. Only while the
            // leader is not reaped, so that the group id is still ours.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn collect(pipe: impl Read, buffer: &Mutex<String>, lines: Option<&mpsc::Sender<String>>) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                buffer.lock().unwrap().push_str(&text);
                if let Some(lines) = lines {
                    let _ = lines.send(text.trim_end().to_owned());
                }
            }
        }
    }
}

impl PeerOutput {
    /// Everything the peer printed, stdout then stderr.
    pub(crate) fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Asserts that the peer printed `needle` (on stdout or stderr).
    pub(crate) fn assert_printed(&self, needle: &str) {
        assert!(
            self.text().contains(needle),
            "{} did not print {needle:?}\n{self}",
            self.name
        );
    }

    /// Asserts that the peer exited successfully.
    pub(crate) fn assert_success(&self) {
        assert!(
            self.status.is_some_and(|s| s.success()),
            "{} did not exit successfully\n{self}",
            self.name
        );
    }
}

impl fmt::Display for PeerOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Some(status) => status.to_string(),
            None => "killed at the deadline".to_owned(),
        };
        write!(
            f,
            "--- {} ({status}) stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name, self.stdout, self.name, self.stderr
        )
    }
}

// --- keel endpoints ---------------------------------------------------------

/// A keel client stream over TCP.
pub(crate) type ClientStream = keel::Stream<ClientConnection, TcpStream>;

fn set_timeouts(tcp: &TcpStream) {
    tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    tcp.set_nodelay(true).unwrap();
}

/// Half-closes and drains the socket until the peer closes (bounded), so
/// that a fatal alert just sent is read by the peer rather than lost to a
/// reset caused by unread bytes.
fn linger(tcp: &TcpStream) {
    let _ = tcp.shutdown(Shutdown::Write);
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
    let until = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 4096];
    while Instant::now() < until {
        match (&*tcp).read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// A keel client configuration trusting the test roots and offering ALPN.
pub(crate) fn client_config() -> keel::ClientConfigBuilder {
    ClientConfig::builder()
        .with_root_certificates(pki().server_roots())
        .with_alpn([ALPN])
}

/// Connects a keel client to `addr` and runs the handshake. On failure the
/// alert keel sent has been flushed, and the socket is drained before the
/// error is returned.
pub(crate) fn keel_connect(
    config: ClientConfig,
    addr: SocketAddr,
    server_name: &str,
) -> io::Result<ClientStream> {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    set_timeouts(&tcp);
    let connection = ClientConnection::new(config, server_name).map_err(io::Error::other)?;
    let mut stream = keel::Stream::new(connection, tcp);
    match stream.handshake() {
        Ok(()) => Ok(stream),
        Err(err) => {
            linger(stream.transport());
            Err(err)
        }
    }
}

/// Sends close_notify and waits for the peer to close.
pub(crate) fn keel_close<C>(mut stream: keel::Stream<C, TcpStream>)
where
    C: std::ops::DerefMut<Target = keel::Connection>,
{
    stream.close().unwrap();
    linger(stream.transport());
}

/// Reads from a keel stream until a newline (or the peer's close).
pub(crate) fn read_line(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    while !line.contains(&b'\n') {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        line.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    Ok(line)
}

/// What the keel server thread saw.
pub(crate) struct ServerOutcome {
    pub(crate) session: SessionInfo,
    /// The line the client sent (and that was echoed back with a prefix).
    pub(crate) received: Vec<u8>,
    /// [`EXPORT_LEN`] bytes of RFC 5705 keying material for
    /// [`EXPORT_LABEL`], no context, exported once the handshake is done.
    pub(crate) exported: Vec<u8>,
}

/// The label of the keying material every [`KeelServer`] exports.
pub(crate) const EXPORT_LABEL: &str = "EXPERIMENTAL-keel-interop";
/// How many bytes of it.
pub(crate) const EXPORT_LEN: usize = 32;

/// The prefix the keel server puts before the line it echoes.
pub(crate) const ECHO_PREFIX: &str = "keel echo: ";

/// A keel server on 127.0.0.1 serving one connection (or a few, one after
/// the other) in a thread: it runs the handshake, reads one line, answers
/// `ECHO_PREFIX` + the line, and closes with close_notify.
pub(crate) struct KeelServer {
    pub(crate) addr: SocketAddr,
    outcome: mpsc::Receiver<io::Result<ServerOutcome>>,
}

impl KeelServer {
    pub(crate) fn start(config: ServerConfig, deadline: Instant) -> Self {
        Self::serving(config, 1, deadline)
    }

    /// A server that serves `connections` connections in turn, all with
    /// `config` (and so with one session cache and one set of ticket keys).
    pub(crate) fn serving(config: ServerConfig, connections: usize, deadline: Instant) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let (tx, outcome) = mpsc::channel();
        thread::spawn(move || {
            for _ in 0..connections {
                if tx
                    .send(serve_one(&listener, config.clone(), deadline))
                    .is_err()
                {
                    return;
                }
            }
        });
        Self { addr, outcome }
    }

    /// The server's result for its next connection: its session and what
    /// it read, or the error the handshake failed with.
    pub(crate) fn outcome(&self, deadline: Instant) -> io::Result<ServerOutcome> {
        self.outcome
            .recv_timeout(remaining(deadline))
            .unwrap_or_else(|e| panic!("the keel server did not finish: {e}"))
    }
}

fn serve_one(
    listener: &TcpListener,
    config: ServerConfig,
    deadline: Instant,
) -> io::Result<ServerOutcome> {
    let tcp = loop {
        match listener.accept() {
            Ok((tcp, _)) => break tcp,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    };
    tcp.set_nonblocking(false)?;
    set_timeouts(&tcp);
    let mut stream = keel::Stream::new(ServerConnection::new(config), tcp);
    let result = (|| {
        stream.handshake()?;
        let session = stream.connection().session().cloned().unwrap();
        let mut exported = vec![0u8; EXPORT_LEN];
        stream
            .connection()
            .export_keying_material(&mut exported, EXPORT_LABEL.as_bytes(), None)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let received = read_line(&mut stream)?;
        let mut reply = ECHO_PREFIX.as_bytes().to_vec();
        reply.extend_from_slice(&received);
        stream.write_all(&reply)?;
        stream.close()?;
        Ok(ServerOutcome {
            session,
            received,
            exported,
        })
    })();
    linger(stream.transport());
    result
}

/// A keel server with both test certificates (ECDSA and RSA), picking by
/// the client's offer.
pub(crate) fn server_config() -> keel::ServerConfigBuilder {
    let pki = pki();
    ServerConfig::builder()
        .with_certificate(pki.ecdsa_server.certified_key())
        .with_certificate(pki.rsa_server.certified_key())
        .with_alpn([ALPN])
}

// --- Assertions -------------------------------------------------------------

/// The keel error inside an I/O error from `keel::Stream`.
pub(crate) fn keel_error(err: &io::Error) -> &keel::Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<keel::Error>())
        .unwrap_or_else(|| panic!("not a keel error: {err:?}"))
}

/// The handshake error inside an I/O error from `keel::Stream`.
pub(crate) fn handshake_error(err: &io::Error) -> &HandshakeError {
    match keel_error(err) {
        keel::Error::Tls { source } => source,
        other => panic!("not a TLS error: {other:?}"),
    }
}

/// Asserts what a successful session negotiated.
pub(crate) fn assert_session(
    session: &SessionInfo,
    suite: Suite,
    group: Option<Group>,
    alpn: Option<&str>,
) {
    assert_eq!(session.version, ProtocolVersion::TLS_V1_2);
    assert_eq!(session.cipher_suite, suite.keel, "{session:?}");
    if let Some(group) = group {
        assert_eq!(session.group, group.keel, "{session:?}");
    }
    assert_eq!(
        session.alpn.as_deref(),
        alpn.map(str::as_bytes),
        "{session:?}"
    );
    assert!(session.extended_master_secret);
    let scheme = session.signature_scheme.to_string();
    let expected = match suite.key {
        KeyType::Ecdsa => "ecdsa",
        KeyType::Rsa => "rsa",
    };
    assert!(scheme.starts_with(expected), "signature scheme {scheme}");
}
