//! TLS 1.3's structural rules: each refusal checked for the error kind, the
//! field, the byte offset and the alert it leads to; and the version sets
//! of `decode_in`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{
    ExtensionContext, ExtensionList, KeyShareEntry, OfferedPsks, PskBinderEntry, PskIdentity,
    first_not_permitted, permitted,
};
use keel_wire::handshake::{
    CertificateRequest13, ClientHello, EncryptedExtensions, HelloRetryRequest, KeyUpdate,
    NewSessionTicket13, Random,
};
use keel_wire::registry::{
    AlertDescription, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, DecodeErrorKind, HandshakeMessage, ServerExtension};

const TLS13: ProtocolVersion = ProtocolVersion::TLS_V1_3;
const TLS12: ProtocolVersion = ProtocolVersion::TLS_V1_2;

fn ext(ext_type: ExtensionType, body: &[u8]) -> Vec<u8> {
    let mut out = ext_type.get().to_be_bytes().to_vec();
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

/// A ClientHello body with one suite and the given extensions; returns the
/// body and the offset of the extensions block.
fn client_hello(extensions: &[Vec<u8>]) -> (Vec<u8>, usize) {
    let mut out = vec![0x03, 0x03];
    out.extend_from_slice(&[0x11; 32]);
    out.extend_from_slice(&[0, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
    let at = out.len();
    out.extend_from_slice(&block(extensions));
    (out, at)
}

/// supported_versions offering TLS 1.3 alone: the hello's 1.3 extensions
/// are then decoded and judged.
fn offers_tls13() -> Vec<u8> {
    ext(ExtensionType::SUPPORTED_VERSIONS, &[2, 3, 4])
}

/// A pre_shared_key body: one identity, one 32-byte binder.
fn psk_body() -> Vec<u8> {
    let offered = OfferedPsks {
        identities: List(vec![PskIdentity {
            identity: Opaque(b"ticket".to_vec()),
            obfuscated_ticket_age: 7,
        }]),
        binders: List(vec![PskBinderEntry(vec![0xbb; 32])]),
    };
    let mut out = vec![0, 12, 0, 6];
    out.extend_from_slice(b"ticket");
    out.extend_from_slice(&7u32.to_be_bytes());
    out.extend_from_slice(&[0, 33, 32]);
    out.extend_from_slice(&[0xbb; 32]);
    // The hand-built bytes are what the typed value encodes to.
    let typed = ClientHello {
        client_version: TLS12,
        random: Random([0; 32]),
        session_id: Opaque(vec![]),
        cipher_suites: List(vec![
            keel_wire::registry::CipherSuite::TLS_AES_128_GCM_SHA256,
        ]),
        compression_methods: List(vec![keel_wire::registry::CompressionMethod::NULL]),
        extensions: vec![ClientExtension::PreSharedKey(offered)].into(),
    }
    .encode()
    .unwrap();
    assert!(typed.ends_with(&out));
    out
}

#[test]
fn pre_shared_key_last_is_accepted_and_its_binders_end_the_hello() {
    let (bytes, _) = client_hello(&[
        offers_tls13(),
        ext(ExtensionType::PRE_SHARED_KEY, &psk_body()),
    ]);
    let hello = ClientHello::decode(&bytes).unwrap();
    let Some(ClientExtension::PreSharedKey(offered)) = hello.extensions.last() else {
        panic!("pre_shared_key decoded: {hello:?}");
    };
    assert_eq!(offered.identities[0].identity.as_slice(), b"ticket");
    assert_eq!(offered.identities[0].obfuscated_ticket_age, 7);
    // RFC 8446 §4.2.11.2: the binders list is the hello's tail.
    assert_eq!(offered.binders_len(), 35);
    assert_eq!(&bytes[bytes.len() - 35..bytes.len() - 32], &[0, 33, 32]);
    assert_eq!(hello.encode().unwrap(), bytes);
}

#[test]
fn pre_shared_key_before_another_extension_is_an_illegal_parameter() {
    let (bytes, at) = client_hello(&[
        ext(ExtensionType::PRE_SHARED_KEY, &psk_body()),
        offers_tls13(),
    ]);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::NotLast { value: 0x0029 });
    assert_eq!(err.field, "ClientHello.extensions");
    assert_eq!(err.offset, at + 2, "points at the pre_shared_key extension");
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn two_key_shares_for_one_group_are_an_illegal_parameter() {
    let share = |key: u8| {
        let mut out = NamedGroup::X25519.get().to_be_bytes().to_vec();
        out.extend_from_slice(&[0, 32]);
        out.extend_from_slice(&[key; 32]);
        out
    };
    let mut body = vec![0, 72];
    body.extend_from_slice(&share(1));
    body.extend_from_slice(&share(2));
    let (bytes, at) = client_hello(&[offers_tls13(), ext(ExtensionType::KEY_SHARE, &body)]);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::DuplicateKeyShare { value: 0x001d }
    );
    assert_eq!(err.field, "key_share.client_shares");
    assert_eq!(err.offset, at + 2 + 7 + 4);
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn an_empty_key_share_list_is_a_request_for_retry_not_an_error() {
    let (bytes, _) = client_hello(&[offers_tls13(), ext(ExtensionType::KEY_SHARE, &[0, 0])]);
    let hello = ClientHello::decode(&bytes).unwrap();
    assert!(matches!(&hello.extensions[1], ClientExtension::KeyShare(list) if list.0.is_empty()));
}

#[test]
fn a_key_share_with_an_empty_key_is_malformed() {
    let (bytes, _) = client_hello(&[
        offers_tls13(),
        ext(ExtensionType::KEY_SHARE, &[0, 4, 0, 0x1d, 0, 0]),
    ]);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 1 });
    assert_eq!(err.field, "KeyShareEntry.key_exchange");
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
}

#[test]
fn a_binder_shorter_than_32_bytes_is_malformed() {
    let mut body = vec![0, 12, 0, 6];
    body.extend_from_slice(b"ticket");
    body.extend_from_slice(&[0, 0, 0, 7]);
    body.extend_from_slice(&[0, 33, 31]);
    body.extend_from_slice(&[0xbb; 32]);
    let (bytes, _) = client_hello(&[offers_tls13(), ext(ExtensionType::PRE_SHARED_KEY, &body)]);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 31, min: 32 });
    assert_eq!(err.field, "OfferedPsks.binders");
}

#[test]
fn encrypted_extensions_refuse_what_rfc_8446_places_elsewhere() {
    for ext_type in [
        ExtensionType::KEY_SHARE,
        ExtensionType::SUPPORTED_VERSIONS,
        ExtensionType::SIGNATURE_ALGORITHMS,
        // TLS 1.2 only: no place in any TLS 1.3 message but a ClientHello.
        ExtensionType::EXTENDED_MASTER_SECRET,
        ExtensionType::RENEGOTIATION_INFO,
    ] {
        let mut bytes = block(&[ext(ExtensionType::SERVER_NAME, &[]), ext(ext_type, &[])]);
        let err = EncryptedExtensions::decode(&bytes).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::NotPermitted {
                value: ext_type.get()
            },
            "{ext_type}"
        );
        assert_eq!(err.field, "EncryptedExtensions.extensions");
        assert_eq!(err.offset, 6, "the second extension");
        assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
        // The same list without it is fine.
        bytes = block(&[ext(ExtensionType::SERVER_NAME, &[])]);
        assert!(EncryptedExtensions::decode(&bytes).is_ok());
    }
}

#[test]
fn unrecognised_extensions_pass_the_table_and_keep_their_bytes() {
    // heartbeat is allowed in EncryptedExtensions but not modelled; 0x7a7a
    // (GREASE) is not recognised at all.
    let bytes = block(&[
        ext(ExtensionType::HEARTBEAT, &[1]),
        ext(ExtensionType::new(0x7a7a), &[9, 9]),
    ]);
    let decoded = EncryptedExtensions::decode(&bytes).unwrap();
    assert_eq!(decoded.extensions.len(), 2);
    assert_eq!(decoded.encode().unwrap(), bytes);
}

#[test]
fn hello_retry_request_is_recognised_by_its_random_in_both_sets() {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&Random::HELLO_RETRY_REQUEST.0);
    body.extend_from_slice(&[0, 0x13, 0x01, 0]);
    body.extend_from_slice(&block(&[
        ext(ExtensionType::SUPPORTED_VERSIONS, &[3, 4]),
        ext(ExtensionType::KEY_SHARE, &[0x00, 0x17]),
        ext(ExtensionType::COOKIE, &[0, 2, 0xc0, 0x0c]),
    ]));
    for version in [TLS12, TLS13] {
        let message =
            HandshakeMessage::decode_body_in(version, HandshakeType::SERVER_HELLO, &body).unwrap();
        let HandshakeMessage::HelloRetryRequest(hrr) = &message else {
            panic!("{message:?}");
        };
        assert_eq!(
            hrr.extensions[1],
            keel_wire::extensions::HelloRetryExtension::KeyShare(NamedGroup::SECP256R1)
        );
        assert_eq!(message.handshake_type(), HandshakeType::SERVER_HELLO);
        assert_eq!(&message.encode().unwrap()[4..], body.as_slice());
    }
    // A pre_shared_key has no place in a HelloRetryRequest.
    let mut bad = body[..38].to_vec();
    bad.extend_from_slice(&block(&[ext(ExtensionType::PRE_SHARED_KEY, &[0, 0])]));
    let err = HelloRetryRequest::decode(&bad).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::NotPermitted { value: 0x0029 });
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
    // Nor is any other random a HelloRetryRequest.
    let mut other = body.clone();
    other[2] ^= 1;
    let err = HelloRetryRequest::decode(&other).unwrap_err();
    assert_eq!(err.field, "HelloRetryRequest.random");
    assert_eq!(err.offset, 2);
    assert!(matches!(
        HandshakeMessage::decode_body_in(TLS13, HandshakeType::SERVER_HELLO, &other),
        Err(_) | Ok(HandshakeMessage::ServerHello(_))
    ));
}

#[test]
fn a_hello_retry_request_must_carry_an_extensions_block() {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&Random::HELLO_RETRY_REQUEST.0);
    body.extend_from_slice(&[0, 0x13, 0x01, 0]);
    let err = HelloRetryRequest::decode(&body).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Truncated);
    assert_eq!(err.field, "HelloRetryRequest.extensions");
}

#[test]
fn the_server_hello_carries_tls13_key_share_and_pre_shared_key() {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x22; 32]);
    body.extend_from_slice(&[0, 0x13, 0x02, 0]);
    let mut share = NamedGroup::X25519.get().to_be_bytes().to_vec();
    share.extend_from_slice(&[0, 32]);
    share.extend_from_slice(&[0x42; 32]);
    body.extend_from_slice(&block(&[
        ext(ExtensionType::SUPPORTED_VERSIONS, &[3, 4]),
        ext(ExtensionType::KEY_SHARE, &share),
        ext(ExtensionType::PRE_SHARED_KEY, &[0, 0]),
    ]));
    let message =
        HandshakeMessage::decode_body_in(TLS13, HandshakeType::SERVER_HELLO, &body).unwrap();
    let HandshakeMessage::ServerHello(hello) = &message else {
        panic!("{message:?}");
    };
    assert_eq!(
        hello.extensions[1],
        ServerExtension::KeyShare(KeyShareEntry {
            group: NamedGroup::X25519,
            key_exchange: Opaque(vec![0x42; 32]),
        })
    );
    assert_eq!(hello.extensions[2], ServerExtension::PreSharedKey(0));
    assert_eq!(
        first_not_permitted(&hello.extensions, ExtensionContext::ServerHello),
        None
    );
}

#[test]
fn the_hello_lists_are_judged_by_the_handshake_once_the_version_is_known() {
    // A TLS 1.3 ServerHello with extended_master_secret decodes (the codec
    // cannot know the version yet) and the table names the intruder.
    let extensions = [
        ServerExtension::SupportedVersions(TLS13),
        ServerExtension::ExtendedMasterSecret,
    ];
    assert_eq!(
        first_not_permitted(&extensions, ExtensionContext::ServerHello),
        Some(ExtensionType::EXTENDED_MASTER_SECRET)
    );
    // A ClientHello offering both versions carries TLS 1.2's extensions;
    // only oid_filters, which belongs to CertificateRequest, is out of place.
    let hello = [
        ClientExtension::ExtendedMasterSecret,
        ClientExtension::EcPointFormats(List(vec![])),
        ClientExtension::Unknown(RawExtension {
            ext_type: ExtensionType::OID_FILTERS,
            data: vec![0, 0],
        }),
    ];
    assert_eq!(
        first_not_permitted(&hello, ExtensionContext::ClientHello),
        Some(ExtensionType::OID_FILTERS)
    );
}

#[test]
fn the_placement_table_follows_rfc_8446() {
    use ExtensionContext::{
        Certificate as CT, CertificateRequest as CR, ClientHello as CH, EncryptedExtensions as EE,
        HelloRetryRequest as HRR, NewSessionTicket as NST, ServerHello as SH,
    };
    let all = [CH, SH, EE, CT, CR, NST, HRR];
    // RFC 8446 §4.2: a sample of rows, each checked in every column.
    let rows: &[(ExtensionType, &[ExtensionContext])] = &[
        (ExtensionType::SERVER_NAME, &[CH, EE]),
        (ExtensionType::STATUS_REQUEST, &[CH, CR, CT]),
        (ExtensionType::SIGNATURE_ALGORITHMS, &[CH, CR]),
        (ExtensionType::PADDING, &[CH]),
        (ExtensionType::KEY_SHARE, &[CH, SH, HRR]),
        (ExtensionType::PRE_SHARED_KEY, &[CH, SH]),
        (ExtensionType::EARLY_DATA, &[CH, EE, NST]),
        (ExtensionType::COOKIE, &[CH, HRR]),
        (ExtensionType::SUPPORTED_VERSIONS, &[CH, SH, HRR]),
        (ExtensionType::OID_FILTERS, &[CR]),
        (ExtensionType::POST_HANDSHAKE_AUTH, &[CH]),
        (ExtensionType::SIGNATURE_ALGORITHMS_CERT, &[CH, CR]),
        (ExtensionType::RECORD_SIZE_LIMIT, &[CH, EE]),
        (ExtensionType::SESSION_TICKET, &[CH]),
        // Not recognised: allowed everywhere.
        (ExtensionType::new(0x7a7a), &all),
    ];
    for (ext_type, allowed) in rows {
        for context in all {
            assert_eq!(
                permitted(*ext_type, context),
                allowed.contains(&context),
                "{ext_type} in {context:?}"
            );
        }
    }
}

#[test]
fn a_certificate_request_needs_at_least_one_extension() {
    let err = CertificateRequest13::decode(&[0, 0, 0]).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 2 });
    assert_eq!(err.field, "CertificateRequest.extensions");
    assert_eq!(err.offset, 1);
    // keel does not write one either.
    let empty = CertificateRequest13::default();
    let err = empty.encode().unwrap_err();
    assert_eq!(err.field, "CertificateRequest.extensions");
    assert_eq!((err.len, err.min), (0, 2));
}

#[test]
fn a_new_session_ticket_needs_a_ticket() {
    // lifetime, age_add, empty nonce, empty ticket, no extensions.
    let bytes = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0];
    let err = NewSessionTicket13::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 0, min: 1 });
    assert_eq!(err.field, "NewSessionTicket.ticket");
    assert_eq!(err.offset, 9);
    // Its extensions block is checked against the table too.
    let mut bytes = vec![0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0xee];
    bytes.extend_from_slice(&block(&[ext(ExtensionType::KEY_SHARE, &[])]));
    let err = NewSessionTicket13::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::NotPermitted { value: 0x0033 });
}

#[test]
fn key_update_takes_only_its_two_values() {
    assert!(KeyUpdate::decode(&[0]).is_ok());
    assert!(KeyUpdate::decode(&[1]).is_ok());
    let err = KeyUpdate::decode(&[2]).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::InvalidValue { value: 2 });
    assert_eq!(err.field, "KeyUpdate.request_update");
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
    assert_eq!(
        KeyUpdate::decode(&[]).unwrap_err().kind,
        DecodeErrorKind::Truncated
    );
}

#[test]
fn each_version_reads_only_its_own_messages() {
    // A 32-byte Finished is TLS 1.3's (SHA-256) and malformed in TLS 1.2.
    let verify = [0x5a; 32];
    assert!(matches!(
        HandshakeMessage::decode_body_in(TLS13, HandshakeType::FINISHED, &verify),
        Ok(HandshakeMessage::Finished13(f)) if f.verify_data == verify
    ));
    assert!(HandshakeMessage::decode_body_in(TLS12, HandshakeType::FINISHED, &verify).is_err());
    // TLS 1.3 has no ServerHelloDone; TLS 1.2 has no EncryptedExtensions.
    assert!(matches!(
        HandshakeMessage::decode_body_in(TLS13, HandshakeType::SERVER_HELLO_DONE, &[]),
        Ok(HandshakeMessage::Unknown { .. })
    ));
    assert!(matches!(
        HandshakeMessage::decode_body_in(TLS12, HandshakeType::ENCRYPTED_EXTENSIONS, &[0, 0]),
        Ok(HandshakeMessage::Unknown { .. })
    ));
    assert!(matches!(
        HandshakeMessage::decode_body_in(TLS13, HandshakeType::ENCRYPTED_EXTENSIONS, &[0, 0]),
        Ok(HandshakeMessage::EncryptedExtensions(e)) if e.extensions.is_empty()
    ));
    // The framed form says the same.
    let framed = [8, 0, 0, 2, 0, 0];
    assert!(matches!(
        HandshakeMessage::decode_in(TLS13, &framed),
        Ok(HandshakeMessage::EncryptedExtensions(_))
    ));
    assert!(matches!(
        HandshakeMessage::decode(&framed),
        Ok(HandshakeMessage::Unknown { .. })
    ));
}

#[test]
fn downgrade_sentinels_are_recognised_in_the_last_eight_bytes() {
    let mut random = Random([0x33; 32]);
    assert!(!random.has_downgrade_sentinel());
    random.0[24..].copy_from_slice(&Random::DOWNGRADE_TLS12);
    assert!(random.has_downgrade_sentinel());
    random.0[24..].copy_from_slice(&Random::DOWNGRADE_TLS11);
    assert!(random.has_downgrade_sentinel());
    assert_eq!(
        &Random::DOWNGRADE_TLS12,
        &[0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]
    );
    random.0[31] = 2;
    assert!(!random.has_downgrade_sentinel());
}

#[test]
fn an_extension_list_refuses_duplicates_like_the_hello_lists() {
    let bytes = block(&[
        ext(ExtensionType::SERVER_NAME, &[]),
        ext(ExtensionType::SERVER_NAME, &[]),
    ]);
    let err = EncryptedExtensions::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Duplicate { value: 0 });
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
    let list: ExtensionList<keel_wire::extensions::EncryptedExtension> = ExtensionList::default();
    assert!(list.is_empty());
}

#[test]
fn a_hello_that_does_not_offer_tls13_keeps_tls13_extensions_raw() {
    // BoGo's TLS 1.2 clients send a pre_shared_key with a 12-byte binder
    // beside their session ticket. RFC 8446 §4.2.1: without TLS 1.3 in
    // supported_versions the hello is negotiated as RFC 5246 says, where
    // the extension is unknown: kept raw, not judged, even when not last.
    let mut short_binder = vec![0, 12, 0, 6];
    short_binder.extend_from_slice(b"ticket");
    short_binder.extend_from_slice(&[0, 0, 0, 7, 0, 13, 12]);
    short_binder.extend_from_slice(&[0xbb; 12]);
    let tls12_only = ext(ExtensionType::SUPPORTED_VERSIONS, &[2, 3, 3]);
    for versions in [None, Some(tls12_only)] {
        let mut extensions = vec![ext(ExtensionType::PRE_SHARED_KEY, &short_binder)];
        extensions.push(ext(ExtensionType::KEY_SHARE, &[0, 1, 0xff]));
        extensions.extend(versions.clone());
        let (bytes, _) = client_hello(&extensions);
        let hello = ClientHello::decode(&bytes).unwrap();
        assert!(
            matches!(&hello.extensions[0], ClientExtension::Unknown(raw)
                if raw.ext_type == ExtensionType::PRE_SHARED_KEY && raw.data == short_binder),
            "{versions:?}: {hello:?}"
        );
        assert!(matches!(&hello.extensions[1], ClientExtension::Unknown(_)));
        assert_eq!(hello.encode().unwrap(), bytes);
    }
    // Offering TLS 1.3, the same bytes are judged.
    let (bytes, _) = client_hello(&[
        ext(ExtensionType::SUPPORTED_VERSIONS, &[4, 3, 4, 3, 3]),
        ext(ExtensionType::PRE_SHARED_KEY, &short_binder),
    ]);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooShort { len: 13, min: 33 });
    // A list that promises more than the hello holds: the look-ahead
    // stops, and the decoder names the fault.
    let (mut bytes, at) = client_hello(&[ext(ExtensionType::PRE_SHARED_KEY, &short_binder)]);
    bytes.truncate(at + 2 + 2);
    let err = ClientHello::decode(&bytes).unwrap_err();
    assert_eq!(err.field, "ClientHello.extensions");
    // A supported_versions too short to read offers nothing.
    let (bytes, _) = client_hello(&[
        ext(ExtensionType::PRE_SHARED_KEY, &short_binder),
        ext(ExtensionType::SUPPORTED_VERSIONS, &[]),
    ]);
    assert!(ClientHello::decode(&bytes).is_err());
}

#[test]
fn a_new_session_ticket_extension_list_stops_at_2_16_minus_2() {
    // `Extension extensions<0..2^16-2>`: a list of 0xffff bytes is too long.
    let mut bytes = vec![0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0xee, 0xff, 0xff];
    bytes.extend_from_slice(&[0; 0xffff]);
    let err = NewSessionTicket13::decode(&bytes).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::TooLong {
            len: 0xffff,
            max: 0xfffe
        }
    );
    assert_eq!(err.field, "NewSessionTicket.extensions");
    assert_eq!(err.offset, 12);
}

#[test]
fn a_tls13_finished_prints_its_verify_data_in_hex() {
    let finished = keel_wire::handshake::Finished13 {
        verify_data: vec![0xab, 0x01],
    };
    assert_eq!(format!("{finished:?}"), "Finished { verify_data: 0xab01 }");
}
