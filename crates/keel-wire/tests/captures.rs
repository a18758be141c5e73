//! Real handshakes captured on loopback from openssl, curl, Python `ssl` and
//! GnuTLS (see `data/captures/README.md` for how): every handshake message
//! decodes, re-encodes to the same bytes, and holds what the peer sent. The
//! `tls13_` captures hold TLS 1.3's plaintext hellos and are read with TLS
//! 1.3's message set.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use keel_wire::extensions::{HelloRetryExtension, KeyShareList, OfferedPsks};
use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::handshake::{ClientHello, HelloRetryRequest, ServerHello};
use keel_wire::registry::{
    ContentType, HandshakeType as T, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use keel_wire::{ChangeCipherSpec, ClientExtension, Codec, HandshakeMessage, ServerExtension};

/// Reads a capture and returns its handshake messages, each decoded and
/// checked to re-encode to exactly the bytes it came from. The handshake
/// stream is reassembled across records, so message boundaries need not
/// match record boundaries.
fn messages(name: &str) -> Vec<HandshakeMessage> {
    messages_in(name, &read(name))
}

fn read(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/captures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn messages_in(name: &str, bytes: &[u8]) -> Vec<HandshakeMessage> {
    let mut rest = bytes;
    let mut stream = Vec::new();
    let mut saw_ccs = false;
    while !rest.is_empty() {
        let header = RecordHeader::peek(rest).expect("whole record header");
        let end = RecordHeader::LEN + usize::from(header.length);
        let fragment = &rest[RecordHeader::LEN..end];
        assert_eq!(
            header.to_bytes(),
            rest[..RecordHeader::LEN],
            "record header rebuilds"
        );
        match header.content_type {
            ContentType::HANDSHAKE => stream.extend_from_slice(fragment),
            ContentType::CHANGE_CIPHER_SPEC => {
                let ccs = ChangeCipherSpec::decode(fragment).unwrap();
                assert_eq!(ccs.encode().unwrap(), fragment);
                saw_ccs = true;
            }
            other => panic!("{name}: unexpected plaintext record {other}"),
        }
        rest = &rest[end..];
    }
    assert!(saw_ccs, "{name}: every capture ends with ChangeCipherSpec");

    let mut out = Vec::new();
    let mut stream = stream.as_slice();
    while !stream.is_empty() {
        let header = HandshakeHeader::peek(stream).expect("whole handshake header");
        let len = HandshakeHeader::LEN + header.body_len();
        let raw = &stream[..len];
        let message = HandshakeMessage::decode(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !matches!(message, HandshakeMessage::Unknown { .. }),
            "{name}: {message:?}"
        );
        assert_eq!(
            message.encode().unwrap(),
            raw,
            "{name}: {:?} rebuilds",
            header.handshake_type
        );
        out.push(message);
        stream = &stream[len..];
    }
    out
}

fn types(messages: &[HandshakeMessage]) -> Vec<T> {
    messages
        .iter()
        .map(HandshakeMessage::handshake_type)
        .collect()
}

fn client_hello(messages: &[HandshakeMessage]) -> &ClientHello {
    match &messages[0] {
        HandshakeMessage::ClientHello(hello) => hello,
        other => panic!("first message is {other:?}"),
    }
}

const FULL_SERVER: &[T] = &[
    T::SERVER_HELLO,
    T::CERTIFICATE,
    T::SERVER_KEY_EXCHANGE,
    T::SERVER_HELLO_DONE,
];

#[test]
fn every_capture_decodes_and_rebuilds_byte_for_byte() {
    let cases: &[(&str, &[T], &[T])] = &[
        (
            "openssl_ecdsa_sni_alpn",
            &[T::CLIENT_KEY_EXCHANGE],
            &[T::NEW_SESSION_TICKET],
        ),
        (
            "openssl_rsa_chacha20",
            &[T::CLIENT_KEY_EXCHANGE],
            &[T::NEW_SESSION_TICKET],
        ),
        (
            "openssl_ed25519",
            &[T::CLIENT_KEY_EXCHANGE],
            &[T::NEW_SESSION_TICKET],
        ),
        ("curl_openssl", &[T::CLIENT_KEY_EXCHANGE], &[]),
        (
            "python_ssl",
            &[T::CLIENT_KEY_EXCHANGE],
            &[T::NEW_SESSION_TICKET],
        ),
    ];
    for (name, client_rest, server_rest) in cases {
        let c2s = messages(&format!("{name}.c2s.bin"));
        assert_eq!(
            types(&c2s),
            [&[T::CLIENT_HELLO], *client_rest].concat(),
            "{name}"
        );
        let s2c = messages(&format!("{name}.s2c.bin"));
        assert_eq!(types(&s2c), [FULL_SERVER, *server_rest].concat(), "{name}");
    }
}

#[test]
fn every_client_offers_extended_master_secret() {
    for name in [
        "openssl_ecdsa_sni_alpn",
        "openssl_rsa_chacha20",
        "openssl_ed25519",
        "openssl_client_auth",
        "openssl_ocsp_stapling",
        "curl_openssl",
        "python_ssl",
        "gnutls",
    ] {
        let c2s = messages(&format!("{name}.c2s.bin"));
        let hello = client_hello(&c2s);
        assert!(
            hello
                .extensions
                .contains(&ClientExtension::ExtendedMasterSecret),
            "{name}"
        );
        let s2c = messages(&format!("{name}.s2c.bin"));
        let HandshakeMessage::ServerHello(server) = &s2c[0] else {
            panic!("{name}")
        };
        assert!(
            server
                .extensions
                .contains(&ServerExtension::ExtendedMasterSecret),
            "{name}"
        );
        assert!(hello.cipher_suites.contains(&server.cipher_suite), "{name}");
    }
}

#[test]
fn openssl_sni_and_alpn_are_read() {
    let c2s = messages("openssl_ecdsa_sni_alpn.c2s.bin");
    let hello = client_hello(&c2s);
    let sni = hello.extensions.iter().find_map(|e| match e {
        ClientExtension::ServerName(list) => list.host_name(),
        _ => None,
    });
    assert_eq!(sni, Some(&b"localhost"[..]));
    let alpn: Vec<&[u8]> = hello
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::Alpn(list) => Some(list.iter().map(|p| p.as_slice()).collect()),
            _ => None,
        })
        .unwrap();
    assert_eq!(alpn, [&b"h2"[..], b"http/1.1"]);

    let s2c = messages("openssl_ecdsa_sni_alpn.s2c.bin");
    let HandshakeMessage::ServerHello(server) = &s2c[0] else {
        panic!()
    };
    assert!(
        server
            .extensions
            .iter()
            .any(|e| matches!(e, ServerExtension::Alpn(p) if p.as_slice() == b"h2"))
    );
    let HandshakeMessage::ServerKeyExchange(ske) = &s2c[2] else {
        panic!()
    };
    assert_eq!(ske.params.named_group, NamedGroup::X25519);
    assert_eq!(ske.params.public.len(), 32);
    assert_eq!(ske.signed.scheme, SignatureScheme::ECDSA_SECP256R1_SHA256);
}

#[test]
fn openssl_client_authentication_flight() {
    let s2c = messages("openssl_client_auth.s2c.bin");
    assert_eq!(
        types(&s2c),
        [
            T::SERVER_HELLO,
            T::CERTIFICATE,
            T::SERVER_KEY_EXCHANGE,
            T::CERTIFICATE_REQUEST,
            T::SERVER_HELLO_DONE,
            T::NEW_SESSION_TICKET
        ]
    );
    let HandshakeMessage::CertificateRequest(request) = &s2c[3] else {
        panic!()
    };
    assert_eq!(request.certificate_authorities.len(), 1);
    assert!(
        request
            .supported_signature_algorithms
            .contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
    );

    let c2s = messages("openssl_client_auth.c2s.bin");
    assert_eq!(
        types(&c2s),
        [
            T::CLIENT_HELLO,
            T::CERTIFICATE,
            T::CLIENT_KEY_EXCHANGE,
            T::CERTIFICATE_VERIFY
        ]
    );
    let HandshakeMessage::Certificate(chain) = &c2s[1] else {
        panic!()
    };
    assert_eq!(chain.certificate_list.len(), 2);
    // Each entry is a DER SEQUENCE.
    assert!(
        chain
            .certificate_list
            .iter()
            .all(|der| der.first() == Some(&0x30))
    );
    let HandshakeMessage::CertificateVerify(verify) = &c2s[3] else {
        panic!()
    };
    assert_eq!(
        verify.signed.scheme,
        SignatureScheme::ECDSA_SECP256R1_SHA256
    );
}

#[test]
fn openssl_ocsp_stapling() {
    let c2s = messages("openssl_ocsp_stapling.c2s.bin");
    assert!(
        client_hello(&c2s)
            .extensions
            .iter()
            .any(|e| matches!(e, ClientExtension::StatusRequest(_)))
    );
    let s2c = messages("openssl_ocsp_stapling.s2c.bin");
    assert_eq!(s2c[2].handshake_type(), T::CERTIFICATE_STATUS);
    let HandshakeMessage::ServerHello(server) = &s2c[0] else {
        panic!()
    };
    assert!(server.extensions.contains(&ServerExtension::StatusRequest));
    let HandshakeMessage::CertificateStatus(status) = &s2c[2] else {
        panic!()
    };
    assert_eq!(status.response.first(), Some(&0x30), "a DER OCSPResponse");
}

#[test]
fn gnutls_flights() {
    let c2s = messages("gnutls.c2s.bin");
    assert_eq!(
        types(&c2s),
        [T::CLIENT_HELLO, T::CERTIFICATE, T::CLIENT_KEY_EXCHANGE]
    );
    assert!(
        client_hello(&c2s)
            .extensions
            .iter()
            .any(|e| matches!(e, ClientExtension::RecordSizeLimit(_)))
    );
    let HandshakeMessage::Certificate(empty) = &c2s[1] else {
        panic!()
    };
    assert!(
        empty.certificate_list.is_empty(),
        "no client certificate: an empty list"
    );
    let HandshakeMessage::ClientKeyExchange(cke) = &c2s[2] else {
        panic!()
    };
    assert_eq!(
        (cke.public.len(), cke.public[0]),
        (65, 0x04),
        "uncompressed P-256 point"
    );

    let s2c = messages("gnutls.s2c.bin");
    let HandshakeMessage::CertificateRequest(request) = &s2c[3] else {
        panic!()
    };
    assert!(request.certificate_authorities.is_empty());
    let HandshakeMessage::NewSessionTicket(ticket) = &s2c[5] else {
        panic!()
    };
    assert_eq!(ticket.ticket_lifetime_hint, 21600);
}

#[test]
fn messages_split_across_records_reassemble_the_same() {
    // The captures put one message per record; re-frame one direction as
    // 7-byte records and check that the same messages come out.
    let bytes = read("openssl_client_auth.c2s.bin");
    let mut handshake = Vec::new();
    let mut rest = bytes.as_slice();
    while let Some(header) = RecordHeader::peek(rest) {
        let end = RecordHeader::LEN + usize::from(header.length);
        if header.content_type == ContentType::HANDSHAKE {
            handshake.extend_from_slice(&rest[RecordHeader::LEN..end]);
        }
        rest = &rest[end..];
    }
    let mut reframed = Vec::new();
    for chunk in handshake.chunks(7) {
        let header = RecordHeader {
            content_type: ContentType::HANDSHAKE,
            version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
            length: u16::try_from(chunk.len()).unwrap(),
        };
        reframed.extend_from_slice(&header.to_bytes());
        reframed.extend_from_slice(chunk);
    }
    reframed.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
    let original = messages("openssl_client_auth.c2s.bin");
    assert_eq!(original.len(), 4);
    assert_eq!(messages_in("reframed", &reframed), original);
}

// ---------------------------------------------------------------------
// TLS 1.3
// ---------------------------------------------------------------------

/// One item of a TLS 1.3 plaintext prefix: a handshake message with the
/// bytes it came from, or the dummy ChangeCipherSpec (RFC 8446 Appendix
/// D.4), after which more plaintext hellos may follow.
#[derive(Debug)]
enum Item {
    Message(HandshakeMessage, Vec<u8>),
    ChangeCipherSpec,
}

/// Reads a `tls13_` capture: every message decoded with TLS 1.3's message
/// set and checked to re-encode to exactly its bytes, and the CCS where it
/// sits. Unlike [`messages_in`], a CCS does not end the plaintext.
fn tls13(name: &str) -> Vec<Item> {
    let bytes = read(name);
    let mut rest = bytes.as_slice();
    let mut stream = Vec::new();
    let mut out = Vec::new();
    while !rest.is_empty() {
        let header = RecordHeader::peek(rest).expect("whole record header");
        let end = RecordHeader::LEN + usize::from(header.length);
        let fragment = &rest[RecordHeader::LEN..end];
        assert_eq!(header.to_bytes(), rest[..RecordHeader::LEN], "{name}");
        match header.content_type {
            ContentType::HANDSHAKE => {
                stream.extend_from_slice(fragment);
                out.extend(take_messages(name, &mut stream));
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                assert!(stream.is_empty(), "{name}: CCS inside a message");
                let ccs = ChangeCipherSpec::decode(fragment).unwrap();
                assert_eq!(ccs.encode().unwrap(), fragment);
                out.push(Item::ChangeCipherSpec);
            }
            other => panic!("{name}: unexpected plaintext record {other}"),
        }
        rest = &rest[end..];
    }
    assert!(stream.is_empty(), "{name}: ends inside a message");
    out
}

/// The whole messages at the front of `stream`, removed from it.
fn take_messages(name: &str, stream: &mut Vec<u8>) -> Vec<Item> {
    let mut out = Vec::new();
    while let Some(header) = HandshakeHeader::peek(stream) {
        let len = HandshakeHeader::LEN + header.body_len();
        if stream.len() < len {
            break;
        }
        let raw: Vec<u8> = stream.drain(..len).collect();
        let message = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &raw)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            !matches!(message, HandshakeMessage::Unknown { .. }),
            "{name}: {message:?}"
        );
        assert_eq!(
            message.encode().unwrap(),
            raw,
            "{name}: {message:?} rebuilds"
        );
        out.push(Item::Message(message, raw));
    }
    out
}

/// The shape of a prefix, by message name.
fn shape(items: &[Item]) -> Vec<&'static str> {
    items
        .iter()
        .map(|item| match item {
            Item::ChangeCipherSpec => "ccs",
            Item::Message(HandshakeMessage::ClientHello(_), _) => "client_hello",
            Item::Message(HandshakeMessage::ServerHello(_), _) => "server_hello",
            Item::Message(HandshakeMessage::HelloRetryRequest(_), _) => "hello_retry_request",
            Item::Message(other, _) => panic!("not a plaintext TLS 1.3 message: {other:?}"),
        })
        .collect()
}

fn client_hellos(items: &[Item]) -> Vec<(&ClientHello, &[u8])> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Message(HandshakeMessage::ClientHello(hello), raw) => {
                Some((hello, raw.as_slice()))
            }
            _ => None,
        })
        .collect()
}

fn server_hello(items: &[Item]) -> &ServerHello {
    items
        .iter()
        .find_map(|item| match item {
            Item::Message(HandshakeMessage::ServerHello(hello), _) => Some(hello),
            _ => None,
        })
        .expect("a ServerHello")
}

fn hello_retry_request(items: &[Item]) -> &HelloRetryRequest {
    items
        .iter()
        .find_map(|item| match item {
            Item::Message(HandshakeMessage::HelloRetryRequest(hrr), _) => Some(hrr),
            _ => None,
        })
        .expect("a HelloRetryRequest")
}

fn key_shares(hello: &ClientHello) -> &KeyShareList {
    hello
        .extensions
        .iter()
        .find_map(|e| match e {
            ClientExtension::KeyShare(list) => Some(list),
            _ => None,
        })
        .expect("key_share")
}

fn share_groups(hello: &ClientHello) -> Vec<NamedGroup> {
    key_shares(hello)
        .0
        .iter()
        .map(|entry| entry.group)
        .collect()
}

fn server_share(hello: &ServerHello) -> (NamedGroup, usize) {
    hello
        .extensions
        .iter()
        .find_map(|e| match e {
            ServerExtension::KeyShare(entry) => Some((entry.group, entry.key_exchange.len())),
            _ => None,
        })
        .expect("server key_share")
}

const TLS13_CAPTURES: &[&str] = &[
    "tls13_openssl",
    "tls13_openssl_hrr",
    "tls13_openssl_resumption",
    "tls13_curl",
    "tls13_python_ssl",
    "tls13_gnutls",
];

#[test]
fn every_tls13_capture_decodes_and_rebuilds_byte_for_byte() {
    let plain: (&[&str], &[&str]) = (&["client_hello", "ccs"], &["server_hello", "ccs"]);
    let retry: (&[&str], &[&str]) = (
        &["client_hello", "ccs", "client_hello"],
        &["hello_retry_request", "ccs", "server_hello"],
    );
    for name in TLS13_CAPTURES {
        let (client, server) = if *name == "tls13_openssl_hrr" {
            retry
        } else {
            plain
        };
        assert_eq!(shape(&tls13(&format!("{name}.c2s.bin"))), client, "{name}");
        assert_eq!(shape(&tls13(&format!("{name}.s2c.bin"))), server, "{name}");
    }
}

#[test]
fn every_tls13_client_offers_tls13_x25519_and_psk_dhe_ke_and_the_server_selects_tls13() {
    for name in TLS13_CAPTURES {
        let c2s = tls13(&format!("{name}.c2s.bin"));
        let s2c = tls13(&format!("{name}.s2c.bin"));
        let (first, _) = client_hellos(&c2s)[0];
        let (last, _) = *client_hellos(&c2s).last().unwrap();
        // RFC 8446 §4.1.2: legacy_version 0x0303; the versions are in
        // supported_versions.
        assert_eq!(first.client_version, ProtocolVersion::TLS_V1_2, "{name}");
        assert!(
            first.extensions.iter().any(|e| matches!(e,
                ClientExtension::SupportedVersions(versions)
                    if versions.contains(&ProtocolVersion::TLS_V1_3))),
            "{name}"
        );
        assert!(
            first.extensions.iter().any(|e| matches!(e,
                ClientExtension::PskKeyExchangeModes(modes)
                    if modes.contains(&PskKeyExchangeMode::PSK_DHE_KE))),
            "{name}"
        );
        let x25519 = key_shares(first).find(NamedGroup::X25519).expect(name);
        assert_eq!(x25519.key_exchange.len(), 32, "{name}");

        let server = server_hello(&s2c);
        assert_eq!(server.server_version, ProtocolVersion::TLS_V1_2, "{name}");
        assert!(
            server
                .extensions
                .contains(&ServerExtension::SupportedVersions(
                    ProtocolVersion::TLS_V1_3
                )),
            "{name}"
        );
        assert_eq!(server.session_id, first.session_id, "{name}: echoed");
        assert!(last.cipher_suites.contains(&server.cipher_suite), "{name}");
        let (group, len) = server_share(server);
        assert_eq!(
            key_shares(last).find(group).map(|e| e.key_exchange.len()),
            Some(len),
            "{name}: the server answers a share the client sent"
        );
    }
}

#[test]
fn hello_retry_request_asks_for_p256_and_the_second_hello_shares_only_it() {
    let c2s = tls13("tls13_openssl_hrr.c2s.bin");
    let s2c = tls13("tls13_openssl_hrr.s2c.bin");
    let hrr = hello_retry_request(&s2c);
    // s_server was given -groups P-256; the client shared only x25519.
    assert!(
        hrr.extensions
            .contains(&HelloRetryExtension::KeyShare(NamedGroup::SECP256R1))
    );
    assert!(
        hrr.extensions
            .contains(&HelloRetryExtension::SupportedVersions(
                ProtocolVersion::TLS_V1_3
            ))
    );
    // OpenSSL keeps its state and sends no cookie.
    assert!(
        !hrr.extensions
            .iter()
            .any(|e| matches!(e, HelloRetryExtension::Cookie(_)))
    );
    let hellos = client_hellos(&c2s);
    let ((first, _), (second, _)) = (hellos[0], hellos[1]);
    assert_eq!(share_groups(first), [NamedGroup::X25519]);
    assert_eq!(share_groups(second), [NamedGroup::SECP256R1]);
    let p256 = key_shares(second).find(NamedGroup::SECP256R1).unwrap();
    assert_eq!(
        (p256.key_exchange.len(), p256.key_exchange[0]),
        (65, 0x04),
        "uncompressed P-256 point"
    );
    // RFC 8446 §4.1.2: the second hello keeps the random and session ID.
    assert_eq!(second.random, first.random);
    assert_eq!(second.session_id, first.session_id);
    assert_eq!(hrr.legacy_session_id_echo, first.session_id);

    let server = server_hello(&s2c);
    assert_eq!(server.cipher_suite, hrr.cipher_suite);
    assert_eq!(server_share(server), (NamedGroup::SECP256R1, 65));
}

#[test]
fn resumption_hello_ends_with_pre_shared_key_and_its_binders() {
    let c2s = tls13("tls13_openssl_resumption.c2s.bin");
    let (hello, raw) = client_hellos(&c2s)[0];
    let Some(ClientExtension::PreSharedKey(offered)) = hello.extensions.last() else {
        panic!("pre_shared_key is not last: {:?}", hello.extensions.last())
    };
    let offered: &OfferedPsks = offered;
    assert_eq!(offered.identities.len(), 1);
    assert_eq!(offered.binders.len(), 1);
    // The session was made with TLS_AES_256_GCM_SHA384: a SHA-384 binder.
    assert_eq!(offered.binders[0].len(), 48);
    // RFC 8446 §4.2.11.2: the binders are the hello's last bytes, and
    // binders_len says how many to leave out of the binder hash.
    let tail = &raw[raw.len() - offered.binders_len()..];
    assert_eq!(
        usize::from(u16::from_be_bytes([tail[0], tail[1]])),
        offered.binders_len() - 2
    );
    assert_eq!(usize::from(tail[2]), offered.binders[0].len());
    assert_eq!(&tail[3..], offered.binders[0].as_slice());
    assert!(hello.extensions.iter().any(|e| matches!(e,
        ClientExtension::PskKeyExchangeModes(modes)
            if modes.as_slice() == [PskKeyExchangeMode::PSK_DHE_KE])));

    let s2c = tls13("tls13_openssl_resumption.s2c.bin");
    let server = server_hello(&s2c);
    assert!(
        server
            .extensions
            .contains(&ServerExtension::PreSharedKey(0))
    );
    // psk_dhe_ke: the resumption still runs a key exchange.
    assert_eq!(server_share(server), (NamedGroup::X25519, 32));
}

#[test]
fn gnutls_shares_two_groups_and_the_server_takes_the_first() {
    let c2s = tls13("tls13_gnutls.c2s.bin");
    let (hello, _) = client_hellos(&c2s)[0];
    assert_eq!(
        share_groups(hello),
        [NamedGroup::SECP256R1, NamedGroup::X25519]
    );
    assert!(hello.extensions.iter().any(|e| matches!(e,
        ClientExtension::PskKeyExchangeModes(modes)
            if modes.as_slice() == [PskKeyExchangeMode::PSK_DHE_KE, PskKeyExchangeMode::PSK_KE])));
    let s2c = tls13("tls13_gnutls.s2c.bin");
    assert_eq!(
        server_share(server_hello(&s2c)),
        (NamedGroup::SECP256R1, 65)
    );
}
