//! TLS 1.3 resumption (RFC 8446 §2.2, §4.2.11, §4.6.1) between a keel
//! client and a keel server: tickets sealed under `TicketKeys` or kept in
//! the server's cache, offered once with a binder, resumed with a fresh
//! (EC)DHE exchange; and what is refused or passed over — a bad binder,
//! psk_ke alone, pre_shared_key without psk_key_exchange_modes, a PSK
//! index the client did not offer, a ticket lifetime over seven days.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache, StoredSession};
use keel_handshake::tickets::TicketKeys;
use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, IllegalParameter, ServerHandshakeConfig,
    Versions,
};
use keel_pki::ServerName;
use keel_wire::handshake::NewSessionTicket13;
use keel_wire::registry::{
    AlertDescription, ContentType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, ExtensionList, HandshakeMessage, ServerExtension};
use support::tls13::Mitm;
use support::{
    GROUPS13, SERVER_NAME, client_config13, last_alert, pump, rewrite_client_hello,
    server_config13, take,
};

/// A client store and the server's way of resuming.
struct Pair {
    client: Arc<ClientHandshakeConfig>,
    server: Arc<ServerHandshakeConfig>,
}

fn store() -> Arc<ClientSessionStore> {
    Arc::new(ClientSessionStore::new(16, Duration::from_secs(86_400)))
}

fn keys() -> Arc<TicketKeys> {
    Arc::new(
        TicketKeys::new(
            &[0x5a; 32],
            Duration::from_secs(3600),
            Duration::from_secs(600),
        )
        .unwrap(),
    )
}

/// TLS 1.3 on both sides; the client keeps sessions, the server seals
/// tickets; `client`/`server` change the rest.
fn pair_with(
    client: impl FnOnce(&mut ClientHandshakeConfig),
    server: impl FnOnce(&mut ServerHandshakeConfig),
) -> Pair {
    let mut c = client_config13(Versions::Tls13AndTls12, &GROUPS13);
    c.session_store = Some(store());
    client(&mut c);
    let mut s = server_config13(Versions::Tls13AndTls12, &GROUPS13);
    s.ticket_keys = Some(keys());
    server(&mut s);
    Pair {
        client: Arc::new(c),
        server: Arc::new(s),
    }
}

fn pair() -> Pair {
    pair_with(|_| {}, |_| {})
}

fn connections(pair: &Pair) -> (Connection, Connection) {
    (
        Connection::client(
            Arc::clone(&pair.client),
            ServerName::parse(SERVER_NAME).unwrap(),
        )
        .unwrap(),
        Connection::server(Arc::clone(&pair.server)),
    )
}

/// One handshake with data both ways; returns both connections.
fn handshake(pair: &Pair) -> (Connection, Connection) {
    let (mut client, mut server) = connections(pair);
    pump(&mut client, &mut server).unwrap();
    client.write(b"ping").unwrap();
    server.write(b"pong").unwrap();
    pump(&mut client, &mut server).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(server.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"ping");
    assert_eq!(client.read(&mut buf).unwrap(), 4);
    assert_eq!(client.session().unwrap().version, ProtocolVersion::TLS_V1_3);
    (client, server)
}

fn resumed(conn: &Connection) -> bool {
    conn.session().unwrap().resumed
}

fn stored(pair: &Pair) -> Option<StoredSession> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    pair.client.session_store.as_ref().unwrap().get(
        &pair.client.resumption_context,
        SERVER_NAME,
        now,
    )
}

#[test]
fn a_ticket_resumes_and_the_resumption_brings_the_next_one() {
    let pair = pair();
    let (client, server) = handshake(&pair);
    assert!(!resumed(&client) && !resumed(&server));
    let first = stored(&pair).expect("a ticket after the full handshake");
    assert_eq!(first.version, ProtocolVersion::TLS_V1_3);
    assert_eq!(
        first.peer_certificates,
        client.session().unwrap().peer_certificates
    );

    let (client, server) = handshake(&pair);
    assert!(resumed(&client) && resumed(&server));
    let info = client.session().unwrap();
    // The resumed session reports the peer the full handshake verified,
    // and a fresh key exchange (psk_dhe_ke).
    assert_eq!(info.peer_certificates, first.peer_certificates);
    assert_eq!(info.group, NamedGroup::X25519MLKEM768);
    let second = stored(&pair).expect("a new ticket after the resumption");
    assert_ne!(second.ticket, first.ticket, "a ticket is offered once");

    let (client, _) = handshake(&pair);
    assert!(resumed(&client));
}

#[test]
fn without_ticket_keys_the_server_cache_resumes_each_ticket_once() {
    let cache = Arc::new(ServerSessionCache::new(16, Duration::from_secs(600)));
    let pair = pair_with(
        |_| {},
        |s| {
            s.ticket_keys = None;
            s.session_cache = Some(Arc::clone(&cache));
        },
    );
    handshake(&pair);
    let ticket = stored(&pair).unwrap();
    assert_eq!(ticket.ticket.len(), 32, "the ticket names a cache entry");
    assert_eq!(cache.len(), 1);
    let (client, server) = handshake(&pair);
    assert!(resumed(&client) && resumed(&server));
    // The same ticket again (a replay, or a copy kept elsewhere): its
    // entry was used, so the handshake is a full one.
    let store = pair.client.session_store.as_ref().unwrap();
    store.insert(SERVER_NAME, ticket);
    let (client, server) = handshake(&pair);
    assert!(!resumed(&client) && !resumed(&server));
}

#[test]
fn a_server_that_cannot_resume_sends_no_ticket() {
    let pair = pair_with(|_| {}, |s| s.ticket_keys = None);
    let (client, _) = handshake(&pair);
    assert!(!resumed(&client));
    assert!(stored(&pair).is_none());
}

#[test]
fn resumption_after_a_hello_retry_request_binds_the_second_hello() {
    // The server wants P-384, for which the client sends no share: both
    // handshakes take a HelloRetryRequest, the second with a PSK whose
    // binder covers ClientHello1's hash and the HelloRetryRequest.
    let pair = pair_with(|_| {}, |s| s.groups = vec![NamedGroup::SECP384R1]);
    handshake(&pair);
    let (client, server) = handshake(&pair);
    assert!(resumed(&client) && resumed(&server));
    assert_eq!(client.session().unwrap().group, NamedGroup::SECP384R1);
}

#[test]
fn a_ticket_for_another_hash_is_left_out_after_a_retry() {
    // The ticket is for a SHA-384 suite; the second server picks a SHA-256
    // suite in its HelloRetryRequest, so ClientHello2 drops the PSK and
    // the handshake is a full one.
    let pair = pair_with(
        |_| {},
        |s| {
            s.suites = vec![keel_wire::registry::CipherSuite::TLS_AES_256_GCM_SHA384];
        },
    );
    handshake(&pair);
    let second = Pair {
        client: Arc::clone(&pair.client),
        server: Arc::new({
            let mut s = (*pair.server).clone();
            s.suites = vec![keel_wire::registry::CipherSuite::TLS_AES_128_GCM_SHA256];
            s.groups = vec![NamedGroup::SECP384R1];
            s
        }),
    };
    let (client, server) = handshake(&second);
    assert!(!resumed(&client) && !resumed(&server));
}

#[test]
fn sessions_resume_only_under_their_resumption_context() {
    let pair = pair();
    handshake(&pair);
    let other = Pair {
        client: Arc::clone(&pair.client),
        server: Arc::new({
            let mut s = (*pair.server).clone();
            s.resumption_context =
                keel_handshake::ResumptionContext::builder(keel_handshake::Side::Server)
                    .field("roots", b"other")
                    .build();
            s
        }),
    };
    let (client, server) = handshake(&other);
    assert!(!resumed(&client) && !resumed(&server));
}

#[test]
fn a_tls13_ticket_is_not_offered_to_a_tls12_server_nor_a_tls12_session_in_tls13() {
    let pair = pair();
    handshake(&pair);
    let tls12 = Pair {
        client: Arc::clone(&pair.client),
        server: Arc::new({
            let mut s = (*pair.server).clone();
            s.versions = Versions::Tls12Only;
            s
        }),
    };
    let (client, server) = {
        let (mut c, mut s) = connections(&tls12);
        pump(&mut c, &mut s).unwrap();
        (c, s)
    };
    assert_eq!(client.session().unwrap().version, ProtocolVersion::TLS_V1_2);
    assert!(!resumed(&client) && !resumed(&server));
    // The TLS 1.2 session now stored is not offered in TLS 1.3.
    assert_eq!(stored(&pair).unwrap().version, ProtocolVersion::TLS_V1_2);
    let (client, _) = handshake(&pair);
    assert!(!resumed(&client));
}

#[test]
fn a_client_certificate_stays_with_the_resumed_session() {
    let pki = support::pki();
    let pair = pair_with(
        |c| c.client_certificates = vec![Arc::clone(&pki.client)],
        |s| {
            let required = support::server_config(true);
            s.client_verifier = required.client_verifier;
            s.resumption_context = required.resumption_context;
        },
    );
    let (_, server) = handshake(&pair);
    let chain = server.session().unwrap().peer_certificates.clone();
    assert!(!chain.is_empty());
    let (client, server) = handshake(&pair);
    assert!(resumed(&client) && resumed(&server));
    assert_eq!(server.session().unwrap().peer_certificates, chain);
}

#[test]
fn stored_tls13_sessions_survive_export_and_import() {
    let pair = pair();
    handshake(&pair);
    let exported = pair.client.session_store.as_ref().unwrap().export();
    assert_eq!(exported.len(), 1);
    let fresh = store();
    fresh.import(&exported[0].0, &exported[0].1).unwrap();
    let moved = Pair {
        client: Arc::new({
            let mut c = (*pair.client).clone();
            c.session_store = Some(fresh);
            c
        }),
        server: Arc::clone(&pair.server),
    };
    let (client, _) = handshake(&moved);
    assert!(resumed(&client));
}

/// A client store and ticket keys for connections a test stands between.
struct Resuming {
    store: Arc<ClientSessionStore>,
    keys: Arc<TicketKeys>,
}

impl Resuming {
    fn new() -> Self {
        Self {
            store: store(),
            keys: keys(),
        }
    }

    /// A TLS 1.3 pair with the store and the keys, and the key logs.
    fn mitm(&self) -> Mitm {
        Mitm::new(
            |c| c.session_store = Some(Arc::clone(&self.store)),
            |s| s.ticket_keys = Some(Arc::clone(&self.keys)),
        )
    }

    /// The pair of a second connection, the first having left a ticket.
    fn second_connection(&self) -> Mitm {
        self.mitm().complete();
        self.mitm()
    }
}

/// The client's next ClientHello, its pre_shared_key present.
fn hello_offering_a_ticket(pair: &Pair) -> (Connection, Connection) {
    handshake(pair);
    connections(pair)
}

#[test]
fn a_binder_that_does_not_verify_is_decrypt_error() {
    let pair = pair();
    let (mut client, mut server) = hello_offering_a_ticket(&pair);
    let mut hello = take(&mut client);
    // The binder is the hello's last bytes.
    *hello.last_mut().unwrap() ^= 1;
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(err, HandshakeError::BadBinder);
    assert_eq!(last_alert(&server), Some(AlertDescription::DECRYPT_ERROR));
}

#[test]
fn psk_ke_alone_gets_a_full_handshake() {
    // RFC 8446 §4.2.9: the server may not pick a mode the client did not
    // list, and keel resumes only with psk_dhe_ke.
    let pair = pair();
    let (mut client, mut server) = hello_offering_a_ticket(&pair);
    let hello = rewrite_client_hello(&mut client, |extensions| {
        for e in extensions.iter_mut() {
            if let ClientExtension::PskKeyExchangeModes(modes) = e {
                *modes = List(vec![PskKeyExchangeMode::PSK_KE]);
            }
        }
    });
    server.read_tls(&hello).unwrap();
    let flight = take(&mut server);
    // The ServerHello carries no pre_shared_key: the PSK was not taken,
    // and the certificate follows.
    let record = &support::split_records(&flight)[0];
    let HandshakeMessage::ServerHello(hello) = HandshakeMessage::decode(&record[5..]).unwrap()
    else {
        panic!("not a ServerHello");
    };
    assert!(
        !hello
            .extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::PreSharedKey(_)))
    );
}

#[test]
fn psk_ke_alone_without_a_key_share_is_missing_extension() {
    let pair = pair();
    let (mut client, mut server) = hello_offering_a_ticket(&pair);
    let hello = rewrite_client_hello(&mut client, |extensions| {
        extensions.retain(|e| !matches!(e, ClientExtension::KeyShare(_)));
        for e in extensions.iter_mut() {
            if let ClientExtension::PskKeyExchangeModes(modes) = e {
                *modes = List(vec![PskKeyExchangeMode::PSK_KE]);
            }
        }
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::CLIENT_HELLO,
            extension: ExtensionType::KEY_SHARE,
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::MISSING_EXTENSION)
    );
}

#[test]
fn a_psk_without_key_exchange_modes_is_missing_extension() {
    let pair = pair();
    let (mut client, mut server) = hello_offering_a_ticket(&pair);
    let hello = rewrite_client_hello(&mut client, |extensions| {
        extensions.retain(|e| !matches!(e, ClientExtension::PskKeyExchangeModes(_)));
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::CLIENT_HELLO,
            extension: ExtensionType::PSK_KEY_EXCHANGE_MODES,
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::MISSING_EXTENSION)
    );
}

#[test]
fn binders_that_do_not_match_the_identities_are_illegal_parameter() {
    let pair = pair();
    let (mut client, mut server) = hello_offering_a_ticket(&pair);
    let hello = rewrite_client_hello(&mut client, |extensions| {
        if let Some(ClientExtension::PreSharedKey(psks)) = extensions.last_mut() {
            let binder = psks.binders[0].clone();
            psks.binders.0.push(binder);
        }
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::BindersDoNotMatchIdentities
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

#[test]
fn a_psk_index_the_client_did_not_offer_is_illegal_parameter() {
    let mut mitm = Resuming::new().second_connection();
    let err = mitm
        .server_hello(|message| {
            let HandshakeMessage::ServerHello(mut hello) = message else {
                panic!("not a ServerHello");
            };
            if let keel_wire::Extensions::Present(extensions) = &mut hello.extensions {
                for e in extensions.iter_mut() {
                    if let ServerExtension::PreSharedKey(index) = e {
                        *index = 1;
                    }
                }
            }
            HandshakeMessage::ServerHello(hello)
        })
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::PskNotOffered { index: 1 }
        }
    );
    assert_eq!(
        last_alert(&mitm.client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

fn ticket(lifetime: u32) -> Vec<u8> {
    HandshakeMessage::NewSessionTicket13(NewSessionTicket13 {
        ticket_lifetime: lifetime,
        ticket_age_add: 7,
        ticket_nonce: Opaque(vec![1]),
        ticket: Opaque(vec![0xab; 40]),
        extensions: ExtensionList::default(),
    })
    .encode()
    .unwrap()
}

#[test]
fn a_ticket_lifetime_over_seven_days_is_illegal_parameter() {
    // The server issues no ticket of its own, so the injected one is the
    // first record under its application key.
    let store = store();
    let mut mitm = Mitm::new(|c| c.session_store = Some(Arc::clone(&store)), |_| {});
    mitm.complete();
    let err = mitm
        .inject_to_client(&[(ContentType::HANDSHAKE, ticket(604_801))])
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::TicketLifetimeTooLong { seconds: 604_801 }
        }
    );
    // The alert goes out protected: the server reads it.
    let alert = mitm.server.read_tls(&take(&mut mitm.client)).unwrap_err();
    assert_eq!(
        alert,
        HandshakeError::AlertReceived {
            description: AlertDescription::ILLEGAL_PARAMETER
        }
    );
    assert!(store.is_empty());
}

#[test]
fn a_ticket_of_lifetime_zero_is_not_kept_and_seven_days_is() {
    let store = store();
    let mut mitm = Mitm::new(|c| c.session_store = Some(Arc::clone(&store)), |_| {});
    mitm.complete();
    mitm.inject_to_client(&[
        (ContentType::HANDSHAKE, ticket(0)),
        (ContentType::HANDSHAKE, ticket(604_800)),
    ])
    .unwrap();
    assert_eq!(store.len(), 1);
}

#[test]
fn a_resumption_under_a_suite_of_another_hash_is_illegal_parameter() {
    // The ticket's PSK is SHA-256's (TLS_AES_128_GCM_SHA256, the server's
    // first choice); a ServerHello that accepts it under a SHA-384 suite
    // is refused before any key is derived.
    let mut mitm = Resuming::new().second_connection();
    let err = mitm
        .server_hello(|message| {
            let HandshakeMessage::ServerHello(mut hello) = message else {
                panic!("not a ServerHello");
            };
            assert_eq!(
                hello.cipher_suite,
                keel_wire::registry::CipherSuite::TLS_AES_128_GCM_SHA256
            );
            hello.cipher_suite = keel_wire::registry::CipherSuite::TLS_AES_256_GCM_SHA384;
            HandshakeMessage::ServerHello(hello)
        })
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::PskHashMismatch
        }
    );
    assert_eq!(
        last_alert(&mitm.client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// RFC 6066 §3: "When resuming a session, the server MUST NOT include a
/// server_name extension"; a full handshake acknowledges the name.
#[test]
fn a_resumed_server_does_not_acknowledge_the_name() {
    let resuming = Resuming::new();
    let mut acknowledged = Vec::new();
    for _ in 0..2 {
        let mut mitm = resuming.mitm();
        mitm.server_flight(|message| {
            if let HandshakeMessage::EncryptedExtensions(ee) = &message {
                acknowledged.push(
                    ee.extensions.0.iter().any(|e| {
                        matches!(e, keel_wire::extensions::EncryptedExtension::ServerName)
                    }),
                );
            }
            vec![message]
        })
        .unwrap();
        mitm.complete();
    }
    assert_eq!(acknowledged, [true, false]);
}

/// RFC 6066 §3: a server "MUST NOT accept the request to resume the session
/// if the server_name extension contains a different name".
#[test]
fn a_ticket_for_another_name_is_not_resumed() {
    let pair = pair_with(|c| c.verifier = Arc::new(support::AcceptsAnything), |_| {});
    handshake(&pair);
    let store = pair.client.session_store.as_ref().unwrap();
    let (_, bytes) = store.export().pop().unwrap();
    store.import("other.example", &bytes).unwrap();
    let mut client = Connection::client(
        Arc::clone(&pair.client),
        ServerName::parse("other.example").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::clone(&pair.server));
    // The ticket is offered under the other name...
    let hello = take(&mut client);
    let record = &support::split_records(&hello)[0];
    let HandshakeMessage::ClientHello(offer) = HandshakeMessage::decode(&record[5..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    assert!(matches!(
        offer.extensions.iter().last(),
        Some(ClientExtension::PreSharedKey(_))
    ));
    server.read_tls(&hello).unwrap();
    // ...and the server runs a full handshake.
    pump(&mut client, &mut server).unwrap();
    assert!(!resumed(&client) && !resumed(&server));
    assert_eq!(
        server.session().unwrap().server_name.as_deref(),
        Some("other.example")
    );
}

/// An established client that keeps tickets shows it in `Debug`, without
/// its resumption secret.
#[test]
fn a_client_keeping_tickets_says_so_in_debug_without_secrets() {
    let pair = pair();
    let (client, _) = handshake(&pair);
    let shown = format!("{client:?}");
    assert!(shown.contains("TicketReceiver"), "{shown}");
    assert!(shown.contains("server_name: \"localhost\""), "{shown}");
    assert!(!shown.contains("resumption"), "{shown}");
}

/// A session the server cannot keep (here, over its cache's byte budget)
/// gets no ticket, and the connection goes on.
#[test]
fn a_session_the_cache_cannot_keep_gets_no_ticket() {
    let cache = Arc::new(ServerSessionCache::new(16, Duration::from_secs(600)).with_max_bytes(10));
    let pair = pair_with(
        |_| {},
        |s| {
            s.ticket_keys = None;
            s.session_cache = Some(Arc::clone(&cache));
        },
    );
    let (client, _) = handshake(&pair);
    assert!(!resumed(&client));
    assert!(cache.is_empty());
    assert!(stored(&pair).is_none());
}
