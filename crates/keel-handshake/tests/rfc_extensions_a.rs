//! The hello extensions of RFC 7627 (extended master secret), RFC 5746
//! (renegotiation indication), RFC 7507 (TLS_FALLBACK_SCSV) and RFC 8449
//! (record_size_limit), and the reserved labels of the RFC 5705 exporter,
//! as a peer sees them on the wire: what keel sends, what it refuses and
//! with which alert.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::key_schedule::ExportError;
use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache, StoredSession};
use keel_handshake::{Connection, HandshakeError, IllegalParameter};
use keel_wire::extensions::RawExtension;
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::{ClientHello, ServerHello};
use keel_wire::registry::{
    AlertDescription, CipherSuite, ContentType, ExtensionType, MaxFragmentLength, ProtocolVersion,
};
use keel_wire::vec::Opaque;
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage, ServerExtension};
use support::{
    client_config, connect, last_alert, pump, rewrite_whole_client_hello, server_config,
    split_records,
};

fn fresh() -> (Connection, Connection) {
    connect(client_config(false, None), server_config(false))
}

/// The ClientHello `client` has queued, decoded, with its record bytes.
fn client_hello(client: &mut Connection) -> (ClientHello, Vec<u8>) {
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    let record = &split_records(&bytes)[0];
    let HandshakeMessage::ClientHello(hello) =
        HandshakeMessage::decode(&record[RecordHeader::LEN..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    (hello, bytes)
}

/// The ServerHello at the front of `flight`.
fn server_hello(flight: &[u8]) -> ServerHello {
    let record = &split_records(flight)[0];
    let HandshakeMessage::ServerHello(hello) =
        HandshakeMessage::decode(&record[RecordHeader::LEN..]).unwrap()
    else {
        panic!("the first record is not the ServerHello");
    };
    hello
}

/// `flight` with its ServerHello changed by `change` (the other records
/// follow unchanged).
fn rewrite_server_hello(flight: &[u8], change: impl FnOnce(&mut Vec<ServerExtension>)) -> Vec<u8> {
    let mut hello = server_hello(flight);
    let Extensions::Present(extensions) = &mut hello.extensions else {
        panic!("a ServerHello without extensions");
    };
    change(extensions);
    let mut out = support::plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(hello).encode().unwrap(),
    );
    for record in &split_records(flight)[1..] {
        out.extend_from_slice(record);
    }
    out
}

/// The ClientHello `client` queued, with its extensions changed by
/// `change`, as a plaintext record.
fn rewrite_extensions(
    client: &mut Connection,
    change: impl FnOnce(&mut Vec<ClientExtension>),
) -> Vec<u8> {
    rewrite_whole_client_hello(client, |hello| {
        let Extensions::Present(extensions) = &mut hello.extensions else {
            panic!("a ClientHello without extensions");
        };
        change(extensions);
    })
}

/// The server's answer to `hello` (a plaintext record): its result, the
/// server, and the flight it queued.
fn serve(hello: &[u8]) -> (Result<usize, HandshakeError>, Connection, Vec<u8>) {
    let mut server = Connection::server(Arc::new(server_config(false)));
    let result = server.read_tls(hello);
    let flight = server.pending_tls().to_vec();
    (result, server, flight)
}

fn server_extensions(hello: &ServerHello) -> Vec<ServerExtension> {
    hello.extensions.iter().cloned().collect()
}

fn renegotiation_info(hello: &ServerHello) -> Option<Vec<u8>> {
    hello.extensions.iter().find_map(|e| match e {
        ServerExtension::RenegotiationInfo(info) => Some(info.0.clone()),
        _ => None,
    })
}

// --- What a keel client sends ----------------------------------------------------

/// RFC 7627 §5.2: the client sends extended_master_secret. RFC 5746 §3.4:
/// an empty renegotiation_info, not also the SCSV. RFC 7507 §4: at its
/// highest version (TLS 1.2), no TLS_FALLBACK_SCSV. RFC 8449 §4: it
/// advertises record_size_limit even with no need to limit (2^14).
#[test]
fn a_client_hello_offers_ems_empty_renegotiation_info_and_a_record_size_limit() {
    let (mut client, _) = fresh();
    let (hello, _) = client_hello(&mut client);
    assert_eq!(hello.client_version, ProtocolVersion::TLS_V1_2);
    let extensions: Vec<&ClientExtension> = hello.extensions.iter().collect();
    assert!(extensions.contains(&&ClientExtension::ExtendedMasterSecret));
    assert!(extensions.contains(&&ClientExtension::RenegotiationInfo(Opaque(Vec::new()))));
    assert!(extensions.contains(&&ClientExtension::RecordSizeLimit(16384)));
    let suites = hello.cipher_suites.as_slice();
    assert!(!suites.contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
    assert!(!suites.contains(&CipherSuite::TLS_FALLBACK_SCSV));
}

// --- What a keel server answers ---------------------------------------------------

/// RFC 7627 §5.2: the server echoes extended_master_secret. RFC 5746 §3.6,
/// §4.3: an empty renegotiation_info answers the client's. RFC 8449 §4:
/// record_size_limit answers the client's.
#[test]
fn a_server_hello_answers_ems_renegotiation_info_and_record_size_limit() {
    let (mut client, _) = fresh();
    let (_, bytes) = client_hello(&mut client);
    let (result, _, flight) = serve(&bytes);
    result.unwrap();
    let hello = server_hello(&flight);
    let extensions = server_extensions(&hello);
    assert!(extensions.contains(&ServerExtension::ExtendedMasterSecret));
    assert!(extensions.contains(&ServerExtension::RecordSizeLimit(16384)));
    assert_eq!(renegotiation_info(&hello), Some(Vec::new()));
}

/// RFC 5746 §3.6: the SCSV alone sets the flag, and the ServerHello then
/// carries an empty renegotiation_info; with neither signal the server
/// sends none (RFC 5246 §7.4.1.4: nothing unsolicited) and goes on.
#[test]
fn a_server_answers_the_renegotiation_scsv_and_only_a_signal() {
    let without_info = |extensions: &mut Vec<ClientExtension>| {
        extensions.retain(|e| !matches!(e, ClientExtension::RenegotiationInfo(_)));
    };

    let (mut client, _) = fresh();
    let hello = rewrite_whole_client_hello(&mut client, |hello| {
        let Extensions::Present(extensions) = &mut hello.extensions else {
            panic!("a ClientHello without extensions");
        };
        without_info(extensions);
        hello
            .cipher_suites
            .0
            .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    });
    let (result, server, flight) = serve(&hello);
    result.unwrap();
    assert_eq!(last_alert(&server), None);
    assert_eq!(renegotiation_info(&server_hello(&flight)), Some(Vec::new()));

    let (mut client, _) = fresh();
    let hello = rewrite_extensions(&mut client, without_info);
    let (result, server, flight) = serve(&hello);
    result.unwrap();
    assert_eq!(last_alert(&server), None);
    assert_eq!(renegotiation_info(&server_hello(&flight)), None);
}

/// RFC 5746 §3.6: a non-empty renegotiated_connection in an initial
/// handshake aborts it with handshake_failure.
#[test]
fn a_server_refuses_a_non_empty_renegotiation_info() {
    let (mut client, _) = fresh();
    let hello = rewrite_extensions(&mut client, |extensions| {
        for extension in extensions.iter_mut() {
            if let ClientExtension::RenegotiationInfo(info) = extension {
                info.0 = vec![7; 12];
            }
        }
    });
    let (result, server, _) = serve(&hello);
    assert_eq!(result.unwrap_err(), HandshakeError::NoSecureRenegotiation);
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// RFC 5746 §3.4, §4.1: a client that requires the extension aborts with a
/// fatal handshake_failure when the ServerHello lacks it, or carries a
/// non-empty one.
#[test]
fn a_client_refuses_a_server_hello_without_or_with_a_non_empty_renegotiation_info() {
    let changes: [fn(&mut Vec<ServerExtension>); 2] = [
        |extensions| extensions.retain(|e| !matches!(e, ServerExtension::RenegotiationInfo(_))),
        |extensions| {
            for extension in extensions.iter_mut() {
                if let ServerExtension::RenegotiationInfo(info) = extension {
                    info.0 = vec![7; 24];
                }
            }
        },
    ];
    for change in changes {
        let (mut client, mut server) = fresh();
        let (_, bytes) = client_hello(&mut client);
        server.read_tls(&bytes).unwrap();
        let flight = server.pending_tls().to_vec();
        let changed = rewrite_server_hello(&flight, change);
        assert_eq!(
            client.read_tls(&changed).unwrap_err(),
            HandshakeError::NoSecureRenegotiation
        );
        assert_eq!(
            last_alert(&client),
            Some(AlertDescription::HANDSHAKE_FAILURE)
        );
    }
}

/// RFC 7627 §4, §5.2: a server that will not interoperate with legacy
/// clients aborts a ClientHello without extended_master_secret with
/// handshake_failure.
#[test]
fn a_server_refuses_a_client_hello_without_ems() {
    let (mut client, _) = fresh();
    let hello = rewrite_extensions(&mut client, |extensions| {
        extensions.retain(|e| *e != ClientExtension::ExtendedMasterSecret);
    });
    let (result, server, _) = serve(&hello);
    assert_eq!(result.unwrap_err(), HandshakeError::NoExtendedMasterSecret);
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// RFC 7627 §4, §5.2: likewise a client, for a ServerHello without it.
#[test]
fn a_client_refuses_a_server_hello_without_ems() {
    let (mut client, mut server) = fresh();
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let changed = rewrite_server_hello(&flight, |extensions| {
        extensions.retain(|e| *e != ServerExtension::ExtendedMasterSecret);
    });
    assert_eq!(
        client.read_tls(&changed).unwrap_err(),
        HandshakeError::NoExtendedMasterSecret
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// RFC 5746 §3.6: a server ignores extensions it does not know and serves
/// a client whose version is above its own at its own (TLS 1.2).
#[test]
fn a_server_ignores_unknown_extensions_and_serves_a_higher_client_version() {
    let (mut client, _) = fresh();
    let hello = rewrite_whole_client_hello(&mut client, |hello| {
        hello.client_version = ProtocolVersion::new(0x0304);
        let Extensions::Present(extensions) = &mut hello.extensions else {
            panic!("a ClientHello without extensions");
        };
        extensions.push(ClientExtension::Unknown(RawExtension {
            ext_type: ExtensionType::new(0x7a7a),
            data: vec![1, 2, 3],
        }));
    });
    let (result, server, flight) = serve(&hello);
    result.unwrap();
    assert_eq!(last_alert(&server), None);
    let hello = server_hello(&flight);
    assert_eq!(hello.server_version, ProtocolVersion::TLS_V1_2);
    assert!(!server_extensions(&hello).iter().any(|e| matches!(
        e,
        ServerExtension::Unknown(RawExtension { ext_type, .. }) if *ext_type == ExtensionType::new(0x7a7a)
    )));
}

/// RFC 7627 §6.4: SSL 3.0 handshakes are refused (protocol_version).
#[test]
fn an_ssl3_client_hello_is_refused() {
    let (mut client, _) = fresh();
    let hello = rewrite_whole_client_hello(&mut client, |hello| {
        hello.client_version = ProtocolVersion::new(0x0300);
    });
    let (result, server, _) = serve(&hello);
    assert!(
        matches!(result, Err(HandshakeError::ProtocolVersion { .. })),
        "{result:?}"
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::PROTOCOL_VERSION)
    );
}

// --- Resumption (RFC 7627 §5.3, RFC 7507 §4) -----------------------------------

struct Stores {
    client: Arc<ClientSessionStore>,
    server: Arc<ServerSessionCache>,
}

impl Stores {
    fn new() -> Self {
        let lifetime = std::time::Duration::from_secs(3600);
        Self {
            client: Arc::new(ClientSessionStore::new(4, lifetime)),
            server: Arc::new(ServerSessionCache::new(4, lifetime)),
        }
    }

    fn connect(&self) -> (Connection, Connection) {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&self.client));
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&self.server));
        connect(client, server)
    }

    /// A full handshake that leaves a session in both stores.
    fn full_handshake(&self) {
        let (mut client, mut server) = self.connect();
        pump(&mut client, &mut server).unwrap();
        assert!(!client.session().unwrap().resumed);
        assert_eq!((self.client.len(), self.server.len()), (1, 1));
    }
}

/// RFC 7627 §5.3: a ClientHello offering an abbreviated handshake carries
/// extended_master_secret, and so does the ServerHello that accepts it.
/// RFC 7507 §4: a resuming client at the session's version sends no
/// TLS_FALLBACK_SCSV.
#[test]
fn a_resumption_offers_and_answers_ems_without_the_fallback_scsv() {
    let stores = Stores::new();
    stores.full_handshake();
    let (mut client, mut server) = stores.connect();
    let (hello, bytes) = client_hello(&mut client);
    assert!(!hello.session_id.0.is_empty(), "a session is offered");
    assert!(
        hello
            .extensions
            .contains(&ClientExtension::ExtendedMasterSecret)
    );
    assert!(
        !hello
            .cipher_suites
            .as_slice()
            .contains(&CipherSuite::TLS_FALLBACK_SCSV)
    );
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let answer = server_hello(&flight);
    assert_eq!(answer.session_id.0, hello.session_id.0, "it resumes");
    assert!(server_extensions(&answer).contains(&ServerExtension::ExtendedMasterSecret));
    pump(&mut client, &mut server).unwrap();
    assert!(client.session().unwrap().resumed && server.session().unwrap().resumed);
}

/// RFC 7627 §5.3, §5.4: a ClientHello resuming a session without
/// extended_master_secret is aborted (handshake_failure), whether the
/// original session used it or (an imported entry) did not.
#[test]
fn a_resuming_client_hello_without_ems_is_refused() {
    for original_ems in [true, false] {
        let stores = Stores::new();
        stores.full_handshake();
        if !original_ems {
            let mut stored = StoredSession::from_bytes(&stores.server.export()[0]).unwrap();
            stored.extended_master_secret = false;
            stores.server.insert(stored);
        }
        let (mut client, mut server) = stores.connect();
        let hello = rewrite_extensions(&mut client, |extensions| {
            extensions.retain(|e| *e != ClientExtension::ExtendedMasterSecret);
        });
        assert_eq!(
            server.read_tls(&hello).unwrap_err(),
            HandshakeError::NoExtendedMasterSecret,
            "original EMS: {original_ems}"
        );
        assert_eq!(
            last_alert(&server),
            Some(AlertDescription::HANDSHAKE_FAILURE)
        );
    }
}

/// RFC 7627 §5.3, §5.4: a ServerHello that accepts the abbreviated
/// handshake of an EMS session without the extension is aborted by the
/// client (handshake_failure).
#[test]
fn a_resuming_server_hello_without_ems_is_refused() {
    let stores = Stores::new();
    stores.full_handshake();
    let (mut client, mut server) = stores.connect();
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let changed = rewrite_server_hello(&flight, |extensions| {
        extensions.retain(|e| *e != ServerExtension::ExtendedMasterSecret);
    });
    assert_eq!(
        client.read_tls(&changed).unwrap_err(),
        HandshakeError::NoExtendedMasterSecret
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

// --- record_size_limit and max_fragment_length (RFC 8449 §4, §5) ------------------

/// RFC 8449 §4: a limit below 64 from the server is a fatal
/// illegal_parameter at the client.
#[test]
fn a_client_refuses_a_record_size_limit_below_64() {
    let (mut client, mut server) = fresh();
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let changed = rewrite_server_hello(&flight, |extensions| {
        for extension in extensions.iter_mut() {
            if let ServerExtension::RecordSizeLimit(value) = extension {
                *value = 63;
            }
        }
    });
    assert_eq!(
        client.read_tls(&changed).unwrap_err(),
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RecordSizeLimitTooSmall { value: 63 }
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// RFC 8449 §5: a server ignores max_fragment_length next to
/// record_size_limit, and answers only the latter.
#[test]
fn a_server_ignores_max_fragment_length_beside_record_size_limit() {
    let (mut client, _) = fresh();
    let hello = rewrite_extensions(&mut client, |extensions| {
        extensions.push(ClientExtension::MaxFragmentLength(
            MaxFragmentLength::LEN_512,
        ));
    });
    let (result, server, flight) = serve(&hello);
    result.unwrap();
    assert_eq!(last_alert(&server), None);
    let extensions = server_extensions(&server_hello(&flight));
    assert!(extensions.contains(&ServerExtension::RecordSizeLimit(16384)));
    assert!(
        !extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::MaxFragmentLength(_)))
    );
}

/// RFC 8449 §5: a ServerHello with both max_fragment_length and
/// record_size_limit is a fatal error at the client (keel never offers
/// max_fragment_length, so it is an unsolicited extension).
#[test]
fn a_server_hello_with_max_fragment_length_and_record_size_limit_is_fatal() {
    let (mut client, mut server) = fresh();
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let changed = rewrite_server_hello(&flight, |extensions| {
        extensions.push(ServerExtension::MaxFragmentLength(
            MaxFragmentLength::LEN_512,
        ));
    });
    assert_eq!(
        client.read_tls(&changed).unwrap_err(),
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::MAX_FRAGMENT_LENGTH
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
    assert!(client.error().is_some(), "the connection is over");
}

// --- The exporter's reserved labels (RFC 5705 §6) --------------------------------

/// RFC 5705 §6: the labels TLS itself uses are never exporter labels;
/// keel also refuses "extended master secret" (RFC 7627), and exports
/// under any other.
#[test]
fn the_reserved_labels_are_never_exported() {
    let (mut client, mut server) = fresh();
    pump(&mut client, &mut server).unwrap();
    for label in [
        &b"client finished"[..],
        b"server finished",
        b"master secret",
        b"key expansion",
        b"extended master secret",
    ] {
        for conn in [&client, &server] {
            let mut out = [0u8; 32];
            assert_eq!(
                conn.export_keying_material(&mut out, label, None)
                    .unwrap_err(),
                HandshakeError::Exporter {
                    reason: Some(ExportError::ReservedLabel)
                },
                "{}",
                String::from_utf8_lossy(label)
            );
            assert_eq!(out, [0; 32], "nothing written");
        }
    }
    let mut out = [0u8; 32];
    client
        .export_keying_material(&mut out, b"EXPORTER-keel-test", None)
        .unwrap();
    assert_ne!(out, [0; 32]);
}

/// RFC 8449 §4: a record larger than the limit this side advertised is a
/// fatal record_overflow, once the limit applies (protected records). The
/// server is made to send one by sealing it under its keys, as only the
/// peer (or whoever holds the keys) could.
#[test]
fn a_record_above_the_advertised_limit_is_record_overflow() {
    use keel_handshake::key_schedule::{self, MasterSecret, PrfHash};
    use keel_record::{AeadAlgorithm, RecordSealer, RecordWriter};

    let keys = Arc::new(support::KeyCapture::default());
    let mut config = client_config(
        false,
        Some(Arc::clone(&keys) as Arc<dyn keel_handshake::keylog::KeyLog>),
    );
    config.limits.record_size_limit = 512;
    let (mut client, mut server) = connect(config, server_config(false));
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let flight = server.pending_tls().to_vec();
    let hello = server_hello(&flight);
    assert!(server_extensions(&hello).contains(&ServerExtension::RecordSizeLimit(16384)));
    pump(&mut client, &mut server).unwrap();

    // The server's keys; its Finished took sequence number 0.
    let (client_random, master) = keys.get().unwrap();
    let suite = hello.cipher_suite;
    let (_, server_keys) = key_schedule::key_block(
        &MasterSecret::from_bytes(&master).unwrap(),
        PrfHash::for_suite(suite).unwrap(),
        AeadAlgorithm::for_suite(suite).unwrap(),
        &client_random,
        &hello.random.0,
    )
    .unwrap();
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(&server_keys).unwrap());
    writer
        .write_handshake(&[20, 0, 0, 0], &mut Vec::new())
        .unwrap();

    // At the limit: accepted.
    let mut wire = Vec::new();
    writer.write_application_data(&[5; 512], &mut wire).unwrap();
    client.read_tls(&wire).unwrap();
    let mut buf = [0u8; 1024];
    assert_eq!(client.read(&mut buf).unwrap(), 512);

    // One byte over: record_overflow.
    let mut wire = Vec::new();
    writer.write_application_data(&[5; 513], &mut wire).unwrap();
    let err = client.read_tls(&wire).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Record {
            source: keel_record::RecordError::RecordOverflow {
                length: 513,
                limit: 512
            }
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::RECORD_OVERFLOW));
}

/// RFC 7627 §6.4: a ServerHello for SSL 3.0 is refused (protocol_version).
#[test]
fn a_client_refuses_an_ssl3_server_hello() {
    let (mut client, mut server) = fresh();
    let (_, bytes) = client_hello(&mut client);
    server.read_tls(&bytes).unwrap();
    let mut hello = server_hello(server.pending_tls());
    hello.server_version = ProtocolVersion::new(0x0300);
    let changed = support::plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(hello).encode().unwrap(),
    );
    assert_eq!(
        client.read_tls(&changed).unwrap_err(),
        HandshakeError::ProtocolVersion {
            version: ProtocolVersion::new(0x0300)
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::PROTOCOL_VERSION)
    );
}

/// RFC 7627 §6.2: the session hash (the PRF's hash) is SHA-256 or SHA-384
/// for every suite keel negotiates; a suite whose PRF would be older has
/// none.
#[test]
fn every_suite_hashes_the_session_with_sha2() {
    use keel_handshake::key_schedule::PrfHash;
    for suite in keel_handshake::policy::SUITES {
        let prf = PrfHash::for_suite(suite).unwrap();
        assert!(
            matches!(prf, PrfHash::Sha256 | PrfHash::Sha384),
            "{suite:?}"
        );
        assert!(prf.hash_len() >= 32);
    }
    assert_eq!(
        PrfHash::for_suite(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA),
        None
    );
}
