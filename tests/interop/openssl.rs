//! Starting `openssl s_server` and `openssl s_client`.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::harness::{Peer, TempDir};

/// An `openssl s_server` on 127.0.0.1 that serves one connection.
pub(crate) struct SServer {
    pub(crate) peer: Peer,
    pub(crate) addr: SocketAddr,
}

/// Starts `openssl s_server -accept 127.0.0.1:0 -naccept 1` with `args`
/// and reads the port it bound from its `ACCEPT 127.0.0.1:<port>` line: the
/// kernel picks the port and the line is printed once the socket listens,
/// so there is neither a port race nor a readiness race.
pub(crate) fn s_server<S: AsRef<OsStr>>(
    dir: &TempDir,
    args: &[S],
    openssl_conf: Option<&Path>,
    deadline: Instant,
) -> SServer {
    let mut command = Command::new("openssl");
    command
        .current_dir(dir.path())
        .args(["s_server", "-accept", "127.0.0.1:0", "-naccept", "1"])
        .args(args);
    if let Some(conf) = openssl_conf {
        command.env("OPENSSL_CONF", conf);
    }
    let mut peer = Peer::spawn("openssl s_server", command);
    let line = peer.wait_for_line("ACCEPT", |l| l.starts_with("ACCEPT "), deadline);
    let addr = line
        .trim_start_matches("ACCEPT ")
        .parse()
        .unwrap_or_else(|e| panic!("cannot read the address in {line:?}: {e}"));
    SServer { peer, addr }
}

/// Starts `openssl s_client -connect <addr>` with `args`.
pub(crate) fn s_client<S: AsRef<OsStr>>(
    dir: &TempDir,
    addr: SocketAddr,
    args: &[S],
    openssl_conf: Option<&Path>,
) -> Peer {
    let mut command = Command::new("openssl");
    command
        .current_dir(dir.path())
        .args(["s_client", "-connect", &addr.to_string()])
        .args(args);
    if let Some(conf) = openssl_conf {
        command.env("OPENSSL_CONF", conf);
    }
    Peer::spawn("openssl s_client", command)
}

/// An OpenSSL configuration that turns the Extended Master Secret off
/// (OpenSSL has no command-line flag for it).
pub(crate) fn no_ems_conf(dir: &TempDir) -> std::path::PathBuf {
    dir.write(
        "no-ems.cnf",
        "openssl_conf = openssl_init\n\
         \n\
         [openssl_init]\n\
         ssl_conf = ssl_module\n\
         \n\
         [ssl_module]\n\
         system_default = system_default_sect\n\
         \n\
         [system_default_sect]\n\
         Options = -ExtendedMasterSecret\n",
    )
}
