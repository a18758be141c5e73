//! The runner's command line (BoringSSL `ssl/test/test_config.cc` is the
//! reference for names and value formats).
//!
//! Every flag takes no value or exactly one argument, which may be empty
//! and may hold raw bytes (ALPN lists), so arguments are read as bytes.
//! Integers are decimal. `-on-initial-X` applies X to the first connection
//! only, `-on-resume-X` to the resumption connections only, an unprefixed X
//! to both; `-on-retry-X` concerns the TLS 1.3 0-RTT retry, which TLS 1.2
//! never makes, so it is parsed and dropped. A flag keel does not know, or
//! one asking for something keel refuses, is [`FlagError::Unimplemented`]:
//! the shim exits 89 and the runner counts the test as skipped.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::compliance::Policy;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// `-is-handshaker-supported`: answer and exit.
    HandshakerSupported,
    /// Run a test.
    Run(Box<Options>),
}

/// Why the command line cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlagError {
    /// A flag keel does not implement or a feature it refuses (exit 89).
    Unimplemented(String),
    /// A flag keel knows, with a value it cannot read (exit 1).
    Invalid(String),
}

/// A whole test: where to connect and what each connection does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Options {
    /// The runner's port on the loopback interface.
    pub(crate) port: u16,
    /// Written before every connection, 8 bytes little-endian.
    pub(crate) shim_id: u64,
    /// Connect to ::1 rather than 127.0.0.1.
    pub(crate) ipv6: bool,
    /// Act as the TLS server (the shim is the TCP client either way).
    pub(crate) server: bool,
    /// Resumption connections after the first.
    pub(crate) resume_count: usize,
    /// The first connection's settings.
    pub(crate) initial: Settings,
    /// The settings of every resumption connection.
    pub(crate) resume: Settings,
}

/// One `-new-x509-credential`: a certificate chain and key, with the flags
/// that followed it until the next credential.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Credential {
    pub(crate) cert_file: Option<String>,
    pub(crate) key_file: Option<String>,
    pub(crate) signing_prefs: Vec<u16>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
}

/// What one connection does and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) cert_file: Option<String>,
    pub(crate) key_file: Option<String>,
    pub(crate) trust_cert: Option<String>,
    pub(crate) min_version: Option<u16>,
    pub(crate) max_version: Option<u16>,
    /// `-no-tls13`: TLS 1.3 off.
    pub(crate) no_tls13: bool,
    pub(crate) curves: Vec<u16>,
    pub(crate) signing_prefs: Vec<u16>,
    pub(crate) verify_prefs: Vec<u16>,
    pub(crate) cipher: Option<String>,
    pub(crate) host_name: Option<String>,
    pub(crate) advertise_alpn: Option<Vec<u8>>,
    pub(crate) select_alpn: Option<Vec<u8>>,
    pub(crate) expect_alpn: Option<Vec<u8>>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
    pub(crate) expect_ocsp_response: Option<Vec<u8>>,
    pub(crate) enable_ocsp_stapling: bool,
    pub(crate) export_keying_material: usize,
    pub(crate) export_label: Vec<u8>,
    pub(crate) export_context: Vec<u8>,
    pub(crate) use_export_context: bool,
    pub(crate) expect_server_name: Option<Vec<u8>>,
    pub(crate) expect_curve_id: Option<u16>,
    pub(crate) expect_peer_signature_algorithm: Option<u16>,
    pub(crate) expect_version: Option<u16>,
    pub(crate) expect_cipher_aes: Option<u16>,
    pub(crate) expect_cipher_no_aes: Option<u16>,
    pub(crate) expect_session_miss: bool,
    pub(crate) expect_extended_master_secret: bool,
    pub(crate) expect_secure_renegotiation: bool,
    pub(crate) expect_no_secure_renegotiation: bool,
    pub(crate) expect_ticket_renewal: bool,
    pub(crate) expect_no_session: bool,
    pub(crate) expect_session_id: bool,
    pub(crate) expect_no_session_id: bool,
    pub(crate) require_any_client_certificate: bool,
    pub(crate) verify_peer: bool,
    pub(crate) verify_fail: bool,
    pub(crate) no_ticket: bool,
    pub(crate) ticket_key: Option<Vec<u8>>,
    pub(crate) shim_writes_first: bool,
    pub(crate) shim_shuts_down: bool,
    pub(crate) check_close_notify: bool,
    pub(crate) implicit_handshake: bool,
    pub(crate) write_different_record_sizes: bool,
    pub(crate) read_size: usize,
    pub(crate) max_cert_list: Option<usize>,
    pub(crate) resumption_delay: u64,
    /// `-use-ocsp-callback`: BoringSSL's OCSP callback, which a client
    /// uses as another verify callback and a server to pick its staple.
    pub(crate) ocsp_callback: bool,
    /// `-new-x509-credential`s in order: tried before the default
    /// certificate (`-cert-file`), as BoringSSL tries them.
    pub(crate) credentials: Vec<Credential>,
    /// `-decline-ocsp-callback`: the server's callback staples nothing.
    pub(crate) decline_ocsp_callback: bool,
    /// `-fail-ocsp-callback`: the callback fails.
    pub(crate) fail_ocsp_callback: bool,
    /// `-expect-hrr`, `-expect-no-hrr`: whether the handshake went
    /// through a HelloRetryRequest.
    pub(crate) expect_hrr: bool,
    pub(crate) expect_no_hrr: bool,
    /// `-key-update`: send a KeyUpdate (not requesting one) after the
    /// handshake.
    pub(crate) key_update: bool,
    /// `-no-tls12`: TLS 1.2 off.
    pub(crate) no_tls12: bool,
    /// `-fips-202205` and the other compliance policies, in order.
    pub(crate) policies: Vec<Policy>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            cert_file: None,
            key_file: None,
            trust_cert: None,
            min_version: None,
            max_version: None,
            no_tls13: false,
            curves: Vec::new(),
            signing_prefs: Vec::new(),
            verify_prefs: Vec::new(),
            cipher: None,
            host_name: None,
            advertise_alpn: None,
            select_alpn: None,
            expect_alpn: None,
            ocsp_response: None,
            expect_ocsp_response: None,
            enable_ocsp_stapling: false,
            export_keying_material: 0,
            export_label: Vec::new(),
            export_context: Vec::new(),
            use_export_context: false,
            expect_server_name: None,
            expect_curve_id: None,
            expect_peer_signature_algorithm: None,
            expect_version: None,
            expect_cipher_aes: None,
            expect_cipher_no_aes: None,
            expect_session_miss: false,
            expect_extended_master_secret: false,
            expect_secure_renegotiation: false,
            expect_no_secure_renegotiation: false,
            expect_ticket_renewal: false,
            expect_no_session: false,
            expect_session_id: false,
            expect_no_session_id: false,
            require_any_client_certificate: false,
            verify_peer: false,
            verify_fail: false,
            no_ticket: false,
            ticket_key: None,
            shim_writes_first: false,
            shim_shuts_down: false,
            check_close_notify: false,
            implicit_handshake: false,
            write_different_record_sizes: false,
            // bssl_shim's default read buffer for TLS.
            read_size: 512,
            max_cert_list: None,
            resumption_delay: 0,
            ocsp_callback: false,
            credentials: Vec::new(),
            decline_ocsp_callback: false,
            fail_ocsp_callback: false,
            expect_hrr: false,
            expect_no_hrr: false,
            no_tls12: false,
            key_update: false,
            policies: Vec::new(),
        }
    }
}

/// Flags that only change how BoringSSL's own shim drives its IO or its
/// callbacks, with nothing for a blocking shim over keel to do.
const NO_OPS: &[&str] = &[
    "-async",
    "-partial-write",
    "-peek-then-read",
    "-handshake-twice",
    "-no-op-extra-handshake",
    "-use-old-client-cert-callback",
    "-use-early-callback",
    "-use-exporter-between-reads",
    "-expect-verify-result",
    // keel answers a HelloRequest with a warning no_renegotiation and goes
    // on: the connection survives, which is what this flag asks for.
    "-renegotiate-ignore",
    // BoringSSL's custom verify callback and its legacy X.509 callback
    // differ in API, not protocol: the shim's emulated callback
    // (verify.rs) stands for either.
    "-use-custom-verify-callback",
];

/// Flags that take one argument keel ignores.
const NO_OP_VALUES: &[&str] = &[
    "-write-settings",
    // The index of the credential BoringSSL chose. The runner checks the
    // certificate it received, which is what the index stands for; keel
    // reports no index of its own.
    "-expect-selected-credential",
];

/// Known flags asking for what keel refuses or lacks, with the reason
/// printed on exit 89.
const REFUSED: &[(&str, &str)] = &[
    ("-dtls", "keel speaks TLS only, no DTLS"),
    (
        "-jdk11-workaround",
        "keel has no JDK 11 workaround: it negotiates TLS 1.3 with every client offering it",
    ),
    ("-quic", "keel has no QUIC"),
    (
        "-cnsa2-202603",
        "the CNSA 2.0 policy allows ML-KEM-1024 only, which keel lacks",
    ),
    ("-renegotiate-once", "keel never renegotiates"),
    ("-renegotiate-freely", "keel never renegotiates"),
    ("-renegotiate-explicit", "keel never renegotiates"),
    (
        "-enable-early-data",
        "keel never sends or accepts early data (0-RTT, RFC 8446 §2.3)",
    ),
    ("-false-start", "keel does not false-start"),
    (
        "-enable-all-curves",
        "keel offers X25519, P-256 and P-384 only",
    ),
    (
        "-max-send-fragment",
        "keel fragments at 2^14 or the peer's record_size_limit",
    ),
    (
        "-use-ticket-callback",
        "keel's ticket keys are its own (TicketKeys)",
    ),
    ("-expect-peer-cert-file", "not implemented"),
    ("-send-alert", "not implemented"),
    (
        "-tls-unique",
        "tls-unique is not offered (RFC 5929 is unsafe without EMS)",
    ),
];

fn takes_value(name: &str) -> Option<bool> {
    const VALUES: &[&str] = &[
        "-port",
        "-shim-id",
        "-resume-count",
        "-cert-file",
        "-key-file",
        "-trust-cert",
        "-min-version",
        "-max-version",
        "-curves",
        "-signing-prefs",
        "-verify-prefs",
        "-cipher",
        "-host-name",
        "-advertise-alpn",
        "-select-alpn",
        "-expect-alpn",
        "-ocsp-response",
        "-expect-ocsp-response",
        "-export-keying-material",
        "-export-label",
        "-export-context",
        "-expect-server-name",
        "-expect-curve-id",
        "-expect-peer-signature-algorithm",
        "-expect-version",
        "-expect-cipher-aes",
        "-expect-cipher-no-aes",
        "-ticket-key",
        "-read-size",
        "-max-cert-list",
        "-resumption-delay",
    ];
    const BOOLS: &[&str] = &[
        "-ipv6",
        "-server",
        "-is-handshaker-supported",
        "-no-tls13",
        "-no-tls11",
        "-no-tls1",
        "-enable-ocsp-stapling",
        "-use-export-context",
        "-expect-session-miss",
        "-expect-extended-master-secret",
        "-expect-secure-renegotiation",
        "-expect-no-secure-renegotiation",
        "-expect-ticket-renewal",
        "-expect-no-session",
        "-expect-session-id",
        "-expect-no-session-id",
        "-require-any-client-certificate",
        "-verify-peer",
        "-verify-fail",
        "-no-ticket",
        "-shim-writes-first",
        "-shim-shuts-down",
        "-check-close-notify",
        "-implicit-handshake",
        "-write-different-record-sizes",
        "-use-ocsp-callback",
        "-set-ocsp-in-callback",
        "-decline-ocsp-callback",
        "-fail-ocsp-callback",
        "-new-x509-credential",
        "-expect-hrr",
        "-key-update",
        "-expect-no-hrr",
        "-no-tls12",
        "-fips-202205",
        "-wpa-202304",
        "-cnsa1-202603",
        "-cnsa-202407",
    ];
    if VALUES.contains(&name) || NO_OP_VALUES.contains(&name) {
        Some(true)
    } else if BOOLS.contains(&name) || NO_OPS.contains(&name) {
        Some(false)
    } else {
        None
    }
}

/// Which connections a flag applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    All,
    Initial,
    Resume,
    Retry,
}

/// Parses the arguments after the program name.
pub(crate) fn parse(args: &[Vec<u8>]) -> Result<Command, FlagError> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let text = String::from_utf8_lossy(arg);
        let (scope, name) = scope_of(&text);
        if let Some((_, reason)) = REFUSED.iter().find(|(flag, _)| *flag == name) {
            return Err(FlagError::Unimplemented(format!("{name}: {reason}")));
        }
        let Some(has_value) = takes_value(name) else {
            return Err(FlagError::Unimplemented(format!("unknown flag {name}")));
        };
        let value = if has_value {
            Some(
                args.next()
                    .ok_or_else(|| FlagError::Invalid(format!("{name} needs a value")))?,
            )
        } else {
            None
        };
        if name == "-is-handshaker-supported" {
            return Ok(Command::HandshakerSupported);
        }
        if apply_global(&mut options, name, value.map(Vec::as_slice))? {
            continue;
        }
        let targets: &mut [&mut Settings] = match scope {
            Scope::All => &mut [&mut options.initial, &mut options.resume],
            Scope::Initial => &mut [&mut options.initial],
            Scope::Resume => &mut [&mut options.resume],
            Scope::Retry => &mut [],
        };
        for settings in targets {
            apply(settings, name, value.map(Vec::as_slice))?;
        }
        // A flag for a connection that never happens must still be valid.
        if scope == Scope::Retry {
            apply(&mut Settings::default(), name, value.map(Vec::as_slice))?;
        }
    }
    Ok(Command::Run(Box::new(options)))
}

fn scope_of(flag: &str) -> (Scope, &str) {
    // The split-handshake prefixes name the process that applies a flag;
    // keel has one process.
    let flag = flag.strip_prefix("-on-shim").map_or(flag, |rest| rest);
    for (prefix, scope) in [
        ("-on-initial", Scope::Initial),
        ("-on-resume", Scope::Resume),
        ("-on-retry", Scope::Retry),
    ] {
        if let Some(rest) = flag.strip_prefix(prefix)
            && rest.starts_with('-')
        {
            return (scope, rest);
        }
    }
    (Scope::All, flag)
}

/// Applies a flag about the whole test; `false` if `name` is not one.
fn apply_global(
    options: &mut Options,
    name: &str,
    value: Option<&[u8]>,
) -> Result<bool, FlagError> {
    match name {
        "-port" => options.port = int(name, value)?,
        "-shim-id" => options.shim_id = int(name, value)?,
        "-ipv6" => options.ipv6 = true,
        "-server" => options.server = true,
        "-resume-count" => options.resume_count = int(name, value)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Applies a per-connection flag.
fn apply(s: &mut Settings, name: &str, value: Option<&[u8]>) -> Result<(), FlagError> {
    let string = || String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
    // After a -new-x509-credential, the credential's own flags describe
    // it rather than the default certificate (test_config.cc,
    // CredentialFlagWithDefault).
    if let Some(credential) = s.credentials.last_mut() {
        match name {
            "-cert-file" => credential.cert_file = Some(string()),
            "-key-file" => credential.key_file = Some(string()),
            "-signing-prefs" => credential.signing_prefs.push(int(name, value)?),
            "-ocsp-response" => credential.ocsp_response = Some(b64(name, value)?),
            _ => return apply_to_connection(s, name, value),
        }
        return Ok(());
    }
    apply_to_connection(s, name, value)
}

fn apply_to_connection(
    s: &mut Settings,
    name: &str,
    value: Option<&[u8]>,
) -> Result<(), FlagError> {
    let bytes = || value.map(<[u8]>::to_vec).unwrap_or_default();
    let string = || String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
    match name {
        "-new-x509-credential" => s.credentials.push(Credential::default()),
        "-cert-file" => s.cert_file = Some(string()),
        "-key-file" => s.key_file = Some(string()),
        "-trust-cert" => s.trust_cert = Some(string()),
        "-min-version" => s.min_version = Some(int(name, value)?),
        "-max-version" => s.max_version = Some(int(name, value)?),
        "-curves" => s.curves.push(int(name, value)?),
        "-signing-prefs" => s.signing_prefs.push(int(name, value)?),
        "-verify-prefs" => s.verify_prefs.push(int(name, value)?),
        "-cipher" => s.cipher = Some(string()),
        "-host-name" => s.host_name = Some(string()),
        "-advertise-alpn" => s.advertise_alpn = Some(bytes()),
        "-select-alpn" => s.select_alpn = Some(bytes()),
        "-expect-alpn" => s.expect_alpn = Some(bytes()),
        "-ocsp-response" => s.ocsp_response = Some(b64(name, value)?),
        "-expect-ocsp-response" => s.expect_ocsp_response = Some(b64(name, value)?),
        "-enable-ocsp-stapling" => s.enable_ocsp_stapling = true,
        "-export-keying-material" => s.export_keying_material = int(name, value)?,
        "-export-label" => s.export_label = bytes(),
        "-export-context" => s.export_context = bytes(),
        "-use-export-context" => s.use_export_context = true,
        "-expect-server-name" => s.expect_server_name = Some(bytes()),
        "-expect-curve-id" => s.expect_curve_id = Some(int(name, value)?),
        "-expect-peer-signature-algorithm" => {
            s.expect_peer_signature_algorithm = Some(int(name, value)?);
        }
        "-expect-version" => s.expect_version = Some(int(name, value)?),
        "-expect-cipher-aes" => s.expect_cipher_aes = Some(int(name, value)?),
        "-expect-cipher-no-aes" => s.expect_cipher_no_aes = Some(int(name, value)?),
        "-expect-session-miss" => s.expect_session_miss = true,
        "-expect-extended-master-secret" => s.expect_extended_master_secret = true,
        "-expect-secure-renegotiation" => s.expect_secure_renegotiation = true,
        "-expect-no-secure-renegotiation" => s.expect_no_secure_renegotiation = true,
        "-expect-ticket-renewal" => s.expect_ticket_renewal = true,
        "-expect-no-session" => s.expect_no_session = true,
        "-expect-session-id" => s.expect_session_id = true,
        "-expect-no-session-id" => s.expect_no_session_id = true,
        "-require-any-client-certificate" => s.require_any_client_certificate = true,
        "-verify-peer" => s.verify_peer = true,
        "-verify-fail" => s.verify_fail = true,
        "-no-ticket" => s.no_ticket = true,
        "-ticket-key" => s.ticket_key = Some(b64(name, value)?),
        "-shim-writes-first" => s.shim_writes_first = true,
        "-shim-shuts-down" => s.shim_shuts_down = true,
        "-check-close-notify" => s.check_close_notify = true,
        "-implicit-handshake" => s.implicit_handshake = true,
        "-write-different-record-sizes" => s.write_different_record_sizes = true,
        "-use-ocsp-callback" => s.ocsp_callback = true,
        // The response the callback sets is the configured one.
        "-set-ocsp-in-callback" => {}
        "-decline-ocsp-callback" => s.decline_ocsp_callback = true,
        "-fail-ocsp-callback" => s.fail_ocsp_callback = true,
        "-read-size" => s.read_size = int::<usize>(name, value)?.max(1),
        "-max-cert-list" => s.max_cert_list = Some(int(name, value)?),
        "-resumption-delay" => s.resumption_delay = int(name, value)?,
        "-no-tls13" => s.no_tls13 = true,
        "-no-tls12" => s.no_tls12 = true,
        "-expect-hrr" => s.expect_hrr = true,
        "-key-update" => s.key_update = true,
        "-expect-no-hrr" => s.expect_no_hrr = true,
        // keel never speaks these: turning them off changes nothing.
        "-no-tls11" | "-no-tls1" => {}
        other if NO_OPS.contains(&other) || NO_OP_VALUES.contains(&other) => {}
        other if let Some(policy) = Policy::from_flag(other) => s.policies.push(policy),
        other => return Err(FlagError::Unimplemented(format!("unknown flag {other}"))),
    }
    Ok(())
}

fn int<T: core::str::FromStr>(name: &str, value: Option<&[u8]>) -> Result<T, FlagError> {
    let text = String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
    text.parse()
        .map_err(|_| FlagError::Invalid(format!("{name}: not a number: {text:?}")))
}

/// A base64 value (`-ocsp-response`, `-ticket-key`, ...), as the runner
/// writes them with Go's `base64.StdEncoding`: the standard alphabet
/// (RFC 4648 §4), padded.
fn b64(name: &str, value: Option<&[u8]>) -> Result<Vec<u8>, FlagError> {
    STANDARD
        .decode(value.unwrap_or_default())
        .map_err(|_| FlagError::Invalid(format!("{name}: not base64")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&[u8]]) -> Result<Options, FlagError> {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        match parse(&args)? {
            Command::Run(options) => Ok(*options),
            Command::HandshakerSupported => panic!("not a run"),
        }
    }

    #[test]
    fn the_runners_prefix_and_a_server_test() {
        let o = run(&[
            b"-port",
            b"40123",
            b"-shim-id",
            b"7",
            b"-ipv6",
            b"-server",
            b"-cert-file",
            b"/tmp/c.pem",
            b"-key-file",
            b"/tmp/k.pem",
            b"-resume-count",
            b"1",
            b"-curves",
            b"29",
            b"-curves",
            b"23",
        ])
        .unwrap();
        assert_eq!(
            (o.port, o.shim_id, o.ipv6, o.server, o.resume_count),
            (40123, 7, true, true, 1)
        );
        assert_eq!(o.initial.curves, [29, 23]);
        assert_eq!(o.resume.cert_file.as_deref(), Some("/tmp/c.pem"));
    }

    #[test]
    fn prefixes_choose_the_connection() {
        let o = run(&[
            b"-on-initial-expect-curve-id",
            b"29",
            b"-on-resume-expect-curve-id",
            b"23",
            b"-on-retry-expect-alpn",
            b"x",
            b"-expect-session-miss",
        ])
        .unwrap();
        assert_eq!(o.initial.expect_curve_id, Some(29));
        assert_eq!(o.resume.expect_curve_id, Some(23));
        assert_eq!(o.initial.expect_alpn, None);
        assert!(o.initial.expect_session_miss && o.resume.expect_session_miss);
    }

    #[test]
    fn values_may_be_empty_or_raw_bytes() {
        let o = run(&[
            b"-advertise-alpn",
            b"\x03foo\x03bar",
            b"-export-context",
            b"",
            b"-export-label",
            b"label",
            b"-ocsp-response",
            b"AQID",
        ])
        .unwrap();
        assert_eq!(
            o.initial.advertise_alpn.as_deref(),
            Some(&b"\x03foo\x03bar"[..])
        );
        assert_eq!(o.initial.export_context, b"");
        assert_eq!(o.initial.ocsp_response.as_deref(), Some(&[1u8, 2, 3][..]));
    }

    #[test]
    fn unknown_and_refused_flags_are_unimplemented() {
        for args in [
            &[&b"-frobnicate"[..]][..],
            &[b"-dtls"],
            &[b"-renegotiate-freely"],
            &[b"-on-resume-no-such-flag"],
        ] {
            assert!(
                matches!(run(args), Err(FlagError::Unimplemented(_))),
                "{args:?}"
            );
        }
    }

    #[test]
    fn bad_values_are_invalid_not_unimplemented() {
        assert!(matches!(run(&[b"-port", b"x"]), Err(FlagError::Invalid(_))));
        assert!(matches!(run(&[b"-port"]), Err(FlagError::Invalid(_))));
        assert!(matches!(
            run(&[b"-ocsp-response", b"!!"]),
            Err(FlagError::Invalid(_))
        ));
    }

    #[test]
    fn base64_values_are_standard_and_padded() {
        // RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                b64("-ticket-key", Some(encoded.as_bytes())).unwrap(),
                plain.as_bytes(),
                "{encoded}"
            );
        }
        // The standard alphabet's last two digits, not the URL-safe ones.
        assert_eq!(b64("-ticket-key", Some(b"+/8=")).unwrap(), [0xfb, 0xff]);
        assert_eq!(b64("-ticket-key", None).unwrap(), b"");
    }

    #[test]
    fn text_that_is_not_padded_standard_base64_is_invalid() {
        // Short or excess padding, padding inside, a byte outside the
        // alphabet, a line break, the URL-safe alphabet, unpadded text, and
        // non-zero bits after the last byte (which no encoder writes).
        for bad in [
            "Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zm9v\n", "-_8=", "Zg", "Zh==",
        ] {
            assert!(
                matches!(
                    b64("-ocsp-response", Some(bad.as_bytes())),
                    Err(FlagError::Invalid(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn credential_flags_describe_the_credential_they_follow() {
        let o = run(&[
            b"-cert-file",
            b"default.pem",
            b"-key-file",
            b"default.key",
            b"-new-x509-credential",
            b"-cert-file",
            b"a.pem",
            b"-key-file",
            b"a.key",
            b"-signing-prefs",
            b"1027",
            b"-expect-version",
            b"771",
            b"-on-resume-new-x509-credential",
            b"-on-resume-cert-file",
            b"b.pem",
        ])
        .unwrap();
        assert_eq!(o.initial.cert_file.as_deref(), Some("default.pem"));
        assert!(o.initial.signing_prefs.is_empty());
        let a = Credential {
            cert_file: Some("a.pem".to_owned()),
            key_file: Some("a.key".to_owned()),
            signing_prefs: vec![1027],
            ocsp_response: None,
        };
        assert_eq!(o.initial.credentials, std::slice::from_ref(&a));
        // A flag that is not a credential's still applies to the connection.
        assert_eq!(o.initial.expect_version, Some(771));
        let b = Credential {
            cert_file: Some("b.pem".to_owned()),
            ..Credential::default()
        };
        assert_eq!(o.resume.credentials, [a, b]);
    }

    #[test]
    fn handshaker_question() {
        let args = vec![b"-is-handshaker-supported".to_vec()];
        assert_eq!(parse(&args).unwrap(), Command::HandshakerSupported);
    }
}
