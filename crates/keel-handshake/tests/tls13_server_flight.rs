//! A keel TLS 1.3 client against a server flight changed in flight (by a
//! man in the middle holding the server's handshake keys, so that the
//! client's state machine, not its record layer, judges each change): what
//! RFC 8446 §4.1.3 (ServerHello), §4.3 (EncryptedExtensions,
//! CertificateRequest) and §4.4 (Certificate, CertificateVerify, Finished)
//! require of each message, each refusal with its error and alert.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{HandshakeError, IllegalParameter, MessageKind};
use keel_wire::extensions::{
    CertificateExtension, CertificateRequestExtension, EncryptedExtension, KeyShareEntry,
    ProtocolName,
};
use keel_wire::handshake::{
    Certificate13, CertificateRequest13, CertificateStatus, KeyUpdate, NewSessionTicket13,
};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, CompressionMethod, ContentType, ExtensionType,
    HandshakeType, KeyUpdateRequest, NamedGroup, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{Alert, Codec, ExtensionList, HandshakeMessage, ServerExtension};
use support::tls13::Mitm;

/// The error the client fails with when `change` is applied to the
/// server's protected flight, after checking the client queued an alert.
fn refused(
    mitm: &mut Mitm,
    change: impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage>,
) -> HandshakeError {
    let err = mitm.server_flight(change).unwrap_err();
    assert!(mitm.client.wants_write(), "an alert goes out: {err}");
    err
}

/// Inserts `extra` after the EncryptedExtensions.
fn after_encrypted_extensions(
    extra: HandshakeMessage,
) -> impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage> {
    let mut extra = Some(extra);
    move |m| match m {
        HandshakeMessage::EncryptedExtensions(_) => vec![m, extra.take().unwrap()],
        other => vec![other],
    }
}

fn with_encrypted_extension(
    extension: EncryptedExtension,
) -> impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage> {
    let mut extension = Some(extension);
    move |m| match m {
        HandshakeMessage::EncryptedExtensions(mut ee) => {
            ee.extensions.0.push(extension.take().unwrap());
            vec![HandshakeMessage::EncryptedExtensions(ee)]
        }
        other => vec![other],
    }
}

fn with_certificate(
    mut change: impl FnMut(&mut Certificate13),
) -> impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage> {
    move |m| match m {
        HandshakeMessage::Certificate13(mut c) => {
            change(&mut c);
            vec![HandshakeMessage::Certificate13(c)]
        }
        other => vec![other],
    }
}

fn request(context: Vec<u8>, extensions: Vec<CertificateRequestExtension>) -> HandshakeMessage {
    HandshakeMessage::CertificateRequest13(CertificateRequest13 {
        certificate_request_context: Opaque(context),
        extensions: ExtensionList(extensions),
    })
}

// --- EncryptedExtensions (RFC 8446 §4.3.1) -------------------------------------

#[test]
fn alpn_is_negotiated_in_encrypted_extensions() {
    let mut mitm = Mitm::new(
        |c| c.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        |s| s.alpn = vec![b"http/1.1".to_vec()],
    );
    mitm.complete();
    for conn in [&mitm.client, &mitm.server] {
        assert_eq!(
            conn.session().unwrap().alpn.as_deref(),
            Some(&b"http/1.1"[..])
        );
    }
}

#[test]
fn an_alpn_protocol_not_offered_is_illegal() {
    let mut mitm = Mitm::new(|c| c.alpn = vec![b"h2".to_vec()], |_| {});
    let err = refused(
        &mut mitm,
        with_encrypted_extension(EncryptedExtension::Alpn(ProtocolName(b"spdy/3".to_vec()))),
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::AlpnNotOffered
        }
    );
}

#[test]
fn an_unsolicited_encrypted_extension_is_refused() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_encrypted_extension(EncryptedExtension::EarlyData),
    );
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::EARLY_DATA
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNSUPPORTED_EXTENSION));
}

/// The server's supported_groups is accepted (RFC 8446 §4.2.7); the change
/// to the transcript then makes the server's CertificateVerify fail.
#[test]
fn a_changed_flight_fails_at_the_certificate_verify() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_encrypted_extension(EncryptedExtension::SupportedGroups(List(vec![
            NamedGroup::X25519,
        ]))),
    );
    assert!(matches!(err, HandshakeError::Signature { .. }), "{err}");
    assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));
}

/// RFC 8449 §4: the server's record_size_limit in EncryptedExtensions is
/// checked: below 64 is illegal.
#[test]
fn a_record_size_limit_below_64_is_illegal() {
    let mut mitm = Mitm::plain();
    let err = refused(&mut mitm, |m| match m {
        HandshakeMessage::EncryptedExtensions(mut ee) => {
            for e in &mut ee.extensions.0 {
                if let EncryptedExtension::RecordSizeLimit(v) = e {
                    *v = 63;
                }
            }
            vec![HandshakeMessage::EncryptedExtensions(ee)]
        }
        other => vec![other],
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RecordSizeLimitTooSmall { value: 63 }
        }
    );
}

// --- CertificateRequest (RFC 8446 §4.3.2) --------------------------------------

#[test]
fn a_certificate_request_with_a_context_is_illegal() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        after_encrypted_extensions(request(
            vec![1],
            vec![CertificateRequestExtension::SignatureAlgorithms(List(
                vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
            ))],
        )),
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RequestContextNotEmpty
        }
    );
}

#[test]
fn a_certificate_request_without_signature_algorithms_is_missing_an_extension() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        after_encrypted_extensions(request(
            vec![],
            vec![CertificateRequestExtension::SignatureAlgorithmsCert(List(
                vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
            ))],
        )),
    );
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::CERTIFICATE_REQUEST,
            extension: ExtensionType::SIGNATURE_ALGORITHMS
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::MISSING_EXTENSION));
}

// --- Certificate (RFC 8446 §4.4.2) ---------------------------------------------

#[test]
fn a_server_certificate_with_a_context_is_illegal() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_certificate(|c| c.certificate_request_context = Opaque(vec![7])),
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RequestContextNotEmpty
        }
    );
}

#[test]
fn an_empty_server_certificate_is_a_decode_error() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_certificate(|c| c.certificate_list = List(vec![])),
    );
    assert_eq!(err, HandshakeError::EmptyServerCertificate);
    assert_eq!(err.alert(), Some(AlertDescription::DECODE_ERROR));
}

#[test]
fn a_chain_over_the_limit_is_refused() {
    let mut mitm = Mitm::new(|c| c.limits.max_chain_len = 1, |_| {});
    let err = refused(
        &mut mitm,
        with_certificate(|c| {
            let leaf = c.certificate_list.0[0].clone();
            c.certificate_list.0.push(leaf);
        }),
    );
    assert_eq!(
        err,
        HandshakeError::Certificate {
            source: keel_pki::CertError::PathTooLong
        }
    );
}

#[test]
fn a_certificate_extension_the_client_did_not_ask_for_is_refused() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_certificate(|c| {
            c.certificate_list.0[0]
                .extensions
                .0
                .push(CertificateExtension::StatusRequest(
                    CertificateStatus::ocsp(vec![0x30, 0x00]),
                ));
        }),
    );
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::STATUS_REQUEST
        }
    );
}

/// RFC 8446 §4.4.2.1: the OCSP response rides in the leaf's entry.
#[test]
fn a_stapled_ocsp_response_reaches_the_client() {
    let response = vec![0x30, 0x03, 0x0a, 0x01, 0x00];
    let mut mitm = Mitm::new(
        |c| c.request_ocsp = true,
        |s| {
            let key = s.certificates.default[0].as_ref().clone();
            s.certificates.default = vec![std::sync::Arc::new(
                key.with_ocsp_response(response.clone()),
            )];
        },
    );
    mitm.complete();
    assert_eq!(
        mitm.client.session().unwrap().ocsp_response.as_deref(),
        Some(&response[..])
    );
}

// --- CertificateVerify (RFC 8446 §4.4.3) ---------------------------------------

fn with_verify_scheme(
    scheme: SignatureScheme,
) -> impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage> {
    move |m| match m {
        HandshakeMessage::CertificateVerify(mut v) => {
            v.signed.scheme = scheme;
            vec![HandshakeMessage::CertificateVerify(v)]
        }
        other => vec![other],
    }
}

/// The client offers PKCS#1 v1.5 for TLS 1.2; a TLS 1.3 CertificateVerify
/// under it is illegal_parameter (RFC 8446 §4.4.3).
#[test]
fn a_pkcs1_certificate_verify_is_refused() {
    let mut mitm = Mitm::plain();
    let err = refused(
        &mut mitm,
        with_verify_scheme(SignatureScheme::RSA_PKCS1_SHA256),
    );
    // RFC 8446 §4.4.3: never PKCS#1 v1.5 in a CertificateVerify, even one
    // listed for certificates.
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::VerifySchemeNotOffered {
                scheme: SignatureScheme::RSA_PKCS1_SHA256
            }
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn a_scheme_the_client_did_not_offer_is_refused() {
    let mut mitm = Mitm::new(
        |c| c.signature_schemes = vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
        |_| {},
    );
    let err = refused(&mut mitm, with_verify_scheme(SignatureScheme::ED25519));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::VerifySchemeNotOffered {
                scheme: SignatureScheme::ED25519
            }
        }
    );
}

// --- Order (RFC 8446 §4) --------------------------------------------------------

/// A KeyUpdate where EncryptedExtensions must come.
#[test]
fn a_message_out_of_order_is_unexpected() {
    let mut mitm = Mitm::plain();
    let err = refused(&mut mitm, |m| match m {
        HandshakeMessage::EncryptedExtensions(_) => vec![HandshakeMessage::KeyUpdate(KeyUpdate {
            request_update: KeyUpdateRequest::UPDATE_NOT_REQUESTED,
        })],
        other => vec![other],
    });
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "EncryptedExtensions",
            got: MessageKind::Handshake(HandshakeType::KEY_UPDATE)
        }
    );
}

fn key_update() -> HandshakeMessage {
    HandshakeMessage::KeyUpdate(KeyUpdate {
        request_update: KeyUpdateRequest::UPDATE_NOT_REQUESTED,
    })
}

/// Each state names itself when something else comes: the message it
/// waits for is replaced with a KeyUpdate.
#[test]
fn each_client_state_names_what_it_expects() {
    let cases = [
        (
            "CertificateRequest or Certificate",
            HandshakeType::CERTIFICATE,
            false,
        ),
        ("Certificate", HandshakeType::CERTIFICATE, true),
        (
            "CertificateVerify",
            HandshakeType::CERTIFICATE_VERIFY,
            false,
        ),
        ("Finished", HandshakeType::FINISHED, false),
    ];
    for (expected, replaced, with_request) in cases {
        let mut mitm = Mitm::plain();
        let err = refused(&mut mitm, |m| {
            let t = m.handshake_type();
            let mut out = vec![if t == replaced { key_update() } else { m }];
            if with_request && t == HandshakeType::ENCRYPTED_EXTENSIONS {
                out.push(request(
                    vec![],
                    vec![CertificateRequestExtension::SignatureAlgorithms(List(
                        vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
                    ))],
                ));
            }
            out
        });
        assert_eq!(
            err,
            HandshakeError::UnexpectedMessage {
                expected,
                got: MessageKind::Handshake(HandshakeType::KEY_UPDATE)
            }
        );
    }
}

/// RFC 8446 §4.4.4: a Finished that does not match the transcript.
#[test]
fn a_bad_server_finished_is_a_decrypt_error() {
    let mut mitm = Mitm::plain();
    let err = refused(&mut mitm, |m| match m {
        HandshakeMessage::Finished13(mut f) => {
            f.verify_data[0] ^= 1;
            vec![HandshakeMessage::Finished13(f)]
        }
        other => vec![other],
    });
    assert_eq!(err, HandshakeError::BadFinished);
    assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));
}

// --- ServerHello (RFC 8446 §4.1.3) ----------------------------------------------

fn change_hello(
    change: impl FnOnce(&mut keel_wire::handshake::ServerHello),
) -> impl FnOnce(HandshakeMessage) -> HandshakeMessage {
    move |m| match m {
        HandshakeMessage::ServerHello(mut hello) => {
            change(&mut hello);
            HandshakeMessage::ServerHello(hello)
        }
        other => panic!("not a ServerHello: {other:?}"),
    }
}

fn hello_refused(change: impl FnOnce(&mut keel_wire::handshake::ServerHello)) -> HandshakeError {
    let mut mitm = Mitm::plain();
    let err = mitm.server_hello(change_hello(change)).unwrap_err();
    assert!(mitm.client.wants_write());
    err
}

#[test]
fn a_server_hello_must_echo_the_session_id() {
    let err = hello_refused(|h| h.session_id = Opaque(vec![1; 32]));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SessionIdNotEchoed
        }
    );
}

/// RFC 8446 §4.1.3: "the server MUST set ServerHello.legacy_version to
/// 0x0303"; anything else is a version keel does not speak.
#[test]
fn a_server_hello_legacy_version_other_than_tls12_is_refused() {
    let err = hello_refused(|h| {
        h.server_version = keel_wire::registry::ProtocolVersion::TLS_V1_3;
    });
    assert_eq!(
        err,
        HandshakeError::ProtocolVersion {
            version: keel_wire::registry::ProtocolVersion::TLS_V1_3
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::PROTOCOL_VERSION));
}

/// An extension the ServerHello may carry by RFC 8446 §4.2's table (an
/// unknown one passes the table) but that answers nothing the client sent.
#[test]
fn an_unknown_server_hello_extension_is_unsolicited() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            e.push(ServerExtension::Unknown(
                keel_wire::extensions::RawExtension::new(ExtensionType::new(0x7a7a), vec![]),
            ));
        }
    });
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::new(0x7a7a)
        }
    );
}

#[test]
fn a_server_hello_with_compression_is_illegal() {
    let err = hello_refused(|h| h.compression_method = CompressionMethod::new(1));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen
        }
    );
}

#[test]
fn a_tls12_suite_in_a_tls13_server_hello_is_illegal() {
    let suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let err = hello_refused(|h| h.cipher_suite = suite);
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteNotOffered { suite }
        }
    );
}

/// RFC 8446 §4.2: extended_master_secret may not appear in a TLS 1.3
/// ServerHello.
#[test]
fn an_extension_a_server_hello_may_not_carry_is_refused() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            e.push(ServerExtension::ExtendedMasterSecret);
        }
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::ExtensionNotPermitted {
                extension: ExtensionType::EXTENDED_MASTER_SECRET
            }
        }
    );
}

/// pre_shared_key answers a PSK the client never offered.
#[test]
fn an_unsolicited_pre_shared_key_is_refused() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            e.push(ServerExtension::PreSharedKey(0));
        }
    });
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::PRE_SHARED_KEY
        }
    );
}

#[test]
fn a_server_hello_without_a_key_share_is_missing_an_extension() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            e.retain(|x| !matches!(x, ServerExtension::KeyShare(_)));
        }
    });
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::SERVER_HELLO,
            extension: ExtensionType::KEY_SHARE
        }
    );
}

#[test]
fn a_share_for_a_group_the_client_sent_none_for_is_illegal() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            for x in e.iter_mut() {
                if let ServerExtension::KeyShare(entry) = x {
                    *entry = KeyShareEntry {
                        group: NamedGroup::SECP384R1,
                        key_exchange: Opaque(vec![4; 97]),
                    };
                }
            }
        }
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::KeyShareNotOffered {
                group: NamedGroup::SECP384R1
            }
        }
    );
}

#[test]
fn supported_versions_below_tls13_is_illegal() {
    let err = hello_refused(|h| {
        if let keel_wire::Extensions::Present(e) = &mut h.extensions {
            for x in e.iter_mut() {
                if let ServerExtension::SupportedVersions(v) = x {
                    *v = keel_wire::registry::ProtocolVersion::TLS_V1_2;
                }
            }
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

// --- After the handshake (RFC 8446 §4.6) ----------------------------------------

/// A NewSessionTicket is read and set aside (keel offers no PSKs yet).
#[test]
fn a_new_session_ticket_is_accepted_after_the_handshake() {
    let mut mitm = Mitm::plain();
    mitm.complete();
    let ticket = HandshakeMessage::NewSessionTicket13(NewSessionTicket13 {
        ticket_lifetime: 3600,
        ticket_age_add: 7,
        ticket_nonce: Opaque(vec![0]),
        ticket: Opaque(vec![1, 2, 3]),
        extensions: ExtensionList(vec![]),
    });
    mitm.inject_to_client(&[(ContentType::HANDSHAKE, ticket.encode().unwrap())])
        .unwrap();
    assert!(mitm.client.error().is_none());
}

/// RFC 8446 §6.1: user_canceled is a warning, not an error; any other
/// warning-level alert is an error alert in TLS 1.3.
#[test]
fn user_canceled_is_survived_and_other_warnings_are_errors() {
    let mut mitm = Mitm::plain();
    mitm.complete();
    let alert = |description| {
        Alert {
            level: AlertLevel::WARNING,
            description,
        }
        .encode()
        .unwrap()
    };
    mitm.inject_to_client(&[
        (ContentType::ALERT, alert(AlertDescription::USER_CANCELED)),
        (
            ContentType::ALERT,
            alert(AlertDescription::NO_RENEGOTIATION),
        ),
    ])
    .unwrap_err();
    assert_eq!(
        mitm.client.error(),
        Some(&HandshakeError::AlertReceived {
            description: AlertDescription::NO_RENEGOTIATION
        })
    );
}

/// keel never offers post_handshake_auth (RFC 8446 §4.6.2).
#[test]
fn a_post_handshake_certificate_request_is_unexpected() {
    let mut mitm = Mitm::plain();
    mitm.complete();
    let req = request(
        vec![1],
        vec![CertificateRequestExtension::SignatureAlgorithms(List(
            vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
        ))],
    );
    let err = mitm
        .inject_to_client(&[(ContentType::HANDSHAKE, req.encode().unwrap())])
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "application data",
            got: MessageKind::Handshake(HandshakeType::CERTIFICATE_REQUEST)
        }
    );
}
