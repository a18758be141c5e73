//! `keel proxy --proxy-protocol`: the header read by a real receiver,
//! HAProxy, which answers each HTTP request with what it parsed from the
//! header; and the header's bytes as an echo upstream sends them back.
//!
//! HAProxy runs in the foreground (`-db`) on 127.0.0.1, on a port picked
//! by binding port 0 and releasing it (another try if someone else takes
//! it first), with its configuration in the test's temporary directory;
//! it is killed when its guard drops. Without HAProxy the tests fail,
//! saying how to install it.

use std::io::Read as _;
use std::path::Path;

use super::*;

/// What HAProxy answers: the addresses from the PROXY header, and the
/// AUTHORITY TLV (version 2's SNI; empty without one).
const ANSWER: &str =
    "src=%[src]:%[src_port] dst=%[dst]:%[dst_port] authority=%[fc_pp_authority]\\n";

/// A running HAProxy that reads a PROXY header on each connection; killed
/// on drop.
struct Haproxy {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where HAProxy is: on PATH, or where Debian puts it (/usr/sbin, which
/// an ordinary user's PATH may lack).
fn haproxy_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("haproxy"))
        .find(|path| path.is_file());
    let debian = Path::new("/usr/sbin/haproxy");
    match on_path {
        Some(path) => path,
        None if debian.is_file() => debian.to_path_buf(),
        None => panic!(
            "haproxy is not installed (not on PATH, not /usr/sbin/haproxy): these tests need \
             it as the PROXY protocol's receiver; install the Debian package haproxy \
             (`cargo xtask prereq` does, as root)"
        ),
    }
}

impl Haproxy {
    fn start(dir: &TempDir) -> Self {
        let binary = haproxy_binary();
        for _ in 0..5 {
            let port = closed_port().port();
            let config = dir.file("haproxy.cfg");
            std::fs::write(
                &config,
                format!(
                    "defaults\n\
                     \x20   mode http\n\
                     \x20   timeout connect 5s\n\
                     \x20   timeout client 15s\n\
                     \x20   timeout server 15s\n\
                     frontend read_proxy_header\n\
                     \x20   bind 127.0.0.1:{port} accept-proxy\n\
                     \x20   http-request return status 200 content-type text/plain \
                     lf-string \"{ANSWER}\"\n"
                ),
            )
            .unwrap();
            let mut child = Command::new(&binary)
                .args(["-db", "-f", &config])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + DEADLINE;
            let exited = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if std::net::TcpStream::connect(addr).is_ok() {
                    // Stderr is only read on failure: HAProxy writes
                    // nothing more there without a log section.
                    return Self { child, addr };
                }
                assert!(Instant::now() < deadline, "haproxy did not start listening");
                thread::sleep(Duration::from_millis(20));
            };
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            assert!(
                err.contains("cannot bind"),
                "haproxy exited ({exited}):\n{err}"
            );
        }
        panic!("haproxy found no free port in five tries");
    }
}

/// Sends one HTTP request through the proxy; returns the answer's body and
/// the client's own address.
fn request_through(pki: &Pki, proxy: &Proxy) -> (String, SocketAddr) {
    let connector = pki.connector(false);
    runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        let client = tls.get_ref().local_addr().unwrap();
        tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        tls.flush().await.unwrap();
        let answer = read_to_close_notify(&mut tls).await;
        let answer = String::from_utf8(answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
        (body, client)
    })
}

/// HAProxy's answer, through `keel proxy --proxy-protocol VERSION`, and
/// what it should be: the client's real address and port, the proxy's
/// listening address, and the SNI if the header carries it.
fn haproxy_answer(version: &str, authority: &str) -> (String, String) {
    let pki = Pki::new(&format!("pp-{version}-haproxy"));
    let haproxy = Haproxy::start(&pki.dir);
    let proxy = Proxy::start(&pki, haproxy.addr, &["--proxy-protocol", version]);
    let (body, client) = request_through(&pki, &proxy);
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "ok"), "{log}");
    let expected = format!("src={client} dst={} authority={authority}\n", proxy.addr);
    (body, expected)
}

#[test]
fn haproxy_reads_the_clients_address_from_a_v1_header() {
    // Version 1 has no TLVs: no AUTHORITY.
    let (body, expected) = haproxy_answer("v1", "");
    assert_eq!(body, expected);
}

#[test]
fn haproxy_reads_the_clients_address_and_sni_from_a_v2_header() {
    let (body, expected) = haproxy_answer("v2", "localhost");
    assert_eq!(body, expected);
}

/// What an echo upstream sends back through the proxy for `sent`: the
/// header, then `sent`; and the client's own address.
fn echoed(pki: &Pki, proxy: &Proxy, with_certificate: bool, sent: &[u8]) -> (Vec<u8>, SocketAddr) {
    let connector = pki.connector(with_certificate);
    runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        let client = tls.get_ref().local_addr().unwrap();
        tls.write_all(sent).await.unwrap();
        tls.shutdown().await.unwrap();
        (read_to_close_notify(&mut tls).await, client)
    })
}

#[test]
fn the_v1_line_comes_before_the_clients_first_byte() {
    let pki = Pki::new("pp-v1-echo");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--proxy-protocol", "v1"]);
    let (got, client) = echoed(&pki, &proxy, false, b"first bytes");
    let expected = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\nfirst bytes",
        client.port(),
        proxy.addr.port()
    );
    assert_eq!(String::from_utf8(got).unwrap(), expected);
}

/// The SSL TLV as the proxy fills it from the session: a client with a
/// verified certificate (flags SSL, CERT_CONN, CERT_SESS; verify 0), TLS
/// 1.3 and its suite, named as HAProxy names them.
#[test]
fn the_v2_header_carries_the_negotiated_session() {
    let pki = Pki::new("pp-v2-echo");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(
        &pki,
        upstream.addr,
        &["--proxy-protocol", "v2", "--client-ca", &pki.file("ca.pem")],
    );
    let (got, client) = echoed(&pki, &proxy, true, b"first bytes");

    let mut expected = b"\r\n\r\n\0\r\nQUIT\n\x21\x11".to_vec();
    let ssl_value_len = 5 + (3 + 7) + (3 + 22);
    let tlvs_len = (3 + 9) + 3 + ssl_value_len;
    expected.extend_from_slice(&u16::to_be_bytes(12 + tlvs_len));
    expected.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
    expected.extend_from_slice(&client.port().to_be_bytes());
    expected.extend_from_slice(&proxy.addr.port().to_be_bytes());
    expected.extend_from_slice(b"\x02\x00\x09localhost");
    expected.extend_from_slice(&[0x20, 0x00, ssl_value_len as u8, 0x07, 0, 0, 0, 0]);
    expected.extend_from_slice(b"\x21\x00\x07TLSv1.3");
    expected.extend_from_slice(b"\x23\x00\x16TLS_AES_128_GCM_SHA256");
    expected.extend_from_slice(b"first bytes");
    assert_eq!(got, expected);
}
