//! RFC 8422 (ECC for TLS 1.2), RFC 6066 §3 (server_name) and RFC 5077
//! (session tickets) as a peer sees them on the wire: the bytes of the
//! extensions keel sends, the alert it answers a broken extension or key
//! share with, and which hello extensions and handshake messages it leaves
//! out. Each test names the requirement it proves (docs/rfc/).

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
    ClientHandshakeConfig, Connection, HandshakeError, IllegalParameter, ServerHandshakeConfig,
};
use keel_wire::extensions::RawExtension;
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::ServerHello;
use keel_wire::registry::{AlertDescription, ContentType, EcPointFormat, NamedGroup};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage, ServerExtension};
use support::{
    RecordingRng, SERVER_NAME, client_config, connect, ed25519_server_key, last_alert,
    plaintext_alerts, plaintext_record, pump, rewrite_client_hello, server_config, split_records,
};

/// The handshake messages of a flight's plaintext records, one per record
/// (a protected record, the Finished, does not decode and is left out).
fn messages(bytes: &[u8]) -> Vec<HandshakeMessage> {
    split_records(bytes)
        .iter()
        .filter(|r| support::content_type(r) == ContentType::HANDSHAKE)
        .filter_map(|r| HandshakeMessage::decode(&r[RecordHeader::LEN..]).ok())
        .collect()
}

/// The ClientHello goes to the server; returns the server's flight.
fn server_flight(client: &mut Connection, server: &mut Connection) -> Vec<u8> {
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    flight
}

fn server_hello(flight: &[u8]) -> ServerHello {
    match messages(flight).into_iter().next() {
        Some(HandshakeMessage::ServerHello(hello)) => hello,
        other => panic!("not a ServerHello: {other:?}"),
    }
}

/// The body of the extension of type `ext_type` in a hello handshake
/// message (header included), read from its bytes.
fn extension_bytes(message: &[u8], ext_type: u16) -> Option<Vec<u8>> {
    let u16_at = |i: usize| usize::from(u16::from_be_bytes([message[i], message[i + 1]]));
    // Handshake header (4), version (2), random (32), session ID.
    let mut at = 4 + 2 + 32;
    at += 1 + usize::from(message[at]);
    if message[0] == 1 {
        // ClientHello: the suite list, then the compression list.
        at += 2 + u16_at(at);
        at += 1 + usize::from(message[at]);
    } else {
        // ServerHello: one suite, one compression method.
        at += 3;
    }
    let end = at + 2 + u16_at(at);
    at += 2;
    while at < end {
        let (kind, len) = (u16_at(at), u16_at(at + 2));
        if kind == usize::from(ext_type) {
            return Some(message[at + 4..at + 4 + len].to_vec());
        }
        at += 4 + len;
    }
    None
}

// --- RFC 8422 -------------------------------------------------------------------

/// RFC 8422 §4, §5.1, §5.1.2: a client proposing ECC suites sends both
/// supported_groups and ec_point_formats, the latter as exactly the octets
/// `00 0B 00 02 01 00` (uncompressed only).
#[test]
fn the_client_hello_carries_supported_groups_and_exactly_the_uncompressed_point_format() {
    let (mut client, _) = connect(client_config(false, None), server_config(false));
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    let record = &split_records(&bytes)[0];
    let body = &record[RecordHeader::LEN..];
    // ec_point_formats: 00 0B | 00 02 | 01 00.
    assert_eq!(extension_bytes(body, 0x000b), Some(vec![0x01, 0x00]));
    let HandshakeMessage::ClientHello(hello) = HandshakeMessage::decode(body).unwrap() else {
        panic!("not a ClientHello");
    };
    let groups = hello.extensions.iter().find_map(|e| match e {
        ClientExtension::SupportedGroups(groups) => Some(groups.as_slice().to_vec()),
        _ => None,
    });
    assert_eq!(
        groups,
        Some(vec![NamedGroup::X25519, NamedGroup::SECP256R1])
    );
}

/// RFC 8422 §5.1.2: a ClientHello whose point-format list leaves out
/// uncompressed, from a client listing the curves of RFC 8422, is refused
/// with illegal_parameter.
#[test]
fn a_client_point_format_list_without_uncompressed_is_illegal_parameter() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    let hello = rewrite_client_hello(&mut client, |extensions| {
        for extension in extensions.iter_mut() {
            if let ClientExtension::EcPointFormats(formats) = extension {
                *formats = List(vec![EcPointFormat::new(1), EcPointFormat::new(2)]);
            }
        }
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::NoUncompressedPoints
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// RFC 8422 §5.2: the server answers a point-format list with its own,
/// holding uncompressed.
#[test]
fn the_server_answers_point_formats_with_uncompressed() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    let hello = server_hello(&server_flight(&mut client, &mut server));
    let formats = hello.extensions.iter().find_map(|e| match e {
        ServerExtension::EcPointFormats(formats) => Some(formats.as_slice().to_vec()),
        _ => None,
    });
    assert_eq!(formats, Some(vec![EcPointFormat::UNCOMPRESSED]));
}

/// The client's answer to the server's ServerHello changed by `change`.
fn client_reads_changed_server_hello(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
    change: impl FnOnce(&mut Vec<ServerExtension>),
) -> (Result<usize, HandshakeError>, Connection) {
    let (mut client, mut server) = connect(client, server);
    let flight = server_flight(&mut client, &mut server);
    let mut hello = server_hello(&flight);
    let Extensions::Present(extensions) = &mut hello.extensions else {
        panic!("a ServerHello without extensions");
    };
    change(extensions);
    let changed = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(hello).encode().unwrap(),
    );
    (client.read_tls(&changed), client)
}

/// RFC 8422 §5.2: a client holds the server to point formats that include
/// uncompressed (the only one it can parse): a list without it is
/// illegal_parameter.
#[test]
fn a_server_point_format_list_without_uncompressed_is_illegal_parameter() {
    let (result, client) = client_reads_changed_server_hello(
        client_config(false, None),
        server_config(false),
        |extensions| {
            for extension in extensions.iter_mut() {
                if let ServerExtension::EcPointFormats(formats) = extension {
                    *formats = List(vec![EcPointFormat::new(1)]);
                }
            }
        },
    );
    assert_eq!(
        result.unwrap_err(),
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::NoUncompressedPoints
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// A client and a server agreeing on `group` only.
fn on_group(group: NamedGroup) -> (Connection, Connection) {
    let mut client = client_config(false, None);
    client.groups = vec![group, NamedGroup::SECP256R1];
    let mut server = server_config(false);
    server.groups = vec![group];
    connect(client, server)
}

/// RFC 8422 §5.1.2, §5.4.1: NIST-curve keys travel uncompressed, `04 || x
/// || y`, on the wire from both sides, and such handshakes complete.
#[test]
fn nist_curve_key_shares_are_uncompressed_points() {
    for (group, len) in [(NamedGroup::SECP256R1, 65), (NamedGroup::SECP384R1, 97)] {
        let (mut client, mut server) = on_group(group);
        let flight = server_flight(&mut client, &mut server);
        let kx = messages(&flight)
            .into_iter()
            .find_map(|m| match m {
                HandshakeMessage::ServerKeyExchange(kx) => Some(kx),
                _ => None,
            })
            .unwrap();
        assert_eq!(kx.params.named_group, group);
        assert_eq!(kx.params.public.len(), len, "{group}");
        assert_eq!(kx.params.public.first(), Some(&0x04), "{group}");

        client.read_tls(&flight).unwrap();
        let mut second = Vec::new();
        client.take_tls(&mut second);
        let Some(HandshakeMessage::ClientKeyExchange(cke)) = messages(&second).into_iter().next()
        else {
            panic!("the client's flight does not start with its ClientKeyExchange");
        };
        assert_eq!(cke.public.len(), len, "{group}");
        assert_eq!(cke.public.first(), Some(&0x04), "{group}");
        server.read_tls(&second).unwrap();
        pump(&mut client, &mut server).unwrap();
        assert!(client.session().is_some() && server.session().is_some());
    }
}

/// The server's answer to the client's ClientKeyExchange with its public
/// key replaced by `change(public)`.
fn server_reads_key_share(
    group: NamedGroup,
    change: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (HandshakeError, Connection) {
    let (mut client, mut server) = on_group(group);
    let flight = server_flight(&mut client, &mut server);
    client.read_tls(&flight).unwrap();
    let mut second = Vec::new();
    client.take_tls(&mut second);
    let Some(HandshakeMessage::ClientKeyExchange(mut cke)) = messages(&second).into_iter().next()
    else {
        panic!("the client's flight does not start with its ClientKeyExchange");
    };
    cke.public = Opaque(change(cke.public.as_slice()));
    let record = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ClientKeyExchange(cke).encode().unwrap(),
    );
    let err = server.read_tls(&record).unwrap_err();
    (err, server)
}

fn assert_bad_point(err: &HandshakeError, server: &Connection, case: &str) {
    assert_eq!(
        err,
        &HandshakeError::IllegalParameter {
            reason: IllegalParameter::BadKeySharePoint
        },
        "{case}"
    );
    assert_eq!(
        last_alert(server),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{case}"
    );
}

/// RFC 8422 §5.11: a NIST-curve public key whose x and y do not satisfy
/// the curve equation is refused (illegal_parameter), as is the point at
/// infinity's encoding and a compressed point (§5.1.2: no other format).
#[test]
fn a_nist_curve_key_share_off_the_curve_or_compressed_is_illegal_parameter() {
    for group in [NamedGroup::SECP256R1, NamedGroup::SECP384R1] {
        let (err, server) = server_reads_key_share(group, |public| {
            let mut off = public.to_vec();
            // y + 1: (x, y + 1) is not on the curve when (x, y) is.
            let last = off.len() - 1;
            off[last] ^= 0x01;
            off
        });
        assert_bad_point(&err, &server, &format!("{group}: off the curve"));

        let (err, server) = server_reads_key_share(group, |public| {
            let mut compressed = vec![0x02 | (public[public.len() - 1] & 1)];
            compressed.extend_from_slice(&public[1..public.len().div_ceil(2)]);
            compressed
        });
        assert_bad_point(&err, &server, &format!("{group}: compressed"));

        let (err, server) = server_reads_key_share(group, |public| vec![0x00; public.len()]);
        assert_bad_point(&err, &server, &format!("{group}: all zeros"));
    }
}

/// RFC 8422 §5.10, §5.11: an X25519 share whose shared secret is all
/// zeros (a point of small order) ends the handshake with
/// illegal_parameter.
#[test]
fn an_x25519_key_share_giving_an_all_zero_secret_is_illegal_parameter() {
    // u = 0 and u = 1 are of small order: X25519 with them is all zeros.
    for low_order in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let (err, server) = server_reads_key_share(NamedGroup::X25519, |_| low_order.to_vec());
        assert_bad_point(&err, &server, &format!("{low_order:?}"));
    }
}

/// RFC 8422 §5.10: the P-256 premaster secret is the x-coordinate as a
/// 32-byte string, leading zeros kept. Handshakes run until the shared x
/// starts with a zero byte (one in 256); the master secret keel derived
/// must be the one computed here from the untruncated x, the transcript
/// and the PRF. Truncating both sides alike would still connect, so the
/// handshake completing proves nothing; this comparison does.
#[test]
fn nist_curve_premaster_secrets_keep_their_leading_zeros() {
    use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
    use aws_lc_rs::digest;

    let mut leading_zeros_seen = 0;
    for seed in 1..5000u64 {
        let capture = Arc::new(support::KeyCapture::default());
        let rng = Arc::new(RecordingRng::new(seed));
        let mut client = client_config(false, Some(capture.clone()));
        client.groups = vec![NamedGroup::SECP256R1];
        client.suites =
            vec![keel_wire::registry::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
        client.rng = rng.clone();
        let mut server = server_config(false);
        server.groups = vec![NamedGroup::SECP256R1];
        let (mut client, mut server) = connect(client, server);

        // ClientHello .. ServerHelloDone, then the ClientKeyExchange.
        let mut hello = Vec::new();
        client.take_tls(&mut hello);
        server.read_tls(&hello).unwrap();
        let mut flight = Vec::new();
        server.take_tls(&mut flight);
        client.read_tls(&flight).unwrap();
        let mut second = Vec::new();
        client.take_tls(&mut second);
        let handshake_bodies = |bytes: &[u8]| -> Vec<Vec<u8>> {
            split_records(bytes)
                .iter()
                .filter(|r| support::content_type(r) == ContentType::HANDSHAKE)
                .map(|r| r[RecordHeader::LEN..].to_vec())
                .collect()
        };
        let mut transcript = handshake_bodies(&hello);
        transcript.extend(handshake_bodies(&flight));
        let cke = handshake_bodies(&second).remove(0);
        transcript.push(cke.clone());
        server.read_tls(&second).unwrap();
        pump(&mut client, &mut server).unwrap();
        assert!(client.session().is_some() && server.session().is_some());

        let server_public = messages(&flight)
            .into_iter()
            .find_map(|m| match m {
                HandshakeMessage::ServerKeyExchange(kx) => Some(kx.params.public.to_vec()),
                _ => None,
            })
            .unwrap();
        let Ok(HandshakeMessage::ClientKeyExchange(client_kx)) = HandshakeMessage::decode(&cke)
        else {
            panic!("not a ClientKeyExchange");
        };
        let fills = rng.given();
        let scalar = fills
            .iter()
            .filter(|f| f.len() == 32)
            .find_map(|f| {
                let key = PrivateKey::from_private_key(&ECDH_P256, f).ok()?;
                (key.compute_public_key().ok()?.as_ref() == client_kx.public.as_slice())
                    .then_some(key)
            })
            .expect("the client's scalar came from its RNG");
        let x = agreement::agree(
            &scalar,
            UnparsedPublicKey::new(&ECDH_P256, &server_public),
            (),
            |x| Ok(x.to_vec()),
        )
        .unwrap();
        assert_eq!(x.len(), 32);

        let session_hash = {
            let mut hash = digest::Context::new(&digest::SHA256);
            for message in &transcript {
                hash.update(message);
            }
            hash.finish()
        };
        let mut expected = [0u8; 48];
        keel_handshake::key_schedule::PrfHash::Sha256
            .prf(
                &x,
                b"extended master secret",
                session_hash.as_ref(),
                &mut expected,
            )
            .unwrap();
        let (_, master) = capture.get().unwrap();
        assert_eq!(master, expected.to_vec(), "seed {seed}");
        if x[0] == 0 {
            leading_zeros_seen += 1;
            if leading_zeros_seen == 2 {
                return;
            }
        }
    }
    panic!("no shared secret with a leading zero in 5000 handshakes");
}

/// RFC 8422 §2.1, §5.4, §5.10: in ECDHE_ECDSA the server signs
/// client_random + server_random + ServerECDHParams with the key of its
/// certificate, ECDSA or EdDSA (Ed25519 under 0x0807: HashAlgorithm 8,
/// Intrinsic); the ECPoint carries the ephemeral ECDH key of the group,
/// never the certificate's Ed25519 key. The signature is checked here
/// against the leaf, apart from keel's client.
#[test]
fn the_server_key_exchange_is_signed_by_the_certificates_key() {
    use keel_wire::registry::SignatureScheme;
    for (key, scheme) in [
        (
            Arc::clone(&support::pki().server),
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (ed25519_server_key(), SignatureScheme::ED25519),
    ] {
        let mut client = client_config(false, None);
        client.verifier = Arc::new(support::AcceptsAnything);
        let mut server = server_config(false);
        server.certificates.default = vec![Arc::clone(&key)];
        let (mut client, mut server) = connect(client, server);
        let mut hello = Vec::new();
        client.take_tls(&mut hello);
        server.read_tls(&hello).unwrap();
        let mut flight = Vec::new();
        server.take_tls(&mut flight);

        let client_hello = &split_records(&hello)[0][RecordHeader::LEN..];
        let records = split_records(&flight);
        let server_hello = &records[0][RecordHeader::LEN..];
        let kx = records
            .iter()
            .map(|r| &r[RecordHeader::LEN..])
            .find(|m| m[0] == 12)
            .expect("a ServerKeyExchange");
        // Handshake header (4), then curve_type (1), group (2), point.
        let point_len = usize::from(kx[7]);
        let params = &kx[4..8 + point_len];
        let signed_scheme =
            SignatureScheme::new(u16::from_be_bytes([kx[8 + point_len], kx[9 + point_len]]));
        let signature = &kx[12 + point_len..];
        assert_eq!(signed_scheme, scheme);
        assert_eq!(params[0], 3, "named_curve");
        assert_eq!(
            NamedGroup::new(u16::from_be_bytes([params[1], params[2]])),
            NamedGroup::X25519
        );
        assert_eq!(point_len, 32, "an X25519 key");

        let mut message = client_hello[6..38].to_vec();
        message.extend_from_slice(&server_hello[6..38]);
        message.extend_from_slice(params);
        keel_pki::verify_signature(&key.chain()[0], scheme, &message, signature).unwrap();
        if scheme == SignatureScheme::ED25519 {
            assert_eq!(scheme.get() >> 8, 8, "HashAlgorithm Intrinsic");
            assert_ne!(&params[4..], key.key().public_key_der().get(12..).unwrap());
        }

        client.read_tls(&flight).unwrap();
        pump(&mut client, &mut server).unwrap();
        assert!(client.session().is_some() && server.session().is_some());
    }
}

// --- RFC 6066 §3 -----------------------------------------------------------------

/// RFC 6066 §3: the client names the server in a ServerNameList holding
/// one host_name, `00 00 | list length | 00 | name length | name`.
#[test]
fn the_client_sends_one_host_name_in_a_server_name_list() {
    let (mut client, _) = connect(client_config(false, None), server_config(false));
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    let record = &split_records(&bytes)[0];
    let name = SERVER_NAME.as_bytes();
    let mut expected = Vec::new();
    expected.extend_from_slice(&u16::try_from(name.len() + 3).unwrap().to_be_bytes());
    expected.push(0); // host_name
    expected.extend_from_slice(&u16::try_from(name.len()).unwrap().to_be_bytes());
    expected.extend_from_slice(name);
    assert_eq!(
        extension_bytes(&record[RecordHeader::LEN..], 0x0000),
        Some(expected)
    );
}

/// RFC 6066 §3: a server that used the name acknowledges it with an empty
/// server_name extension in a full handshake, and sends none when it
/// resumes a session.
#[test]
fn the_server_acknowledges_the_name_with_an_empty_extension_but_not_when_resuming() {
    let store = Arc::new(ClientSessionStore::new(16, Duration::from_secs(3600)));
    let cache = Arc::new(ServerSessionCache::new(16, Duration::from_secs(3600)));
    let configs = || {
        let mut client = client_config(false, None);
        client.session_store = Some(Arc::clone(&store));
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&cache));
        (client, server)
    };

    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    let flight = server_flight(&mut client, &mut server);
    let hello = &split_records(&flight)[0][RecordHeader::LEN..];
    assert_eq!(extension_bytes(hello, 0x0000), Some(Vec::new()));
    assert!(
        server_hello(&flight)
            .extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::ServerName))
    );
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(!server.session().unwrap().resumed);

    let (c, s) = configs();
    let (mut client, mut server) = connect(c, s);
    let flight = server_flight(&mut client, &mut server);
    assert!(
        !server_hello(&flight)
            .extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::ServerName)),
        "a resuming ServerHello carries server_name"
    );
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.session().unwrap().resumed && server.session().unwrap().resumed);
}

/// RFC 6066 §3: a server that knows no certificate for the name aborts
/// with a fatal unrecognized_name alert, never a warning.
#[test]
fn an_unrecognized_name_is_a_fatal_alert() {
    let mut server = server_config(false);
    let keys = std::mem::take(&mut server.certificates.default);
    server.certificates.by_name = vec![("other.example".to_owned(), keys)];
    let (mut client, mut server) = connect(client_config(false, None), server);
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    assert!(matches!(
        server.read_tls(&hello),
        Err(HandshakeError::UnrecognizedName { .. })
    ));
    let alerts = plaintext_alerts(server.pending_tls());
    let alert = alerts.last().unwrap();
    assert_eq!(alert.description, AlertDescription::UNRECOGNIZED_NAME);
    assert_eq!(alert.level, keel_wire::registry::AlertLevel::FATAL);
}

// --- RFC 7301 --------------------------------------------------------------------

/// RFC 7301 §3.1: "Empty strings MUST NOT be included": a ClientHello
/// whose protocol_name_list holds an empty name is refused with
/// decode_error.
#[test]
fn an_empty_protocol_name_is_refused() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    let hello = rewrite_client_hello(&mut client, |extensions| {
        extensions.push(ClientExtension::Unknown(RawExtension {
            ext_type: keel_wire::registry::ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            // protocol_name_list: "h2", then an empty name.
            data: vec![0x00, 0x04, 0x02, b'h', b'2', 0x00],
        }));
    });
    assert!(server.read_tls(&hello).is_err());
    assert_eq!(last_alert(&server), Some(AlertDescription::DECODE_ERROR));
}

/// RFC 7301 §3.2: the server selects a protocol "that is also advertised
/// by the client"; a client refuses a selection it did not offer with
/// illegal_parameter.
#[test]
fn a_protocol_the_client_did_not_offer_is_illegal_parameter() {
    let mut client = client_config(false, None);
    client.alpn = vec![b"h2".to_vec()];
    let mut server = server_config(false);
    server.alpn = vec![b"h2".to_vec()];
    let (result, client) = client_reads_changed_server_hello(client, server, |extensions| {
        for extension in extensions.iter_mut() {
            if let ServerExtension::Alpn(name) = extension {
                *name = keel_wire::extensions::ProtocolName(b"http/1.1".to_vec());
            }
        }
    });
    assert_eq!(
        result.unwrap_err(),
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::AlpnNotOffered
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

// --- RFC 5077 --------------------------------------------------------------------

fn ticket_keys() -> Arc<TicketKeys> {
    Arc::new(
        TicketKeys::new(
            &[0x5a; 32],
            Duration::from_secs(3600),
            Duration::from_secs(600),
        )
        .unwrap(),
    )
}

fn session_ticket(hello: &[ClientExtension]) -> Option<Vec<u8>> {
    hello.iter().find_map(|e| match e {
        ClientExtension::SessionTicket(ticket) => Some(ticket.to_vec()),
        _ => None,
    })
}

/// RFC 5077 §3.2: a client ready to receive a ticket (it has a session
/// store) and holding none sends an empty SessionTicket extension; a client
/// that cannot keep one sends no SessionTicket extension, and a server with
/// ticket keys then sends neither the extension nor a NewSessionTicket.
#[test]
fn the_session_ticket_extension_is_empty_from_a_client_with_a_store_and_absent_without() {
    let mut with_store = client_config(false, None);
    with_store.session_store = Some(Arc::new(ClientSessionStore::new(
        16,
        Duration::from_secs(3600),
    )));
    for (config, expected) in [
        (with_store, Some(Vec::new())),
        (client_config(false, None), None),
    ] {
        let expects_ticket = expected.is_some();
        let mut server = server_config(false);
        server.ticket_keys = Some(ticket_keys());
        let (mut client, mut server) = connect(config, server);
        let mut hello = Vec::new();
        client.take_tls(&mut hello);
        let Some(HandshakeMessage::ClientHello(client_hello)) = messages(&hello).into_iter().next()
        else {
            panic!("not a ClientHello");
        };
        assert_eq!(session_ticket(&client_hello.extensions), expected);

        server.read_tls(&hello).unwrap();
        let mut flight = Vec::new();
        server.take_tls(&mut flight);
        let acknowledged = server_hello(&flight)
            .extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::SessionTicket));
        assert_eq!(acknowledged, expects_ticket);

        // The server's last flight: a NewSessionTicket only if promised.
        client.read_tls(&flight).unwrap();
        let mut second = Vec::new();
        client.take_tls(&mut second);
        server.read_tls(&second).unwrap();
        let mut last = Vec::new();
        server.take_tls(&mut last);
        let tickets = messages(&last)
            .into_iter()
            .filter(|m| matches!(m, HandshakeMessage::NewSessionTicket(_)))
            .count();
        assert_eq!(tickets, usize::from(expects_ticket));
        client.read_tls(&last).unwrap();
        assert!(client.session().is_some());
    }
}

/// RFC 5077 §3.2: a SessionTicket extension in the ServerHello of a client
/// that sent none is unsupported_extension.
#[test]
fn a_session_ticket_extension_the_client_did_not_send_is_refused() {
    let (result, client) = client_reads_changed_server_hello(
        client_config(false, None),
        server_config(false),
        |extensions| extensions.push(ServerExtension::SessionTicket),
    );
    assert!(
        matches!(result, Err(HandshakeError::UnsolicitedExtension { .. })),
        "{result:?}"
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}

/// RFC 5077 §3.3: in a full handshake the server sends its ticket only
/// after the client's Finished has verified: nothing before the Finished
/// arrives, only an alert when it does not verify.
#[test]
fn the_server_sends_no_ticket_before_the_clients_finished_verifies() {
    let mut with_store = client_config(false, None);
    with_store.session_store = Some(Arc::new(ClientSessionStore::new(
        16,
        Duration::from_secs(3600),
    )));
    let mut server = server_config(false);
    server.ticket_keys = Some(ticket_keys());
    let (mut client, mut server) = connect(with_store, server);
    let flight = server_flight(&mut client, &mut server);
    client.read_tls(&flight).unwrap();
    let mut second = Vec::new();
    client.take_tls(&mut second);
    let records = split_records(&second);
    let (finished, before) = records.split_last().unwrap();
    assert_eq!(support::content_type(finished), ContentType::HANDSHAKE);

    // ClientKeyExchange and ChangeCipherSpec: the server says nothing yet.
    server.read_tls(&before.concat()).unwrap();
    assert!(server.pending_tls().is_empty(), "the server spoke early");

    // The Finished, its last byte changed: refused, and no ticket sent.
    let mut broken = finished.clone();
    *broken.last_mut().unwrap() ^= 0x01;
    assert!(server.read_tls(&broken).is_err());
    let pending = server.pending_tls();
    assert!(
        split_records(pending)
            .iter()
            .all(|r| support::content_type(r) == ContentType::ALERT),
        "the server sent more than an alert"
    );
}

/// RFC 5077 §3.4: "If a ticket is presented by the client, the server MUST
/// NOT attempt to use the Session ID in the ClientHello for stateful
/// session resumption." A server with both a cache and ticket keys, given
/// a cached session's ID together with a ticket it cannot open, makes a
/// full handshake; the same ID without a ticket resumes.
#[test]
fn a_presented_ticket_keeps_the_session_id_out_of_the_cache() {
    let cache = Arc::new(ServerSessionCache::new(16, Duration::from_secs(3600)));
    let keys = ticket_keys();
    let server_config = || {
        let mut server = server_config(false);
        server.session_cache = Some(Arc::clone(&cache));
        server.ticket_keys = Some(Arc::clone(&keys));
        server
    };
    // A client without a store asks for no ticket: the session is cached.
    let (mut client, mut server) = connect(client_config(false, None), server_config());
    let flight = server_flight(&mut client, &mut server);
    let cached_id = server_hello(&flight).session_id.to_vec();
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(cache.len(), 1, "the session is cached");

    for (ticket, resumes) in [(None, true), (Some(vec![0xab; 100]), false)] {
        let (mut client, mut server) = connect(client_config(false, None), server_config());
        let hello = support::rewrite_whole_client_hello(&mut client, |hello| {
            hello.session_id = Opaque(cached_id.clone());
            let Extensions::Present(extensions) = &mut hello.extensions else {
                panic!("a ClientHello without extensions");
            };
            if let Some(ticket) = ticket.clone() {
                extensions.push(ClientExtension::SessionTicket(ticket));
            }
        });
        server.read_tls(&hello).unwrap();
        let mut flight = Vec::new();
        server.take_tls(&mut flight);
        let reply = server_hello(&flight);
        assert_eq!(
            reply.session_id.as_slice() == cached_id.as_slice(),
            resumes,
            "ticket {:?}",
            ticket.is_some()
        );
        let full = messages(&flight)
            .iter()
            .any(|m| matches!(m, HandshakeMessage::Certificate(_)));
        assert_eq!(full, !resumes, "ticket {:?}", ticket.is_some());
    }
}

/// A client with a store and a server with ticket keys.
fn ticket_configs(
    store: &Arc<ClientSessionStore>,
    keys: &Arc<TicketKeys>,
) -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    let mut client = client_config(false, None);
    client.session_store = Some(Arc::clone(store));
    let mut server = server_config(false);
    server.ticket_keys = Some(Arc::clone(keys));
    (client, server)
}

/// RFC 5077 §3.3: "The client MUST NOT treat the ticket as valid until it
/// has verified the server's Finished message": the NewSessionTicket and
/// ChangeCipherSpec delivered, nothing is stored; the Finished delivered,
/// the session is stored with the ticket.
#[test]
fn a_ticket_is_kept_only_after_the_servers_finished() {
    let store = Arc::new(ClientSessionStore::new(16, Duration::from_secs(3600)));
    let keys = ticket_keys();
    let (c, s) = ticket_configs(&store, &keys);
    let (mut client, mut server) = connect(c, s);
    let flight = server_flight(&mut client, &mut server);
    client.read_tls(&flight).unwrap();
    let mut second = Vec::new();
    client.take_tls(&mut second);
    server.read_tls(&second).unwrap();
    let mut last = Vec::new();
    server.take_tls(&mut last);
    let records = split_records(&last);
    assert!(matches!(
        messages(&records[0]).first(),
        Some(HandshakeMessage::NewSessionTicket(t)) if !t.ticket.is_empty()
    ));
    let (finished, before) = records.split_last().unwrap();
    client.read_tls(&before.concat()).unwrap();
    assert!(store.is_empty(), "a ticket was kept before the Finished");
    client.read_tls(finished).unwrap();
    assert_eq!(store.len(), 1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let stored = store
        .get(&support::client_context(), SERVER_NAME, now)
        .expect("the session is stored");
    assert!(!stored.ticket.is_empty());
}

/// RFC 5077 §3.2: "If the ticket is accepted by the server but the
/// handshake fails, the client SHOULD delete the ticket." A resumption by
/// ticket that the server accepted (its Finished verified) and that then
/// fails leaves the client's store empty.
#[test]
fn a_ticket_whose_resumed_connection_fails_is_deleted() {
    let store = Arc::new(ClientSessionStore::new(16, Duration::from_secs(3600)));
    let keys = ticket_keys();
    let (c, s) = ticket_configs(&store, &keys);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(store.len(), 1);

    let (c, s) = ticket_configs(&store, &keys);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(client.session().unwrap().resumed);
    assert_eq!(store.len(), 1);
    // A record that does not decrypt: a fatal bad_record_mac.
    let mut garbage = vec![0x17, 0x03, 0x03, 0x00, 0x20];
    garbage.extend_from_slice(&[0u8; 0x20]);
    let err = client.read_tls(&garbage).unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
    assert!(store.is_empty(), "the client kept the ticket");
}
