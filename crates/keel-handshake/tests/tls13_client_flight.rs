//! A keel TLS 1.3 server against a client's ClientHello and second flight
//! changed in flight: RFC 8446 §4.1.2 (ClientHello, ClientHello2 after a
//! HelloRetryRequest), §4.4.2 (the client's Certificate and
//! certificate_required), §4.4.3 (its CertificateVerify), §4.4.4 (its
//! Finished); each refusal with its error and alert.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::{
    ClientHandshakeConfig, HandshakeError, IllegalParameter, MessageKind, ServerCertificates,
    ServerHandshakeConfig,
};
use keel_pki::{CertError, CertificateDer, ClientAuth, UnixTime};
use keel_wire::extensions::{CertificateExtension, KeyShareEntry, KeyShareList};
use keel_wire::handshake::{CertificateStatus, KeyUpdate};
use keel_wire::registry::{
    AlertDescription, CompressionMethod, ExtensionType, HandshakeType, KeyUpdateRequest,
    NamedGroup, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, HandshakeMessage};
use support::tls13::{CLASSICAL, Mitm, take};
use support::{client_config, rewrite_whole_client_hello, server_config};

fn with_client_auth(mode: ClientAuth) -> impl FnOnce(&mut ServerHandshakeConfig) {
    move |s| {
        let mut asking = server_config(true);
        let verifier = asking.client_verifier.take().unwrap();
        s.client_verifier = Some(match mode {
            ClientAuth::Required => verifier,
            _ => Arc::new(Optional(verifier)),
        });
    }
}

fn with_client_certificate(c: &mut ClientHandshakeConfig) {
    c.client_certificates = client_config(true, None).client_certificates;
}

/// keel-pki's verifier made optional: an empty chain passes.
#[derive(Debug)]
struct Optional(Arc<dyn keel_handshake::ClientCertificateVerifier>);

impl keel_handshake::ClientCertificateVerifier for Optional {
    fn mode(&self) -> ClientAuth {
        ClientAuth::Optional
    }
    fn verify_client(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<bool, CertError> {
        if chain.is_empty() {
            return Ok(false);
        }
        self.0.verify_client(chain, now)
    }
}

/// A verifier that vouches for nothing, without an error (a hazmat
/// verifier may answer so).
#[derive(Debug)]
struct VouchesForNothing;

impl keel_handshake::ClientCertificateVerifier for VouchesForNothing {
    fn mode(&self) -> ClientAuth {
        ClientAuth::Optional
    }
    fn verify_client(&self, _: &[CertificateDer<'_>], _: UnixTime) -> Result<bool, CertError> {
        Ok(false)
    }
}

fn refused(
    mitm: &mut Mitm,
    change: impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage>,
) -> HandshakeError {
    let err = mitm.client_flight(change).unwrap_err();
    assert!(mitm.server.wants_write(), "an alert goes out: {err}");
    err
}

fn with_certificate(
    mut change: impl FnMut(&mut keel_wire::handshake::Certificate13),
) -> impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage> {
    move |m| match m {
        HandshakeMessage::Certificate13(mut c) => {
            change(&mut c);
            vec![HandshakeMessage::Certificate13(c)]
        }
        other => vec![other],
    }
}

// --- The client's Certificate (RFC 8446 §4.4.2, §4.4.2.4) ----------------------

#[test]
fn a_client_certificate_is_verified_and_reported() {
    let mut mitm = Mitm::new(
        with_client_certificate,
        with_client_auth(ClientAuth::Required),
    );
    mitm.complete();
    let session = mitm.server.session().unwrap();
    assert!(!session.peer_certificates.is_empty());
    assert_eq!(
        session.client_signature_scheme,
        Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
    );
}

#[test]
fn no_client_certificate_where_one_is_required_is_certificate_required() {
    let mut mitm = Mitm::new(|_| {}, with_client_auth(ClientAuth::Required));
    let err = mitm.client_flight(|m| vec![m]).unwrap_err();
    assert_eq!(err, HandshakeError::CertificateRequired);
    assert_eq!(err.alert(), Some(AlertDescription::CERTIFICATE_REQUIRED));
}

#[test]
fn no_client_certificate_where_one_is_optional_goes_on() {
    let mut mitm = Mitm::new(|_| {}, with_client_auth(ClientAuth::Optional));
    mitm.complete();
    let session = mitm.server.session().unwrap();
    assert!(session.peer_certificates.is_empty());
    assert_eq!(session.client_signature_scheme, None);
}

#[test]
fn a_chain_no_verifier_vouches_for_is_refused() {
    let mut mitm = Mitm::new(with_client_certificate, |s| {
        s.client_verifier = Some(Arc::new(VouchesForNothing));
    });
    let err = refused(&mut mitm, |m| vec![m]);
    assert_eq!(
        err,
        HandshakeError::Certificate {
            source: CertError::NoCertificate
        }
    );
}

#[test]
fn a_client_certificate_with_a_context_is_illegal() {
    let mut mitm = Mitm::new(
        with_client_certificate,
        with_client_auth(ClientAuth::Required),
    );
    let err = refused(
        &mut mitm,
        with_certificate(|c| c.certificate_request_context = Opaque(vec![1])),
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RequestContextNotEmpty
        }
    );
}

#[test]
fn a_client_chain_over_the_limit_is_refused() {
    let mut mitm = Mitm::new(with_client_certificate, |s| {
        with_client_auth(ClientAuth::Required)(s);
        s.limits.max_chain_len = 1;
    });
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
            source: CertError::PathTooLong
        }
    );
}

#[test]
fn an_extension_in_a_client_certificate_entry_is_unsolicited() {
    let mut mitm = Mitm::new(
        with_client_certificate,
        with_client_auth(ClientAuth::Required),
    );
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

// --- CertificateVerify and Finished (RFC 8446 §4.4.3, §4.4.4) -----------------

#[test]
fn a_client_verify_scheme_the_server_did_not_list_is_refused() {
    let mut mitm = Mitm::new(with_client_certificate, |s| {
        with_client_auth(ClientAuth::Required)(s);
        s.signature_schemes = vec![SignatureScheme::ECDSA_SECP256R1_SHA256];
    });
    let err = refused(&mut mitm, |m| match m {
        HandshakeMessage::CertificateVerify(mut v) => {
            v.signed.scheme = SignatureScheme::ED25519;
            vec![HandshakeMessage::CertificateVerify(v)]
        }
        other => vec![other],
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::VerifySchemeNotOffered {
                scheme: SignatureScheme::ED25519
            }
        }
    );
}

#[test]
fn a_bad_client_finished_is_a_decrypt_error() {
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

/// Each server state names itself when a KeyUpdate comes instead.
#[test]
fn each_server_state_names_what_it_expects() {
    let cases = [
        ("Certificate", HandshakeType::CERTIFICATE),
        ("CertificateVerify", HandshakeType::CERTIFICATE_VERIFY),
        ("Finished", HandshakeType::FINISHED),
    ];
    for (expected, replaced) in cases {
        let mut mitm = Mitm::new(
            with_client_certificate,
            with_client_auth(ClientAuth::Required),
        );
        let err = refused(&mut mitm, |m| {
            if m.handshake_type() == replaced {
                vec![HandshakeMessage::KeyUpdate(KeyUpdate {
                    request_update: KeyUpdateRequest::UPDATE_NOT_REQUESTED,
                })]
            } else {
                vec![m]
            }
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

// --- The ClientHello (RFC 8446 §4.1.2) ------------------------------------------

fn server_refuses_hello(
    server: impl FnOnce(&mut ServerHandshakeConfig),
    change: impl FnOnce(&mut keel_wire::handshake::ClientHello),
) -> HandshakeError {
    let mut mitm = Mitm::new(|_| {}, server);
    let hello = rewrite_whole_client_hello(&mut mitm.client, change);
    let err = mitm.server.read_tls(&hello).unwrap_err();
    assert!(mitm.server.wants_write());
    err
}

fn extensions(hello: &mut keel_wire::handshake::ClientHello) -> &mut Vec<ClientExtension> {
    match &mut hello.extensions {
        keel_wire::Extensions::Present(e) => e,
        keel_wire::Extensions::Absent => panic!("no extensions"),
    }
}

#[test]
fn a_tls13_client_hello_with_compression_is_illegal() {
    let err = server_refuses_hello(
        |_| {},
        |h| h.compression_methods = List(vec![CompressionMethod::NULL, CompressionMethod::new(1)]),
    );
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen
        }
    );
}

#[test]
fn a_cookie_in_the_first_client_hello_is_unsolicited() {
    let err = server_refuses_hello(
        |_| {},
        |h| extensions(h).push(ClientExtension::Cookie(Opaque(vec![1, 2, 3]))),
    );
    assert_eq!(
        err,
        HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::COOKIE
        }
    );
}

#[test]
fn a_share_for_a_group_not_in_supported_groups_is_illegal() {
    let err = server_refuses_hello(
        |_| {},
        |h| {
            for e in extensions(h).iter_mut() {
                if let ClientExtension::SupportedGroups(groups) = e {
                    *groups = List(vec![NamedGroup::SECP256R1]);
                }
            }
        },
    );
    assert!(
        matches!(
            err,
            HandshakeError::IllegalParameter {
                reason: IllegalParameter::GroupNotOffered { .. }
            }
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_name_without_a_default_certificate_is_unrecognized() {
    let err = server_refuses_hello(
        |s| {
            let keys = std::mem::take(&mut s.certificates.default);
            s.certificates = ServerCertificates {
                default: vec![],
                by_name: vec![("other.example".to_owned(), keys)],
            };
        },
        |_| {},
    );
    assert!(
        matches!(err, HandshakeError::UnrecognizedName { .. }),
        "{err}"
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNRECOGNIZED_NAME));
}

/// RFC 8446 §9.2: a server that needs the client's server_name (it has no
/// default certificate) refuses a ClientHello without one with
/// missing_extension.
#[test]
fn no_server_name_without_a_default_certificate_is_a_missing_extension() {
    let err = server_refuses_hello(
        |s| {
            let keys = std::mem::take(&mut s.certificates.default);
            s.certificates = ServerCertificates {
                default: vec![],
                by_name: vec![("other.example".to_owned(), keys)],
            };
        },
        |h| extensions(h).retain(|e| !matches!(e, ClientExtension::ServerName(_))),
    );
    assert_eq!(
        err,
        HandshakeError::MissingExtension {
            message: HandshakeType::CLIENT_HELLO,
            extension: ExtensionType::SERVER_NAME,
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::MISSING_EXTENSION));
}

// --- ClientHello2 after a HelloRetryRequest (RFC 8446 §4.1.2) --------------------

/// The client shares X25519 only; the server serves P-256 alone and asks
/// for it. `change` is applied to ClientHello2.
fn second_hello_refused(
    change: impl FnOnce(&mut keel_wire::handshake::ClientHello),
) -> HandshakeError {
    let mut mitm = Mitm::new(
        |c| c.groups = CLASSICAL.to_vec(),
        |s| s.groups = vec![NamedGroup::SECP256R1],
    );
    let hello = take(&mut mitm.client);
    mitm.server.read_tls(&hello).unwrap();
    let retry = take(&mut mitm.server);
    mitm.client.read_tls(&retry).unwrap();
    // ClientHello2 follows the client's middlebox ChangeCipherSpec.
    let out = take(&mut mitm.client);
    let records = support::split_records(&out);
    let ccs = &records[0];
    let hello2 = rewrite_hello_record(&records[1], change);
    mitm.server.read_tls(ccs).unwrap();
    let err = mitm.server.read_tls(&hello2).unwrap_err();
    assert!(mitm.server.wants_write());
    err
}

/// A ClientHello record changed by `change`.
fn rewrite_hello_record(
    record: &[u8],
    change: impl FnOnce(&mut keel_wire::handshake::ClientHello),
) -> Vec<u8> {
    let HandshakeMessage::ClientHello(mut hello) = HandshakeMessage::decode(&record[5..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    change(&mut hello);
    support::plaintext_record(
        keel_wire::registry::ContentType::HANDSHAKE,
        &HandshakeMessage::ClientHello(hello).encode().unwrap(),
    )
}

#[test]
fn client_hello2_must_carry_one_share_for_the_group_asked_for() {
    let err = second_hello_refused(|h| {
        for e in extensions(h).iter_mut() {
            if let ClientExtension::KeyShare(list) = e {
                *list = KeyShareList(List(vec![KeyShareEntry {
                    group: NamedGroup::X25519,
                    key_exchange: Opaque(vec![9; 32]),
                }]));
            }
        }
    });
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::KeyShareNotOffered {
                group: NamedGroup::SECP256R1
            }
        }
    );
}

#[test]
fn client_hello2_may_not_change_its_suites() {
    let err = second_hello_refused(|h| h.cipher_suites.0.truncate(1));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryChangesNothing
        }
    );
}

#[test]
fn a_message_other_than_client_hello2_is_unexpected() {
    let mut mitm = Mitm::new(
        |c| c.groups = CLASSICAL.to_vec(),
        |s| s.groups = vec![NamedGroup::SECP256R1],
    );
    let hello = take(&mut mitm.client);
    mitm.server.read_tls(&hello).unwrap();
    let finished = support::plaintext_record(
        keel_wire::registry::ContentType::HANDSHAKE,
        &[20, 0, 0, 32]
            .iter()
            .copied()
            .chain([0u8; 32])
            .collect::<Vec<_>>(),
    );
    let err = mitm.server.read_tls(&finished).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "ClientHello after HelloRetryRequest",
            got: MessageKind::Handshake(HandshakeType::FINISHED)
        }
    );
}

/// No renegotiation in TLS 1.3: a ClientHello after the handshake is
/// unexpected_message (RFC 8446 §4.6: only KeyUpdate may come).
#[test]
fn a_client_hello_after_the_handshake_is_unexpected() {
    let mut mitm = Mitm::plain();
    let hello = take(&mut mitm.client);
    let record = &support::split_records(&hello)[0];
    let body = record[5..].to_vec();
    mitm.server.read_tls(&hello).unwrap();
    mitm.client.read_tls(&take(&mut mitm.server)).unwrap();
    mitm.server.read_tls(&take(&mut mitm.client)).unwrap();
    assert!(mitm.server.session().is_some());
    let err = mitm
        .inject_to_server(&[(keel_wire::registry::ContentType::HANDSHAKE, body)])
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "application data",
            got: MessageKind::Handshake(HandshakeType::CLIENT_HELLO)
        }
    );
}
