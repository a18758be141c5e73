//! What TLS 1.3 refuses, with the error and the alert on the wire:
//! a downgrade sentinel (RFC 8446 §4.1.3), a second HelloRetryRequest and
//! one that changes nothing (§4.1.4), a ClientHello without the
//! extensions TLS 1.3 needs (§9.2), and version policies that do not meet.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{HandshakeError, IllegalParameter, Versions};
use keel_wire::extensions::HelloRetryExtension;
use keel_wire::handshake::HelloRetryRequest;
use keel_wire::registry::{
    AlertDescription, CipherSuite, CompressionMethod, ContentType, ExtensionType, HandshakeType,
    NamedGroup, ProtocolVersion,
};
use keel_wire::{ClientExtension, Codec, ExtensionList, HandshakeMessage};
use support::{
    GROUPS13, client_config13, connect, last_alert, plaintext_record, pump, rewrite_client_hello,
    server_config13, split_records, take,
};

/// The ClientHello's session ID, from the record the client queued.
fn client_session_id(bytes: &[u8]) -> Vec<u8> {
    let record = &split_records(bytes)[0];
    let HandshakeMessage::ClientHello(hello) = HandshakeMessage::decode(&record[5..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    hello.session_id.to_vec()
}

/// A HelloRetryRequest asking for `group`, as a plaintext record.
fn retry(session_id: &[u8], group: NamedGroup) -> Vec<u8> {
    let hrr = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLS_V1_2,
        legacy_session_id_echo: keel_wire::vec::Opaque(session_id.to_vec()),
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: CompressionMethod::NULL,
        extensions: ExtensionList(vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLS_V1_3),
            HelloRetryExtension::KeyShare(group),
        ]),
    };
    plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::HelloRetryRequest(hrr).encode().unwrap(),
    )
}

/// An attacker strips supported_versions from the ClientHello: the server,
/// which speaks TLS 1.3, answers TLS 1.2 with the downgrade sentinel, and
/// the client refuses with illegal_parameter.
#[test]
fn a_downgrade_sentinel_is_refused() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13AndTls12, &GROUPS13),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let stripped = rewrite_client_hello(&mut client, |extensions| {
        extensions.retain(|e| !matches!(e, ClientExtension::SupportedVersions(_)));
    });
    server.read_tls(&stripped).unwrap();
    let answer = take(&mut server);
    let err = client.read_tls(&answer).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::DowngradeSentinel
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// A TLS 1.2-only server writes no sentinel: the same client goes on.
#[test]
fn a_tls12_only_server_writes_no_sentinel() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13AndTls12, &GROUPS13),
        server_config13(Versions::Tls12Only, &[NamedGroup::X25519]),
    );
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().version, ProtocolVersion::TLS_V1_2);
}

#[test]
fn a_second_hello_retry_request_is_unexpected() {
    let (mut client, _server) = connect(
        client_config13(
            Versions::Tls13AndTls12,
            &[NamedGroup::X25519, NamedGroup::SECP256R1],
        ),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let hello = take(&mut client);
    let session_id = client_session_id(&hello);
    client
        .read_tls(&retry(&session_id, NamedGroup::SECP256R1))
        .unwrap();
    assert!(!take(&mut client).is_empty(), "ClientHello2 goes out");
    let err = client
        .read_tls(&retry(&session_id, NamedGroup::SECP256R1))
        .unwrap_err();
    assert!(
        matches!(
            err,
            HandshakeError::UnexpectedMessage {
                got: keel_handshake::MessageKind::Handshake(HandshakeType::SERVER_HELLO),
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

/// A HelloRetryRequest for a group the client already sent a share for
/// would change nothing.
#[test]
fn a_hello_retry_request_that_changes_nothing_is_refused() {
    let (mut client, _server) = connect(
        client_config13(
            Versions::Tls13AndTls12,
            &[NamedGroup::X25519, NamedGroup::SECP256R1],
        ),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let session_id = client_session_id(&take(&mut client));
    let err = client
        .read_tls(&retry(&session_id, NamedGroup::X25519))
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryGroupNotUsable {
                group: NamedGroup::X25519
            }
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// A TLS 1.2-only client refuses a HelloRetryRequest (it offered no TLS
/// 1.3).
#[test]
fn a_tls12_client_refuses_a_hello_retry_request() {
    let (mut client, _server) = connect(
        client_config13(Versions::Tls12Only, &GROUPS13),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let session_id = client_session_id(&take(&mut client));
    let err = client
        .read_tls(&retry(&session_id, NamedGroup::SECP256R1))
        .unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
}

#[test]
fn a_tls13_client_hello_without_key_share_is_missing_an_extension() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13Only, &GROUPS13),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let hello = rewrite_client_hello(&mut client, |extensions| {
        extensions.retain(|e| !matches!(e, ClientExtension::KeyShare(_)));
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::CLIENT_HELLO,
            extension: ExtensionType::KEY_SHARE
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::MISSING_EXTENSION)
    );
}

#[test]
fn a_tls13_only_server_refuses_a_tls12_client() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls12Only, &GROUPS13),
        server_config13(Versions::Tls13Only, &GROUPS13),
    );
    let err = server.read_tls(&take(&mut client)).unwrap_err();
    assert!(
        matches!(err, HandshakeError::ProtocolVersion { .. }),
        "{err}"
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::PROTOCOL_VERSION)
    );
}

/// A HelloRetryRequest built by `change` from a valid one (for P-256).
fn retry_refused(
    change: impl FnOnce(&mut HelloRetryRequest),
) -> (HandshakeError, keel_handshake::Connection) {
    let (mut client, _server) = connect(
        client_config13(
            Versions::Tls13AndTls12,
            &[NamedGroup::X25519, NamedGroup::SECP256R1],
        ),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let session_id = client_session_id(&take(&mut client));
    let record = retry(&session_id, NamedGroup::SECP256R1);
    let HandshakeMessage::HelloRetryRequest(mut hrr) =
        HandshakeMessage::decode(&record[5..]).unwrap()
    else {
        panic!("not a HelloRetryRequest");
    };
    change(&mut hrr);
    let record = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::HelloRetryRequest(hrr).encode().unwrap(),
    );
    let result = client.read_tls(&record);
    (result.err().unwrap_or(HandshakeError::Closed), client)
}

#[test]
fn a_hello_retry_request_must_echo_the_session_id() {
    let (err, _) = retry_refused(|h| h.legacy_session_id_echo = keel_wire::vec::Opaque(vec![]));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SessionIdNotEchoed
        }
    );
}

#[test]
fn a_hello_retry_request_with_compression_is_illegal() {
    let (err, _) = retry_refused(|h| h.legacy_compression_method = CompressionMethod::new(1));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen
        }
    );
}

#[test]
fn an_unknown_extension_in_a_hello_retry_request_is_unsolicited() {
    let (err, _) = retry_refused(|h| {
        h.extensions.0.push(HelloRetryExtension::Unknown(
            keel_wire::extensions::RawExtension {
                ext_type: ExtensionType::new(0xfe00),
                data: vec![],
            },
        ));
    });
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::new(0xfe00)
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNSUPPORTED_EXTENSION));
}

#[test]
fn a_hello_retry_request_without_tls13_is_illegal() {
    let (err, _) = retry_refused(|h| {
        h.extensions
            .0
            .retain(|e| !matches!(e, HelloRetryExtension::SupportedVersions(_)));
    });
    assert!(
        matches!(
            err,
            HandshakeError::IllegalParameter {
                reason: IllegalParameter::VersionNotOffered { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn a_hello_retry_request_for_a_group_not_offered_is_refused() {
    let (err, _) = retry_refused(|h| {
        for e in &mut h.extensions.0 {
            if let HelloRetryExtension::KeyShare(g) = e {
                *g = NamedGroup::SECP384R1;
            }
        }
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryGroupNotUsable {
                group: NamedGroup::SECP384R1
            }
        }
    );
}

/// RFC 8446 §4.2.2: a cookie is echoed in ClientHello2.
#[test]
fn a_cookie_is_echoed_in_client_hello2() {
    let (err, mut client) = retry_refused(|h| {
        h.extensions
            .0
            .push(HelloRetryExtension::Cookie(keel_wire::vec::Opaque(vec![
                5;
                16
            ])));
    });
    assert_eq!(err, HandshakeError::Closed, "no error: {err}");
    let out = take(&mut client);
    let records = split_records(&out);
    let HandshakeMessage::ClientHello(hello) = HandshakeMessage::decode(&records[1][5..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    assert!(hello.extensions.iter().any(|e| matches!(
        e,
        ClientExtension::Cookie(c) if c.as_slice() == [5; 16]
    )));
}

/// The ServerHello after a HelloRetryRequest, changed by `change`.
fn second_server_hello_refused(
    change: impl FnOnce(&mut keel_wire::handshake::ServerHello),
) -> HandshakeError {
    let mut mitm = support::tls13::Mitm::new(
        |c| c.groups = support::tls13::CLASSICAL.to_vec(),
        |s| s.groups = vec![NamedGroup::SECP256R1],
    );
    let hello = take(&mut mitm.client);
    mitm.server.read_tls(&hello).unwrap();
    mitm.client.read_tls(&take(&mut mitm.server)).unwrap();
    mitm.server.read_tls(&take(&mut mitm.client)).unwrap();
    let flight = take(&mut mitm.server);
    let first = &split_records(&flight)[0];
    let HandshakeMessage::ServerHello(mut sh) = HandshakeMessage::decode(&first[5..]).unwrap()
    else {
        panic!("not a ServerHello");
    };
    change(&mut sh);
    let record = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(sh).encode().unwrap(),
    );
    mitm.client.read_tls(&record).unwrap_err()
}

#[test]
fn the_server_hello_after_a_retry_keeps_its_suite() {
    let err = second_server_hello_refused(|h| {
        h.cipher_suite = CipherSuite::TLS_AES_256_GCM_SHA384;
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteChangedAfterRetry
        }
    );
}

#[test]
fn the_server_hello_after_a_retry_stays_tls13() {
    let err = second_server_hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            e.retain(|x| !matches!(x, keel_wire::ServerExtension::SupportedVersions(_)));
        }
    });
    assert!(
        matches!(
            err,
            HandshakeError::IllegalParameter {
                reason: IllegalParameter::VersionNotOffered { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn a_hello_retry_request_asking_for_nothing_changes_nothing() {
    let (err, _) = retry_refused(|h| {
        h.extensions
            .0
            .retain(|e| !matches!(e, HelloRetryExtension::KeyShare(_)));
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryChangesNothing
        }
    );
}

/// RFC 8446 §4.2: oid_filters belongs in a CertificateRequest; in a
/// ClientHello it is illegal_parameter.
#[test]
fn an_extension_a_client_hello_may_not_carry_is_illegal() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13Only, &GROUPS13),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let hello = rewrite_client_hello(&mut client, |extensions| {
        extensions.insert(
            0,
            ClientExtension::Unknown(keel_wire::extensions::RawExtension {
                ext_type: ExtensionType::OID_FILTERS,
                data: vec![0, 0],
            }),
        );
    });
    let err = server.read_tls(&hello).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::ExtensionNotPermitted {
                extension: ExtensionType::OID_FILTERS
            }
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// A client whose groups have no TLS 1.3 key share (P-521, which keel
/// does not implement, through a hand-made configuration) sends an empty
/// key_share; the server finds no group.
#[test]
fn a_client_without_a_usable_group_gets_no_shared_group() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13Only, &[NamedGroup::SECP521R1]),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    let err = server.read_tls(&take(&mut client)).unwrap_err();
    assert_eq!(err, HandshakeError::NoSharedGroup);
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}

/// A TLS 1.2-only client sent no supported_versions: one in the
/// ServerHello is unsolicited (BoGo's SupportedVersionSelection-TLS12).
#[test]
fn supported_versions_to_a_tls12_client_is_unsolicited() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls12Only, &GROUPS13),
        server_config13(Versions::Tls13AndTls12, &GROUPS13),
    );
    server.read_tls(&take(&mut client)).unwrap();
    let flight = take(&mut server);
    let first = &split_records(&flight)[0];
    let HandshakeMessage::ServerHello(mut hello) = HandshakeMessage::decode(&first[5..]).unwrap()
    else {
        panic!("not a ServerHello");
    };
    if let keel_wire::Extensions::Present(e) = &mut hello.extensions {
        e.push(keel_wire::ServerExtension::SupportedVersions(
            ProtocolVersion::TLS_V1_2,
        ));
    }
    let record = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(hello).encode().unwrap(),
    );
    let err = client.read_tls(&record).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::SUPPORTED_VERSIONS
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}

/// RFC 8446 Appendix D.4: the 32-byte session ID a client offering TLS 1.3
/// sends names no session; a TLS 1.2 ServerHello that echoes it claims to
/// resume what the client never had.
#[test]
fn a_tls12_server_echoing_the_compatibility_session_id_is_refused() {
    let (mut client, mut server) = connect(
        client_config13(Versions::Tls13AndTls12, &GROUPS13),
        support::server_config(false),
    );
    let hello = take(&mut client);
    let session_id = client_session_id(&hello);
    server.read_tls(&hello).unwrap();
    let flight = support::rewrite_flight(&take(&mut server), |message| {
        Some(match message {
            HandshakeMessage::ServerHello(mut hello) => {
                hello.session_id = keel_wire::vec::Opaque(session_id.clone());
                HandshakeMessage::ServerHello(hello)
            }
            other => other,
        })
    });
    let err = client.read_tls(&flight).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompatibilitySessionIdEchoed
        }
    );
    assert_eq!(
        last_alert(&client),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}
