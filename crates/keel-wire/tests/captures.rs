//! Real handshakes captured on loopback from openssl, curl, Python `ssl` and
//! GnuTLS (see `data/captures/README.md` for how): every handshake message
//! decodes, re-encodes to the same bytes, and holds what the peer sent.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::handshake::ClientHello;
use keel_wire::registry::{ContentType, HandshakeType as T, NamedGroup, SignatureScheme};
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
