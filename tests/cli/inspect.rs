//! `keel inspect`, run as a user runs it: the real binary on the real
//! captures of keel-wire and the whole sessions of keel-record, and on
//! malformed inputs built here from them.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

// ---------------------------------------------------------------------
// Running the binary and reading the data
// ---------------------------------------------------------------------

/// Runs `keel inspect ARGS`, with `stdin` on standard input.
fn keel(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("inspect")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start keel");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `keel inspect ARGS FILE` and expects success with nothing on stderr.
fn inspect_ok(args: &[&str], file: &Path) -> String {
    let mut all: Vec<&str> = args.to_vec();
    let path = file.to_str().unwrap();
    all.push(path);
    let out = keel(&all, &[]);
    assert!(
        out.status.success(),
        "{path}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{path}: stderr not empty");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `keel inspect ARGS` on `input` (as stdin) and expects exit status 1
/// with exactly one `error: ` line on stderr, which it returns with stdout.
fn inspect_err(args: &[&str], input: &[u8]) -> (String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.push("-");
    let out = keel(&all, input);
    assert_eq!(out.status.code(), Some(1), "exit status");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line, got {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{stderr:?}");
    (String::from_utf8(out.stdout).unwrap(), lines[0].to_owned())
}

fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keel-wire/tests/data/captures")
}

fn sessions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keel-record/tests/data/sessions")
}

fn bin_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", dir.display());
    files
}

fn capture(name: &str) -> PathBuf {
    captures_dir().join(name)
}

/// The record offsets of a well-formed stream, by a walk of its own.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        offsets.push(at);
        at += 5 + usize::from(u16::from_be_bytes([bytes[at + 3], bytes[at + 4]]));
    }
    assert_eq!(at, bytes.len(), "test data ends on a record boundary");
    offsets
}

/// Each stdout line as JSON.
fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn records(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter_map(|line| line.get("record")).collect()
}

fn messages(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter_map(|line| line.get("message"))
        .collect()
}

/// The handshake message types, in order, leaving out alerts and CCS.
fn handshake_types(lines: &[Value]) -> Vec<String> {
    messages(lines)
        .iter()
        .map(|message| message["type"].as_str().unwrap().to_owned())
        .filter(|kind| kind != "change_cipher_spec" && kind != "alert")
        .collect()
}

/// A record of `content_type` holding `fragment`.
fn record(content_type: u8, version: [u8; 2], fragment: &[u8]) -> Vec<u8> {
    let len = u16::try_from(fragment.len()).unwrap().to_be_bytes();
    let mut out = vec![content_type, version[0], version[1], len[0], len[1]];
    out.extend_from_slice(fragment);
    out
}

/// A handshake message of `handshake_type` with `body`.
fn handshake(handshake_type: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![handshake_type, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

/// A ClientHello body: TLS 1.2, a fixed random, `session_id`, the raw
/// `suites` vector (length prefix included), null compression, no
/// extensions block.
fn client_hello_body(session_id: &[u8], suites: &[u8]) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x5a; 32]);
    body.push(u8::try_from(session_id.len()).unwrap());
    body.extend_from_slice(session_id);
    body.extend_from_slice(suites);
    body.extend_from_slice(&[1, 0]);
    body
}

/// The first record of a capture, and the rest.
fn first_record(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = 5 + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
    bytes.split_at(end)
}

// ---------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------

#[test]
fn text_shows_what_the_client_offered() {
    let text = inspect_ok(&[], &capture("openssl_ecdsa_sni_alpn.c2s.bin"));
    assert!(text.starts_with("record at 0: handshake, TLSv1.0, length 219\n"));
    assert!(text.contains("  client_hello at 5, length 215\n"), "{text}");
    assert!(text.contains("client_version: TLSv1.2 (0x0303)"));
    assert!(text.contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)"));
    assert!(text.contains("server_name (0x0000):"));
    assert!(text.contains("name_type: host_name (0x00)"));
    assert!(text.contains("name: \"localhost\""), "{text}");
    assert!(text.contains("application_layer_protocol_negotiation (0x0010):"));
    assert!(text.contains("\"h2\"") && text.contains("\"http/1.1\""));
    assert!(text.contains("x25519 (0x001d)"));
    assert!(text.contains("extended_master_secret (0x0017): (empty)"));
    assert!(text.contains("client_key_exchange at 229, length 33"));
    assert!(text.contains("record at 266: change_cipher_spec, TLSv1.2, length 1"));
    assert!(text.contains("  change_cipher_spec at 271, length 1"));
}

#[test]
fn text_shows_the_server_flight() {
    let text = inspect_ok(&[], &capture("openssl_ecdsa_sni_alpn.s2c.bin"));
    for expected in [
        "server_hello at 5",
        "cipher_suite: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)",
        "protocol_name_list (1):",
        "\"h2\"",
        "certificate_list (2):",
        "curve_type: named_curve (0x03)",
        "named_group: x25519 (0x001d)",
        "algorithm: ecdsa_secp256r1_sha256 (0x0403)",
        "server_hello_done at",
        "new_session_ticket at",
        "ticket_lifetime_hint: 7200",
        "change_cipher_spec at",
    ] {
        assert!(text.contains(expected), "missing {expected:?}:\n{text}");
    }
}

#[test]
fn text_shows_each_message_kind_of_the_captures() {
    let auth = inspect_ok(&[], &capture("openssl_client_auth.s2c.bin"));
    assert!(auth.contains("certificate_request at"));
    assert!(auth.contains("certificate_types (") && auth.contains("ecdsa_sign (0x40)"));
    let verify = inspect_ok(&[], &capture("openssl_client_auth.c2s.bin"));
    assert!(verify.contains("certificate_verify at"));
    let ocsp = inspect_ok(&[], &capture("openssl_ocsp_stapling.s2c.bin"));
    assert!(ocsp.contains("certificate_status at"));
    assert!(ocsp.contains("status_type: ocsp (0x01)"));
    assert!(ocsp.contains("response (698 bytes):"));
    let gnutls = inspect_ok(&[], &capture("gnutls.c2s.bin"));
    assert!(gnutls.contains("record_size_limit (0x001c):"));
    assert!(gnutls.contains("certificate_list: (none)"), "{gnutls}");
}

#[test]
fn records_after_change_cipher_spec_are_encrypted_and_not_decoded() {
    for path in bin_files(&sessions_dir()) {
        let bytes = std::fs::read(&path).unwrap();
        let offsets = record_offsets(&bytes);
        let ccs = offsets.iter().position(|&at| bytes[at] == 20).unwrap();
        let text = inspect_ok(&[], &path);
        let record_lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("record at "))
            .collect();
        assert_eq!(record_lines.len(), offsets.len(), "{}", path.display());
        for (index, line) in record_lines.iter().enumerate() {
            assert!(line.starts_with(&format!("record at {}: ", offsets[index])));
            assert_eq!(
                line.ends_with(", encrypted (not decoded)"),
                index > ccs,
                "{}: {line}",
                path.display()
            );
        }
        // The encrypted Finished is a handshake record, but nothing in it
        // is read.
        assert!(!text.contains("finished"), "{}", path.display());
        // Message lines are indented by exactly two spaces.
        let last_message = text
            .lines()
            .rfind(|l| l.starts_with("  ") && !l.starts_with("   "))
            .unwrap();
        assert!(
            last_message.contains("change_cipher_spec"),
            "{last_message}"
        );
    }
}

// ---------------------------------------------------------------------
// JSON output
// ---------------------------------------------------------------------

/// The handshake messages of each capture, in order, as its README lists
/// them.
const CAPTURE_MESSAGES: &[(&str, &[&str])] = &[
    (
        "curl_openssl.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    (
        "curl_openssl.s2c.bin",
        &[
            "server_hello",
            "certificate",
            "server_key_exchange",
            "server_hello_done",
        ],
    ),
    (
        "gnutls.c2s.bin",
        &["client_hello", "certificate", "client_key_exchange"],
    ),
    (
        "gnutls.s2c.bin",
        &[
            "server_hello",
            "certificate",
            "server_key_exchange",
            "certificate_request",
            "server_hello_done",
            "new_session_ticket",
        ],
    ),
    (
        "openssl_client_auth.c2s.bin",
        &[
            "client_hello",
            "certificate",
            "client_key_exchange",
            "certificate_verify",
        ],
    ),
    (
        "openssl_client_auth.s2c.bin",
        &[
            "server_hello",
            "certificate",
            "server_key_exchange",
            "certificate_request",
            "server_hello_done",
            "new_session_ticket",
        ],
    ),
    (
        "openssl_ecdsa_sni_alpn.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    ("openssl_ecdsa_sni_alpn.s2c.bin", SERVER_FLIGHT),
    (
        "openssl_ed25519.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    ("openssl_ed25519.s2c.bin", SERVER_FLIGHT),
    (
        "openssl_ocsp_stapling.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    (
        "openssl_ocsp_stapling.s2c.bin",
        &[
            "server_hello",
            "certificate",
            "certificate_status",
            "server_key_exchange",
            "server_hello_done",
            "new_session_ticket",
        ],
    ),
    (
        "openssl_rsa_chacha20.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    ("openssl_rsa_chacha20.s2c.bin", SERVER_FLIGHT),
    (
        "python_ssl.c2s.bin",
        &["client_hello", "client_key_exchange"],
    ),
    ("python_ssl.s2c.bin", SERVER_FLIGHT),
    ("tls13_curl.c2s.bin", &["client_hello"]),
    ("tls13_curl.s2c.bin", &["server_hello"]),
    ("tls13_gnutls.c2s.bin", &["client_hello"]),
    ("tls13_gnutls.s2c.bin", &["server_hello"]),
    ("tls13_openssl.c2s.bin", &["client_hello"]),
    ("tls13_openssl.s2c.bin", &["server_hello"]),
    (
        "tls13_openssl_hrr.c2s.bin",
        &["client_hello", "client_hello"],
    ),
    (
        "tls13_openssl_hrr.s2c.bin",
        &["hello_retry_request", "server_hello"],
    ),
    ("tls13_openssl_resumption.c2s.bin", &["client_hello"]),
    ("tls13_openssl_resumption.s2c.bin", &["server_hello"]),
    ("tls13_python_ssl.c2s.bin", &["client_hello"]),
    ("tls13_python_ssl.s2c.bin", &["server_hello"]),
];

const SERVER_FLIGHT: &[&str] = &[
    "server_hello",
    "certificate",
    "server_key_exchange",
    "server_hello_done",
    "new_session_ticket",
];

#[test]
fn json_has_a_line_per_record_and_per_message_as_the_captures_readme_says() {
    let files = bin_files(&captures_dir());
    assert_eq!(
        files.len(),
        CAPTURE_MESSAGES.len(),
        "every capture is listed"
    );
    for &(name, expected) in CAPTURE_MESSAGES {
        let path = capture(name);
        let bytes = std::fs::read(&path).unwrap();
        let lines = json_lines(&inspect_ok(&["--json"], &path));
        let records = records(&lines);
        let offsets: Vec<u64> = records
            .iter()
            .map(|record| record["offset"].as_u64().unwrap())
            .collect();
        let expected_offsets: Vec<u64> = record_offsets(&bytes)
            .into_iter()
            .map(|at| at as u64)
            .collect();
        assert_eq!(offsets, expected_offsets, "{name}");
        assert!(records.iter().all(|r| r["encrypted"] == false), "{name}");
        assert_eq!(handshake_types(&lines), expected, "{name}");
        // Every capture holds one ChangeCipherSpec. A TLS 1.2 capture ends
        // with it; in TLS 1.3 the second hellos of a HelloRetryRequest
        // exchange follow it.
        let ccs: Vec<&Value> = messages(&lines)
            .into_iter()
            .filter(|m| m["type"] == "change_cipher_spec")
            .collect();
        assert_eq!(ccs.len(), 1, "{name}");
        assert_eq!(ccs[0]["fields"]["type"], "change_cipher_spec", "{name}");
        let last = messages(&lines).last().copied().unwrap();
        if !name.starts_with("tls13_openssl_hrr") {
            assert_eq!(last["type"], "change_cipher_spec", "{name}");
        }
        // Every line is a record or a message, nothing else.
        assert_eq!(
            records.len() + messages(&lines).len(),
            lines.len(),
            "{name}"
        );
    }
}

#[test]
fn json_marks_every_record_after_the_change_cipher_spec_encrypted() {
    for path in bin_files(&sessions_dir()) {
        let bytes = std::fs::read(&path).unwrap();
        let offsets = record_offsets(&bytes);
        let lines = json_lines(&inspect_ok(&["--json"], &path));
        let records = records(&lines);
        assert_eq!(records.len(), offsets.len(), "{}", path.display());
        let encrypted = records.iter().filter(|r| r["encrypted"] == true).count();
        // README: 7 encrypted records in each direction.
        assert_eq!(encrypted, 7, "{}", path.display());
        let expected: &[&str] = if path.to_str().unwrap().ends_with(".c2s.bin") {
            &["client_hello", "client_key_exchange"]
        } else {
            SERVER_FLIGHT
        };
        assert_eq!(handshake_types(&lines), expected, "{}", path.display());
        let last = records.last().unwrap();
        assert_eq!(last["type"], "alert");
        assert_eq!(last["version"], "TLSv1.2");
    }
}

#[test]
fn json_fields_use_names_and_hex() {
    let lines = json_lines(&inspect_ok(
        &["--json"],
        &capture("openssl_ecdsa_sni_alpn.c2s.bin"),
    ));
    assert_eq!(
        *lines[0].get("record").unwrap(),
        serde_json::json!({
            "offset": 0, "type": "handshake", "version": "TLSv1.0",
            "length": 219, "encrypted": false
        })
    );
    let hello = &lines[1]["message"];
    assert_eq!(hello["type"], "client_hello");
    assert_eq!(hello["offset"], 5);
    assert_eq!(hello["length"], 215);
    let fields = &hello["fields"];
    assert_eq!(fields["client_version"], "TLSv1.2");
    assert_eq!(fields["random"].as_str().unwrap().len(), 64);
    assert_eq!(fields["session_id"], "");
    let suites = fields["cipher_suites"].as_array().unwrap();
    assert_eq!(suites.len(), 28);
    assert!(suites.contains(&"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()));
    let extensions = fields["extensions"].as_array().unwrap();
    let sni = extensions
        .iter()
        .find(|ext| ext["type"] == "server_name")
        .unwrap();
    assert_eq!(
        sni["server_name_list"][0],
        serde_json::json!({
            "name_type": "host_name",
            "name": {"hex": "6c6f63616c686f7374", "text": "localhost"}
        })
    );
    let alpn = extensions
        .iter()
        .find(|ext| ext["type"] == "application_layer_protocol_negotiation")
        .unwrap();
    let names: Vec<&str> = alpn["protocol_name_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name["text"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["h2", "http/1.1"]);
    let ems = extensions
        .iter()
        .find(|ext| ext["type"] == "extended_master_secret")
        .unwrap();
    assert_eq!(*ems, serde_json::json!({"type": "extended_master_secret"}));
}

#[test]
fn values_keel_has_no_name_for_are_numbers_in_json_and_hex_in_text() {
    // A GREASE suite (RFC 8701) before a known one, and no extensions block.
    let body = client_hello_body(&[], &[0, 4, 0x0a, 0x0a, 0xc0, 0x2b]);
    let input = record(22, [3, 1], &handshake(1, &body));
    let out = keel(&["--json", "-"], &input);
    assert!(out.status.success());
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    let fields = &lines[1]["message"]["fields"];
    assert_eq!(
        fields["cipher_suites"],
        serde_json::json!([2570, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"])
    );
    assert_eq!(fields["extensions"], Value::Null);

    let text = String::from_utf8(keel(&["-"], &input).stdout).unwrap();
    assert!(text.contains("      unknown (0x0a0a)\n"), "{text}");
    assert!(text.contains("extensions: (absent)"), "{text}");
}

// ---------------------------------------------------------------------
// TLS 1.3 captures
// ---------------------------------------------------------------------

/// The `extensions` of a JSON message, by type.
fn extension<'a>(message: &'a Value, kind: &str) -> &'a Value {
    message["fields"]["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ext| ext["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {message}"))
}

/// The groups of a ClientHello's key_share, from JSON.
fn client_share_groups(hello: &Value) -> Vec<&str> {
    extension(hello, "key_share")["client_shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|share| share["group"].as_str().unwrap())
        .collect()
}

#[test]
fn text_shows_the_hello_retry_request_and_the_server_hello_after_the_ccs() {
    let text = inspect_ok(&[], &capture("tls13_openssl_hrr.s2c.bin"));
    let lines: Vec<&str> = text.lines().collect();
    let at = |wanted: &str| {
        lines
            .iter()
            .position(|line| *line == wanted)
            .unwrap_or_else(|| panic!("no line {wanted:?}:\n{text}"))
    };
    let hrr = at("  hello_retry_request at 5, length 84");
    let ccs = at("record at 93: change_cipher_spec, TLSv1.2, length 1");
    let hello = at("  server_hello at 104, length 151");
    assert!(hrr < ccs && ccs < hello);
    // The HelloRetryRequest names the group s_server was told to use.
    assert_eq!(lines[hrr + 1], "    legacy_version: TLSv1.2 (0x0303)");
    assert_eq!(
        lines[hrr + 2],
        "    random: cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
    );
    assert!(lines[hrr..ccs].contains(&"        selected_group: secp256r1 (0x0017)"));
    assert!(lines[hrr..ccs].contains(&"        selected_version: TLSv1.3 (0x0304)"));
    // The real ServerHello after the dummy CCS is decoded, with its share.
    let share = &lines[hello..];
    assert!(share.contains(&"        server_share:"), "{text}");
    assert!(share.contains(&"          group: secp256r1 (0x0017)"));
    assert!(share.contains(&"          key_exchange (65 bytes):"));
    assert!(!text.contains("encrypted"), "{text}");
}

#[test]
fn text_shows_the_second_client_hello_after_the_ccs_with_its_new_key_share() {
    let text = inspect_ok(&[], &capture("tls13_openssl_hrr.c2s.bin"));
    let lines: Vec<&str> = text.lines().collect();
    let hellos: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("  client_hello at "))
        .collect();
    assert_eq!(hellos.len(), 2, "{text}");
    assert_eq!(lines[hellos[0]], "  client_hello at 5, length 218");
    assert_eq!(lines[hellos[1]], "  client_hello at 238, length 251");
    let ccs = lines
        .iter()
        .position(|l| *l == "  change_cipher_spec at 232, length 1")
        .unwrap();
    assert!(hellos[0] < ccs && ccs < hellos[1]);
    let groups = |from: usize, to: usize| -> Vec<&str> {
        lines[from..to]
            .iter()
            .filter_map(|l| l.strip_prefix("            group: "))
            .collect()
    };
    assert_eq!(groups(hellos[0], ccs), ["x25519 (0x001d)"]);
    assert_eq!(groups(hellos[1], lines.len()), ["secp256r1 (0x0017)"]);
    assert!(lines[hellos[1]..].contains(&"            key_exchange (65 bytes):"));
    assert!(lines[hellos[1]..].contains(&"          psk_dhe_ke (0x01)"));
    assert!(!text.contains("encrypted"), "{text}");
}

#[test]
fn json_shows_the_tls13_hellos_and_their_key_shares() {
    let client = json_lines(&inspect_ok(
        &["--json"],
        &capture("tls13_openssl_hrr.c2s.bin"),
    ));
    let kinds: Vec<&str> = messages(&client)
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["client_hello", "change_cipher_spec", "client_hello"]
    );
    let hellos = messages(&client);
    assert_eq!(client_share_groups(hellos[0]), ["x25519"]);
    assert_eq!(client_share_groups(hellos[2]), ["secp256r1"]);
    assert_eq!(
        extension(hellos[2], "supported_versions")["versions"],
        serde_json::json!(["TLSv1.3"])
    );
    assert_eq!(hellos[0]["fields"]["random"], hellos[2]["fields"]["random"]);

    let server = json_lines(&inspect_ok(
        &["--json"],
        &capture("tls13_openssl_hrr.s2c.bin"),
    ));
    let server = messages(&server);
    assert_eq!(server[0]["type"], "hello_retry_request");
    assert_eq!(
        *extension(server[0], "key_share"),
        serde_json::json!({"type": "key_share", "selected_group": "secp256r1"})
    );
    assert_eq!(server[2]["type"], "server_hello");
    let share = &extension(server[2], "key_share")["server_share"];
    assert_eq!(share["group"], "secp256r1");
    assert_eq!(share["key_exchange"].as_str().unwrap().len(), 130);

    // GnuTLS shares two groups; the server takes the first.
    let gnutls = json_lines(&inspect_ok(&["--json"], &capture("tls13_gnutls.c2s.bin")));
    assert_eq!(
        client_share_groups(messages(&gnutls)[0]),
        ["secp256r1", "x25519"]
    );
}

#[test]
fn json_shows_the_resumption_psk_as_the_last_extension() {
    let lines = json_lines(&inspect_ok(
        &["--json"],
        &capture("tls13_openssl_resumption.c2s.bin"),
    ));
    let hello = messages(&lines)[0];
    let extensions = hello["fields"]["extensions"].as_array().unwrap();
    let psk = extensions.last().unwrap();
    assert_eq!(psk["type"], "pre_shared_key");
    assert_eq!(psk["identities"].as_array().unwrap().len(), 1);
    let binders = psk["binders"].as_array().unwrap();
    assert_eq!(binders.len(), 1);
    assert_eq!(binders[0].as_str().unwrap().len(), 96, "a 48-byte binder");
    assert_eq!(
        extension(hello, "psk_key_exchange_modes")["ke_modes"],
        serde_json::json!(["psk_dhe_ke"])
    );

    let lines = json_lines(&inspect_ok(
        &["--json"],
        &capture("tls13_openssl_resumption.s2c.bin"),
    ));
    let server = messages(&lines)[0];
    assert_eq!(
        *extension(server, "pre_shared_key"),
        serde_json::json!({"type": "pre_shared_key", "selected_identity": 0})
    );
}

#[test]
fn tls13_records_after_the_plaintext_hellos_are_encrypted() {
    // The captures stop before the first application_data record; two
    // such records (the protected flight) are appended here.
    let protected = [
        record(23, [3, 3], &[0xa5; 40]),
        record(23, [3, 3], &[0x5a; 300]),
    ]
    .concat();
    for name in [
        "tls13_openssl.c2s.bin",
        "tls13_openssl.s2c.bin",
        "tls13_openssl_hrr.c2s.bin",
        "tls13_openssl_hrr.s2c.bin",
        "tls13_gnutls.s2c.bin",
    ] {
        let mut input = std::fs::read(capture(name)).unwrap();
        let plaintext = record_offsets(&input).len();
        input.extend_from_slice(&protected);
        let out = keel(&["--json", "-"], &input);
        assert!(out.status.success(), "{name}");
        let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
        let encrypted: Vec<bool> = records(&lines)
            .iter()
            .map(|r| r["encrypted"].as_bool().unwrap())
            .collect();
        let mut expected = vec![false; plaintext];
        expected.extend([true, true]);
        assert_eq!(encrypted, expected, "{name}");
        let last = records(&lines).last().copied().unwrap();
        assert_eq!(last["type"], "application_data", "{name}");
        assert_eq!(last["length"], 300, "{name}");

        let out = keel(&["-"], &input);
        let text = String::from_utf8(out.stdout).unwrap();
        let marked: Vec<&str> = text
            .lines()
            .filter(|l| l.ends_with(", encrypted (not decoded)"))
            .collect();
        assert_eq!(marked.len(), 2, "{name}:\n{text}");
        assert!(
            marked[1].ends_with(": application_data, TLSv1.2, length 300, encrypted (not decoded)")
        );
    }
}

// ---------------------------------------------------------------------
// --roundtrip
// ---------------------------------------------------------------------

#[test]
fn roundtrip_accepts_every_capture_and_session() {
    let mut files = bin_files(&captures_dir());
    files.extend(bin_files(&sessions_dir()));
    for path in files {
        let plain = inspect_ok(&[], &path);
        assert_eq!(inspect_ok(&["--roundtrip"], &path), plain);
        json_lines(&inspect_ok(&["--roundtrip", "--json"], &path));
    }
}

#[test]
fn messages_split_across_records_are_reassembled() {
    let bytes = std::fs::read(capture("openssl_ecdsa_sni_alpn.c2s.bin")).unwrap();
    let (first, rest) = first_record(&bytes);
    let hello = &first[5..];
    // The ClientHello in three records, cut inside its header and inside
    // its random.
    let mut input = Vec::new();
    for part in [&hello[..2], &hello[2..20], &hello[20..]] {
        input.extend(record(22, [3, 1], part));
    }
    input.extend_from_slice(rest);
    let out = keel(&["--roundtrip", "--json", "-"], &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(records(&lines).len(), 5);
    // The message comes after the record that completes it, and its
    // offset is where it starts.
    assert!(lines[3].get("message").is_some());
    assert_eq!(lines[3]["message"]["type"], "client_hello");
    assert_eq!(lines[3]["message"]["offset"], 5);
    assert_eq!(
        handshake_types(&lines),
        ["client_hello", "client_key_exchange"]
    );
}

// ---------------------------------------------------------------------
// Malformed and truncated input
// ---------------------------------------------------------------------

#[test]
fn odd_cipher_suite_length_names_the_field_and_its_offset() {
    // Record header (5), handshake header (4), version (2), random (32),
    // session id (1 + 4): the suites' length prefix is at offset 48.
    let body = client_hello_body(&[1, 2, 3, 4], &[0, 5, 0xc0, 0x2b, 0xc0, 0x2f, 0x00]);
    let input = record(22, [3, 1], &handshake(1, &body));
    let (stdout, error) = inspect_err(&[], &input);
    assert_eq!(
        error,
        "error: ClientHello.cipher_suites: odd length 5 at offset 48"
    );
    assert_eq!(stdout, "record at 0: handshake, TLSv1.0, length 52\n");

    let (stdout, json_error) = inspect_err(&["--json"], &input);
    assert_eq!(json_error, error);
    assert_eq!(records(&json_lines(&stdout)).len(), 1);
}

#[test]
fn decode_errors_point_into_the_input_when_a_message_is_split() {
    let body = client_hello_body(&[1, 2, 3, 4], &[0, 5, 0xc0, 0x2b, 0xc0, 0x2f, 0x00]);
    let message = handshake(1, &body);
    // First record: 30 bytes of the message (input 5..35); second record:
    // the rest, from input 40. The prefix at message offset 43 is at input
    // 40 + (43 - 30) = 53.
    let mut input = record(22, [3, 1], &message[..30]);
    input.extend(record(22, [3, 1], &message[30..]));
    let (_, error) = inspect_err(&[], &input);
    assert_eq!(
        error,
        "error: ClientHello.cipher_suites: odd length 5 at offset 53"
    );
}

#[test]
fn a_truncated_record_is_reported_after_what_came_before() {
    let bytes = std::fs::read(capture("openssl_ecdsa_sni_alpn.c2s.bin")).unwrap();
    let second = record_offsets(&bytes)[1];
    let second_len = usize::from(u16::from_be_bytes([bytes[second + 3], bytes[second + 4]]));
    let input = &bytes[..second + 5 + 10];
    let (stdout, error) = inspect_err(&[], input);
    assert_eq!(
        error,
        format!(
            "error: input ends inside a record at offset {second} (needs {} more bytes)",
            second_len - 10
        )
    );
    assert!(stdout.contains("client_hello at 5"));
    assert!(stdout.contains("\"localhost\""));

    let (_, error) = inspect_err(&[], &bytes[..second + 2]);
    assert_eq!(
        error,
        format!("error: input ends inside a record header at offset {second} (needs 3 more bytes)")
    );
}

#[test]
fn an_unknown_record_type_is_refused_with_its_offset() {
    let bytes = std::fs::read(capture("openssl_ecdsa_sni_alpn.c2s.bin")).unwrap();
    let (first, _) = first_record(&bytes);
    let mut input = first.to_vec();
    input.extend(record(0x63, [3, 3], &[0]));
    let (stdout, error) = inspect_err(&["--json"], &input);
    assert!(
        error.starts_with(&format!(
            "error: record at offset {}: unexpected record type",
            first.len()
        )),
        "{error}"
    );
    assert_eq!(handshake_types(&json_lines(&stdout)), ["client_hello"]);
}

#[test]
fn a_truncated_handshake_message_is_reported() {
    let bytes = std::fs::read(capture("openssl_ecdsa_sni_alpn.c2s.bin")).unwrap();
    let (first, _) = first_record(&bytes);
    let hello = &first[5..];
    let input = record(22, [3, 1], &hello[..100]);
    let (stdout, error) = inspect_err(&[], &input);
    assert_eq!(
        error,
        format!(
            "error: input ends inside a handshake message at offset 5 (client_hello, needs {} more bytes)",
            hello.len() - 100
        )
    );
    assert_eq!(stdout, "record at 0: handshake, TLSv1.0, length 100\n");

    let (_, error) = inspect_err(&[], &record(22, [3, 1], &hello[..2]));
    assert!(error.starts_with("error: input ends inside a handshake message at offset 5"));
}

#[test]
fn records_out_of_place_are_refused_by_the_record_layer_rules() {
    let bytes = std::fs::read(capture("openssl_ecdsa_sni_alpn.c2s.bin")).unwrap();
    let hello = &first_record(&bytes).0[5..];
    // An alert in the middle of a split handshake message.
    let mut input = record(22, [3, 1], &hello[..10]);
    input.extend(record(21, [3, 3], &[1, 0]));
    let (_, error) = inspect_err(&[], &input);
    assert_eq!(
        error,
        "error: record at offset 15: alert record inside a fragmented handshake message"
    );
    // An empty handshake record.
    let (_, error) = inspect_err(&[], &record(22, [3, 3], &[]));
    assert_eq!(error, "error: record at offset 0: empty handshake record");
    // A plaintext record over 2^14 bytes.
    let (_, error) = inspect_err(&[], &record(22, [3, 3], &vec![0; (1 << 14) + 1]));
    assert_eq!(
        error,
        "error: record at offset 0: record of 16385 bytes exceeds the limit of 16384"
    );
}

#[test]
fn malformed_alerts_and_change_cipher_specs_are_refused() {
    let (_, error) = inspect_err(&[], &record(20, [3, 3], &[2]));
    assert_eq!(
        error,
        "error: ChangeCipherSpec.type: invalid value 0x2 at offset 5"
    );
    let (_, error) = inspect_err(&[], &record(21, [3, 3], &[2, 40, 0]));
    assert_eq!(error, "error: Alert: 1 trailing bytes at offset 7");
}

// ---------------------------------------------------------------------
// Alerts, application data, input sources
// ---------------------------------------------------------------------

#[test]
fn plaintext_alerts_are_decoded() {
    let out = keel(&["-"], &record(21, [3, 3], &[2, 40]));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "record at 0: alert, TLSv1.2, length 2\n\
         \x20 alert at 5, length 2\n\
         \x20   level: fatal (0x02)\n\
         \x20   description: handshake_failure (0x28)\n"
    );
}

#[test]
fn application_data_is_encrypted_and_ends_decoding() {
    let mut input = record(23, [3, 3], &[1, 2, 3]);
    input.extend(record(22, [3, 3], &[9]));
    let out = keel(&["--json", "-"], &input);
    assert!(out.status.success());
    let lines = json_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(lines.len(), 2);
    assert!(records(&lines).iter().all(|r| r["encrypted"] == true));
}

#[test]
fn stdin_reads_the_same_as_a_file() {
    let path = capture("openssl_client_auth.c2s.bin");
    let bytes = std::fs::read(&path).unwrap();
    let from_file = inspect_ok(&[], &path);
    for args in [&["-"][..], &[][..]] {
        let out = keel(args, &bytes);
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), from_file);
    }
}

#[test]
fn a_missing_file_is_one_error_line() {
    let path = captures_dir().join("no-such-capture.bin");
    let out = keel(&[path.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1);
    assert!(
        stderr.starts_with(&format!("error: {}: ", path.display())),
        "{stderr}"
    );
}

#[test]
fn empty_input_is_nothing_to_show() {
    let out = keel(&["-"], &[]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn help_documents_the_json_schema() {
    let out = keel(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "--roundtrip",
        "--json",
        "{\"record\":{\"offset\":N,\"type\":T,\"version\":V,\"length\":N,\"encrypted\":B}}",
        "{\"message\":{\"type\":T,\"offset\":N,\"length\":N,\"fields\":{...}}}",
        "or the number when keel knows no name",
        "lowercase hex",
    ] {
        assert!(help.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn long_help_shows_the_description_and_the_json_schema() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["inspect", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("ONE direction of a TLS connection"), "{help}");
    assert!(
        help.contains("\"record\""),
        "the JSON Lines schema is in --help:\n{help}"
    );
}
