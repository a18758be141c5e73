//! The handshake's own checks on the peer's leaf, which run whatever
//! verifier is installed (a `keel::hazmat` one may check nothing): the
//! leaf's keyUsage must allow signing, since every keel suite signs with
//! it (RFC 5246 §7.4.2, RFC 5280 §4.2.1.3), and a server's ECDSA key must
//! be on a curve the client offered (RFC 8422 §5.3; BoringSSL's
//! BAD_ECC_CERT).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::{Connection, HandshakeError, IllegalParameter, ServerCertificates};
use keel_pki::{CertError, CertificateDer, CertifiedKey, ServerName, UnixTime};
use keel_wire::ClientExtension;
use keel_wire::registry::{AlertDescription, NamedGroup};
use rcgen::{
    CertificateParams, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
};
use support::{
    AcceptsAnything, SERVER_NAME, client_config, pump, rewrite_client_hello, server_config,
};

/// A self-signed leaf for the server name with `key_usages` (none: no
/// keyUsage extension).
fn leaf(
    alg: &'static rcgen::SignatureAlgorithm,
    key_usages: Vec<KeyUsagePurpose>,
) -> Arc<CertifiedKey> {
    let key = KeyPair::generate_for(alg).unwrap();
    let mut params = CertificateParams::new(vec![SERVER_NAME.to_owned()]).unwrap();
    params.key_usages = key_usages;
    let cert = params.self_signed(&key).unwrap();
    Arc::new(CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap())
}

fn connections(server_key: Arc<CertifiedKey>) -> (Connection, Connection) {
    let mut client = client_config(false, None);
    client.verifier = Arc::new(AcceptsAnything);
    let mut server = server_config(false);
    server.certificates = ServerCertificates {
        default: vec![server_key],
        by_name: vec![],
    };
    (
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap(),
        Connection::server(Arc::new(server)),
    )
}

#[test]
fn a_server_leaf_whose_key_usage_forbids_signing_is_refused() {
    let key = leaf(
        &PKCS_ECDSA_P256_SHA256,
        vec![KeyUsagePurpose::KeyEncipherment],
    );
    let (mut client, mut server) = connections(key);
    let _ = pump(&mut client, &mut server);
    assert_eq!(client.error(), Some(&HandshakeError::CertificateMayNotSign));
    assert_eq!(
        HandshakeError::CertificateMayNotSign.alert(),
        Some(AlertDescription::UNSUPPORTED_CERTIFICATE)
    );
    assert!(client.session().is_none());
}

#[test]
fn a_server_leaf_that_may_sign_is_accepted() {
    for usages in [vec![], vec![KeyUsagePurpose::DigitalSignature]] {
        let (mut client, mut server) = connections(leaf(&PKCS_ECDSA_P256_SHA256, usages));
        pump(&mut client, &mut server).unwrap();
        assert!(client.session().is_some());
    }
}

/// A client verifier that accepts every chain.
#[derive(Debug)]
struct AcceptsAnyClient;

impl keel_handshake::ClientCertificateVerifier for AcceptsAnyClient {
    fn mode(&self) -> keel_pki::ClientAuth {
        keel_pki::ClientAuth::Required
    }

    fn verify_client(&self, chain: &[CertificateDer<'_>], _: UnixTime) -> Result<bool, CertError> {
        Ok(!chain.is_empty())
    }
}

#[test]
fn a_client_leaf_whose_key_usage_forbids_signing_is_refused() {
    let mut client = client_config(false, None);
    client.client_certificates = vec![leaf(
        &PKCS_ECDSA_P256_SHA256,
        vec![KeyUsagePurpose::KeyEncipherment],
    )];
    let mut server = server_config(true);
    server.client_verifier = Some(Arc::new(AcceptsAnyClient));
    let mut client =
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(server));
    let _ = pump(&mut client, &mut server);
    assert_eq!(server.error(), Some(&HandshakeError::CertificateMayNotSign));
    assert!(server.session().is_none());
}

#[test]
fn a_server_leaf_on_a_curve_the_client_did_not_offer_is_refused() {
    // The client offers X25519 and P-256; someone on the path adds P-384
    // to its ClientHello, so the server picks its P-384 certificate.
    let (mut client, mut server) = connections(leaf(&PKCS_ECDSA_P384_SHA384, vec![]));
    let hello = rewrite_client_hello(&mut client, |extensions| {
        for extension in extensions {
            if let ClientExtension::SupportedGroups(groups) = extension {
                groups.0.push(NamedGroup::SECP384R1);
            }
        }
    });
    server.read_tls(&hello).unwrap();
    let _ = pump(&mut client, &mut server);
    assert_eq!(
        client.error(),
        Some(&HandshakeError::IllegalParameter {
            reason: IllegalParameter::CertificateCurveNotOffered {
                curve: NamedGroup::SECP384R1
            }
        })
    );
}

/// The same two refusals in TLS 1.3 (RFC 8446 §4.4.2.2: the key must be
/// usable for the signature the CertificateVerify carries).
#[test]
fn tls13_leaves_whose_key_usage_forbids_signing_are_refused() {
    let tls13 = |client: &mut keel_handshake::ClientHandshakeConfig,
                 server: &mut keel_handshake::ServerHandshakeConfig| {
        client.versions = keel_handshake::Versions::Tls13Only;
        client.suites = support::all_suites();
        server.versions = keel_handshake::Versions::Tls13AndTls12;
        server.suites = support::all_suites();
    };
    // The server's leaf.
    let mut client = client_config(false, None);
    client.verifier = Arc::new(AcceptsAnything);
    let mut server = server_config(false);
    server.certificates = ServerCertificates {
        default: vec![leaf(
            &PKCS_ECDSA_P256_SHA256,
            vec![KeyUsagePurpose::KeyEncipherment],
        )],
        by_name: vec![],
    };
    tls13(&mut client, &mut server);
    let mut client =
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(server));
    let _ = pump(&mut client, &mut server);
    assert_eq!(client.error(), Some(&HandshakeError::CertificateMayNotSign));

    // The client's leaf.
    let mut client = client_config(false, None);
    client.client_certificates = vec![leaf(
        &PKCS_ECDSA_P256_SHA256,
        vec![KeyUsagePurpose::KeyEncipherment],
    )];
    let mut server = server_config(true);
    server.client_verifier = Some(Arc::new(AcceptsAnyClient));
    tls13(&mut client, &mut server);
    let mut client =
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(server));
    let _ = pump(&mut client, &mut server);
    assert_eq!(server.error(), Some(&HandshakeError::CertificateMayNotSign));
}
