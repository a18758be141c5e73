//! Every kind of malformed input the codec must refuse, each checked for
//! the error kind, the field it names and the byte offset it points at.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel_wire::extensions::RawExtension;
use keel_wire::handshake::{
    Certificate, CertificateStatus, ClientHello, Finished, ServerHello, ServerKeyExchange,
};
use keel_wire::registry::{CipherSuite, ExtensionType};
use keel_wire::{
    ChangeCipherSpec, ClientExtension, Codec, DecodeErrorKind, HandshakeMessage, ServerExtension,
};

/// A ClientHello body from raw parts; each part includes its own length
/// prefix, so tests can make any of them lie.
fn client_hello(
    session_id: &[u8],
    suites: &[u8],
    compression: &[u8],
    extensions: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = vec![0x03, 0x03];
    out.extend_from_slice(&[0xAA; 32]);
    out.extend_from_slice(session_id);
    out.extend_from_slice(suites);
    out.extend_from_slice(compression);
    if let Some(extensions) = extensions {
        out.extend_from_slice(extensions);
    }
    out
}

const SUITES: &[u8] = &[0x00, 0x02, 0xc0, 0x2b];
const NULL_COMPRESSION: &[u8] = &[0x01, 0x00];
/// Offset of the session_id length byte in a ClientHello body.
const SESSION_ID_AT: usize = 34;

fn ext(ext_type: u16, body: &[u8]) -> Vec<u8> {
    let mut out = ext_type.to_be_bytes().to_vec();
    out.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn block(extensions: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = extensions.concat();
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

#[test]
fn a_minimal_client_hello_decodes() {
    let bytes = client_hello(&[0], SUITES, NULL_COMPRESSION, None);
    let hello = ClientHello::decode(&bytes).unwrap();
    assert_eq!(
        hello.cipher_suites.as_slice(),
        &[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
    );
    assert!(hello.extensions.is_empty());
    assert_eq!(hello.encode().unwrap(), bytes);
}

#[test]
fn odd_length_cipher_suites_is_named_with_its_offset() {
    let bytes = client_hello(
        &[0],
        &[0x00, 0x05, 0xc0, 0x2b, 0xc0, 0x2c, 0x00],
        NULL_COMPRESSION,
        None,
    );
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::Misaligned {
            len: 5,
            item_size: 2
        }
    );
    assert_eq!(err.field, "ClientHello.cipher_suites");
    assert_eq!(err.offset, SESSION_ID_AT + 1);
    assert_eq!(
        err.to_string(),
        "ClientHello.cipher_suites: odd length 5 at offset 35"
    );
}

#[test]
fn session_id_over_32_bytes_is_too_long() {
    let mut session_id = vec![33];
    session_id.extend_from_slice(&[7; 33]);
    let bytes = client_hello(&session_id, SUITES, NULL_COMPRESSION, None);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooLong { len: 33, max: 32 });
    assert_eq!(
        (err.field, err.offset),
        ("ClientHello.session_id", SESSION_ID_AT)
    );
}

#[test]
fn empty_lists_that_need_an_entry_are_too_short() {
    let no_suites = client_hello(&[0], &[0, 0], NULL_COMPRESSION, None);
    let err = ClientHello::decode(&no_suites).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 2 });
    assert_eq!(err.field, "ClientHello.cipher_suites");

    let no_compression = client_hello(&[0], SUITES, &[0], None);
    let err = ClientHello::decode(&no_compression).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 1 });
    assert_eq!(
        (err.field, err.offset),
        ("ClientHello.compression_methods", SESSION_ID_AT + 5)
    );

    let empty_groups = block(&[ext(10, &[0, 0])]);
    let err = ClientHello::decode(&client_hello(
        &[0],
        SUITES,
        NULL_COMPRESSION,
        Some(&empty_groups),
    ))
    .unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 2 });
    assert_eq!(err.field, "supported_groups.named_group_list");
}

#[test]
fn a_length_prefix_that_overruns_its_container_is_a_mismatch() {
    // cipher_suites claims 8 bytes; only 4 (and the compression byte) follow.
    let bytes = client_hello(&[0], &[0x00, 0x08, 0xc0, 0x2b, 0xc0, 0x2c], &[], None);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::LengthMismatch { declared: 8 });
    assert_eq!(
        (err.field, err.offset),
        ("ClientHello.cipher_suites", SESSION_ID_AT + 1)
    );

    // An extension body that claims more than the block holds.
    let mut lying = block(&[ext(23, &[])]);
    lying[5] = 9;
    let err = ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&lying)))
        .unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::LengthMismatch { declared: 9 });
    assert_eq!(err.field, "extended_master_secret");
}

#[test]
fn an_item_running_past_its_list_is_a_mismatch() {
    // ALPN list of 3 bytes whose one name claims 5 bytes.
    let alpn = block(&[ext(16, &[0x00, 0x03, 0x05, b'h', b'2'])]);
    let err = ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&alpn)))
        .unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::LengthMismatch { declared: 5 });
    assert_eq!(err.field, "ProtocolName");
}

#[test]
fn trailing_bytes_are_refused_at_every_level() {
    let mut bytes = client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&block(&[])));
    bytes.push(0);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    assert_eq!((err.field, err.offset), ("ClientHello", bytes.len() - 1));

    // Inside an extension whose body must be empty.
    let ems = block(&[ext(23, &[0])]);
    let body = client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&ems));
    let err = ClientHello::decode(&body).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    assert_eq!(err.field, "extended_master_secret");

    // Inside an extension with structure: a record_size_limit of 3 bytes.
    let rsl = block(&[ext(28, &[0x40, 0x00, 0x01])]);
    let err =
        ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&rsl))).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    assert_eq!(err.field, "record_size_limit");

    assert_eq!(
        ChangeCipherSpec::decode(&[1, 1]).unwrap_err().kind,
        DecodeErrorKind::TrailingBytes { count: 1 }
    );
    assert_eq!(
        Finished::decode(&[0; 13]).unwrap_err().kind,
        DecodeErrorKind::TrailingBytes { count: 1 }
    );
}

#[test]
fn truncated_input_is_named() {
    let err = Finished::decode(&[0; 11]).unwrap_err();
    assert_eq!(
        (err.kind, err.field, err.offset),
        (DecodeErrorKind::Truncated, "Finished", 11)
    );
    let full = client_hello(&[0], SUITES, NULL_COMPRESSION, None);
    for cut in 0..full.len() {
        let err = ClientHello::decode(&full[..cut]).unwrap_err();
        assert!(
            matches!(
                err.kind,
                DecodeErrorKind::Truncated | DecodeErrorKind::LengthMismatch { .. }
            ),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn duplicate_extensions_point_at_the_second() {
    let first = ext(23, &[]);
    let dup = block(&[first.clone(), ext(22, &[]), first]);
    let bytes = client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&dup));
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Duplicate { value: 23 });
    assert_eq!(err.field, "ClientHello.extensions");
    // block prefix (2) + two 4-byte extensions precede the duplicate.
    assert_eq!(err.offset, bytes.len() - 4);
    assert_eq!(
        err.to_string(),
        format!(
            "ClientHello.extensions: duplicate entry of type 0x0017 at offset {}",
            bytes.len() - 4
        )
    );
}

#[test]
fn duplicate_unknown_extensions_are_refused_too() {
    let dup = block(&[ext(0x7a7a, &[1]), ext(0x7a7a, &[2])]);
    let err =
        ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&dup))).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Duplicate { value: 0x7a7a });
}

#[test]
fn two_server_names_of_one_type_are_refused() {
    let name = |n: &[u8]| {
        let mut out = vec![0];
        out.extend_from_slice(&u16::try_from(n.len()).unwrap().to_be_bytes());
        out.extend_from_slice(n);
        out
    };
    let names = [name(b"a.example"), name(b"b.example")].concat();
    let mut body = u16::try_from(names.len()).unwrap().to_be_bytes().to_vec();
    body.extend_from_slice(&names);
    let sni = block(&[ext(0, &body)]);
    let err =
        ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&sni))).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Duplicate { value: 0 });
    assert_eq!(err.field, "server_name.server_name_list");
}

#[test]
fn absent_and_empty_extension_blocks_are_different_and_both_round_trip() {
    let absent = client_hello(&[0], SUITES, NULL_COMPRESSION, None);
    let empty = client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&[0, 0]));
    let a = ClientHello::decode(&absent).unwrap();
    let e = ClientHello::decode(&empty).unwrap();
    assert_ne!(a, e);
    assert_eq!(a.encode().unwrap(), absent);
    assert_eq!(e.encode().unwrap(), empty);
}

#[test]
fn unknown_extensions_keep_their_bytes_and_known_malformed_ones_do_not_become_unknown() {
    let bytes = client_hello(
        &[0],
        SUITES,
        NULL_COMPRESSION,
        Some(&block(&[ext(0x1a1a, &[1, 2, 3])])),
    );
    let hello = ClientHello::decode(&bytes).unwrap();
    assert_eq!(
        hello.extensions[0],
        ClientExtension::Unknown(RawExtension {
            ext_type: ExtensionType::new(0x1a1a),
            data: vec![1, 2, 3]
        })
    );
    assert_eq!(hello.encode().unwrap(), bytes);

    // supported_groups with an odd-length list is an error, not "unknown".
    let bad = block(&[ext(10, &[0x00, 0x03, 0x00, 0x1d, 0x00])]);
    let err =
        ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&bad))).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::Misaligned {
            len: 3,
            item_size: 2
        }
    );
}

#[test]
fn padding_must_be_zero() {
    let bad = block(&[ext(21, &[0, 0, 5])]);
    let bytes = client_hello(&[0], SUITES, NULL_COMPRESSION, Some(&bad));
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(
        (err.kind, err.field),
        (DecodeErrorKind::InvalidValue { value: 5 }, "padding")
    );
    assert_eq!(err.offset, bytes.len() - 1);
}

#[test]
fn server_alpn_must_name_exactly_one_protocol() {
    let mut hello = vec![0x03, 0x03];
    hello.extend_from_slice(&[0; 32]);
    hello.extend_from_slice(&[0, 0xc0, 0x2b, 0]);
    let two = ext(16, &[0x00, 0x06, 0x02, b'h', b'2', 0x02, b'h', b'3']);
    let one = ext(16, &[0x00, 0x03, 0x02, b'h', b'2']);
    let err = ServerHello::decode(&[hello.clone(), block(&[two])].concat()).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::NotExactlyOne { count: 2 });
    let ok = ServerHello::decode(&[hello, block(&[one])].concat()).unwrap();
    assert!(matches!(&ok.extensions[0], ServerExtension::Alpn(name) if name.as_slice() == b"h2"));
}

#[test]
fn values_the_structure_cannot_hold_are_invalid() {
    assert_eq!(
        ChangeCipherSpec::decode(&[2]).unwrap_err().kind,
        DecodeErrorKind::InvalidValue { value: 2 }
    );
    // explicit_prime curve (1) in a ServerKeyExchange.
    let err = ServerKeyExchange::decode(&[1, 0, 23, 1, 4, 4, 3, 0, 0]).unwrap_err();
    assert_eq!(
        (err.kind, err.field, err.offset),
        (
            DecodeErrorKind::InvalidValue { value: 1 },
            "ServerKeyExchange.curve_type",
            0
        )
    );
    // CertificateStatus of a type other than ocsp.
    let err = CertificateStatus::decode(&[2, 0, 0, 1, 0]).unwrap_err();
    assert_eq!(err.field, "CertificateStatus.status_type");
}

#[test]
fn a_huge_declared_length_does_not_allocate_or_panic() {
    // 24-bit list length of 0xFFFFFF with nothing behind it.
    let err = Certificate::decode(&[0xff, 0xff, 0xff]).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::LengthMismatch {
            declared: 0xff_ffff
        }
    );
    // One certificate claiming 0xFFFFFF bytes inside a small list.
    let err = Certificate::decode(&[0, 0, 4, 0xff, 0xff, 0xff, 0]).unwrap_err();
    assert_eq!(err.field, "Certificate.certificate_list");
}

#[test]
fn handshake_framing_must_match_the_body() {
    let body = client_hello(&[0], SUITES, NULL_COMPRESSION, None);
    let mut framed = vec![1, 0, 0, u8::try_from(body.len()).unwrap()];
    framed.extend_from_slice(&body);
    assert!(matches!(
        HandshakeMessage::decode(&framed).unwrap(),
        HandshakeMessage::ClientHello(_)
    ));

    let err = HandshakeMessage::decode(&framed[..framed.len() - 1]).unwrap_err();
    assert_eq!(
        (err.kind, err.field),
        (
            DecodeErrorKind::LengthMismatch {
                declared: body.len()
            },
            "Handshake.length"
        )
    );
    let mut long = framed.clone();
    long.push(0);
    assert_eq!(
        HandshakeMessage::decode(&long).unwrap_err().kind,
        DecodeErrorKind::TrailingBytes { count: 1 }
    );
    assert_eq!(
        HandshakeMessage::decode(&[1, 0]).unwrap_err().kind,
        DecodeErrorKind::Truncated
    );

    // Errors inside the body count offsets from the start of the header.
    let mut bad = framed.clone();
    bad[4 + SESSION_ID_AT + 2] = 0x05;
    let err = HandshakeMessage::decode(&bad).unwrap_err();
    assert_eq!(
        (err.field, err.offset),
        ("ClientHello.cipher_suites", 4 + SESSION_ID_AT + 1)
    );
}

#[test]
fn encoding_refuses_values_that_do_not_fit_instead_of_truncating() {
    let mut hello =
        ClientHello::decode(&client_hello(&[0], SUITES, NULL_COMPRESSION, None)).unwrap();
    hello.session_id.0 = vec![0; 33];
    let err = hello.encode().unwrap_err();
    assert_eq!(
        (err.field, err.len, err.max),
        ("ClientHello.session_id", 33, 32)
    );

    hello.session_id.0.clear();
    hello.cipher_suites.0.clear();
    let err = hello.encode().unwrap_err();
    assert_eq!(
        (err.field, err.len, err.min),
        ("ClientHello.cipher_suites", 0, 2)
    );

    // A failed encode leaves the caller's buffer as it was.
    let mut out = vec![9, 9];
    assert!(hello.encode_into(&mut out).is_err());
    assert_eq!(out, [9, 9]);

    let status = HandshakeMessage::CertificateStatus(CertificateStatus::ocsp(vec![0; 1 << 24]));
    assert_eq!(
        status.encode().unwrap_err().field,
        "CertificateStatus.response"
    );
}
