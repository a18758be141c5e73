//! `keel proxy --metrics`: the endpoint scraped over plain TCP as a
//! Prometheus server would, its text parsed and checked line by line, and
//! the counts compared with what the test's own clients did.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    Behaviour, DEADLINE, Pki, Proxy, Upstream, closed_port, connect, has, read_to_close_notify,
    runtime,
};

/// One sample of a scrape.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed scrape.
#[derive(Debug)]
pub(super) struct Scrape(Vec<Sample>);

impl Scrape {
    /// The value of the sample `name` with exactly `labels`, if there is
    /// one.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.0
            .iter()
            .find(|s| s.name == name && s.labels == labels)
            .map(|s| s.value)
    }

    /// Like [`Self::get`], for a sample that must be there.
    pub(super) fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no sample {name} {labels:?} in {:#?}", self.0))
    }

    /// The sum of every sample of `name`, whatever its labels.
    pub(super) fn sum(&self, name: &str) -> f64 {
        self.0
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.value)
            .sum()
    }
}

/// Whether `name` is a metric or label name as Prometheus allows:
/// `[a-zA-Z_:][a-zA-Z0-9_:]*` (no colon in label names).
fn is_name(name: &str, colon: bool) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic() || c == '_' || (colon && c == ':') || (!first && c.is_ascii_digit())
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

/// Parses the text exposition format 0.0.4, checking every line: `# HELP`
/// and `# TYPE` at most once per family and before its samples, a TYPE
/// for every sample's family, counters named `..._total`, well-formed
/// names, labels (with their escapes) and values. Panics on the first line
/// that is not.
fn parse(text: &str) -> Scrape {
    assert!(
        text.ends_with('\n'),
        "the last line is unterminated: {text}"
    );
    let mut types: HashMap<String, String> = HashMap::new();
    let mut helped: Vec<String> = Vec::new();
    let mut sampled: Vec<String> = Vec::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _help) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(is_name(name, true), "bad name: {line}");
            assert!(!helped.contains(&name.to_owned()), "second HELP: {line}");
            assert!(
                !sampled.contains(&name.to_owned()),
                "HELP after samples: {line}"
            );
            helped.push(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect(line);
            assert!(is_name(name, true), "bad name: {line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "bad type: {line}"
            );
            if kind == "counter" {
                assert!(name.ends_with("_total"), "a counter without _total: {line}");
            }
            assert!(
                !sampled.contains(&name.to_owned()),
                "TYPE after samples: {line}"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "second TYPE: {line}"
            );
        } else {
            assert!(
                !line.starts_with('#') && !line.is_empty(),
                "bad line: {line:?}"
            );
            let sample = parse_sample(line);
            assert!(
                types.contains_key(&sample.name),
                "a sample with no TYPE before it: {line}"
            );
            sampled.push(sample.name.clone());
            samples.push(sample);
        }
    }
    Scrape(samples)
}

/// `name{label="value",...} value`, or `name value`.
fn parse_sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).expect(line);
    let name = &line[..name_end];
    assert!(is_name(name, true), "bad name: {line}");
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        while !rest.starts_with('}') {
            let (label, after) = rest.split_once("=\"").expect(line);
            assert!(is_name(label, false), "bad label name: {line}");
            // The value runs to the first unescaped quote.
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next().expect(line) {
                    (_, '\\') => match chars.next().expect(line).1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        other => panic!("bad escape \\{other}: {line}"),
                    },
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            assert!(
                labels.insert(label.to_owned(), value).is_none(),
                "label twice: {line}"
            );
            rest = &after[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        rest = &rest[1..];
    }
    let value = rest.strip_prefix(' ').expect(line);
    let value: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("bad value: {line}"));
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// An answer of the endpoint.
struct Answer {
    status: String,
    content_type: String,
    body: String,
}

/// Sends `request` to the metrics endpoint over plain TCP and reads the
/// answer to the end of the connection.
fn http(addr: SocketAddr, request: &str) -> Answer {
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(DEADLINE)).unwrap();
    tcp.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    tcp.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect(&raw);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let mut headers = HashMap::new();
    for line in lines {
        let (name, value) = line.split_once(": ").expect(line);
        headers.insert(name.to_ascii_lowercase(), value.to_owned());
    }
    assert_eq!(
        headers.get("content-length").map(String::as_str),
        Some(body.len().to_string().as_str()),
        "{raw}"
    );
    Answer {
        status,
        content_type: headers.remove("content-type").unwrap_or_default(),
        body: body.to_owned(),
    }
}

/// Scrapes `GET /metrics` and parses it.
pub(super) fn scrape(proxy: &Proxy) -> Scrape {
    let addr = proxy.metrics.expect("no \"metrics on\" line");
    let answer = http(addr, "GET /metrics HTTP/1.1\r\nHost: keel\r\n\r\n");
    assert_eq!(answer.status, "HTTP/1.1 200 OK");
    assert!(
        answer.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        answer.content_type
    );
    parse(&answer.body)
}

/// Scrapes until no connection is open: a connection leaves the gauge
/// just after its log line is written.
pub(super) fn scrape_when_idle(proxy: &Proxy) -> Scrape {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let scrape = scrape(proxy);
        if scrape.value("keel_proxy_connections_open", &[]) == 0.0 {
            return scrape;
        }
        assert!(
            Instant::now() < deadline,
            "connections stay open: {scrape:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_metrics_count_what_the_clients_did() {
    let pki = Pki::new("metrics");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--metrics", "127.0.0.1:0"]);

    // Before any client: every plain counter is there, at zero.
    let before = scrape(&proxy);
    for name in [
        "keel_proxy_connections_open",
        "keel_proxy_connections_accepted_total",
        "keel_proxy_client_to_upstream_bytes_total",
        "keel_proxy_upstream_to_client_bytes_total",
        "keel_proxy_upstream_connect_failures_total",
        "keel_proxy_handshakes_evicted_total",
    ] {
        assert_eq!(before.value(name, &[]), 0.0, "{name}");
    }

    let connector = pki.connector(false);
    let sent = b"counted on the way up, and again on the way down";
    let cipher = runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        let cipher = tls.connection().session().unwrap().cipher_suite.to_string();
        tls.write_all(sent).await.unwrap();
        tls.flush().await.unwrap();
        let mut echo = vec![0u8; sent.len()];
        tls.read_exact(&mut echo).await.unwrap();
        assert_eq!(echo, sent);
        tls.shutdown().await.unwrap();
        assert!(read_to_close_notify(&mut tls).await.is_empty());

        // The certificate is not for this name: the client refuses it
        // with bad_certificate.
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let refused = connector.connect("wrong.example", tcp).await;
        assert!(refused.is_err(), "the wrong name was accepted");
        cipher
    });
    let log = proxy.connection_lines(2).join("\n");

    let after = scrape_when_idle(&proxy);
    let count = |name, labels: &[(&str, &str)]| after.value(name, labels);
    assert_eq!(count("keel_proxy_connections_accepted_total", &[]), 2.0);
    let handshake = [
        ("version", "TLSv1.3"),
        ("cipher", cipher.as_str()),
        ("resumed", "false"),
    ];
    assert_eq!(count("keel_proxy_handshakes_total", &handshake), 1.0);
    assert_eq!(after.sum("keel_proxy_handshakes_total"), 1.0);
    assert_eq!(
        count(
            "keel_proxy_handshake_failures_total",
            &[("alert", "bad_certificate")]
        ),
        1.0,
        "{log}"
    );
    assert_eq!(after.sum("keel_proxy_handshake_failures_total"), 1.0);
    let len = sent.len() as f64;
    assert_eq!(count("keel_proxy_client_to_upstream_bytes_total", &[]), len);
    assert_eq!(count("keel_proxy_upstream_to_client_bytes_total", &[]), len);
    assert_eq!(
        count(
            "keel_proxy_connections_closed_total",
            &[("end", "client_close_notify")]
        ),
        1.0
    );
    assert_eq!(
        count(
            "keel_proxy_connections_closed_total",
            &[("end", "handshake_failed")]
        ),
        1.0
    );
    assert_eq!(after.sum("keel_proxy_connections_closed_total"), 2.0);
    assert_eq!(
        count("keel_proxy_upstream_connect_failures_total", &[]),
        0.0
    );

    // Only GET /metrics is answered.
    let addr = proxy.metrics.unwrap();
    for request in [
        "GET / HTTP/1.1\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    ] {
        assert_eq!(http(addr, request).status, "HTTP/1.1 404 Not Found");
    }
    assert_eq!(
        http(addr, "\x16\x03\x01\x00\x05hello\r\n\r\n").status,
        "HTTP/1.1 400 Bad Request"
    );
}

#[test]
fn a_refused_upstream_counts_as_an_upstream_connect_failure() {
    let pki = Pki::new("metrics-unreachable");
    let proxy = Proxy::start(&pki, closed_port(), &["--metrics", "127.0.0.1:0"]);
    runtime().block_on(async {
        // The proxy's close_notify can come before or after the client
        // sees the handshake complete; either way it ends at once.
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        if let Ok(mut tls) = pki.connector(false).connect("localhost", tcp).await {
            let mut rest = Vec::new();
            let _ = tokio::time::timeout(DEADLINE, tls.read_to_end(&mut rest)).await;
        }
    });
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "upstream unreachable"), "{log}");
    let after = scrape_when_idle(&proxy);
    assert_eq!(
        after.value("keel_proxy_upstream_connect_failures_total", &[]),
        1.0
    );
    assert_eq!(after.sum("keel_proxy_handshakes_total"), 1.0);
    assert_eq!(
        after.value(
            "keel_proxy_connections_closed_total",
            &[("end", "upstream_unreachable")]
        ),
        1.0
    );
}

/// Many clients end the TCP connection without close_notify once they
/// have their answer. When nothing was left undelivered that is an
/// ordinary end, logged at info level, not a failure.
#[test]
fn a_client_gone_without_close_notify_after_its_answer_is_an_ordinary_end() {
    let pki = Pki::new("no-close-notify");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--metrics", "127.0.0.1:0"]);
    let asked = b"echo this, then vanish";
    runtime().block_on(async {
        let mut tls = connect(&pki.connector(false), proxy.addr).await;
        tls.write_all(asked).await.unwrap();
        tls.flush().await.unwrap();
        let mut echo = vec![0u8; asked.len()];
        tls.read_exact(&mut echo).await.unwrap();
        assert_eq!(echo, asked);
        // A FIN, with no close_notify before it; then wait for the proxy
        // to close too, so that nothing is reset.
        let mut tcp = tls.into_inner();
        tcp.shutdown().await.unwrap();
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(DEADLINE, tcp.read_to_end(&mut rest)).await;
    });
    let log = proxy.one_line();
    assert!(
        has(&log, "end", "client closed without close_notify"),
        "{log}"
    );
    assert!(has(&log, "outcome", "ok"), "{log}");
    assert!(
        log.contains(" INFO ") && !log.contains("error"),
        "not an info line: {log}"
    );
    let len = asked.len().to_string();
    assert!(has(&log, "to_upstream", &len), "{log}");
    assert!(has(&log, "to_client", &len), "{log}");
    let after = scrape_when_idle(&proxy);
    assert_eq!(
        after.value(
            "keel_proxy_connections_closed_total",
            &[("end", "client_closed_without_close_notify")]
        ),
        1.0
    );
    assert_eq!(after.sum("keel_proxy_connections_closed_total"), 1.0);
}

/// The same end while the upstream's bytes are still on their way to the
/// client is a loss, and stays a failure.
#[test]
fn a_client_gone_without_close_notify_before_its_answer_is_a_failure() {
    let pki = Pki::new("truncated");
    // More than the sockets on both sides of the proxy can buffer, so
    // that the proxy is still writing when the client leaves.
    let upstream = Upstream::start(Behaviour::Burst(32 * 1024 * 1024));
    let proxy = Proxy::start(&pki, upstream.addr, &["--metrics", "127.0.0.1:0"]);
    let runtime = runtime();
    let tls = runtime.block_on(async {
        let mut tls = connect(&pki.connector(false), proxy.addr).await;
        let mut first = [0u8; 1000];
        tls.read_exact(&mut first).await.unwrap();
        tls
    });
    // Bytes the proxy handed to the kernel count as delivered; wait until
    // the sockets are full and the proxy stops reading the upstream, so
    // that what it holds is its own.
    let relayed = |scrape: &Scrape| scrape.value("keel_proxy_upstream_to_client_bytes_total", &[]);
    let deadline = Instant::now() + DEADLINE;
    let mut last = relayed(&scrape(&proxy));
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = relayed(&scrape(&proxy));
        if now == last {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy never stopped relaying"
        );
        last = now;
    }
    assert!(last < (32 * 1024 * 1024) as f64, "everything was relayed");
    let tcp = runtime.block_on(async {
        // A FIN without close_notify; the rest is never read.
        let mut tcp = tls.into_inner();
        tcp.shutdown().await.unwrap();
        tcp
    });
    let log = proxy.one_line();
    drop(tcp);
    assert!(has(&log, "outcome", "client failed"), "{log}");
    assert!(log.contains("without close_notify"), "{log}");
    assert!(log.contains(" WARN "), "not a warning: {log}");
    let after = scrape_when_idle(&proxy);
    assert_eq!(
        after.value(
            "keel_proxy_connections_closed_total",
            &[("end", "client_failed")]
        ),
        1.0
    );
}
