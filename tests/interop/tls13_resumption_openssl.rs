//! TLS 1.3 resumption (RFC 8446 §2.2, §4.6.1) with OpenSSL, both ways:
//!
//! - `s_client -sess_out` takes the ticket a keel server issues after the
//!   handshake and `s_client -sess_in` resumes with it: a ticket sealed
//!   under [`TicketKeys`] (also on another server of the fleet), and a
//!   ticket naming an entry of the keel server's session cache, which
//!   resumes once only;
//! - `s_client -reconnect` starting from such a ticket;
//! - a keel client keeps `s_server`'s ticket in its session store and
//!   resumes with it on its next connection, stateless tickets and
//!   stateful ones (`-no_ticket`).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use keel::registry::ProtocolVersion;
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
use keel::{ServerConfig, SessionInfo, Versions};

use crate::handshake_server::HandshakeServer;
use crate::harness::{
    ECHO_PREFIX, HOST, KeelServer, KeyType, TempDir, client_config, deadline, keel_close,
    keel_connect, pki, read_line, server_config,
};
use crate::openssl::{s_client, s_server};
use crate::tls13_openssl::{AES128, AES256, CHACHA, Suite13};

/// A keel server offering TLS 1.3, resuming with `keys`.
fn ticket_config(keys: &Arc<TicketKeys>, suite: &Suite13) -> ServerConfig {
    server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_cipher_suites(&[suite.keel])
        .with_session_tickets(Arc::clone(keys))
        .build()
        .unwrap()
}

fn ticket_keys(master: u8) -> Arc<TicketKeys> {
    Arc::new(
        TicketKeys::new(
            &[master; 32],
            Duration::from_secs(3600),
            Duration::from_secs(3600),
        )
        .unwrap(),
    )
}

/// `s_client -tls1_3` against `server` with `session_args` (`-sess_out
/// FILE`, `-sess_in FILE`): sends a line, checks keel's echo, and returns
/// keel's session and what s_client printed.
fn s_client_once(
    dir: &TempDir,
    server: &KeelServer,
    session_args: &[&str],
) -> (SessionInfo, String) {
    let deadline = deadline();
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let mut args = vec![
        "-tls1_3",
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        HOST,
    ];
    args.extend_from_slice(session_args);
    let mut client = s_client(dir, server.addr, &args, None);
    client.send(b"resume me\n");
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    out.assert_printed(&format!("{ECHO_PREFIX}resume me"));
    out.assert_printed("Verify return code: 0 (ok)");
    out.assert_success();
    assert_eq!(
        outcome.session.version,
        ProtocolVersion::TLS_V1_3,
        "{:?}",
        outcome.session
    );
    (outcome.session, out.text())
}

/// The full handshake that gives s_client its ticket, into `session_file`.
fn take_a_ticket(dir: &TempDir, server: &KeelServer, session_file: &str, suite: &Suite13) {
    let (session, out) = s_client_once(dir, server, &["-sess_out", session_file]);
    assert!(!session.resumed, "nothing to resume yet: {session:?}");
    assert_eq!(session.cipher_suite, suite.keel);
    assert!(
        out.contains(&format!("New, TLSv1.3, Cipher is {}", suite.openssl)),
        "{out}"
    );
    // RFC 8446 §4.6.1: s_client shows the ticket it received, with the
    // lifetime keel was configured with.
    assert!(
        out.contains("Post-Handshake New Session Ticket arrived"),
        "{out}"
    );
    assert!(out.contains("lifetime hint: 3600 (seconds)"), "{out}");
}

/// Asserts that a connection was resumed, on keel's and on s_client's
/// account, with the suite of the full handshake.
fn assert_resumed(session: &SessionInfo, out: &str, suite: &Suite13) {
    assert!(session.resumed, "keel did not resume: {session:?}\n{out}");
    assert_eq!(session.cipher_suite, suite.keel);
    assert_eq!(session.server_name.as_deref(), Some(HOST));
    assert!(
        out.contains(&format!("Reused, TLSv1.3, Cipher is {}", suite.openssl)),
        "{out}"
    );
}

#[test]
fn s_client_resumes_with_a_ticket_sealed_under_ticket_keys() {
    let dir = TempDir::new("t13-r-ticket");
    let file = dir.path().join("session.pem");
    let file = file.to_str().unwrap();
    let server = KeelServer::serving(ticket_config(&ticket_keys(0x31), &AES128), 2, deadline());
    take_a_ticket(&dir, &server, file, &AES128);
    let (session, out) = s_client_once(&dir, &server, &["-sess_in", file]);
    assert_resumed(&session, &out, &AES128);
}

/// A server that shares only the ticket master with the one that issued
/// the ticket opens it, as another machine of a fleet would.
#[test]
fn s_client_resumes_on_another_server_with_the_same_ticket_master() {
    let dir = TempDir::new("t13-r-fleet");
    let file = dir.path().join("session.pem");
    let file = file.to_str().unwrap();
    let issuer = KeelServer::start(ticket_config(&ticket_keys(0x32), &CHACHA), deadline());
    take_a_ticket(&dir, &issuer, file, &CHACHA);
    let other = KeelServer::start(ticket_config(&ticket_keys(0x32), &CHACHA), deadline());
    let (session, out) = s_client_once(&dir, &other, &["-sess_in", file]);
    assert_resumed(&session, &out, &CHACHA);
}

/// Without ticket keys the ticket is an identity naming an entry of the
/// server's session cache. It resumes once: RFC 8446 §8.1 single use, so
/// the same ticket presented again gets a full handshake.
#[test]
fn s_client_resumes_from_the_session_cache_once() {
    let dir = TempDir::new("t13-r-cache");
    let file = dir.path().join("session.pem");
    let file = file.to_str().unwrap();
    let cache = Arc::new(ServerSessionCache::new(16, Duration::from_secs(3600)));
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_cipher_suites(&[AES256.keel])
        .with_session_cache(Arc::clone(&cache))
        .build()
        .unwrap();
    let server = KeelServer::serving(config, 3, deadline());
    take_a_ticket(&dir, &server, file, &AES256);
    assert_eq!(cache.len(), 1, "the ticket's entry");

    let (session, out) = s_client_once(&dir, &server, &["-sess_in", file]);
    assert_resumed(&session, &out, &AES256);

    let (session, out) = s_client_once(&dir, &server, &["-sess_in", file]);
    assert!(!session.resumed, "a cache entry resumed twice: {session:?}");
    assert!(
        out.contains(&format!("New, TLSv1.3, Cipher is {}", AES256.openssl)),
        "{out}"
    );
}

/// `s_client -reconnect` connects six times, each time offering the session
/// of the connection before. In TLS 1.3 that session is resumable only once
/// its ticket has arrived after the handshake, and s_client drops each
/// connection right after the handshake, before reading it (OpenSSL issue
/// #10714; s_client does the same against s_server). So from a ticket
/// given with `-sess_in`, the first connection resumes and the five
/// reconnections are full handshakes, which keel serves one after the
/// other, with the same account of each as s_client's.
#[test]
fn s_client_reconnect_resumes_its_first_connection() {
    let deadline = deadline();
    let dir = TempDir::new("t13-r-reconnect");
    let file = dir.path().join("session.pem");
    let file = file.to_str().unwrap();
    let keys = ticket_keys(0x33);
    let issuer = KeelServer::start(ticket_config(&keys, &AES128), deadline);
    take_a_ticket(&dir, &issuer, file, &AES128);

    let handshakes = HandshakeServer::start(ticket_config(&keys, &AES128), 6, deadline);
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let args = [
        "-tls1_3",
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        HOST,
        "-sess_in",
        file,
        "-reconnect",
    ];
    let mut client = s_client(&dir, handshakes.addr, &args, None);
    let mut resumed = Vec::new();
    for index in 0..6 {
        let session = handshakes
            .next(deadline)
            .unwrap_or_else(|e| panic!("handshake {}: {e}\n{}", index + 1, client.snapshot()));
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3);
        assert_eq!(session.cipher_suite, AES128.keel);
        resumed.push(session.resumed);
        if index == 5 {
            // The last connection stays open until s_client's input ends.
            client.close_stdin();
        }
    }
    let out = client.finish(deadline);
    out.assert_success();
    assert_eq!(resumed, [true, false, false, false, false, false], "{out}");
    let text = out.text();
    let reused = format!("Reused, TLSv1.3, Cipher is {}", AES128.openssl);
    let new = format!("New, TLSv1.3, Cipher is {}", AES128.openssl);
    assert_eq!(text.matches(&reused).count(), 1, "{out}");
    assert_eq!(text.matches(&new).count(), 5, "{out}");
    assert_eq!(
        text.matches("drop connection and then reconnect").count(),
        5
    );
}

// --- keel client → s_server ---------------------------------------------------

#[test]
fn keel_client_resumes_with_an_s_server_ticket() {
    keel_client_resumes("t13-r-c-ticket", false);
}

/// `-no_ticket` makes OpenSSL's TLS 1.3 tickets stateful: each names an
/// entry of s_server's session cache, so its statistics count the hit.
#[test]
fn keel_client_resumes_with_an_s_server_cache_entry() {
    keel_client_resumes("t13-r-c-cache", true);
}

/// Two connections of one keel client (TLS 1.3 only) to one `s_server`;
/// the second resumes with the ticket the first received.
fn keel_client_resumes(test: &str, stateful: bool) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let (cert, key) = pki().server(KeyType::Ecdsa).write(&dir, "server");
    let mut args = vec![
        "-tls1_3",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-ciphersuites",
        AES256.openssl,
        "-rev",
        "-naccept",
        "2",
    ];
    if stateful {
        args.push("-no_ticket");
    }
    let mut server = s_server(&dir, &args, None, deadline);
    let store = Arc::new(ClientSessionStore::new(8, Duration::from_secs(3600)));
    let config = client_config()
        .with_versions(Versions::Tls13Only)
        .with_session_resumption(Arc::clone(&store))
        .build()
        .unwrap();

    let mut sessions = Vec::new();
    for (index, line) in ["first, full", "second, resumed"].into_iter().enumerate() {
        let mut stream = keel_connect(config.clone(), server.addr, HOST).unwrap_or_else(|e| {
            panic!(
                "handshake {}: {e}\n{}",
                index + 1,
                server.peer.finish(deadline)
            )
        });
        // s_server's tickets come after the handshake: reading its answer
        // reads them too.
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
        let reply = read_line(&mut stream).unwrap();
        let reversed: String = line.chars().rev().collect();
        assert_eq!(String::from_utf8_lossy(&reply).trim_end(), reversed);
        sessions.push(stream.connection().session().unwrap().clone());
        keel_close(stream);
    }
    let out = server.peer.finish(deadline);
    let (full, resumed) = (&sessions[0], &sessions[1]);
    assert!(!full.resumed, "{full:?}");
    assert!(resumed.resumed, "keel did not resume: {resumed:?}\n{out}");
    for session in [full, resumed] {
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
        assert_eq!(session.cipher_suite, AES256.keel, "{session:?}");
    }
    // The resumed session still names the server authenticated in the
    // full handshake.
    assert_eq!(resumed.peer_certificates, full.peer_certificates);
    // The resumed connection brought a ticket of its own.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(store.get(&config.resumption_context(), HOST, now).is_some());
    out.assert_printed("2 server accepts that finished");
    if stateful {
        out.assert_printed("1 session cache hits");
        out.assert_printed("0 session cache misses");
    }
    out.assert_success();
}
