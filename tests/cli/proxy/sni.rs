//! `keel proxy` with several certificates: each client gets the one for
//! the server name it asks for and reaches the upstream routed for that
//! name (`--route`); a name with no route goes to `--upstream`, or is
//! refused at the handshake with unrecognized_name when there is none
//! (a TLS 1.3 client without SNI: missing_extension), as keel's client
//! and `openssl s_client` both report. On SIGHUP the files
//! are read again: new clients get the new certificate, open connections
//! lose no byte, a session resumes across the reload, and a broken file
//! keeps the old certificates with a warning naming it.
//!
//! Each upstream is tagged: it sends its tag on a line of its own first,
//! so the client sees which one it reached. Each certificate has a common
//! name of its own, which the client reads from the chain it was sent.

use x509_parser::prelude::FromDer;

use super::*;

/// A CA held in memory and the certificates it issues, as PEM files in a
/// temporary directory.
struct Sites {
    dir: TempDir,
    ca: CertificateParams,
    ca_key: KeyPair,
}

impl Sites {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        let mut ca = CertificateParams::default();
        ca.distinguished_name
            .push(DnType::CommonName, "keel proxy sni test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        std::fs::write(dir.0.join("ca.pem"), ca_cert.pem()).unwrap();
        Self { dir, ca, ca_key }
    }

    /// Writes `FILE.pem` and `FILE.key`: a certificate with common name
    /// `cn` for the DNS names `names` and 127.0.0.1 (for clients that send
    /// no SNI). Returns the two paths.
    fn issue(&self, file: &str, cn: &str, names: &[&str]) -> (String, String) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params
            .signed_by(&key, &Issuer::from_params(&self.ca, &self.ca_key))
            .unwrap();
        let (cert_path, key_path) = (
            self.dir.file(&format!("{file}.pem")),
            self.dir.file(&format!("{file}.key")),
        );
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    }

    /// A keel client trusting the CA.
    fn connector(&self) -> TlsConnector {
        let ca = std::fs::read(self.dir.0.join("ca.pem")).unwrap();
        let config = ClientConfig::builder()
            .with_root_certificates(TrustStore::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        TlsConnector::from(config)
    }
}

/// What a client saw: the common name of the certificate it was given,
/// and the tag of the upstream it reached.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    cn: String,
    upstream: String,
}

impl Seen {
    fn new(cn: &str, upstream: &str) -> Self {
        Self {
            cn: cn.to_owned(),
            upstream: upstream.to_owned(),
        }
    }
}

/// A keel client asking for `name` (an IP address: no SNI): the handshake,
/// the tag of the upstream it reached, one line there and back, the
/// close. The error is the handshake's, as the client reports it.
async fn visit(connector: &TlsConnector, proxy: SocketAddr, name: &str) -> Result<Seen, String> {
    let tcp = tokio::net::TcpStream::connect(proxy).await.unwrap();
    let mut tls = tokio::time::timeout(DEADLINE, connector.connect(name, tcp))
        .await
        .expect("the handshake did not end")
        .map_err(|e| e.to_string())?;
    let cn = common_name(&tls);
    let tag = read_line(&mut tls).await;
    tls.write_all(b"ping\n").await.unwrap();
    assert_eq!(read_line(&mut tls).await, "ping", "{name}");
    assert!(read_to_close_notify(&mut tls).await.is_empty());
    Ok(Seen { cn, upstream: tag })
}

/// The common name of the certificate the server presented.
fn common_name(tls: &TlsStream<tokio::net::TcpStream>) -> String {
    let session = tls.session().expect("no session after the handshake");
    let leaf = session.peer_certificates.first().expect("no certificate");
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(leaf.as_ref()).unwrap();
    let cn = cert.subject().iter_common_name().next().unwrap();
    cn.as_str().unwrap().to_owned()
}

/// One line from the stream, without its newline.
async fn read_line(tls: &mut TlsStream<tokio::net::TcpStream>) -> String {
    let mut line = Vec::new();
    loop {
        let byte = tokio::time::timeout(DEADLINE, tls.read_u8())
            .await
            .expect("no line in time")
            .unwrap();
        if byte == b'\n' {
            return String::from_utf8(line).unwrap();
        }
        line.push(byte);
    }
}

/// `openssl s_client` asking for `servername` (`None`: no SNI), sending
/// one line; returns what it printed, stdout then stderr. It goes on
/// after a certificate it cannot verify, as it does by default.
fn s_client(proxy: SocketAddr, servername: Option<&str>, extra: &[&str]) -> String {
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-ign_eof", "-connect"])
        .arg(proxy.to_string());
    match servername {
        Some(name) => command.args(["-servername", name]),
        None => command.arg("-noservername"),
    };
    command.args(extra);
    let output = run_with_deadline(command, b"ping\n");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether s_client printed `line` as a line of its own (what the
/// upstream sent, among s_client's reports).
fn printed(out: &str, line: &str) -> bool {
    out.lines().any(|l| l == line)
}

/// Sends SIGHUP, as `systemctl reload` does.
fn hang_up(proxy: &Proxy) {
    let status = Command::new("kill")
        .args(["-HUP", &proxy.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -HUP failed");
}

/// Waits for a log line containing `needle` and returns it.
fn log_line(proxy: &Proxy, needle: &str) -> String {
    let deadline = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match proxy
            .stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(line) if line.contains(needle) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!("no log line with {needle:?}; saw:\n{}", seen.join("\n")),
        }
    }
}

// ---------------------------------------------------------------------
// Certificates and routes
// ---------------------------------------------------------------------

#[test]
fn each_server_name_gets_its_certificate_and_its_upstream() {
    let sites = Sites::new("sni-routes");
    let fallback = sites.issue("default", "default site", &["default.test"]);
    let a = sites.issue("a", "site a", &["a.test"]);
    let b = sites.issue("b", "site b", &["*.b.test"]);
    let (up_a, up_b, up_default) = (
        Upstream::start(Behaviour::Tagged("A")),
        Upstream::start(Behaviour::Tagged("B")),
        Upstream::start(Behaviour::Tagged("D")),
    );
    let (route_a, route_b, default) = (
        format!("a.test={}", up_a.addr),
        format!("x.b.test={}", up_b.addr),
        up_default.addr.to_string(),
    );
    let proxy = Proxy::start_with(&[
        "--upstream",
        &default,
        "--route",
        &route_a,
        "--route",
        &route_b,
        "--cert",
        &fallback.0,
        "--key",
        &fallback.1,
        "--cert",
        &a.0,
        "--key",
        &a.1,
        "--cert",
        &b.0,
        "--key",
        &b.1,
    ]);
    let connector = sites.connector();
    runtime().block_on(async {
        for (name, seen) in [
            ("a.test", Seen::new("site a", "A")),
            // Names compare as DNS names do, whatever their case.
            ("A.TEST", Seen::new("site a", "A")),
            ("x.b.test", Seen::new("site b", "B")),
            // The wildcard certificate answers, but no route names it.
            ("y.b.test", Seen::new("site b", "D")),
            ("default.test", Seen::new("default site", "D")),
            // No SNI: the first certificate, the default upstream.
            ("127.0.0.1", Seen::new("default site", "D")),
        ] {
            assert_eq!(
                visit(&connector, proxy.addr, name).await,
                Ok(seen),
                "{name}"
            );
        }
    });
    // A name no certificate covers gets the first certificate (which
    // s_client cannot verify, and says so) and the default upstream.
    let out = s_client(proxy.addr, Some("other.test"), &[]);
    assert!(
        out.contains("CN=default site") || out.contains("CN = default site"),
        "{out}"
    );
    assert!(printed(&out, "D") && printed(&out, "ping"), "{out}");
    let log = proxy.connection_lines(7).join("\n");
    assert!(has(&log, "sni", "x.b.test"), "{log}");
    assert!(has(&log, "upstream", &up_b.addr.to_string()), "{log}");
}

#[test]
fn without_a_default_upstream_other_names_are_refused_at_the_handshake() {
    let sites = Sites::new("sni-refuse");
    let a = sites.issue("a", "site a", &["a.test"]);
    let b = sites.issue("b", "site b", &["*.b.test"]);
    let up_a = Upstream::start(Behaviour::Tagged("A"));
    let route_a = format!("a.test={}", up_a.addr);
    let proxy = Proxy::start_with(&[
        "--route", &route_a, "--cert", &a.0, "--key", &a.1, "--cert", &b.0, "--key", &b.1,
    ]);
    let connector = sites.connector();
    runtime().block_on(async {
        assert_eq!(
            visit(&connector, proxy.addr, "a.test").await,
            Ok(Seen::new("site a", "A"))
        );
        // A certificate covers x.b.test, but no route: refused all the
        // same. A client that names no server is told it must (in TLS
        // 1.3, RFC 8446 §9.2).
        for (name, alert) in [
            ("x.b.test", "unrecognized_name"),
            ("other.test", "unrecognized_name"),
            ("127.0.0.1", "missing_extension"),
        ] {
            let err = visit(&connector, proxy.addr, name).await.unwrap_err();
            assert!(
                err.contains(&format!("peer sent fatal alert {alert}")),
                "{name}: {err}"
            );
        }
    });
    // OpenSSL's words for the alerts, and their numbers.
    for (version, name, alert, number) in [
        ("-tls1_3", Some("other.test"), "unrecognized name", 112),
        ("-tls1_2", Some("other.test"), "unrecognized name", 112),
        ("-tls1_3", None, "missing extension", 109),
        ("-tls1_2", None, "unrecognized name", 112),
    ] {
        let out = s_client(proxy.addr, name, &[version]);
        assert!(
            out.contains(alert) && out.contains(&format!("SSL alert number {number}")),
            "{version} {name:?}: {out}"
        );
    }
    let lines = proxy.connection_lines(8);
    let refused = |alert: &str| lines.iter().filter(|l| l.contains(alert)).count();
    assert_eq!(
        (refused("unrecognized_name"), refused("missing_extension")),
        (5, 2),
        "{}",
        lines.join("\n")
    );
}

#[test]
fn routes_are_checked_at_startup() {
    let sites = Sites::new("sni-startup");
    let a = sites.issue("a", "site a", &["a.test"]);
    let b = sites.issue("b", "site b", &["*.b.test"]);
    let err = proxy_fails(&[
        "--listen",
        "127.0.0.1:0",
        "--route",
        "c.test=127.0.0.1:9",
        "--route",
        "a.test=127.0.0.1:9",
        "--cert",
        &a.0,
        "--key",
        &a.1,
        "--cert",
        &b.0,
        "--key",
        &b.1,
    ]);
    assert_eq!(
        err.trim_end(),
        "error: --route c.test: no certificate covers c.test (the certificates' DNS names: a.test, *.b.test)"
    );
    // One label under the wildcard is covered; two are not.
    let err = proxy_fails(&[
        "--listen",
        "127.0.0.1:0",
        "--route",
        "x.y.b.test=127.0.0.1:9",
        "--cert",
        &b.0,
        "--key",
        &b.1,
    ]);
    assert!(
        err.starts_with("error: --route x.y.b.test: no certificate covers"),
        "{err}"
    );
    let err = proxy_fails(&[
        "--listen",
        "127.0.0.1:0",
        "--route",
        "a.test=127.0.0.1:9",
        "--route",
        "A.Test.=127.0.0.1:10",
        "--cert",
        &a.0,
        "--key",
        &a.1,
    ]);
    assert_eq!(err.trim_end(), "error: --route a.test is given twice");
    let err = proxy_fails(&[
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "127.0.0.1:9",
        "--cert",
        &a.0,
        "--cert",
        &b.0,
        "--key",
        &a.1,
    ]);
    assert!(
        err.starts_with("error: --cert is given 2 times and --key 1"),
        "{err}"
    );

    // Usage errors, named by clap: neither --upstream nor --route, and a
    // route that is not NAME=HOST:PORT.
    for (args, says) in [
        (
            vec!["--cert", a.0.as_str(), "--key", a.1.as_str()],
            "--upstream <HOST:PORT>",
        ),
        (
            vec![
                "--route",
                "a.test",
                "--cert",
                a.0.as_str(),
                "--key",
                a.1.as_str(),
            ],
            "is not NAME=HOST:PORT",
        ),
        (
            vec![
                "--route",
                "*.b.test=127.0.0.1:9",
                "--cert",
                b.0.as_str(),
                "--key",
                b.1.as_str(),
            ],
            "not a DNS host name",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_keel"))
            .args(["proxy", "--listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

// ---------------------------------------------------------------------
// Reloading on SIGHUP
// ---------------------------------------------------------------------

/// A proxy in front of one echoing upstream, with the certificate
/// `site.pem`/`site.key` for a.test.
fn reloadable(sites: &Sites, upstream: &Upstream) -> Proxy {
    let (cert, key) = (sites.dir.file("site.pem"), sites.dir.file("site.key"));
    Proxy::start_with(&[
        "--upstream",
        &upstream.addr.to_string(),
        "--cert",
        &cert,
        "--key",
        &key,
    ])
}

/// A client streams through the proxy while it reloads five times: every
/// byte comes back, in order, and clients that connect between reloads
/// are served too.
#[test]
fn a_client_streaming_through_several_reloads_loses_no_byte() {
    const CHUNK: usize = 8 * 1024;
    const CHUNKS: usize = 400;
    let sites = Sites::new("sni-stream");
    sites.issue("site", "site a", &["a.test"]);
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = reloadable(&sites, &upstream);
    let connector = sites.connector();
    runtime().block_on(async {
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let tls = connector.connect("a.test", tcp).await.unwrap();
        let (mut from_proxy, mut to_proxy) = tokio::io::split(tls);
        let sent = pattern(CHUNK * CHUNKS, 3);
        let to_send = sent.clone();
        // Written a chunk at a time with pauses, so that the reloads fall
        // in the middle of the stream.
        let writer = tokio::spawn(async move {
            for chunk in to_send.chunks(CHUNK) {
                to_proxy.write_all(chunk).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            to_proxy.shutdown().await.unwrap();
        });
        let reader = tokio::spawn(async move {
            let mut back = Vec::new();
            tokio::time::timeout(DEADLINE, from_proxy.read_to_end(&mut back))
                .await
                .expect("the echo did not end")
                .expect("the stream ended without close_notify");
            back
        });
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(120)).await;
            hang_up(&proxy);
            log_line(&proxy, "certificates reloaded");
            let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
            let mut other = connector.connect("a.test", tcp).await.unwrap();
            other.write_all(b"between").await.unwrap();
            let mut echo = [0u8; 7];
            other.read_exact(&mut echo).await.unwrap();
            assert_eq!(&echo, b"between");
            other.shutdown().await.unwrap();
        }
        assert!(!writer.is_finished(), "the stream ended before the reloads");
        writer.await.unwrap();
        let back = reader.await.unwrap();
        assert_eq!(back.len(), sent.len());
        assert!(back == sent, "the echo differs from what was sent");
    });
}

/// New certificate files and SIGHUP: a new client gets the new
/// certificate; a client connected before keeps its connection.
#[test]
fn after_a_reload_new_clients_get_the_new_certificate() {
    let sites = Sites::new("sni-renew");
    sites.issue("site", "site a, first", &["a.test"]);
    let upstream = Upstream::start(Behaviour::Tagged("A"));
    let proxy = reloadable(&sites, &upstream);
    let connector = sites.connector();
    runtime().block_on(async {
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let mut before = connector.connect("a.test", tcp).await.unwrap();
        assert_eq!(common_name(&before), "site a, first");
        assert_eq!(read_line(&mut before).await, "A");

        sites.issue("site", "site a, renewed", &["a.test"]);
        hang_up(&proxy);
        log_line(&proxy, "certificates reloaded");
        assert_eq!(
            visit(&connector, proxy.addr, "a.test").await,
            Ok(Seen::new("site a, renewed", "A"))
        );

        before.write_all(b"still here\n").await.unwrap();
        assert_eq!(read_line(&mut before).await, "still here");
        assert!(read_to_close_notify(&mut before).await.is_empty());
    });
}

/// A key file that is not a key, then one that does not match the
/// certificate: each reload is refused with a warning naming the file,
/// and clients keep getting the old certificate; fixed files load.
#[test]
fn a_broken_file_keeps_the_old_certificate_and_is_named() {
    let sites = Sites::new("sni-broken");
    let (cert, key) = sites.issue("site", "site a, first", &["a.test"]);
    let upstream = Upstream::start(Behaviour::Tagged("A"));
    let proxy = reloadable(&sites, &upstream);
    let connector = sites.connector();
    let first = Seen::new("site a, first", "A");
    let stray = KeyPair::generate().unwrap().serialize_pem();
    for (broken, why) in [
        ("not a key\n".to_owned(), key.as_str()),
        (stray, "does not match"),
    ] {
        std::fs::write(&key, broken).unwrap();
        hang_up(&proxy);
        let warning = log_line(&proxy, "reload failed");
        assert!(warning.contains("WARN"), "{warning}");
        assert!(warning.contains(&key) && warning.contains(why), "{warning}");
        let seen = runtime().block_on(visit(&connector, proxy.addr, "a.test"));
        assert_eq!(seen, Ok(Seen::new(&first.cn, &first.upstream)));
    }
    std::fs::remove_file(&cert).unwrap();
    hang_up(&proxy);
    let warning = log_line(&proxy, "reload failed");
    assert!(
        warning.contains(&format!("cannot read {cert}")),
        "{warning}"
    );

    sites.issue("site", "site a, fixed", &["a.test"]);
    hang_up(&proxy);
    log_line(&proxy, "certificates reloaded");
    let seen = runtime().block_on(visit(&connector, proxy.addr, "a.test"));
    assert_eq!(seen, Ok(Seen::new("site a, fixed", "A")));
}

/// A session from before a reload (one that renewed the certificate)
/// resumes after it, by ticket, in both versions: the reloaded
/// configuration keeps the ticket keys.
#[test]
fn a_session_resumes_across_a_reload() {
    let sites = Sites::new("sni-resume");
    sites.issue("site", "site a, first", &["a.test"]);
    let upstream = Upstream::start(Behaviour::Tagged("A"));
    let proxy = reloadable(&sites, &upstream);
    let ca = sites.dir.file("ca.pem");
    for (version, name) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
        let file = sites.dir.file(&format!("session{version}.pem"));
        let first = s_client(
            proxy.addr,
            Some("a.test"),
            &[version, "-CAfile", &ca, "-sess_out", &file],
        );
        assert!(first.contains(&format!("New, {name}")), "{first}");
        assert!(printed(&first, "A") && printed(&first, "ping"), "{first}");

        sites.issue("site", &format!("site a, after {version}"), &["a.test"]);
        hang_up(&proxy);
        log_line(&proxy, "certificates reloaded");

        let second = s_client(
            proxy.addr,
            Some("a.test"),
            &[version, "-CAfile", &ca, "-sess_in", &file],
        );
        assert!(second.contains(&format!("Reused, {name}")), "{second}");
        assert!(
            printed(&second, "A") && printed(&second, "ping"),
            "{second}"
        );
    }
}

/// `--cert-dir`: every NAME.pem with its NAME.key answers for its names;
/// a site added to the directory is served after SIGHUP, and a
/// certificate whose key is not there yet keeps the old set.
#[test]
fn a_certificate_directory_is_listed_again_on_reload() {
    let sites = Sites::new("sni-dir");
    let dir = TempDir::new("sni-dir-certs");
    let upstream = Upstream::start(Behaviour::Tagged("D"));
    let place = |name: &str, cn: &str, names: &[&str]| {
        let (cert, key) = sites.issue(name, cn, names);
        std::fs::rename(cert, dir.file(&format!("{name}.pem"))).unwrap();
        std::fs::rename(key, dir.file(&format!("{name}.key"))).unwrap();
    };
    place("a", "site a", &["a.test"]);
    place("b", "site b", &["b.test"]);
    let proxy = Proxy::start_with(&[
        "--upstream",
        &upstream.addr.to_string(),
        "--cert-dir",
        dir.0.to_str().unwrap(),
    ]);
    let connector = sites.connector();
    let visit_all = |names: &[(&str, &str)]| {
        runtime().block_on(async {
            for (name, cn) in names {
                assert_eq!(
                    visit(&connector, proxy.addr, name).await,
                    Ok(Seen::new(cn, "D")),
                    "{name}"
                );
            }
        });
    };
    // The first file by name is the default: a.pem for a client without
    // SNI.
    visit_all(&[
        ("a.test", "site a"),
        ("b.test", "site b"),
        ("127.0.0.1", "site a"),
    ]);

    // A certificate without its key: the reload is refused, naming it.
    let (cert, _) = sites.issue("c", "site c", &["c.test"]);
    let lone = dir.file("c.pem");
    std::fs::rename(cert, &lone).unwrap();
    hang_up(&proxy);
    let warning = log_line(&proxy, "reload failed");
    assert!(
        warning.contains(&format!("{lone} has no key beside it")),
        "{warning}"
    );
    visit_all(&[("b.test", "site b")]);

    place("c", "site c", &["c.test"]);
    hang_up(&proxy);
    let reloaded = log_line(&proxy, "certificates reloaded");
    assert!(reloaded.contains("certificates=3"), "{reloaded}");
    visit_all(&[("c.test", "site c"), ("a.test", "site a")]);
}
