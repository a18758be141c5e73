//! Session resumption by ID (RFC 5246 §7.3) with OpenSSL as the server:
//! a keel client that kept its session in a `ClientSessionStore` resumes
//! it on its second connection to the same `s_server`, and `s_server`
//! agrees that the session was reused: by session ID (`-no_ticket`) and by
//! session ticket (RFC 5077). keel as the server is covered by
//! `keel serve` against `s_client -reconnect` (keel-cli's tests).

use std::io::Write;
use std::sync::Arc;

use keel::sessions::ClientSessionStore;

use crate::harness::{
    ClientStream, ECDHE_ECDSA_AES128_GCM, HOST, P256, TempDir, client_config, deadline, keel_close,
    keel_connect, pki, read_line,
};
use crate::openssl::s_server;

/// Seconds since the Unix epoch.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sends one line through `stream` and checks `s_server -rev`'s answer.
fn exchange_line(stream: &mut ClientStream, line: &str) {
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(stream).unwrap();
    let reversed: String = line.chars().rev().collect();
    assert_eq!(String::from_utf8_lossy(&reply).trim_end(), reversed);
}

#[test]
fn keel_client_resumes_its_session_with_s_server() {
    keel_client_resumes("c-resume", false);
}

#[test]
fn keel_client_resumes_by_ticket_with_s_server() {
    keel_client_resumes("c-resume-ticket", true);
}

/// Two connections of one keel client to one `s_server`; the second must
/// resume. With `tickets`, s_server issues a ticket and keel offers it;
/// without, s_server runs with `-no_ticket` and keel offers the session ID.
fn keel_client_resumes(test: &str, tickets: bool) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let (cert, key) = pki()
        .server(ECDHE_ECDSA_AES128_GCM.key)
        .write(&dir, "server");
    // Two connections to one s_server process, whose session cache (and
    // ticket key) lives as long as the process.
    let mut args = vec![
        "-tls1_2",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-cipher",
        ECDHE_ECDSA_AES128_GCM.openssl,
        "-groups",
        P256.openssl,
        "-rev",
        "-naccept",
        "2",
    ];
    if !tickets {
        args.push("-no_ticket");
    }
    let mut server = s_server(&dir, &args, None, deadline);

    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let config = client_config()
        .with_session_resumption(Arc::clone(&store))
        .build()
        .unwrap();

    let mut first = keel_connect(config.clone(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("first handshake: {e}\n{}", server.peer.finish(deadline)));
    let full = first.connection().session().unwrap().clone();
    assert!(!full.resumed, "the first connection has nothing to resume");
    let kept = store
        .get(&config.resumption_context(), HOST, now())
        .expect("keel stored the session");
    assert_eq!(
        !kept.ticket.is_empty(),
        tickets,
        "a ticket iff s_server issued one"
    );
    exchange_line(&mut first, "first connection");
    keel_close(first);

    let mut second = keel_connect(config, server.addr, HOST)
        .unwrap_or_else(|e| panic!("second handshake: {e}\n{}", server.peer.finish(deadline)));
    let resumed = second.connection().session().unwrap().clone();
    assert!(resumed.resumed, "keel did not resume: {resumed:?}");
    assert_eq!(resumed.cipher_suite, full.cipher_suite);
    assert!(resumed.extended_master_secret);
    // The resumed session still names the server that was authenticated
    // on the full handshake.
    assert_eq!(resumed.peer_certificates, full.peer_certificates);
    // New keys were derived from the stored master secret: data flows.
    exchange_line(&mut second, "second connection, resumed");
    keel_close(second);

    let out = server.peer.finish(deadline);
    // s_server's session-cache statistics, printed when it stops: both
    // handshakes finished, and the second was served from the cache. The
    // first counts as a miss: a client that offers TLS 1.3 sends a session
    // ID of its own (RFC 8446 Appendix D.4), which s_server looks for and
    // does not find.
    out.assert_printed("2 server accepts that finished");
    out.assert_printed("1 session cache hits");
    out.assert_printed("1 session cache misses");
    out.assert_success();
}
