//! Refusals no other test reached: a ServerHello, ServerKeyExchange or
//! resumption that breaks the client's offer, a flight that skips what a
//! stapled certificate announced, a close_notify before the handshake is
//! over, the connection used after it is closed, a random source that
//! fails, keying material asked for too early, a client chain beyond the
//! server's limit. Each is checked as the user sees it: the error, its
//! words and the alert on the wire.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache, StoredSession};
use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, IllegalParameter, Internal, MessageKind,
    Rng, RngFailed, ServerHandshakeConfig,
};
use keel_pki::{CertError, ServerName};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, HandshakeType,
    NamedGroup, SignatureScheme,
};
use keel_wire::{Codec, HandshakeMessage};
use support::{
    SERVER_NAME, client_config, connect, plaintext_alerts, plaintext_messages, plaintext_record,
    pump, rewrite_flight, server_config, take,
};

// --- Helpers -----------------------------------------------------------------

/// The alerts `conn` has queued (before its own ChangeCipherSpec, so in
/// plaintext), as (level, description).
fn queued_alerts(conn: &Connection) -> Vec<(AlertLevel, AlertDescription)> {
    plaintext_alerts(conn.pending_tls())
        .into_iter()
        .map(|a| (a.level, a.description))
        .collect()
}

/// The client's first flight goes to the server; the server's first
/// flight, changed by `change`, goes back to the client, whose verdict is
/// returned.
fn client_reads_changed_flight(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
    change: impl FnMut(HandshakeMessage) -> Option<HandshakeMessage>,
) -> (HandshakeError, Connection) {
    let (mut client, mut server) = connect(client, server);
    server.read_tls(&take(&mut client)).unwrap();
    let flight = rewrite_flight(&take(&mut server), change);
    let err = client.read_tls(&flight).unwrap_err();
    (err, client)
}

// --- The ServerHello ---------------------------------------------------------

/// RFC 5246 §7.4.1.3: the server's cipher_suite is "selected by the server
/// from the list in ClientHello.cipher_suites". One keel knows but the
/// client left out is illegal_parameter, and the message names it.
#[test]
fn a_server_hello_with_a_suite_the_client_did_not_offer_is_illegal_parameter() {
    let offered = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let chosen = CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
    let mut client = client_config(false, None);
    client.suites = vec![offered];
    let (err, client) = client_reads_changed_flight(client, server_config(false), |m| match m {
        HandshakeMessage::ServerHello(mut hello) => {
            hello.cipher_suite = chosen;
            Some(HandshakeMessage::ServerHello(hello))
        }
        m => Some(m),
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteNotOffered { suite: chosen }
        }
    );
    let text = err.to_string();
    assert!(
        text.starts_with("illegal parameter: server chose ")
            && text.ends_with(", which the client did not offer"),
        "{text}"
    );
    assert!(text.contains(&chosen.to_string()), "{text}");
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::ILLEGAL_PARAMETER)]
    );
}

/// RFC 5246 §7.4.1.3: compression_method is one the client offered, and a
/// keel client offers null alone.
#[test]
fn a_server_hello_that_chooses_compression_is_illegal_parameter() {
    let (err, client) = client_reads_changed_flight(
        client_config(false, None),
        server_config(false),
        |m| match m {
            HandshakeMessage::ServerHello(mut hello) => {
                hello.compression_method = CompressionMethod::new(1);
                Some(HandshakeMessage::ServerHello(hello))
            }
            m => Some(m),
        },
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen
        }
    );
    assert_eq!(
        err.to_string(),
        "illegal parameter: server chose compression"
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::ILLEGAL_PARAMETER)]
    );
}

/// RFC 5246 §7.4.1.3: a resumed session keeps its cipher suite. A server
/// whose cache entry says another suite (one the client offers too)
/// resumes with that one, and the client refuses it.
#[test]
fn a_resumption_under_another_cipher_suite_is_illegal_parameter() {
    let client_store = Arc::new(ClientSessionStore::new(
        16,
        std::time::Duration::from_secs(3600),
    ));
    let server_cache = Arc::new(ServerSessionCache::new(
        16,
        std::time::Duration::from_secs(3600),
    ));
    let configs = || {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&client_store));
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&server_cache));
        (client, server)
    };
    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    let first_suite = client.session().unwrap().cipher_suite;
    let other = [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
    .into_iter()
    .find(|s| *s != first_suite)
    .unwrap();
    let mut stored = StoredSession::from_bytes(&server_cache.export()[0]).unwrap();
    stored.cipher_suite = other;
    server_cache.insert(stored);

    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    let err = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(client.error(), Some(&err), "the client refused it");
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::ResumedWithAnotherSuite
        }
    );
    assert_eq!(
        err.to_string(),
        "illegal parameter: server resumed a session with another cipher suite"
    );
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(
        server.read_tls(&take(&mut client)).unwrap_err(),
        HandshakeError::AlertReceived {
            description: AlertDescription::ILLEGAL_PARAMETER
        },
        "the alert reaches the server"
    );
}

// --- The ServerKeyExchange ---------------------------------------------------

/// RFC 8422 §5.4: the server's curve is one the client's supported_groups
/// named. secp384r1 is left out of the test client's list.
#[test]
fn a_key_exchange_on_a_group_the_client_did_not_offer_is_illegal_parameter() {
    let (err, client) = client_reads_changed_flight(
        client_config(false, None),
        server_config(false),
        |m| match m {
            HandshakeMessage::ServerKeyExchange(mut kx) => {
                kx.params.named_group = NamedGroup::SECP384R1;
                Some(HandshakeMessage::ServerKeyExchange(kx))
            }
            m => Some(m),
        },
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::GroupNotOffered {
                group: NamedGroup::SECP384R1
            }
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "server chose {}, which the client did not offer",
            NamedGroup::SECP384R1
        )),
        "{text}"
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::ILLEGAL_PARAMETER)]
    );
}

/// RFC 8422 §2.1: an ECDHE_ECDSA suite's parameters are signed with the
/// certificate's ECDSA key; an RSA scheme the client did list is refused
/// as not fitting the suite, before any signature is checked.
#[test]
fn a_key_exchange_signed_with_an_rsa_scheme_under_an_ecdsa_suite_is_illegal_parameter() {
    let scheme = SignatureScheme::RSA_PSS_RSAE_SHA256;
    let client = client_config(false, None);
    assert!(client.signature_schemes.contains(&scheme));
    let (err, client) = client_reads_changed_flight(client, server_config(false), |m| match m {
        HandshakeMessage::ServerKeyExchange(mut kx) => {
            kx.signed.scheme = scheme;
            Some(HandshakeMessage::ServerKeyExchange(kx))
        }
        m => Some(m),
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SchemeDoesNotFitSuite { scheme }
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "illegal parameter: key exchange signed with {scheme}, which does not fit the suite"
        )
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::ILLEGAL_PARAMETER)]
    );
}

/// RFC 6066 §8: a server that acknowledged status_request sends a
/// CertificateStatus after its Certificate (or, keel allows, goes straight
/// to the ServerKeyExchange). A flight that skips both is
/// unexpected_message, and the message says what was awaited.
#[test]
fn a_flight_that_skips_status_and_key_exchange_after_an_acknowledged_request_is_unexpected() {
    let mut client = client_config(false, None);
    client.request_ocsp = true;
    let mut server = server_config(false);
    let key = keel_pki::CertifiedKey::clone(&support::pki().server)
        .with_ocsp_response(vec![0x30, 0x03, 0x0a, 0x01, 0x00]);
    server.certificates.default = vec![Arc::new(key)];
    let (err, client) = client_reads_changed_flight(client, server, |m| match m {
        HandshakeMessage::CertificateStatus(_) | HandshakeMessage::ServerKeyExchange(_) => None,
        m => Some(m),
    });
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "CertificateStatus or ServerKeyExchange",
            got: MessageKind::Handshake(HandshakeType::SERVER_HELLO_DONE),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "unexpected {} while expecting CertificateStatus or ServerKeyExchange",
            HandshakeType::SERVER_HELLO_DONE
        )
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::UNEXPECTED_MESSAGE)]
    );
}

// --- Closing -----------------------------------------------------------------

/// RFC 5246 §7.2.1: a close_notify is answered with a close_notify. Before
/// the handshake is complete there is no session: the server reports the
/// handshake cut short, and sends no fatal alert for it.
#[test]
fn a_close_notify_before_the_handshake_completes_is_answered_with_close_notify() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let _ = take(&mut server);
    let close_notify = plaintext_record(ContentType::ALERT, &[1, 0]);
    let err = server.read_tls(&close_notify).unwrap_err();
    assert_eq!(err, HandshakeError::ClosedDuringHandshake);
    assert_eq!(
        err.to_string(),
        "the peer closed the connection before the handshake completed"
    );
    assert_eq!(err.alert(), None);
    assert_eq!(
        queued_alerts(&server),
        [(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY)],
        "a close_notify back, and nothing else"
    );
    assert!(server.peer_closed());
}

/// After close(), nothing more is written (RFC 5246 §7.2.1).
#[test]
fn write_after_close_is_refused() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    pump(&mut client, &mut server).unwrap();
    client.close();
    let err = client.write(b"late").unwrap_err();
    assert_eq!(err, HandshakeError::Closed);
    assert_eq!(err.to_string(), "connection is closed");
    assert_eq!(err.alert(), None);
    let mut out = vec![0u8; 64];
    assert_eq!(
        client.seal_from(b"late", &mut out).unwrap_err(),
        HandshakeError::Closed
    );
}

/// RFC 5246 §7.3: no application data before the handshake completes; the
/// zero-copy path, which seals at once, refuses.
#[test]
fn the_zero_copy_send_path_is_refused_before_the_handshake_completes() {
    let (mut client, _server) = connect(client_config(false, None), server_config(false));
    let mut out = vec![0u8; 64];
    assert_eq!(
        client.seal_from(b"early", &mut out).unwrap_err(),
        HandshakeError::Closed
    );
    assert!(client.error().is_none(), "the connection lives on");
    assert!(client.is_handshaking());
}

// --- Keying material ---------------------------------------------------------

/// RFC 5705 §4: the exporter needs the session's secrets: before the
/// handshake there are none, and a label of the TLS key schedule is never
/// given out. Each refusal says why.
#[test]
fn the_exporter_says_why_it_refuses() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    let mut out = [0u8; 16];
    let err = client
        .export_keying_material(&mut out, b"EXPERIMENTAL-x", None)
        .unwrap_err();
    assert_eq!(err, HandshakeError::Exporter { reason: None });
    assert_eq!(
        err.to_string(),
        "cannot export keying material: the handshake is not complete"
    );
    pump(&mut client, &mut server).unwrap();
    let err = client
        .export_keying_material(&mut out, b"master secret", None)
        .unwrap_err();
    assert!(
        matches!(err, HandshakeError::Exporter { reason: Some(_) }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot export keying material: exporter label collides with a TLS key-schedule label"
    );
    assert_eq!(err.alert(), None);
}

// --- The random source -------------------------------------------------------

/// An Rng that gives `good` fills and then fails, or fills every buffer
/// with `byte`.
#[derive(Debug)]
struct TestRng {
    good: usize,
    byte: u8,
    calls: AtomicUsize,
}

impl TestRng {
    fn failing_after(good: usize) -> Arc<Self> {
        Arc::new(Self {
            good,
            byte: 0x55,
            calls: AtomicUsize::new(0),
        })
    }

    fn constant(byte: u8) -> Arc<Self> {
        Arc::new(Self {
            good: usize::MAX,
            byte,
            calls: AtomicUsize::new(0),
        })
    }
}

impl Rng for TestRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.good {
            return Err(RngFailed);
        }
        buf.fill(self.byte);
        Ok(())
    }
}

/// A client whose random source fails cannot make its ClientHello random:
/// no connection, and the error says why.
#[test]
fn a_client_whose_random_source_fails_has_no_connection() {
    let mut config = client_config(false, None);
    config.rng = TestRng::failing_after(0);
    let err =
        Connection::client(Arc::new(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Internal {
            reason: Internal::RandomSource
        }
    );
    assert_eq!(err.to_string(), "internal error: the random source failed");
    assert_eq!(err.alert(), Some(AlertDescription::INTERNAL_ERROR));
}

/// A client whose random source fails after the ClientHello cannot make
/// its ECDHE key: the handshake ends with internal_error, which the server
/// receives.
#[test]
fn a_random_source_that_fails_at_the_key_exchange_ends_with_internal_error() {
    let mut config = client_config(false, None);
    config.rng = TestRng::failing_after(1);
    let (mut client, mut server) = connect(config, server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let err = client.read_tls(&take(&mut server)).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Internal {
            reason: Internal::RandomSource
        }
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::INTERNAL_ERROR)]
    );
}

/// A P-256 private key is a scalar below the group order: a random source
/// that gives only 0xff bytes never yields one, and after its bounded
/// retries the client gives up with internal_error rather than loop.
#[test]
fn a_random_source_that_never_gives_a_valid_p256_scalar_ends_with_internal_error() {
    let mut config = client_config(false, None);
    config.rng = TestRng::constant(0xff);
    let mut server = server_config(false);
    server.groups = vec![NamedGroup::SECP256R1];
    let (mut client, mut server) = connect(config, server);
    server.read_tls(&take(&mut client)).unwrap();
    let err = client.read_tls(&take(&mut server)).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Internal {
            reason: Internal::KeyGeneration
        }
    );
    assert_eq!(
        err.to_string(),
        "internal error: the crypto library could not make an ECDHE key"
    );
    assert_eq!(
        queued_alerts(&client),
        [(AlertLevel::FATAL, AlertDescription::INTERNAL_ERROR)]
    );
}

// --- The client's certificate ------------------------------------------------

/// The server's limit on the client's chain is checked before the chain is
/// verified: a chain longer than it is refused as too long.
#[test]
fn a_client_chain_longer_than_the_servers_limit_is_refused() {
    let mut server = server_config(true);
    server.limits.max_chain_len = 0;
    let (mut client, mut server) = connect(client_config(true, None), server);
    server.read_tls(&take(&mut client)).unwrap();
    client.read_tls(&take(&mut server)).unwrap();
    let err = server.read_tls(&take(&mut client)).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Certificate {
            source: CertError::PathTooLong
        }
    );
    assert_eq!(err.to_string(), CertError::PathTooLong.to_string());
    let alert = err.alert().unwrap();
    assert_eq!(
        queued_alerts(&server),
        [(AlertLevel::FATAL, alert)],
        "the alert the error names is the one sent"
    );
}

// --- What the server chooses -------------------------------------------------

/// RFC 5246 §7.4.1.2: a suite the server does not know how to run is
/// skipped, even when it comes first in both lists: the handshake goes on
/// with the next one they share.
#[test]
fn a_configured_suite_keel_cannot_run_is_skipped() {
    let unknown = CipherSuite::new(0x009c); // TLS_RSA_WITH_AES_128_GCM_SHA256
    let fallback = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let mut client = client_config(false, None);
    client.suites = vec![unknown, fallback];
    let mut server = server_config(false);
    server.suites = vec![unknown, fallback];
    let (mut client, mut server) = connect(client, server);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().cipher_suite, fallback);
    assert_eq!(server.session().unwrap().cipher_suite, fallback);
}

/// RFC 8422 §5.1.1: the server picks a curve from both lists that it can
/// run; secp521r1, configured and offered but not implemented, is passed
/// over for the next one.
#[test]
fn a_configured_group_keel_cannot_run_is_skipped() {
    let mut client = client_config(false, None);
    // secp256r1 too: the server's certificate is on it (RFC 8422 §5.3).
    client.groups = vec![
        NamedGroup::SECP521R1,
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
    ];
    let mut server = server_config(false);
    server.groups = vec![NamedGroup::SECP521R1, NamedGroup::X25519];
    let (mut client, mut server) = connect(client, server);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().group, NamedGroup::X25519);
}

/// RFC 7301 §3.2: a server without ALPN configured ignores the client's
/// offer: no protocol is chosen, and the handshake completes.
#[test]
fn a_server_without_alpn_ignores_the_clients_offer() {
    let mut client = client_config(false, None);
    client.alpn = vec![b"h2".to_vec()];
    let (mut client, mut server) = connect(client, server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let flight = take(&mut server);
    let HandshakeMessage::ServerHello(hello) =
        HandshakeMessage::decode(&plaintext_messages(&flight)[0]).unwrap()
    else {
        panic!("the first message is not the ServerHello");
    };
    let keel_wire::Extensions::Present(extensions) = &hello.extensions else {
        panic!("a ServerHello without extensions");
    };
    assert!(
        !extensions
            .iter()
            .any(|e| matches!(e, keel_wire::ServerExtension::Alpn(_))),
        "{extensions:?}"
    );
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().alpn, None);
    assert_eq!(server.session().unwrap().alpn, None);
}

/// A session keeps its application protocol (ALPACA): a server whose ALPN
/// choice for this client is now another protocol does not resume the
/// session, and runs a full handshake with the new protocol instead.
#[test]
fn a_server_whose_alpn_choice_changed_does_not_resume() {
    let client_store = Arc::new(ClientSessionStore::new(
        16,
        std::time::Duration::from_secs(3600),
    ));
    let server_cache = Arc::new(ServerSessionCache::new(
        16,
        std::time::Duration::from_secs(3600),
    ));
    let configs = |server_alpn: &[u8]| {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&client_store));
        client.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&server_cache));
        server.alpn = vec![server_alpn.to_vec()];
        (client, server)
    };
    let (c, s) = configs(b"h2");
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().alpn.as_deref(), Some(&b"h2"[..]));

    let (c, s) = configs(b"http/1.1");
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    let (client, server) = (client.session().unwrap(), server.session().unwrap());
    assert!(!client.resumed && !server.resumed, "a full handshake");
    assert_eq!(client.alpn.as_deref(), Some(&b"http/1.1"[..]));
}

// --- What Debug shows --------------------------------------------------------

/// A connection's Debug output, mid-handshake, names the server's
/// ephemeral key by its group and shows nothing of the private key.
#[test]
fn a_connections_debug_output_hides_the_ephemeral_private_key() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let shown = format!("{server:?}");
    let at = shown.find("EphemeralKey {").expect("the key is shown");
    let key = &shown[at..];
    let key = &key[..=key.find('}').unwrap()];
    assert!(key.contains("group:"), "{key}");
    assert!(key.ends_with(", .. }"), "only the group: {key}");
}

/// A ContextBuilder's Debug output shows nothing of the fields fed in.
#[test]
fn a_context_builders_debug_output_shows_no_field() {
    let builder = keel_handshake::ResumptionContext::builder(keel_handshake::Side::Client)
        .field("policy", b"secret-policy-name");
    let shown = format!("{builder:?}");
    assert_eq!(shown, "ContextBuilder { .. }");
}

// --- Encoding ----------------------------------------------------------------

/// RFC 7301 §3.1: a protocol name is 1 to 255 bytes. A configured name
/// longer than that cannot be put in a ClientHello: no connection is
/// made, and the error says the message could not be encoded.
#[test]
fn a_protocol_name_too_long_to_encode_fails_the_client_hello() {
    let mut config = client_config(false, None);
    config.alpn = vec![vec![b'a'; 256]];
    let err =
        Connection::client(Arc::new(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Internal {
            reason: Internal::Encoding
        }
    );
    assert_eq!(
        err.to_string(),
        "internal error: a handshake message could not be encoded"
    );
}

// --- The CertificateRequest --------------------------------------------------

/// A client verifier whose acceptable issuers are given as `names`.
#[derive(Debug)]
struct ListsIssuers(Vec<Vec<u8>>);

impl keel_handshake::ClientCertificateVerifier for ListsIssuers {
    fn mode(&self) -> keel_pki::ClientAuth {
        keel_pki::ClientAuth::Optional
    }

    fn verify_client(
        &self,
        chain: &[keel_pki::CertificateDer<'_>],
        _: keel_pki::UnixTime,
    ) -> Result<bool, CertError> {
        Ok(!chain.is_empty())
    }

    fn acceptable_issuers(&self) -> Vec<Vec<u8>> {
        self.0.clone()
    }
}

/// The certificate_authorities the server's CertificateRequest lists when
/// its verifier names `names`.
fn listed_authorities(names: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut server = server_config(true);
    server.client_verifier = Some(Arc::new(ListsIssuers(names)));
    let (mut client, mut server) = connect(client_config(true, None), server);
    server.read_tls(&take(&mut client)).unwrap();
    let flight = take(&mut server);
    let request = plaintext_messages(&flight)
        .iter()
        .find_map(|m| match HandshakeMessage::decode(m).unwrap() {
            HandshakeMessage::CertificateRequest(r) => Some(r),
            _ => None,
        })
        .expect("a CertificateRequest");
    // The handshake goes on either way.
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(server.session().is_some());
    request
        .certificate_authorities
        .0
        .into_iter()
        .map(|n| n.0)
        .collect()
}

/// RFC 5246 §7.4.4: certificate_authorities is a list of at most 2^16-1
/// bytes. Names that would not fit, or an empty name, are not sent; the
/// empty list means "any" and the handshake goes on.
#[test]
fn issuer_names_that_do_not_fit_the_certificate_request_are_left_out() {
    let name = |n: u8| vec![0x30, 0x03, 0x31, 0x01, n];
    assert_eq!(
        listed_authorities(vec![name(1), name(2)]),
        [name(1), name(2)],
        "names that fit are listed"
    );
    // 2 x (2 + 33000) bytes: over 65535.
    let long = vec![vec![0x30; 33_000], vec![0x31; 33_000]];
    assert!(listed_authorities(long).is_empty());
    assert!(listed_authorities(vec![name(1), Vec::new()]).is_empty());
}
