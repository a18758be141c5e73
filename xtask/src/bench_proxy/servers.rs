//! The three proxies `cargo xtask bench-proxy` compares, each given the
//! same certificate, upstream, bound on connections and number of threads,
//! TLS 1.3 with the same suite, and session resumption on. Their
//! configuration files are written here, with the reason for each choice
//! beside it, so that the comparison can be read and questioned.

use std::fs;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;

/// Connections at once each proxy accepts: room for the idle-memory line's
/// thousand connections and the bulk lines' fifty, under an open-file
/// limit of a few thousand (two descriptors per connection).
pub(crate) const MAX_CONNECTIONS: u32 = 4_000;

/// How long a proxy has to start listening.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// One of the proxies compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proxy {
    Keel,
    Haproxy,
    Stunnel,
}

impl Proxy {
    pub(crate) const ALL: [Self; 3] = [Self::Keel, Self::Haproxy, Self::Stunnel];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Keel => "keel",
            Self::Haproxy => "HAProxy",
            Self::Stunnel => "stunnel",
        }
    }
}

/// What every proxy is given.
#[derive(Debug)]
pub(crate) struct Setup {
    /// The directory for configurations, certificate and logs.
    pub(crate) dir: PathBuf,
    /// The release `keel` binary.
    pub(crate) keel: PathBuf,
    /// The ECDSA P-256 certificate (self-signed, for localhost) and its key.
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    /// The plain-TCP upstream.
    pub(crate) upstream: SocketAddr,
    /// Worker threads: keel's tokio runtime has one per core, and HAProxy
    /// is given as many.
    pub(crate) threads: usize,
}

/// A running proxy, killed when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    child: Child,
    pub(crate) port: u16,
}

impl Running {
    /// The process whose CPU time and memory are measured: the proxy
    /// itself (HAProxy runs in the foreground without a master process,
    /// stunnel in the foreground, so the child is the server).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `proxy` on a free port and waits until it accepts connections.
pub(crate) fn start(proxy: Proxy, setup: &Setup) -> Result<Running, Error> {
    let port = free_port().map_err(|source| io_error(&setup.dir, source))?;
    let log = setup.dir.join(format!("{}.log", proxy.name()));
    let log_file = fs::File::create(&log).map_err(|source| io_error(&log, source))?;
    let mut command = match proxy {
        Proxy::Keel => keel(setup, port),
        Proxy::Haproxy => haproxy(setup, port)?,
        Proxy::Stunnel => stunnel(setup, port)?,
    };
    let shown = format!("{command:?}");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|source| Error::Spawn {
            command: shown.clone(),
            source,
        })?;
    let mut running = Running { child, port };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > START_DEADLINE || running.child.try_wait().ok().flatten().is_some() {
            return Err(Error::Bench {
                problem: format!(
                    "{} did not start listening on port {port}; its log is {}",
                    proxy.name(),
                    log.display()
                ),
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ok(running)
}

/// `keel proxy`: tickets are on by default (TLS 1.3 resumption), its
/// runtime has a worker per core, it picks TLS_AES_128_GCM_SHA256 first,
/// and it logs errors only, as the others are set to.
fn keel(setup: &Setup, port: u16) -> Command {
    let mut command = Command::new(&setup.keel);
    command
        .arg("proxy")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--upstream", &setup.upstream.to_string()])
        .arg("--cert")
        .arg(&setup.cert)
        .arg("--key")
        .arg(&setup.key)
        .args(["--max-connections", &MAX_CONNECTIONS.to_string()])
        .args(["--log-level", "error"]);
    command
}

fn haproxy(setup: &Setup, port: u16) -> Result<Command, Error> {
    // HAProxy reads the certificate and key from one file.
    let pem = setup.dir.join("haproxy.pem");
    let mut both = read(&setup.cert)?;
    both.extend(read(&setup.key)?);
    write(&pem, &both)?;
    let config = format!(
        "# Written by `cargo xtask bench-proxy`: HAProxy terminating TLS in TCP mode,\n\
         # set up as keel proxy is.\n\
         global\n    \
             # One thread per core, as keel's runtime has one worker per core.\n    \
             nbthread {threads}\n    \
             # The same bound on connections at once as keel's --max-connections.\n    \
             maxconn {max}\n    \
             # keel's first TLS 1.3 suite, so that the bulk lines compare one cipher.\n    \
             # No DH parameters: key exchange is ECDHE (X25519) only.\n    \
             ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256\n    \
             ssl-default-bind-options ssl-min-ver TLSv1.2\n\
         defaults\n    \
             # Plain TCP forwarding, no HTTP parsing: what keel proxy does. No log\n    \
             # line per connection (keel runs with --log-level error).\n    \
             mode tcp\n    \
             timeout connect 10s\n    \
             timeout client 300s\n    \
             timeout server 300s\n\
         frontend tls\n    \
             # Session tickets (TLS 1.3 resumption) and the session cache are on\n    \
             # by default.\n    \
             bind 127.0.0.1:{port} ssl crt {pem}\n    \
             default_backend upstream\n\
         backend upstream\n    \
             server upstream {upstream}\n",
        threads = setup.threads,
        max = MAX_CONNECTIONS,
        pem = pem.display(),
        upstream = setup.upstream,
    );
    let path = setup.dir.join("haproxy.cfg");
    write(&path, config.as_bytes())?;
    let mut command = Command::new("haproxy");
    // -db: stay in the foreground, one process, no master.
    command.arg("-db").arg("-f").arg(path);
    Ok(command)
}

fn stunnel(setup: &Setup, port: u16) -> Result<Command, Error> {
    let config = format!(
        "; Written by `cargo xtask bench-proxy`: stunnel terminating TLS, set up as\n\
         ; keel proxy is. stunnel runs a thread per connection (its default model\n\
         ; on Linux); it has no worker-count setting.\n\
         foreground = yes\n\
         pid =\n\
         ; Errors only, as keel runs with --log-level error.\n\
         debug = err\n\
         syslog = no\n\
         [bench]\n\
         accept = 127.0.0.1:{port}\n\
         connect = {upstream}\n\
         cert = {cert}\n\
         key = {key}\n\
         ; keel's first TLS 1.3 suite, so that the bulk lines compare one cipher.\n\
         sslVersionMin = TLSv1.2\n\
         ciphersuites = TLS_AES_128_GCM_SHA256\n\
         ; Session tickets (TLS 1.3 resumption) and the session cache are on by\n\
         ; default. keel sets TCP_NODELAY on both sides; so does this.\n\
         socket = l:TCP_NODELAY=1\n\
         socket = r:TCP_NODELAY=1\n",
        upstream = setup.upstream,
        cert = setup.cert.display(),
        key = setup.key.display(),
    );
    let path = setup.dir.join("stunnel.conf");
    write(&path, config.as_bytes())?;
    let mut command = Command::new(stunnel_program());
    command.arg(path);
    Ok(command)
}

/// Debian's stunnel4 package installs `stunnel4` (and `stunnel` as a
/// link to it); other systems have only `stunnel`.
pub(crate) fn stunnel_program() -> &'static str {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if crate::prereq::on_path("stunnel4", &path) {
        "stunnel4"
    } else {
        "stunnel"
    }
}

/// A port on 127.0.0.1 nothing listens on (bound, then released: the
/// proxies other than keel cannot report a port the kernel picked).
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(|source| io_error(path, source))
}

fn write(path: &Path, contents: &[u8]) -> Result<(), Error> {
    fs::write(path, contents).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
