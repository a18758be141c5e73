//! Restricting signature schemes: which schemes a side accepts from its
//! peer (`with_signature_schemes`), which one a key signs with
//! (`CertifiedKey::with_signature_schemes`), and what the session reports
//! about both signatures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pki_support;

use keel::pki::ClientAuth;
use keel::registry::SignatureScheme as S;
use keel::{
    ClientConfig, ClientConnection, ConfigError, Connection, Error, HandshakeError, ServerConfig,
    ServerConnection,
};
use pki_support::{KeyType, Usage, ca};

/// Moves what `from` has to send into `to`; whether anything moved.
fn transfer(from: &mut Connection, to: &mut Connection) -> bool {
    let pending = from.pending_tls().to_vec();
    from.consume_tls(pending.len());
    if to.error().is_none() {
        let _ = to.read_tls(&pending);
    }
    !pending.is_empty()
}

/// Runs a handshake in memory as far as it goes.
fn handshake(client: &mut Connection, server: &mut Connection) {
    for _ in 0..100 {
        let to_server = transfer(client, server);
        let to_client = transfer(server, client);
        if !to_server && !to_client {
            return;
        }
    }
    panic!("still talking after 100 rounds");
}

fn pair(client: ClientConfig, server: ServerConfig) -> (ClientConnection, ServerConnection) {
    let mut c = ClientConnection::new(client, "localhost").unwrap();
    let mut s = ServerConnection::new(server);
    handshake(&mut c, &mut s);
    (c, s)
}

fn server_key(key: KeyType) -> keel::pki::CertifiedKey {
    ca().leaf(key, &["localhost"], Usage::Server)
}

fn client_key(key: KeyType) -> keel::pki::CertifiedKey {
    ca().leaf(key, &["client.example"], Usage::Client)
}

/// A server whose RSA key may sign only with PKCS#1 v1.5.
fn pkcs1_server(versions: keel::Versions) -> ServerConfig {
    ServerConfig::builder()
        .with_versions(versions)
        .with_certificate(
            server_key(KeyType::Rsa2048)
                .with_signature_schemes(&[S::RSA_PKCS1_SHA384, S::RSA_PKCS1_SHA256])
                .unwrap(),
        )
        .with_client_auth(ca().trust_store(), ClientAuth::Required)
        .build()
        .unwrap()
}

fn pkcs1_client() -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_client_certificate(
            client_key(KeyType::Rsa2048)
                .with_signature_schemes(&[S::RSA_PKCS1_SHA256])
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[test]
fn a_key_restricted_to_pkcs1_signs_with_pkcs1_in_tls12_and_both_sides_report_it() {
    let (c, s) = pair(pkcs1_client(), pkcs1_server(keel::Versions::Tls12Only));
    let (cs, ss) = (c.session().unwrap(), s.session().unwrap());
    // Unrestricted, an RSA key signs with RSA-PSS-SHA512 first.
    assert_eq!(cs.signature_scheme, S::RSA_PKCS1_SHA384);
    assert_eq!(ss.signature_scheme, S::RSA_PKCS1_SHA384);
    assert_eq!(cs.client_signature_scheme, Some(S::RSA_PKCS1_SHA256));
    assert_eq!(ss.client_signature_scheme, Some(S::RSA_PKCS1_SHA256));
}

/// RFC 8446 §4.4.3: TLS 1.3 never signs a CertificateVerify with PKCS#1
/// v1.5, so a key restricted to it cannot serve TLS 1.3.
#[test]
fn a_key_restricted_to_pkcs1_cannot_serve_tls13() {
    let (_, s) = pair(pkcs1_client(), pkcs1_server(keel::Versions::Tls13Only));
    assert_eq!(
        s.error(),
        Some(Error::Tls {
            source: HandshakeError::NoSharedSignatureScheme
        })
    );
}

#[test]
fn no_client_signature_is_reported_without_client_authentication() {
    let server = ServerConfig::builder()
        .with_certificate(server_key(KeyType::EcdsaP256))
        .build()
        .unwrap();
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .build()
        .unwrap();
    let (c, s) = pair(client, server);
    assert_eq!(c.session().unwrap().client_signature_scheme, None);
    assert_eq!(s.session().unwrap().client_signature_scheme, None);
    assert_eq!(
        s.session().unwrap().signature_scheme,
        S::ECDSA_SECP256R1_SHA256
    );
}

/// A client accepting only Ed25519 offers only Ed25519: a server with an
/// ECDSA key has nothing to sign with, and says so.
#[test]
fn a_client_accepting_no_scheme_of_the_servers_key_is_refused() {
    let server = ServerConfig::builder()
        .with_certificate(server_key(KeyType::EcdsaP256))
        .build()
        .unwrap();
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_signature_schemes(&[S::ED25519])
        .build()
        .unwrap();
    let (c, s) = pair(client, server);
    assert_eq!(
        s.error(),
        Some(Error::Tls {
            source: HandshakeError::NoSharedSignatureScheme
        })
    );
    assert!(matches!(
        c.error(),
        Some(Error::Tls {
            source: HandshakeError::AlertReceived { .. }
        })
    ));
}

/// A server accepting only ECDSA P-256 from clients lists only it in its
/// CertificateRequest: a client with an Ed25519 certificate cannot sign,
/// sends no certificate, and a server that requires one refuses it.
///
/// TLS 1.2 has no alert of its own for the missing certificate
/// (handshake_failure, keel's `NoCertificate`); TLS 1.3 says
/// certificate_required (RFC 8446 §4.4.2.4).
#[test]
fn a_server_lists_only_its_accepted_schemes_to_clients() {
    for (versions, refusal) in [
        (
            keel::Versions::Tls12Only,
            HandshakeError::Certificate {
                source: keel::pki::CertError::NoCertificate,
            },
        ),
        (
            keel::Versions::Tls13Only,
            HandshakeError::CertificateRequired,
        ),
    ] {
        let server = ServerConfig::builder()
            .with_versions(versions)
            .with_certificate(server_key(KeyType::EcdsaP256))
            .with_client_auth(ca().trust_store(), ClientAuth::Required)
            .with_signature_schemes(&[S::ECDSA_SECP256R1_SHA256])
            .build()
            .unwrap();
        let client = ClientConfig::builder()
            .with_root_certificates(ca().trust_store())
            .with_client_certificate(client_key(KeyType::Ed25519))
            .build()
            .unwrap();
        let (_, s) = pair(client, server);
        assert_eq!(
            s.error(),
            Some(Error::Tls { source: refusal }),
            "{versions:?}"
        );
    }
}

#[test]
fn schemes_keel_does_not_accept_and_empty_lists_are_refused() {
    let builder = || ClientConfig::builder().with_root_certificates(ca().trust_store());
    assert_eq!(
        builder()
            .with_signature_schemes(&[S::ED25519, S::RSA_PKCS1_SHA1])
            .build()
            .unwrap_err(),
        ConfigError::UnsupportedSignatureScheme {
            scheme: S::RSA_PKCS1_SHA1
        }
    );
    assert_eq!(
        builder().with_signature_schemes(&[]).build().unwrap_err(),
        ConfigError::Empty {
            what: "signature schemes"
        }
    );
    // A key that can sign with none of the listed schemes yields no key.
    assert!(
        server_key(KeyType::EcdsaP256)
            .with_signature_schemes(&[S::ED25519])
            .is_none()
    );
}
