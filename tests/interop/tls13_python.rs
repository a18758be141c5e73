//! Python's `ssl` module (on the system's OpenSSL) over TLS 1.3, both
//! ways: a client limited to TLS 1.3 against a keel server, and a keel
//! client against a Python server limited to TLS 1.3. Each side reports
//! the version, suite and ALPN protocol, and the line each side sent.
//! The Python programs are small inline scripts run with `python3 -c`;
//! they print `key=value` lines.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::process::Command;

use keel::Versions;
use keel::registry::{CipherSuite, NamedGroup, ProtocolVersion};

use crate::harness::{
    ALPN, ECHO_PREFIX, HOST, KeelServer, KeyType, Peer, PeerOutput, TempDir, client_config,
    deadline, keel_close, keel_connect, pki, read_line, server_config,
};

/// A TLS 1.3 client: connects, sends `LINE` and a newline, reads the answer
/// up to a newline, then reads until keel's close_notify
/// (`suppress_ragged_eofs=False`: a connection cut without it raises).
const CLIENT: &str = r"
import socket, ssl, sys
ca, port, line = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.set_alpn_protocols(['keel-interop'])
with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
    with ctx.wrap_socket(raw, server_hostname='localhost', suppress_ragged_eofs=False) as tls:
        tls.sendall(line.encode() + b'\n')
        reply = b''
        while not reply.endswith(b'\n'):
            chunk = tls.recv(4096)
            if not chunk:
                break
            reply += chunk
        while tls.recv(4096):
            pass
        print('version=' + tls.version())
        print('cipher=' + tls.cipher()[0])
        print('alpn=' + str(tls.selected_alpn_protocol()))
        print('reply=' + reply.decode().rstrip('\n'))
";

/// A TLS 1.3 server for one connection on 127.0.0.1: prints its port once
/// it listens, reads a line, answers `python echo: ` and the line, reads
/// until the client's close_notify and answers it (`unwrap`).
const SERVER: &str = r"
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(['keel-interop'])
listener = socket.create_server(('127.0.0.1', 0))
print('listening=%d' % listener.getsockname()[1], flush=True)
raw, _ = listener.accept()
raw.settimeout(5)
tls = ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
line = b''
while not line.endswith(b'\n'):
    chunk = tls.recv(4096)
    if not chunk:
        break
    line += chunk
tls.sendall(b'python echo: ' + line)
while tls.recv(4096):
    pass
print('version=' + tls.version())
print('cipher=' + tls.cipher()[0])
print('alpn=' + str(tls.selected_alpn_protocol()))
print('received=' + line.decode().rstrip('\n'))
tls.unwrap()
";

/// The `key=value` lines a script printed.
fn report(out: &PeerOutput) -> BTreeMap<String, String> {
    out.stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn python(name: &str, dir: &TempDir, script: &str, args: &[&str]) -> Peer {
    let mut command = Command::new("python3");
    command
        .current_dir(dir.path())
        .args(["-c", script])
        .args(args);
    Peer::spawn(name, command)
}

/// keel serves ChaCha20-Poly1305 alone, so the suite Python reports is
/// keel's choice, not OpenSSL's default.
#[test]
fn python_client_to_keel_server() {
    let deadline = deadline();
    let dir = TempDir::new("t13-py-client");
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_cipher_suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
        .build()
        .unwrap();
    let server = KeelServer::start(config, deadline);
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let port = server.addr.port().to_string();
    let line = "hello from Python over TLS 1.3";
    let mut client = python(
        "python3 ssl client",
        &dir,
        CLIENT,
        &[roots.to_str().unwrap(), &port, line],
    );
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    out.assert_success();
    let session = &outcome.session;
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(
        session.cipher_suite,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256
    );
    assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
    assert_eq!(session.server_name.as_deref(), Some(HOST));
    assert_eq!(String::from_utf8_lossy(&outcome.received).trim_end(), line);

    let report = report(&out);
    assert_eq!(report["version"], "TLSv1.3", "{out}");
    assert_eq!(report["cipher"], "TLS_CHACHA20_POLY1305_SHA256", "{out}");
    assert_eq!(report["alpn"], ALPN, "{out}");
    assert_eq!(report["reply"], format!("{ECHO_PREFIX}{line}"), "{out}");
}

#[test]
fn keel_client_to_python_server() {
    let deadline = deadline();
    let dir = TempDir::new("t13-py-server");
    let (cert, key) = pki().server(KeyType::Rsa).write(&dir, "server");
    let mut server = python(
        "python3 ssl server",
        &dir,
        SERVER,
        &[cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let listening = server.wait_for_line("its port", |l| l.starts_with("listening="), deadline);
    let addr: SocketAddr = format!("127.0.0.1:{}", &listening["listening=".len()..])
        .parse()
        .unwrap();

    let config = client_config()
        .with_versions(Versions::Tls13Only)
        .with_cipher_suites(&[CipherSuite::TLS_AES_256_GCM_SHA384])
        .build()
        .unwrap();
    let mut stream = keel_connect(config, addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.finish(deadline)));
    let session = stream.connection().session().unwrap().clone();
    let line = "hello from keel over TLS 1.3";
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&reply),
        format!("python echo: {line}\n")
    );
    keel_close(stream);
    let out = server.finish(deadline);
    out.assert_success();

    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(session.cipher_suite, CipherSuite::TLS_AES_256_GCM_SHA384);
    // keel shares X25519MLKEM768 and X25519; OpenSSL 3.0 knows only the
    // latter.
    assert_eq!(session.group, NamedGroup::X25519);
    assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
    // TLS 1.3 signs with RSA-PSS, never PKCS#1 v1.5 (RFC 8446 §4.2.3).
    let scheme = session.signature_scheme.to_string();
    assert!(scheme.starts_with("rsa_pss_rsae_"), "{scheme}");
    assert_eq!(
        session.peer_certificates.first(),
        Some(&pki().rsa_server.cert_der)
    );

    let report = report(&out);
    assert_eq!(report["version"], "TLSv1.3", "{out}");
    assert_eq!(report["cipher"], "TLS_AES_256_GCM_SHA384", "{out}");
    assert_eq!(report["alpn"], ALPN, "{out}");
    assert_eq!(report["received"], line, "{out}");
}
