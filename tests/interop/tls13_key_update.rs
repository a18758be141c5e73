//! TLS 1.3 KeyUpdate (RFC 8446 §4.6.3) with OpenSSL, both ways and from
//! both sides: `s_client` and `s_server` send one when a line of their
//! input is `k` (update) or `K` (update, and ask the peer to update too),
//! and keel sends one with `update_keys`, asking the peer to answer. After
//! each, data must keep flowing both ways, under the new keys; `-msg`
//! shows every KeyUpdate each side sent and received, with its
//! request_update byte.
//!
//! The peers' command letters are read from the first byte of a line of
//! input, so no data line here starts with `k`, `K`, `q`, `Q`, `r` or `R`.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keel::registry::ProtocolVersion;
use keel::{ServerConfig, ServerConnection, Versions};

use crate::harness::{
    ClientStream, HOST, IO_TIMEOUT, KeyType, Peer, TempDir, client_config, deadline, keel_close,
    keel_connect, pki, read_line, server_config,
};
use crate::openssl::s_client;

/// How `-msg` shows a KeyUpdate, sent (`>>>`) or received (`<<<`), with
/// its body: the type (24), the length (1) and request_update.
fn key_update(direction: &str, requested: bool) -> String {
    format!(
        "{direction} TLS 1.3, Handshake [length 0005], KeyUpdate\n    18 00 00 01 0{}",
        u8::from(requested)
    )
}

/// Asserts how many KeyUpdates `-msg` showed, of each kind.
fn assert_key_updates(msg: &str, expected: [(&str, bool, usize); 4]) {
    for (direction, requested, count) in expected {
        let needle = key_update(direction, requested);
        assert_eq!(
            msg.matches(&needle).count(),
            count,
            "{needle:?} in the -msg output:\n{msg}"
        );
    }
}

/// Waits until `peer` has printed `needle` (on stdout or stderr) `count`
/// times.
fn wait_for_printed(peer: &Peer, needle: &str, count: usize, deadline: Instant) {
    while peer.snapshot().matches(needle).count() < count {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {needle:?} ×{count}\n{}",
            peer.snapshot()
        );
        thread::sleep(Duration::from_millis(5));
    }
}

// --- s_client → keel server -----------------------------------------------------

/// The line on which the keel server sends a KeyUpdate asking for one back.
const PLEASE_UPDATE: &str = "please update your keys";

/// The prefix the keel line-echo server puts before each line.
const LINE_ECHO: &str = "keel line echo: ";

/// A keel server for one connection that echoes every line until the
/// client closes, sending a KeyUpdate that requests one back
/// (`update_keys(true)`) before echoing [`PLEASE_UPDATE`]. Returns the
/// lines it read.
fn line_echo_server(
    config: ServerConfig,
    deadline: Instant,
) -> (SocketAddr, mpsc::Receiver<io::Result<Vec<String>>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(serve_lines(&listener, config, deadline));
    });
    (addr, rx)
}

fn serve_lines(
    listener: &TcpListener,
    config: ServerConfig,
    deadline: Instant,
) -> io::Result<Vec<String>> {
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
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut stream = keel::Stream::new(ServerConnection::new(config), tcp);
    stream.handshake()?;
    let session = stream.connection().session().unwrap();
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    let mut lines = Vec::new();
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            if line == PLEASE_UPDATE {
                stream.update_keys(true)?;
            }
            stream.write_all(format!("{LINE_ECHO}{line}\n").as_bytes())?;
            lines.push(line);
            continue;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        pending.extend_from_slice(&buf[..n]);
    }
    stream.close()?;
    Ok(lines)
}

/// `s_client` sends `K`, then `k`; keel answers the first with a KeyUpdate
/// of its own. Then keel sends one asking for an answer, and s_client
/// answers. A line crosses each way after each KeyUpdate.
#[test]
fn s_client_and_keel_server_update_keys_both_ways() {
    let deadline = deadline();
    let dir = TempDir::new("t13-ku-s-client");
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .build()
        .unwrap();
    let (addr, outcome) = line_echo_server(config, deadline);
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let msg = dir.path().join("msg.txt");
    let args = [
        "-tls1_3",
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        HOST,
        "-msg",
        "-msgfile",
        msg.to_str().unwrap(),
    ];
    let mut client = s_client(&dir, addr, &args, None);
    let exchange = |client: &mut Peer, line: &str| {
        client.send(format!("{line}\n").as_bytes());
        let echo = format!("{LINE_ECHO}{line}");
        client.wait_for_line(&echo, |l| l.ends_with(&echo), deadline);
    };
    exchange(&mut client, "one, before any update");
    // s_client's KeyUpdate goes out with its next data.
    client.send(b"K\n");
    wait_for_printed(&client, "KEYUPDATE", 1, deadline);
    exchange(&mut client, "two, after s_client's update with a request");
    client.send(b"k\n");
    wait_for_printed(&client, "KEYUPDATE", 2, deadline);
    exchange(&mut client, "three, after s_client's update without one");
    exchange(&mut client, PLEASE_UPDATE);
    exchange(&mut client, "four, after keel's update with a request");
    // The end of s_client's input: it sends close_notify and exits.
    client.close_stdin();

    let lines = outcome
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or_else(|e| panic!("the keel server did not finish: {e}\n{}", client.snapshot()))
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.snapshot()));
    let out = client.finish(deadline);
    out.assert_success();
    assert_eq!(
        lines,
        [
            "one, before any update",
            "two, after s_client's update with a request",
            "three, after s_client's update without one",
            PLEASE_UPDATE,
            "four, after keel's update with a request",
        ],
        "what keel read\n{out}"
    );
    let msg = std::fs::read_to_string(&msg).unwrap();
    assert_key_updates(
        &msg,
        [
            // s_client's K and k.
            (">>>", true, 1),
            // s_client's k, and its answer to keel's request.
            (">>>", false, 2),
            // keel's request.
            ("<<<", true, 1),
            // keel's answer to K.
            ("<<<", false, 1),
        ],
    );
}

// --- keel client → s_server -----------------------------------------------------

/// `s_server` without `-rev`: it prints what it reads and sends its input
/// lines. Line-buffered (`stdbuf -oL`), so that its `-msg` lines and its
/// `SSL_do_handshake -> 1` after a KeyUpdate command come as they happen.
fn interactive_s_server(dir: &TempDir, deadline: Instant) -> (Peer, SocketAddr) {
    let (cert, key) = pki().server(KeyType::Ecdsa).write(dir, "server");
    let mut command = Command::new("stdbuf");
    command
        .current_dir(dir.path())
        .args(["-oL", "openssl", "s_server", "-accept", "127.0.0.1:0"])
        .args(["-naccept", "1", "-tls1_3", "-msg", "-cert"])
        .arg(&cert)
        .arg("-key")
        .arg(&key);
    let mut peer = Peer::spawn("openssl s_server", command);
    let line = peer.wait_for_line("ACCEPT", |l| l.starts_with("ACCEPT "), deadline);
    let addr = line
        .trim_start_matches("ACCEPT ")
        .parse()
        .unwrap_or_else(|e| panic!("cannot read the address in {line:?}: {e}"));
    (peer, addr)
}

/// `s_server` sends `K`, then `k`; keel answers the first. Then keel sends
/// a KeyUpdate asking for an answer, and s_server answers. A line crosses
/// each way after each KeyUpdate.
#[test]
fn keel_client_and_s_server_update_keys_both_ways() {
    let deadline = deadline();
    let dir = TempDir::new("t13-ku-s-server");
    let (mut server, addr) = interactive_s_server(&dir, deadline);
    let config = client_config()
        .with_versions(Versions::Tls13Only)
        .build()
        .unwrap();
    let mut stream = keel_connect(config, addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.finish(deadline)));
    assert_eq!(
        stream.connection().session().unwrap().version,
        ProtocolVersion::TLS_V1_3
    );
    let keel_says = |stream: &mut ClientStream, server: &mut Peer, line: &str| {
        stream.write_all(format!("{line}\n").as_bytes()).unwrap();
        server.wait_for_line(line, |l| l.ends_with(line), deadline);
    };
    let server_says = |stream: &mut ClientStream, server: &mut Peer, line: &str| {
        server.send(format!("{line}\n").as_bytes());
        let got = read_line(stream).unwrap_or_else(|e| panic!("{e}\n{}", server.snapshot()));
        assert_eq!(String::from_utf8_lossy(&got).trim_end(), line);
    };
    let handshake_done = "SSL_do_handshake -> 1";

    keel_says(&mut stream, &mut server, "one from keel");
    server_says(&mut stream, &mut server, "one from s_server");
    // s_server sends its KeyUpdate at once.
    server.send(b"K\n");
    server.wait_for_line(handshake_done, |l| l == handshake_done, deadline);
    server_says(&mut stream, &mut server, "two from s_server, new keys");
    keel_says(&mut stream, &mut server, "two from keel, new keys");
    server.send(b"k\n");
    server.wait_for_line(handshake_done, |l| l == handshake_done, deadline);
    server_says(&mut stream, &mut server, "three from s_server, new keys");
    keel_says(&mut stream, &mut server, "three from keel");
    stream.update_keys(true).unwrap();
    keel_says(&mut stream, &mut server, "four from keel, new keys");
    // s_server's answer goes out with its next data.
    server_says(&mut stream, &mut server, "four from s_server, new keys");
    keel_close(stream);

    let out = server.finish(deadline);
    out.assert_success();
    assert_key_updates(
        &out.stdout,
        [
            // s_server's K.
            (">>>", true, 1),
            // s_server's k, and its answer to keel's request.
            (">>>", false, 2),
            // keel's request.
            ("<<<", true, 1),
            // keel's answer to K.
            ("<<<", false, 1),
        ],
    );
}
