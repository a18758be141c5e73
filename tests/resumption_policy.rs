//! Sessions are resumed only under the policy that admitted the peer
//! (RFC 5246 Appendix F.1.4): configurations that share a server session
//! cache, a ticket master or a client session store never let a session
//! one of them admitted skip the checks of another. A different policy
//! means a full handshake, never an error; identical policies (a fleet)
//! share sessions.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pair_support;
// The certificates keel's own tests use, shared rather than copied.
#[path = "../crates/keel/tests/pki_support/mod.rs"]
mod pki_support;

use std::sync::Arc;

use keel::pki::{
    CertError, CertificateCheck, CertifiedKey, ClientAuth, PolicyRejection, TrustStore,
    VerifiedChain,
};
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
use keel::{
    ClientConfig, ClientConfigBuilder, ConfigError, HandshakeError, ServerConfig,
    ServerConfigBuilder,
};
use pair_support::Pair;
use pki_support::{KeyType, Usage, ca, other_ca};

/// One server's session stores, shared by the configurations a test builds.
struct Shared {
    cache: Arc<ServerSessionCache>,
    tickets: Option<Arc<TicketKeys>>,
}

const MASTER: [u8; 32] = [0x5e; 32];

impl Shared {
    /// A shared session cache, and a shared ticket master if `tickets`.
    fn new(tickets: bool) -> Self {
        Self {
            cache: Arc::new(ServerSessionCache::new(
                16,
                std::time::Duration::from_secs(3600),
            )),
            tickets: tickets.then(|| {
                Arc::new(
                    TicketKeys::new(
                        &MASTER,
                        std::time::Duration::from_secs(3600),
                        std::time::Duration::from_secs(3600),
                    )
                    .unwrap(),
                )
            }),
        }
    }

    /// A server builder using the shared stores.
    fn server(&self) -> ServerConfigBuilder {
        let builder = ServerConfig::builder()
            .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
            .with_session_cache(Arc::clone(&self.cache));
        match &self.tickets {
            Some(keys) => builder.with_session_tickets(Arc::clone(keys)),
            None => builder,
        }
    }
}

fn client_builder(store: &Arc<ClientSessionStore>) -> ClientConfigBuilder {
    ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_session_resumption(Arc::clone(store))
}

fn client_certificate(issuer: &pki_support::Ca) -> CertifiedKey {
    issuer.leaf(KeyType::EcdsaP256, &["client.example"], Usage::Client)
}

fn both_roots() -> TrustStore {
    let mut roots = ca().trust_store();
    roots.add_pem(other_ca().pem().as_bytes()).unwrap();
    roots
}

fn connect(client: &ClientConfig, server: &ServerConfig) -> Pair {
    Pair::new(client.clone(), server.clone(), "localhost").handshake()
}

fn resumed(pair: &Pair) -> (bool, bool) {
    (
        pair.client.session().unwrap().resumed,
        pair.server.session().unwrap().resumed,
    )
}

/// A check that refuses every chain: a stricter policy than none.
#[derive(Debug)]
struct RefuseAll;

impl CertificateCheck for RefuseAll {
    fn check(&self, _: &VerifiedChain) -> Result<(), PolicyRejection> {
        Err(PolicyRejection::new("pinned to another key"))
    }
}

/// A check that accepts every chain.
#[derive(Debug)]
struct AcceptAll;

impl CertificateCheck for AcceptAll {
    fn check(&self, _: &VerifiedChain) -> Result<(), PolicyRejection> {
        Ok(())
    }
}

#[test]
fn a_session_admitted_without_a_client_certificate_is_not_resumed_where_one_is_required() {
    for tickets in [false, true] {
        let shared = Shared::new(tickets);
        let open = shared.server().build().unwrap();
        let strict = shared
            .server()
            .with_client_auth(ca().trust_store(), ClientAuth::Required)
            .build()
            .unwrap();
        let store = Arc::new(ClientSessionStore::new(
            8,
            std::time::Duration::from_secs(3600),
        ));
        let anonymous = client_builder(&store).build().unwrap();
        let pair = connect(&anonymous, &open).established();
        assert_eq!(resumed(&pair), (false, false));
        assert!(pair.server.session().unwrap().peer_certificates.is_empty());

        // The anonymous client's session must not get it past the server
        // that requires a certificate: a full handshake, which it fails.
        // (RFC 8446 §4.4.2.4: certificate_required, in TLS 1.3.)
        connect(&anonymous, &strict).server_refused(HandshakeError::CertificateRequired);

        // A client with a certificate gets a full handshake, and is seen.
        let store = Arc::new(ClientSessionStore::new(
            8,
            std::time::Duration::from_secs(3600),
        ));
        let holder = client_builder(&store)
            .with_client_certificate(client_certificate(ca()))
            .build()
            .unwrap();
        connect(&holder, &open).established();
        let pair = connect(&holder, &strict).established();
        assert_eq!(resumed(&pair), (false, false), "tickets: {tickets}");
        assert_eq!(pair.server.session().unwrap().peer_certificates.len(), 1);
        // Under the strict configuration, that session now resumes.
        let pair = connect(&holder, &strict).established();
        assert_eq!(resumed(&pair), (true, true), "tickets: {tickets}");
        assert_eq!(pair.server.session().unwrap().peer_certificates.len(), 1);
    }
}

#[test]
fn a_root_removed_by_a_reload_does_not_resume_the_sessions_it_admitted() {
    for tickets in [false, true] {
        let shared = Shared::new(tickets);
        let before = shared
            .server()
            .with_client_auth(both_roots(), ClientAuth::Optional)
            .build()
            .unwrap();
        let after = shared
            .server()
            .with_client_auth(ca().trust_store(), ClientAuth::Optional)
            .build()
            .unwrap();
        assert_ne!(before.resumption_context(), after.resumption_context());
        let store = Arc::new(ClientSessionStore::new(
            8,
            std::time::Duration::from_secs(3600),
        ));
        let client = client_builder(&store)
            .with_client_certificate(client_certificate(other_ca()))
            .build()
            .unwrap();
        let pair = connect(&client, &before).established();
        assert_eq!(pair.server.session().unwrap().peer_certificates.len(), 1);
        // After the reload the other root's client is not known: the
        // handshake is a full one, and the client (whose root the
        // CertificateRequest no longer lists) is served anonymously.
        let pair = connect(&client, &after).established();
        assert_eq!(resumed(&pair), (false, false), "tickets: {tickets}");
        assert!(
            pair.server.session().unwrap().peer_certificates.is_empty(),
            "the removed root's client certificate still counted"
        );
    }
}

#[test]
fn a_stricter_client_configuration_does_not_resume_a_permissive_ones_session() {
    let shared = Shared::new(true);
    let server = shared.server().build().unwrap();
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let permissive = client_builder(&store).build().unwrap();
    let pinned = client_builder(&store)
        .with_certificate_check(Arc::new(RefuseAll))
        .build()
        .unwrap();
    connect(&permissive, &server).established();
    assert_eq!(store.len(), 1);
    // The stricter configuration verifies the server itself, and its
    // check refuses.
    connect(&pinned, &server).client_refused(HandshakeError::Certificate {
        source: CertError::RejectedByPolicy {
            reason: "pinned to another key".to_owned(),
        },
    });
    // The permissive configuration's session is still there for it.
    let pair = connect(&permissive, &server).established();
    assert_eq!(resumed(&pair), (true, true));
}

#[test]
fn a_client_configuration_resumes_only_sessions_of_its_own_client_certificate() {
    let shared = Shared::new(true);
    let server = shared
        .server()
        .with_client_auth(ca().trust_store(), ClientAuth::Optional)
        .build()
        .unwrap();
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let alice = client_builder(&store)
        .with_client_certificate(client_certificate(ca()))
        .build()
        .unwrap();
    let anonymous = client_builder(&store).build().unwrap();
    connect(&alice, &server).established();
    // A configuration sharing the store but not the certificate must not
    // be let in under the other's identity.
    let pair = connect(&anonymous, &server).established();
    assert_eq!(resumed(&pair), (false, false));
    assert!(pair.server.session().unwrap().peer_certificates.is_empty());
}

#[test]
fn identical_configurations_share_sessions_as_a_fleet_does() {
    // Two machines: each its own TicketKeys from the same master, and its
    // own configuration built the same way.
    let machine = || {
        ServerConfig::builder()
            .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
            .with_session_tickets(Arc::new(
                TicketKeys::new(
                    &MASTER,
                    std::time::Duration::from_secs(3600),
                    std::time::Duration::from_secs(3600),
                )
                .unwrap(),
            ))
            .with_client_auth(ca().trust_store(), ClientAuth::Optional)
    };
    let (one, two) = (machine().build().unwrap(), machine().build().unwrap());
    assert_eq!(one.resumption_context(), two.resumption_context());
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let client = client_builder(&store)
        .with_client_certificate(client_certificate(ca()))
        .build()
        .unwrap();
    connect(&client, &one).established();
    let pair = connect(&client, &two).established();
    assert_eq!(resumed(&pair), (true, true));
    assert_eq!(pair.server.session().unwrap().peer_certificates.len(), 1);

    // Checks are code keel cannot compare: without an identifier each
    // configuration with one resumes only its own sessions...
    let checked = || machine().with_client_certificate_check(Arc::new(AcceptAll));
    let (one, two) = (checked().build().unwrap(), checked().build().unwrap());
    assert_ne!(one.resumption_context(), two.resumption_context());
    connect(&client, &one).established();
    assert_eq!(
        resumed(&connect(&client, &two).established()),
        (false, false)
    );
    // ... and with one, the operator says they are the same.
    let named = || checked().with_resumption_id("edge-v7");
    let (one, two) = (named().build().unwrap(), named().build().unwrap());
    assert_eq!(one.resumption_context(), two.resumption_context());
    connect(&client, &one).established();
    assert_eq!(resumed(&connect(&client, &two).established()), (true, true));
    // A different identifier keeps services apart.
    let other = checked().with_resumption_id("billing").build().unwrap();
    assert_eq!(
        resumed(&connect(&client, &other).established()),
        (false, false)
    );
}

#[test]
fn a_session_is_not_resumed_with_another_alpn_protocol() {
    let shared = Shared::new(false);
    let server = shared
        .server()
        .with_alpn(["h2", "http/1.1"])
        .build()
        .unwrap();
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let h2 = client_builder(&store).with_alpn(["h2"]).build().unwrap();
    let http1 = client_builder(&store)
        .with_alpn(["http/1.1"])
        .build()
        .unwrap();
    let pair = connect(&h2, &server).established();
    assert_eq!(
        pair.server.session().unwrap().alpn.as_deref(),
        Some(&b"h2"[..])
    );
    // The same session offered for another protocol: a full handshake
    // (ALPACA: a session must not carry a connection to another service).
    let pair = connect(&http1, &server).established();
    assert_eq!(resumed(&pair), (false, false));
    assert_eq!(
        pair.client.session().unwrap().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
}

#[test]
fn client_certificate_checks_apply_whatever_the_order_of_the_builder_calls() {
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
        .with_client_certificate_check(Arc::new(RefuseAll))
        .with_client_auth(ca().trust_store(), ClientAuth::Required)
        .build()
        .unwrap();
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let client = client_builder(&store)
        .with_client_certificate(client_certificate(ca()))
        .build()
        .unwrap();
    connect(&client, &server).server_refused(HandshakeError::Certificate {
        source: CertError::RejectedByPolicy {
            reason: "pinned to another key".to_owned(),
        },
    });
    // A check with no client authentication to run in is refused.
    let err = ServerConfig::builder()
        .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
        .with_client_certificate_check(Arc::new(AcceptAll))
        .build()
        .unwrap_err();
    assert_eq!(err, ConfigError::ClientCertificateCheckWithoutClientAuth);
}
