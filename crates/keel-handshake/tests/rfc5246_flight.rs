//! RFC 5246 §7.4.3–7.4.9 on the wire: the server's ServerKeyExchange and
//! CertificateRequest, the client's Certificate, ClientKeyExchange and
//! CertificateVerify, and both Finished messages, as keel sends them and as
//! keel refuses a peer that breaks the rules. A peer keel would never be is
//! played by changing keel's own messages in flight, before the
//! ChangeCipherSpec, where they are still plaintext.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use aws_lc_rs::digest;
use keel_handshake::key_schedule::{self, MasterSecret, PrfHash, Sender};
use keel_handshake::keylog::KeyLog;
use keel_handshake::{
    Connection, HandshakeError, IllegalParameter, MessageKind, ServerCertificateVerifier,
    ServerCertificates, ServerHandshakeConfig,
};
use keel_pki::{
    CertError, CertificateDer, CertifiedKey, ClientAuth, ClientCertVerifier, ServerCertVerifier,
    SignError, TrustStore,
};
use keel_record::{AeadAlgorithm, RecordOpener, TrafficKeys};
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::{Certificate, CertificateDer as WireCert, Finished};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, ContentType, HandshakeType,
    SignatureScheme,
};
use keel_wire::vec::List;
use keel_wire::{Codec, HandshakeMessage};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_RSA_SHA256, RsaKeySize,
};
use support::{
    AcceptsAnything, Injection, KeyCapture, Pair, Side, client_config, connect, content_type,
    ed25519_server_key, pki, plaintext_alerts, plaintext_messages, plaintext_record, pump,
    rewrite_flight, server_config, split_records, take,
};

/// A Certificate message with an empty certificate_list: type 11, body
/// length 3, list length 0 (RFC 5246 §7.4.6).
const EMPTY_CERTIFICATE: [u8; 7] = [11, 0, 0, 3, 0, 0, 0];

// --- Helpers -----------------------------------------------------------------

/// The ClientHello goes to the server and the server's first flight to the
/// client; returns the client's second flight, not yet delivered.
fn client_second_flight(client: &mut Connection, server: &mut Connection) -> Vec<u8> {
    server.read_tls(&take(client)).unwrap();
    client.read_tls(&take(server)).unwrap();
    take(client)
}

fn types(messages: &[Vec<u8>]) -> Vec<HandshakeType> {
    messages.iter().map(|m| HandshakeType::new(m[0])).collect()
}

/// The fatal alert `conn` queued when it failed (before its own
/// ChangeCipherSpec, so in plaintext).
fn queued_alert(conn: &Connection) -> AlertDescription {
    let alerts = plaintext_alerts(conn.pending_tls());
    let alert = alerts.last().expect("a fatal alert is queued");
    assert_eq!(alert.level, AlertLevel::FATAL);
    alert.description
}

/// [`server_config`] asking for a client certificate from the test CA in
/// `mode`.
fn server_asking(mode: ClientAuth) -> ServerHandshakeConfig {
    let mut config = server_config(true);
    let roots = TrustStore::from_der_certificates([pki().root.clone()]).unwrap();
    config.client_verifier = Some(Arc::new(ClientCertVerifier::new(roots, mode))
        as Arc<dyn keel_handshake::ClientCertificateVerifier>);
    config
}

// --- §7.4.3 ServerKeyExchange ----------------------------------------------------

/// The server signs under a scheme the client listed: with a P-256 key and
/// an Ed25519 key for the same suites, a client that lists only Ed25519
/// gets the Ed25519 key's signature; a client that lists only schemes no
/// key can make is refused before any ServerHello, since the server checks
/// each candidate suite against signature_algorithms.
#[test]
fn the_server_signs_its_key_exchange_under_a_scheme_the_client_listed() {
    let mut client = client_config(false, None);
    client.verifier = Arc::new(AcceptsAnything) as Arc<dyn ServerCertificateVerifier>;
    client.signature_schemes = vec![SignatureScheme::ED25519];
    let mut server_cfg = server_config(false);
    server_cfg.certificates = ServerCertificates {
        default: vec![Arc::clone(&pki().server), ed25519_server_key()],
        by_name: vec![],
    };
    let (mut client, mut server) = connect(client, server_cfg.clone());
    server.read_tls(&take(&mut client)).unwrap();
    let flight = take(&mut server);
    let signed_with: Vec<SignatureScheme> = plaintext_messages(&flight)
        .iter()
        .filter_map(|m| match HandshakeMessage::decode(m).unwrap() {
            HandshakeMessage::ServerKeyExchange(kx) => Some(kx.signed.scheme),
            _ => None,
        })
        .collect();
    assert_eq!(signed_with, [SignatureScheme::ED25519]);
    client.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert_eq!(
        client.session().unwrap().signature_scheme,
        SignatureScheme::ED25519
    );

    // Only RSA schemes: neither key can sign one, whatever the suite.
    let mut client = client_config(false, None);
    client.signature_schemes = vec![
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PKCS1_SHA256,
    ];
    let (mut client, mut server) = connect(client, server_cfg);
    let err = server.read_tls(&take(&mut client)).unwrap_err();
    assert_eq!(err, HandshakeError::NoSharedSignatureScheme);
    assert_eq!(queued_alert(&server), AlertDescription::HANDSHAKE_FAILURE);
    assert_eq!(
        split_records(server.pending_tls()).len(),
        1,
        "nothing but the alert: no ServerHello"
    );
}

/// A ServerKeyExchange signed under a scheme the client did not list is
/// illegal_parameter.
#[test]
fn a_client_refuses_a_key_exchange_signed_under_a_scheme_it_did_not_list() {
    let unlisted = SignatureScheme::ECDSA_SECP384R1_SHA384;
    let mut client = client_config(false, None);
    client.signature_schemes.retain(|s| *s != unlisted);
    let (mut client, mut server) = connect(client, server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let flight = rewrite_flight(&take(&mut server), |m| match m {
        HandshakeMessage::ServerKeyExchange(mut kx) => {
            kx.signed.scheme = unlisted;
            Some(HandshakeMessage::ServerKeyExchange(kx))
        }
        m => Some(m),
    });
    let err = client.read_tls(&flight).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SchemeNotOffered { scheme: unlisted }
        }
    );
    assert_eq!(queued_alert(&client), AlertDescription::ILLEGAL_PARAMETER);
}

/// A ServerKeyExchange under a scheme the client listed, for the suite's
/// kind of key, but not for the key in the server's leaf (Ed25519 with a
/// P-256 key) is illegal_parameter, not a signature merely failing.
#[test]
fn a_client_refuses_a_key_exchange_scheme_that_does_not_fit_the_servers_key() {
    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let flight = rewrite_flight(&take(&mut server), |m| match m {
        HandshakeMessage::ServerKeyExchange(mut kx) => {
            kx.signed.scheme = SignatureScheme::ED25519;
            Some(HandshakeMessage::ServerKeyExchange(kx))
        }
        m => Some(m),
    });
    let err = client.read_tls(&flight).unwrap_err();
    assert!(
        matches!(
            err,
            HandshakeError::Signature {
                source: SignError::SchemeDoesNotFitKey {
                    scheme: SignatureScheme::ED25519,
                    ..
                }
            }
        ),
        "{err:?}"
    );
    assert_eq!(queued_alert(&client), AlertDescription::ILLEGAL_PARAMETER);
}

// --- §7.4.5 ServerHelloDone --------------------------------------------------------

/// By the time the ServerHelloDone would be answered, the client has
/// verified the server's chain: an untrusted one ends the handshake with
/// unknown_ca, and no ClientKeyExchange is sent.
#[test]
fn a_client_answers_no_server_whose_certificate_does_not_verify() {
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let stranger = ca.self_signed(&KeyPair::generate().unwrap()).unwrap();
    let mut client = client_config(false, None);
    client.verifier = Arc::new(ServerCertVerifier::new(
        TrustStore::from_der_certificates([stranger.der().clone()]).unwrap(),
    )) as Arc<dyn ServerCertificateVerifier>;
    let (mut client, mut server) = connect(client, server_config(false));
    server.read_tls(&take(&mut client)).unwrap();
    let flight = take(&mut server);
    assert_eq!(
        types(&plaintext_messages(&flight)).last(),
        Some(&HandshakeType::SERVER_HELLO_DONE)
    );
    let err = client.read_tls(&flight).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Certificate {
            source: CertError::UnknownIssuer
        }
    );
    assert_eq!(queued_alert(&client), AlertDescription::UNKNOWN_CA);
    assert!(
        split_records(client.pending_tls())
            .iter()
            .all(|r| content_type(r) == ContentType::ALERT),
        "the client sent nothing but its alert"
    );
}

// --- §7.4.4 CertificateRequest and §7.4.6 client Certificate -------------------------

/// A client whose only key can sign none of the schemes the request lists
/// sends a Certificate with an empty list, and no CertificateVerify; a
/// server that asks without requiring goes on without a client identity.
#[test]
fn a_client_without_a_usable_certificate_sends_an_empty_list() {
    let mut server = server_asking(ClientAuth::Optional);
    // RSA only: the client's P-256 key can make none of these.
    server.signature_schemes = vec![
        SignatureScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RSA_PKCS1_SHA256,
    ];
    let (mut client, mut server) = connect(client_config(true, None), server);
    let flight = client_second_flight(&mut client, &mut server);
    let messages = plaintext_messages(&flight);
    assert_eq!(messages[0], EMPTY_CERTIFICATE);
    assert_eq!(
        types(&messages),
        [
            HandshakeType::CERTIFICATE,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ]
    );
    server.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(server.session().unwrap().peer_certificates.is_empty());
    assert_eq!(server.session().unwrap().client_signature_scheme, None);
}

/// The client's key type must be one the request's certificate_types
/// lists: a request for rsa_sign only gets an empty list from a client
/// with an ECDSA key.
#[test]
fn a_client_sends_no_certificate_of_a_type_the_request_does_not_list() {
    let (mut client, mut server) = connect(
        client_config(true, None),
        server_asking(ClientAuth::Optional),
    );
    server.read_tls(&take(&mut client)).unwrap();
    let flight = rewrite_flight(&take(&mut server), |m| match m {
        HandshakeMessage::CertificateRequest(mut request) => {
            request.certificate_types = List(vec![ClientCertificateType::RSA_SIGN]);
            Some(HandshakeMessage::CertificateRequest(request))
        }
        m => Some(m),
    });
    client.read_tls(&flight).unwrap();
    let messages = plaintext_messages(&take(&mut client));
    assert_eq!(messages[0], EMPTY_CERTIFICATE);
    assert_eq!(
        types(&messages),
        [
            HandshakeType::CERTIFICATE,
            HandshakeType::CLIENT_KEY_EXCHANGE
        ]
    );
}

/// An RSA client leaf issued by a fresh CA, with `key_usages` (none: no
/// keyUsage extension), and that CA's certificate.
fn rsa_client(key_usages: Vec<KeyUsagePurpose>) -> (CertificateDer<'static>, Arc<CertifiedKey>) {
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "keel RSA client CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().unwrap();
    let root = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, "keel RSA client");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf.key_usages = key_usages;
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).unwrap();
    let cert = leaf
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let certified =
        CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    (root.der().clone(), Arc::new(certified))
}

/// rsa_sign: the client's RSA key signs its CertificateVerify under a
/// scheme the request lists (PKCS#1 v1.5 here, though the key prefers
/// PSS), and a leaf whose keyUsage does not allow signing is refused with
/// unsupported_certificate.
#[test]
fn an_rsa_client_key_signs_only_as_its_certificate_and_the_request_allow() {
    for (key_usages, may_sign) in [
        (vec![KeyUsagePurpose::DigitalSignature], true),
        (vec![KeyUsagePurpose::KeyEncipherment], false),
    ] {
        let (root, identity) = rsa_client(key_usages);
        let mut client = client_config(false, None);
        client.client_certificates = vec![identity];
        let mut server = server_config(true);
        server.client_verifier = Some(Arc::new(ClientCertVerifier::new(
            TrustStore::from_der_certificates([root]).unwrap(),
            ClientAuth::Required,
        ))
            as Arc<dyn keel_handshake::ClientCertificateVerifier>);
        server.signature_schemes = vec![
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
        ];
        let (mut client, mut server) = connect(client, server);
        let result = pump(&mut client, &mut server);
        if may_sign {
            result.unwrap();
            assert_eq!(
                server.session().unwrap().client_signature_scheme,
                Some(SignatureScheme::RSA_PKCS1_SHA256)
            );
        } else {
            let err = server.error().unwrap();
            assert_eq!(
                err.alert(),
                Some(AlertDescription::UNSUPPORTED_CERTIFICATE),
                "{err:?}"
            );
            assert!(server.session().is_none());
        }
    }
}

/// A client certificate that is not X.509 v3 (here a leaf whose version
/// field says v1, or bytes that are no certificate) is refused with
/// decode_error.
#[test]
fn a_server_refuses_a_client_certificate_that_is_not_x509_v3() {
    let leaf = pki().client.leaf().as_ref().to_vec();
    // tbsCertificate's `[0] EXPLICIT Version`: v3 is INTEGER 2.
    let at = leaf
        .windows(5)
        .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02])
        .expect("a v3 certificate");
    let mut v1 = leaf.clone();
    v1[at + 4] = 0;
    for (bad, why) in [
        (v1, "unsupported X.509 version"),
        (vec![0x30, 0x03, 0x02, 0x01, 0x00], "not valid DER"),
    ] {
        let (mut client, mut server) = connect(client_config(true, None), server_config(true));
        let flight = client_second_flight(&mut client, &mut server);
        let forged = rewrite_flight(&flight, |m| match m {
            HandshakeMessage::Certificate(_) => Some(HandshakeMessage::Certificate(Certificate {
                certificate_list: List(vec![WireCert(bad.clone())]),
            })),
            m => Some(m),
        });
        let err = server.read_tls(&forged).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::Certificate {
                source: CertError::Malformed {
                    index: 0,
                    reason: why
                }
            }
        );
        assert_eq!(queued_alert(&server), AlertDescription::DECODE_ERROR);
    }
}

// --- §7.4.7 ClientKeyExchange and §7.4.8 CertificateVerify -----------------------------

/// The client's second flight: asked for a certificate, Certificate,
/// ClientKeyExchange right after it, CertificateVerify right after that,
/// then the ChangeCipherSpec; not asked, the ClientKeyExchange first. The
/// CertificateVerify is signed under a scheme the request listed.
#[test]
fn the_client_sends_certificate_key_exchange_and_verify_in_that_order() {
    let (mut client, mut server) = connect(client_config(true, None), server_config(true));
    let flight = client_second_flight(&mut client, &mut server);
    let messages = plaintext_messages(&flight);
    assert_eq!(
        types(&messages),
        [
            HandshakeType::CERTIFICATE,
            HandshakeType::CLIENT_KEY_EXCHANGE,
            HandshakeType::CERTIFICATE_VERIFY
        ]
    );
    let after = split_records(&flight)
        .iter()
        .map(|r| content_type(r))
        .find(|t| *t != ContentType::HANDSHAKE);
    assert_eq!(after, Some(ContentType::CHANGE_CIPHER_SPEC));
    let HandshakeMessage::Certificate(sent) = HandshakeMessage::decode(&messages[0]).unwrap()
    else {
        panic!("not a Certificate");
    };
    assert_eq!(
        sent.certificate_list.as_slice().len(),
        pki().client.chain().len()
    );
    server.read_tls(&flight).unwrap();
    pump(&mut client, &mut server).unwrap();
    let session = server.session().unwrap();
    assert_eq!(session.peer_certificates, pki().client.chain().to_vec());
    let scheme = session.client_signature_scheme.unwrap();
    assert!(keel_handshake::policy::SIGNATURE_SCHEMES.contains(&scheme));

    let (mut client, mut server) = connect(client_config(true, None), server_config(false));
    let flight = client_second_flight(&mut client, &mut server);
    assert_eq!(
        types(&plaintext_messages(&flight)),
        [HandshakeType::CLIENT_KEY_EXCHANGE]
    );
}

/// The server takes the ClientKeyExchange only where it belongs: not in
/// place of a requested Certificate, and not after an unrequested one.
#[test]
fn a_server_refuses_a_client_key_exchange_out_of_place() {
    let (mut client, mut server) = connect(client_config(true, None), server_config(true));
    let flight = client_second_flight(&mut client, &mut server);
    let forged = rewrite_flight(&flight, |m| {
        (!matches!(m, HandshakeMessage::Certificate(_))).then_some(m)
    });
    let err = server.read_tls(&forged).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "Certificate",
            got: MessageKind::Handshake(HandshakeType::CLIENT_KEY_EXCHANGE)
        }
    );
    assert_eq!(queued_alert(&server), AlertDescription::UNEXPECTED_MESSAGE);

    let (mut client, mut server) = connect(client_config(false, None), server_config(false));
    let flight = client_second_flight(&mut client, &mut server);
    let mut forged = plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::Certificate(Certificate::default())
            .encode()
            .unwrap(),
    );
    forged.extend(flight);
    let err = server.read_tls(&forged).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "ClientKeyExchange",
            got: MessageKind::Handshake(HandshakeType::CERTIFICATE)
        }
    );
    assert_eq!(queued_alert(&server), AlertDescription::UNEXPECTED_MESSAGE);
}

/// A client that sent a certificate must prove its key right after the
/// ClientKeyExchange: a ChangeCipherSpec in place of the CertificateVerify
/// is unexpected_message.
#[test]
fn a_server_refuses_a_client_that_skips_its_certificate_verify() {
    let (mut client, mut server) = connect(client_config(true, None), server_config(true));
    let flight = client_second_flight(&mut client, &mut server);
    let forged = rewrite_flight(&flight, |m| {
        (!matches!(m, HandshakeMessage::CertificateVerify(_))).then_some(m)
    });
    let err = server.read_tls(&forged).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "CertificateVerify",
            got: MessageKind::ChangeCipherSpec
        }
    );
    assert_eq!(queued_alert(&server), AlertDescription::UNEXPECTED_MESSAGE);
}

/// The CertificateVerify under a scheme the CertificateRequest did not
/// list is illegal_parameter, before its signature is looked at.
#[test]
fn a_server_refuses_a_certificate_verify_under_a_scheme_it_did_not_list() {
    let unlisted = SignatureScheme::ECDSA_SECP384R1_SHA384;
    let mut server = server_config(true);
    server.signature_schemes.retain(|s| *s != unlisted);
    let listed = server.signature_schemes.clone();
    let (mut client, mut server) = connect(client_config(true, None), server);
    server.read_tls(&take(&mut client)).unwrap();
    let server_flight = take(&mut server);
    let requested: Vec<Vec<SignatureScheme>> = plaintext_messages(&server_flight)
        .iter()
        .filter_map(|m| match HandshakeMessage::decode(m).unwrap() {
            HandshakeMessage::CertificateRequest(r) => {
                Some(r.supported_signature_algorithms.as_slice().to_vec())
            }
            _ => None,
        })
        .collect();
    assert_eq!(requested, [listed]);
    client.read_tls(&server_flight).unwrap();
    let forged = rewrite_flight(&take(&mut client), |m| match m {
        HandshakeMessage::CertificateVerify(mut verify) => {
            verify.signed.scheme = unlisted;
            Some(HandshakeMessage::CertificateVerify(verify))
        }
        m => Some(m),
    });
    let err = server.read_tls(&forged).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::SchemeNotListed { scheme: unlisted }
        }
    );
    assert_eq!(queued_alert(&server), AlertDescription::ILLEGAL_PARAMETER);
}

/// The CertificateVerify under a listed scheme for another key type (RSA
/// with the client's P-256 key) is illegal_parameter.
#[test]
fn a_server_refuses_a_certificate_verify_scheme_that_does_not_fit_the_clients_key() {
    let (mut client, mut server) = connect(client_config(true, None), server_config(true));
    let flight = client_second_flight(&mut client, &mut server);
    let forged = rewrite_flight(&flight, |m| match m {
        HandshakeMessage::CertificateVerify(mut verify) => {
            verify.signed.scheme = SignatureScheme::RSA_PSS_RSAE_SHA256;
            Some(HandshakeMessage::CertificateVerify(verify))
        }
        m => Some(m),
    });
    let err = server.read_tls(&forged).unwrap_err();
    assert!(
        matches!(
            err,
            HandshakeError::Signature {
                source: SignError::SchemeDoesNotFitKey {
                    scheme: SignatureScheme::RSA_PSS_RSAE_SHA256,
                    ..
                }
            }
        ),
        "{err:?}"
    );
    assert_eq!(queued_alert(&server), AlertDescription::ILLEGAL_PARAMETER);
}

// --- §7.4.9 Finished ----------------------------------------------------------------

/// Each side checks the peer's Finished: one that does not match the
/// transcript, arriving right after the ChangeCipherSpec and sealed under
/// the right keys, ends the handshake with decrypt_error.
#[test]
fn a_finished_that_does_not_verify_is_decrypt_error_on_both_sides() {
    for side in Side::BOTH {
        let mut pair = Pair::new(false);
        while !pair.protected_towards(side) {
            let to = if pair.next_for(side).is_some() {
                side
            } else {
                side.peer()
            };
            assert!(pair.deliver_one(to).unwrap());
        }
        let forged = Injection::Handshake(HandshakeMessage::Finished(Finished {
            verify_data: [0x5a; 12],
        }));
        let err = pair.inject(side, &forged, true).unwrap_err();
        assert_eq!(err, HandshakeError::BadFinished, "{side}");
        assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));
        pair.assert_failure_reaches_peer(side, &err);
    }
}

/// The Finished `verify_data` is PRF(master_secret, finished_label,
/// Hash(handshake_messages)) with the hash of the suite's PRF: SHA-256 or
/// SHA-384. Recomputed here from the messages on the wire, for the
/// client's Finished and the server's (whose transcript includes the
/// client's Finished).
#[test]
fn the_finished_hash_is_the_hash_of_the_suites_prf() {
    for (suite, hash, prf) in [
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            &digest::SHA256,
            PrfHash::Sha256,
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            &digest::SHA384,
            PrfHash::Sha384,
        ),
    ] {
        let keys = Arc::new(KeyCapture::default());
        let mut client = client_config(false, Some(Arc::clone(&keys) as Arc<dyn KeyLog>));
        client.suites = vec![suite];
        let (mut client, mut server) = connect(client, server_config(false));
        let hello = take(&mut client);
        server.read_tls(&hello).unwrap();
        let server_flight = take(&mut server);
        client.read_tls(&server_flight).unwrap();
        let client_flight = take(&mut client);
        server.read_tls(&client_flight).unwrap();
        let server_finish = take(&mut server);

        let (client_random, master) = keys.get().unwrap();
        let master = MasterSecret::from_bytes(&master).unwrap();
        let server_random = plaintext_messages(&server_flight)
            .iter()
            .find_map(|m| match HandshakeMessage::decode(m).unwrap() {
                HandshakeMessage::ServerHello(h) => Some(h.random.0),
                _ => None,
            })
            .unwrap();
        let (client_keys, server_keys) = key_schedule::key_block(
            &master,
            prf,
            AeadAlgorithm::for_suite(suite).unwrap(),
            &client_random,
            &server_random,
        )
        .unwrap();
        // The first protected record each side sent: its Finished.
        let finished = |bytes: &[u8], keys: &TrafficKeys| {
            let records = split_records(bytes);
            let ccs = records
                .iter()
                .position(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
                .unwrap();
            let record = &records[ccs + 1];
            let header = RecordHeader::peek(record).unwrap();
            let mut body = record[RecordHeader::LEN..].to_vec();
            RecordOpener::new(keys)
                .unwrap()
                .open_in_place(header.content_type, header.version, &mut body)
                .unwrap()
                .to_vec()
        };
        let mut transcript: Vec<u8> = [&hello, &server_flight, &client_flight]
            .iter()
            .flat_map(|bytes| plaintext_messages(bytes).concat())
            .collect();
        for (sent, keys, sender) in [
            (&client_flight, &client_keys, Sender::Client),
            (&server_finish, &server_keys, Sender::Server),
        ] {
            let handshake_hash = digest::digest(hash, &transcript);
            let expected =
                key_schedule::verify_data(&master, prf, sender, handshake_hash.as_ref()).unwrap();
            let on_the_wire = finished(sent, keys);
            assert_eq!(on_the_wire[..4], [20, 0, 0, 12], "{suite} {sender:?}");
            assert_eq!(on_the_wire[4..], expected, "{suite} {sender:?}");
            transcript.extend_from_slice(&on_the_wire);
        }
        client.read_tls(&server_finish).unwrap();
        assert!(client.session().is_some() && server.session().is_some());
    }
}
