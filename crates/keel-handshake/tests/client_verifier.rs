//! A client-certificate verifier given to the state machine through
//! `keel::hazmat` is taken at its word: only `Ok(true)` admits a client
//! with a certificate, and in required mode nothing else admits a client
//! at all.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::{ClientCertificateVerifier, Connection, HandshakeError};
use keel_pki::{CertError, CertificateDer, ClientAuth, ServerName, UnixTime};
use support::{SERVER_NAME, client_config, pump, server_config};

/// A verifier that never vouches for a chain: `Ok(false)` to everything.
#[derive(Debug)]
struct NeverVouches(ClientAuth);

impl ClientCertificateVerifier for NeverVouches {
    fn mode(&self) -> ClientAuth {
        self.0
    }

    fn verify_client(&self, _: &[CertificateDer<'_>], _: UnixTime) -> Result<bool, CertError> {
        Ok(false)
    }
}

fn handshake(mode: ClientAuth, client_has_certificate: bool) -> (Connection, Connection) {
    let mut server = server_config(true);
    server.client_verifier = Some(Arc::new(NeverVouches(mode)));
    let mut client = Connection::client(
        Arc::new(client_config(client_has_certificate, None)),
        ServerName::parse(SERVER_NAME).unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server));
    let _ = pump(&mut client, &mut server);
    (client, server)
}

fn refused() -> HandshakeError {
    HandshakeError::Certificate {
        source: CertError::NoCertificate,
    }
}

#[test]
fn ok_false_in_required_mode_does_not_admit_a_client_without_a_certificate() {
    let (_, server) = handshake(ClientAuth::Required, false);
    assert_eq!(server.error(), Some(&refused()));
    assert!(server.session().is_none());
}

#[test]
fn ok_false_never_admits_a_client_that_presented_a_certificate() {
    for mode in [ClientAuth::Required, ClientAuth::Optional] {
        let (_, server) = handshake(mode, true);
        assert_eq!(server.error(), Some(&refused()), "{mode:?}");
        assert!(server.session().is_none(), "{mode:?}");
    }
}

#[test]
fn ok_false_in_optional_mode_admits_an_anonymous_client() {
    let (client, server) = handshake(ClientAuth::Optional, false);
    assert_eq!(server.error(), None);
    assert!(server.session().unwrap().peer_certificates.is_empty());
    assert!(client.session().is_some());
}
