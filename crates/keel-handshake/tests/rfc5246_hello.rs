//! RFC 5246 §7.1–§7.4.2, checked on the wire: what a keel client puts in
//! its ClientHello, what a keel server answers (ServerHello, Certificate),
//! what each refuses in a ClientHello, and the ChangeCipherSpec and
//! application-data rules of the handshake overview. Each test names the
//! statement it proves; docs/rfc/rfc5246.md traces them.

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

use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache};
use keel_handshake::tickets::TicketKeys;
use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, Rng, ServerHandshakeConfig,
};
use keel_pki::{ClientAuth, ClientCertVerifier, ServerName, TrustStore};
use keel_wire::extensions::ExtensionCodec;
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::ClientHello;
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, ExtensionType,
    HandshakeType, ProtocolVersion,
};
use keel_wire::{ClientExtension, Codec, HandshakeMessage};
use support::{
    Pair, RecordingRng, SERVER_NAME, Side, client_config, connect, content_type, pki,
    plaintext_alerts, pump, rewrite_whole_client_hello, server_config, split_records,
};

/// The handshake messages among plaintext records (keel writes each in a
/// record of its own).
fn plaintext_messages(bytes: &[u8]) -> Vec<HandshakeMessage> {
    split_records(bytes)
        .iter()
        .filter(|r| content_type(r) == ContentType::HANDSHAKE)
        .filter_map(|r| HandshakeMessage::decode(&r[RecordHeader::LEN..]).ok())
        .collect()
}

/// The ClientHello a new keel client with `config` sends.
fn client_hello_of(config: ClientHandshakeConfig) -> ClientHello {
    let client =
        Connection::client(Arc::new(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    match plaintext_messages(client.pending_tls()).first() {
        Some(HandshakeMessage::ClientHello(hello)) => hello.clone(),
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// The extension types of a ClientHello, in order.
fn client_extension_types(hello: &ClientHello) -> Vec<ExtensionType> {
    hello
        .extensions
        .iter()
        .map(|e| e.extension_type())
        .collect()
}

/// A server with `config` given `record`: its result, and the plaintext
/// records it wrote.
fn serve(config: ServerHandshakeConfig, record: &[u8]) -> (Result<usize, HandshakeError>, Vec<u8>) {
    let mut server = Connection::server(Arc::new(config));
    let result = server.read_tls(record);
    let mut out = Vec::new();
    server.take_tls(&mut out);
    (result, out)
}

/// The fatal alert a refusal put on the wire (the last plaintext alert).
fn last_fatal_alert(bytes: &[u8]) -> AlertDescription {
    let alert = *plaintext_alerts(bytes).last().expect("an alert was sent");
    assert_eq!(alert.level, AlertLevel::FATAL, "{alert:?} is fatal");
    alert.description
}

/// RFC 5246 §7.1: right after its ChangeCipherSpec each side writes under
/// the new keys: the first record after it opens with the keys derived
/// for that side, and it is the side's Finished.
#[test]
fn after_its_change_cipher_spec_each_side_writes_under_the_new_keys() {
    let mut pair = Pair::new(false);
    pair.finish().unwrap();
    pair.assert_established();
    for side in Side::BOTH {
        let opened = pair.open_sent(side);
        let (ct, first) = opened.first().expect("a record after the ChangeCipherSpec");
        assert_eq!(*ct, ContentType::HANDSHAKE, "{side}");
        assert_eq!(
            HandshakeType::new(first[0]),
            HandshakeType::FINISHED,
            "the {side}'s Finished, sealed under its new keys"
        );
    }
}

/// RFC 5246 §7.3: application data written before the handshake completes
/// is held; not one application-data record leaves before the client is
/// established, and the data arrives afterwards.
#[test]
fn application_data_written_early_waits_for_the_handshake() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    assert_eq!(client.write(b"early").unwrap(), 5);
    for _ in 0..20 {
        let established_before = client.session().is_some();
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.take_tls(&mut to_server);
        server.take_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        if !established_before {
            assert!(
                split_records(&to_server)
                    .iter()
                    .all(|r| content_type(r) != ContentType::APPLICATION_DATA),
                "application data before the handshake completed"
            );
        }
        if !to_server.is_empty() {
            server.read_tls(&to_server).unwrap();
        }
        if !to_client.is_empty() {
            client.read_tls(&to_client).unwrap();
        }
    }
    let mut buf = [0u8; 16];
    let n = server.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"early");
}

/// RFC 5246 §7.3: a client asked for a certificate sends a Certificate
/// message, an empty one when it has none, before its ClientKeyExchange.
#[test]
fn a_client_asked_for_a_certificate_sends_one_even_when_it_has_none() {
    let mut server = server_config(false);
    let roots = TrustStore::from_der_certificates([pki().root.clone()]).unwrap();
    server.client_verifier = Some(Arc::new(ClientCertVerifier::new(
        roots,
        ClientAuth::Optional,
    )));
    let (mut client, mut server) = connect(client_config(false, None), server);
    let mut from_client = Vec::new();
    for _ in 0..20 {
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.take_tls(&mut to_server);
        server.take_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        from_client.extend_from_slice(&to_server);
        if !to_server.is_empty() {
            server.read_tls(&to_server).unwrap();
        }
        if !to_client.is_empty() {
            client.read_tls(&to_client).unwrap();
        }
    }
    assert!(client.session().is_some() && server.session().is_some());
    let types: Vec<HandshakeType> = plaintext_messages(&from_client)
        .iter()
        .map(HandshakeMessage::handshake_type)
        .collect();
    assert_eq!(
        types,
        [
            HandshakeType::CLIENT_HELLO,
            HandshakeType::CERTIFICATE,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ]
    );
    let certificate = plaintext_messages(&from_client)
        .into_iter()
        .find_map(|m| match m {
            HandshakeMessage::Certificate(c) => Some(c),
            _ => None,
        })
        .unwrap();
    assert!(certificate.certificate_list.is_empty());
}

/// RFC 5246 §7.4.1.2: the client_version is the highest keel speaks
/// (TLS 1.2), the compression list is exactly null, and (§7.4.1.4.1)
/// signature_algorithms is sent with the configured schemes, none of them
/// "anonymous".
#[test]
fn a_keel_client_hello_offers_tls12_null_compression_and_its_signature_schemes() {
    let config = client_config(false, None);
    let schemes = config.signature_schemes.clone();
    let hello = client_hello_of(config);
    assert_eq!(hello.client_version, ProtocolVersion::TLS_V1_2);
    assert_eq!(
        hello.compression_methods.as_slice(),
        [CompressionMethod::NULL]
    );
    let offered = hello
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::SignatureAlgorithms(list) => Some(list.as_slice().to_vec()),
            _ => None,
        })
        .expect("signature_algorithms is sent");
    assert_eq!(offered, schemes);
    assert!(
        offered.iter().all(|s| s.get() & 0xff != 0),
        "no anonymous(0) signature"
    );
}

/// RFC 5246 §7.4.1.2: cipher suites a server does not know or use are
/// skipped, and it picks from the rest as usual.
#[test]
fn a_server_skips_cipher_suites_it_does_not_know_or_use() {
    let (mut client, _) = connect(client_config(false, None), server_config(false));
    let record = rewrite_whole_client_hello(&mut client, |hello| {
        let unknown = [
            CipherSuite::new(0x0a0a),
            CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::new(0xfefe),
        ];
        hello.cipher_suites.0.splice(0..0, unknown);
    });
    let (result, out) = serve(server_config(false), &record);
    result.unwrap();
    let Some(HandshakeMessage::ServerHello(hello)) = plaintext_messages(&out).into_iter().next()
    else {
        panic!("no ServerHello");
    };
    assert_eq!(
        hello.cipher_suite,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
}

/// RFC 5246 §7.4.1.2: a ClientHello whose fields do not exactly fill it
/// (a byte left over, or a byte missing from the extensions) is refused
/// with a fatal decode_error.
#[test]
fn a_client_hello_longer_or_shorter_than_its_fields_is_decode_error() {
    let (client, _) = connect(client_config(false, None), server_config(false));
    let record = split_records(client.pending_tls())[0].clone();
    let message = &record[RecordHeader::LEN..];
    for change in [1isize, -1] {
        let mut body = message[4..].to_vec();
        if change > 0 {
            body.push(0);
        } else {
            body.pop();
        }
        let len = u32::try_from(body.len()).unwrap().to_be_bytes();
        let mut changed = vec![message[0], len[1], len[2], len[3]];
        changed.extend_from_slice(&body);
        let (result, out) = serve(
            server_config(false),
            &support::plaintext_record(ContentType::HANDSHAKE, &changed),
        );
        let err = result.unwrap_err();
        assert!(matches!(err, HandshakeError::Decode { .. }), "{err:?}");
        assert_eq!(last_fatal_alert(&out), AlertDescription::DECODE_ERROR);
    }
}

/// RFC 5246 §7.4.1.2: a compression list without null is refused (with a
/// fatal illegal_parameter); keel's own list is just null.
#[test]
fn a_client_hello_without_null_compression_is_refused() {
    let (mut client, _) = connect(client_config(false, None), server_config(false));
    let record = rewrite_whole_client_hello(&mut client, |hello| {
        assert_eq!(
            hello.compression_methods.as_slice(),
            [CompressionMethod::NULL]
        );
        hello.compression_methods.0 = vec![CompressionMethod::new(1)];
    });
    let (result, out) = serve(server_config(false), &record);
    assert_eq!(result, Err(HandshakeError::NoNullCompression));
    assert_eq!(last_fatal_alert(&out), AlertDescription::ILLEGAL_PARAMETER);
}

/// RFC 5246 §7.4.1.3: the server's random is drawn from its own random
/// source, not made from the client's; §7.4.1.2: the session ID it hands
/// out is a fresh draw too, so it carries nothing about the session.
#[test]
fn the_server_random_and_session_id_are_fresh_draws() {
    let (client, _) = connect(client_config(false, None), server_config(false));
    let record = split_records(client.pending_tls())[0].clone();
    let Some(HandshakeMessage::ClientHello(client_hello)) =
        plaintext_messages(&record).into_iter().next()
    else {
        panic!("no ClientHello");
    };
    let rng = Arc::new(RecordingRng::new(0x9e37_79b9_7f4a_7c15));
    let mut config = server_config(false);
    config.rng = Arc::clone(&rng) as Arc<dyn Rng>;
    config.session_cache = Some(Arc::new(ServerSessionCache::new(
        4,
        Duration::from_secs(3600),
    )));
    let (result, out) = serve(config, &record);
    result.unwrap();
    let Some(HandshakeMessage::ServerHello(hello)) = plaintext_messages(&out).into_iter().next()
    else {
        panic!("no ServerHello");
    };
    let given = rng.given();
    assert_ne!(hello.random.0, client_hello.random.0);
    assert!(given.iter().any(|g| g.as_slice() == hello.random.0));
    assert_eq!(hello.session_id.len(), 32);
    assert!(
        given
            .iter()
            .any(|g| g.as_slice() == hello.session_id.as_slice())
    );
    assert_ne!(hello.session_id.as_slice(), hello.random.0);
}

/// RFC 5246 §7.4.1.4: a ServerHello carries only extension types the
/// ClientHello had, and (§7.4.1.4.1) never signature_algorithms; a
/// ClientHello with just extended_master_secret and renegotiation_info gets
/// just those back, though the server has ALPN and tickets configured.
#[test]
fn a_server_hello_carries_only_offered_extensions_and_never_signature_algorithms() {
    let server = || {
        let mut config = server_config(false);
        config.alpn = vec![b"h2".to_vec()];
        config.ticket_keys = Some(Arc::new(
            TicketKeys::new(
                &[0x77; 32],
                Duration::from_secs(3600),
                Duration::from_secs(3600),
            )
            .unwrap(),
        ));
        config
    };
    let mut full = client_config(false, None);
    full.alpn = vec![b"h2".to_vec()];
    full.session_store = Some(Arc::new(ClientSessionStore::new(
        4,
        Duration::from_secs(3600),
    )));
    let minimal = |extensions: &mut Vec<ClientExtension>| {
        extensions.retain(|e| {
            matches!(
                e,
                ClientExtension::ExtendedMasterSecret
                    | ClientExtension::RenegotiationInfo(_)
                    | ClientExtension::SignatureAlgorithms(_)
                    | ClientExtension::SupportedGroups(_)
            )
        });
    };
    for trim in [false, true] {
        let (mut client, _) = connect(full.clone(), server());
        let mut offered = Vec::new();
        let record = rewrite_whole_client_hello(&mut client, |hello| {
            if trim {
                let keel_wire::Extensions::Present(extensions) = &mut hello.extensions else {
                    panic!("no extensions");
                };
                minimal(extensions);
            }
            offered = client_extension_types(hello);
        });
        let (result, out) = serve(server(), &record);
        result.unwrap();
        let Some(HandshakeMessage::ServerHello(hello)) =
            plaintext_messages(&out).into_iter().next()
        else {
            panic!("no ServerHello");
        };
        let answered: Vec<ExtensionType> = hello
            .extensions
            .iter()
            .map(|e| e.extension_type())
            .collect();
        assert!(!answered.is_empty());
        for t in &answered {
            assert!(offered.contains(t), "{t} was not offered (trim: {trim})");
            assert_ne!(*t, ExtensionType::SIGNATURE_ALGORITHMS);
        }
        if trim {
            assert_eq!(
                answered.len(),
                2,
                "only extended_master_secret and renegotiation_info: {answered:?}"
            );
        } else {
            assert!(answered.contains(&ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION));
            assert!(answered.contains(&ExtensionType::SESSION_TICKET));
        }
    }
}

/// RFC 5246 §7.4.1.2: a client offering a session offers its cipher suite
/// and null compression; §7.4.1.4: it sends the same extensions as without
/// a session.
#[test]
fn a_resuming_client_offers_the_sessions_suite_and_the_same_extensions() {
    let store = Arc::new(ClientSessionStore::new(4, Duration::from_secs(3600)));
    let cache = Arc::new(ServerSessionCache::new(4, Duration::from_secs(3600)));
    let configs = || {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&store));
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&cache));
        (client, server)
    };
    let (c, s) = configs();
    let first = client_hello_of(c.clone());
    assert!(first.session_id.is_empty());
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    let suite = client.session().unwrap().cipher_suite;

    let (c, s) = configs();
    let again = client_hello_of(c.clone());
    assert!(!again.session_id.is_empty(), "the session is offered");
    assert!(again.cipher_suites.contains(&suite));
    assert!(again.compression_methods.contains(&CompressionMethod::NULL));
    assert_eq!(
        client_extension_types(&again),
        client_extension_types(&first)
    );
    // And the server does resume it.
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(client.session().unwrap().resumed);
}

/// RFC 5246 §7.4.1.2: a session whose suite the client no longer offers is
/// not offered at all (its ID would ask for a suite not in the list).
#[test]
fn a_client_does_not_offer_a_session_whose_suite_it_no_longer_offers() {
    let store = Arc::new(ClientSessionStore::new(4, Duration::from_secs(3600)));
    let mut c = client_config(false, None);
    c.session_store = Some(Arc::clone(&store));
    let mut s = server_config(false);
    s.session_cache = Some(Arc::new(ServerSessionCache::new(
        4,
        Duration::from_secs(3600),
    )));
    let (mut client, mut server) = connect(c.clone(), s);
    pump(&mut client, &mut server).unwrap();
    let suite = client.session().unwrap().cipher_suite;
    assert!(!client_hello_of(c.clone()).session_id.is_empty());
    c.suites.retain(|s| *s != suite);
    let hello = client_hello_of(c);
    assert!(hello.session_id.is_empty(), "no session offered");
    assert!(!hello.cipher_suites.contains(&suite));
}

/// RFC 5246 §7.4.2: the server's Certificate comes right after its
/// ServerHello, with its chain as configured, leaf first.
#[test]
fn the_server_certificate_follows_the_server_hello_leaf_first() {
    let (client, _) = connect(client_config(false, None), server_config(false));
    let record = split_records(client.pending_tls())[0].clone();
    let (result, out) = serve(server_config(false), &record);
    result.unwrap();
    let messages = plaintext_messages(&out);
    assert_eq!(messages[0].handshake_type(), HandshakeType::SERVER_HELLO);
    let HandshakeMessage::Certificate(certificate) = &messages[1] else {
        panic!("not a Certificate after the ServerHello: {:?}", messages[1]);
    };
    let sent: Vec<&[u8]> = certificate
        .certificate_list
        .iter()
        .map(|c| c.0.as_slice())
        .collect();
    let chain: Vec<&[u8]> = pki().server.chain().iter().map(|c| c.as_ref()).collect();
    assert_eq!(sent, chain);
    assert_eq!(sent[0], pki().server.leaf().as_ref());
}

/// RFC 5246 §7.4.2: the certificate fits the suite's key exchange. The
/// server's key is ECDSA: an ECDHE_RSA suite it prefers is passed over for
/// the ECDHE_ECDSA one, and a client offering only ECDHE_RSA gets a fatal
/// handshake_failure rather than an RSA suite served with an ECDSA key.
#[test]
fn a_server_picks_only_a_suite_its_certificate_can_serve() {
    let rsa = CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    let ecdsa = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let server = || {
        let mut config = server_config(false);
        config.suites = vec![rsa, ecdsa];
        config
    };
    let mut both = client_config(false, None);
    both.suites = vec![rsa, ecdsa];
    let (mut client, mut server_conn) = connect(both, server());
    pump(&mut client, &mut server_conn).unwrap();
    assert_eq!(client.session().unwrap().cipher_suite, ecdsa);

    let mut only_rsa = client_config(false, None);
    only_rsa.suites = vec![rsa];
    let (client, _) = connect(only_rsa, server());
    let record = split_records(client.pending_tls())[0].clone();
    let (result, out) = serve(server(), &record);
    assert_eq!(result, Err(HandshakeError::NoSharedCipherSuite));
    assert_eq!(last_fatal_alert(&out), AlertDescription::HANDSHAKE_FAILURE);
}

/// RFC 5246 §7.2.2: a receiver that will not go on after warnings (more
/// than `Limits::max_in_a_row` of them in a row) ends the connection with a
/// fatal alert of its own, unexpected_message.
#[test]
fn a_side_that_will_not_go_on_after_warnings_sends_a_fatal_alert() {
    let mut server = Connection::server(Arc::new(server_config(false)));
    let warning = support::plaintext_record(
        ContentType::ALERT,
        &[
            AlertLevel::WARNING.get(),
            AlertDescription::USER_CANCELED.get(),
        ],
    );
    for _ in 0..keel_handshake::Limits::default().max_in_a_row {
        server.read_tls(&warning).unwrap();
        assert!(server.pending_tls().is_empty(), "a warning is survived");
    }
    let err = server.read_tls(&warning).unwrap_err();
    assert!(matches!(err, HandshakeError::TooMany { .. }), "{err:?}");
    assert_eq!(
        last_fatal_alert(server.pending_tls()),
        AlertDescription::UNEXPECTED_MESSAGE
    );
}

/// RFC 5246 §7.3: resuming, each side sends its ChangeCipherSpec and then
/// its Finished right after the hellos: the server's records are
/// ServerHello, ChangeCipherSpec, Finished; the client's ClientHello,
/// ChangeCipherSpec, Finished.
#[test]
fn a_resumed_handshake_goes_from_the_hellos_to_change_cipher_spec_and_finished() {
    let store = Arc::new(ClientSessionStore::new(4, Duration::from_secs(3600)));
    let cache = Arc::new(ServerSessionCache::new(4, Duration::from_secs(3600)));
    let configs = || {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&store));
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&cache));
        (client, server)
    };
    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();

    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    let (mut from_client, mut from_server) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.take_tls(&mut to_server);
        server.take_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        from_client.extend_from_slice(&to_server);
        from_server.extend_from_slice(&to_client);
        if !to_server.is_empty() {
            server.read_tls(&to_server).unwrap();
        }
        if !to_client.is_empty() {
            client.read_tls(&to_client).unwrap();
        }
    }
    assert!(client.session().unwrap().resumed && server.session().unwrap().resumed);
    for (bytes, hello) in [
        (&from_client, HandshakeType::CLIENT_HELLO),
        (&from_server, HandshakeType::SERVER_HELLO),
    ] {
        let records = split_records(bytes);
        let types: Vec<ContentType> = records.iter().map(|r| content_type(r)).collect();
        assert_eq!(
            types,
            [
                ContentType::HANDSHAKE,
                ContentType::CHANGE_CIPHER_SPEC,
                ContentType::HANDSHAKE
            ],
            "{hello}"
        );
        assert_eq!(
            HandshakeType::new(records[0][RecordHeader::LEN]),
            hello,
            "a plaintext hello first"
        );
        // The last record is sealed: not a plaintext handshake message.
        assert!(
            HandshakeMessage::decode(&records[2][RecordHeader::LEN..]).is_err(),
            "the Finished is sealed"
        );
    }
}

/// RFC 5246 §7.4.2: the certificates are X.509v3 (keel negotiates no
/// other type). The server's real chain verifies; the same chain with the
/// leaf's version field saying v2 is refused as malformed.
#[test]
fn a_server_leaf_that_is_not_x509v3_is_refused() {
    use keel_handshake::Clock as _;
    let roots = TrustStore::from_der_certificates([pki().root.clone()]).unwrap();
    let verifier = keel_pki::ServerCertVerifier::new(roots);
    let name = ServerName::parse(SERVER_NAME).unwrap();
    let now = keel_handshake::SystemClock.now();
    let chain = pki().server.chain().to_vec();
    verifier.verify(&chain, &name, None, now).unwrap();

    // `[0] EXPLICIT Version DEFAULT v1`, v3 being INTEGER 2.
    let v3 = [0xa0, 0x03, 0x02, 0x01, 0x02];
    let mut leaf = chain[0].as_ref().to_vec();
    let at = leaf
        .windows(v3.len())
        .position(|w| w == v3)
        .expect("the leaf says v3");
    leaf[at + 4] = 0x01;
    let mut changed = chain.clone();
    changed[0] = keel_pki::CertificateDer::from(leaf);
    let err = verifier.verify(&changed, &name, None, now).unwrap_err();
    assert!(
        matches!(err, keel_pki::CertError::Malformed { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("version"), "{err}");
}
