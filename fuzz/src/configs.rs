//! keel configurations for the fuzz targets, chosen by one variant byte so
//! that the fuzzer can reach both protocol versions, client
//! authentication, ALPN, OCSP stapling, a HelloRetryRequest and both
//! kinds of resumption.

use std::sync::{Arc, OnceLock};

use keel::hazmat::ConfigOverrides;
use keel::pki::{CertifiedKey, ClientAuth, TrustStore};
use keel::registry::NamedGroup;
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
use keel::{ClientConfig, ClientConfigBuilder, ServerConfig, ServerConfigBuilder, Versions};

use crate::det::{FixedClock, SeededRng};

/// The name on the server certificate.
pub const SERVER_NAME: &str = "localhost";

/// The seeds of the two sides' generators: different, so that the client
/// and server randoms differ as they would in life.
const CLIENT_SEED: u64 = 0x6b65_656c_2d63_6c69;
const SERVER_SEED: u64 = 0x6b65_656c_2d73_7276;

/// The groups a fuzz client offers: keel's, less X25519MLKEM768, whose
/// ML-KEM keys and encapsulations aws-lc-rs draws from its own generator,
/// so that a handshake using it never repeats (and a recorded flight would
/// not be valid for a fresh peer). Servers keep every group: a fuzzed
/// ClientHello with a hybrid share still reaches the hybrid code.
pub const CLIENT_GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// The committed PKI (`fuzz/data`, made once with openssl; valid to 2126):
/// an Ed25519 CA, server leaf for [`SERVER_NAME`] and client leaf. Ed25519
/// because its signatures are deterministic, so whole handshakes repeat
/// byte for byte.
pub struct Pki {
    /// The CA both sides trust.
    pub roots: TrustStore,
    /// The server's chain and key.
    pub server: CertifiedKey,
    /// The client's chain and key.
    pub client: CertifiedKey,
}

/// The PKI, parsed once per process.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| Pki {
        roots: TrustStore::from_pem(include_bytes!("../data/ca.pem")).unwrap(),
        server: CertifiedKey::from_pem(
            include_bytes!("../data/server.pem"),
            include_bytes!("../data/server.key"),
        )
        .unwrap(),
        client: CertifiedKey::from_pem(
            include_bytes!("../data/client.pem"),
            include_bytes!("../data/client.key"),
        )
        .unwrap(),
    })
}

/// What a pair of configurations turns on, from one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Variant {
    /// The server requires a client certificate and the client has one.
    pub client_auth: bool,
    /// Both sides offer ALPN ("h2", "http/1.1").
    pub alpn: bool,
    /// The client asks for OCSP stapling and the server staples.
    pub ocsp: bool,
    /// The server issues session tickets (RFC 5077); both sides keep
    /// sessions.
    pub tickets: bool,
    /// Both sides keep sessions, and a first, clean handshake fills the
    /// stores so that the fuzzed one resumes: in TLS 1.3 with a ticket
    /// (sealed under the ticket keys with `tickets`, naming a server cache
    /// entry without); in TLS 1.2 by ticket with `tickets`, by session ID
    /// without.
    pub resume: bool,
    /// Both sides TLS 1.2 only; otherwise keel's default, TLS 1.3 and TLS
    /// 1.2, which negotiates TLS 1.3.
    pub tls12: bool,
    /// The server wants only P-384, for which the client sends no key
    /// share: in TLS 1.3, a HelloRetryRequest (RFC 8446 §4.1.4).
    pub retry: bool,
}

impl Variant {
    /// The variant encoded by the low seven bits of `byte`.
    pub fn from_byte(byte: u8) -> Self {
        Self {
            client_auth: byte & 1 != 0,
            alpn: byte & 2 != 0,
            ocsp: byte & 4 != 0,
            tickets: byte & 8 != 0,
            resume: byte & 16 != 0,
            tls12: byte & 32 != 0,
            retry: byte & 64 != 0,
        }
    }

    /// The inverse of [`from_byte`](Self::from_byte).
    pub fn to_byte(self) -> u8 {
        u8::from(self.client_auth)
            | u8::from(self.alpn) << 1
            | u8::from(self.ocsp) << 2
            | u8::from(self.tickets) << 3
            | u8::from(self.resume) << 4
            | u8::from(self.tls12) << 5
            | u8::from(self.retry) << 6
    }

    /// Every variant, for seed generation.
    pub fn all() -> impl Iterator<Item = Self> {
        (0u8..128).map(Self::from_byte)
    }

    fn versions(self) -> Versions {
        if self.tls12 {
            Versions::Tls12Only
        } else {
            Versions::Tls13AndTls12
        }
    }
}

/// Session state shared by the connections of one fuzz input.
pub struct Stores {
    pub client: Arc<ClientSessionStore>,
    pub cache: Arc<ServerSessionCache>,
    pub tickets: Arc<TicketKeys>,
}

impl Stores {
    /// Empty stores; ticket keys from a fixed master.
    pub fn new() -> Self {
        Self {
            client: Arc::new(ClientSessionStore::new(
                8,
                std::time::Duration::from_secs(3600),
            )),
            cache: Arc::new(ServerSessionCache::new(
                8,
                std::time::Duration::from_secs(3600),
            )),
            tickets: Arc::new(
                TicketKeys::new(
                    &[0x42; 32],
                    std::time::Duration::from_secs(7200),
                    std::time::Duration::from_secs(3600),
                )
                .unwrap(),
            ),
        }
    }
}

impl Default for Stores {
    fn default() -> Self {
        Self::new()
    }
}

/// A client configuration for `variant`, with a fresh seeded generator.
pub fn client_config(variant: Variant, stores: &Stores) -> ClientConfig {
    client_builder(variant, stores).build().unwrap()
}

/// A server configuration for `variant`, with a fresh seeded generator.
pub fn server_config(variant: Variant, stores: &Stores) -> ServerConfig {
    server_builder(variant, stores).build().unwrap()
}

/// What [`client_config`] builds, for a caller that adds to it (the seed
/// generator adds a key log, to read TLS 1.3's protected messages).
pub fn client_builder(variant: Variant, stores: &Stores) -> ClientConfigBuilder {
    let pki = pki();
    let mut builder = ClientConfig::builder()
        .with_root_certificates(pki.roots.clone())
        .with_rng(Arc::new(SeededRng::new(CLIENT_SEED)))
        .with_clock(Arc::new(FixedClock))
        .with_versions(variant.versions())
        .with_groups(&CLIENT_GROUPS);
    if variant.client_auth {
        builder = builder.with_client_certificate(pki.client.clone());
    }
    if variant.alpn {
        builder = builder.with_alpn(["h2", "http/1.1"]);
    }
    if variant.ocsp {
        builder = builder.with_ocsp_stapling();
    }
    if variant.tickets || variant.resume {
        builder = builder.with_session_resumption(Arc::clone(&stores.client));
    }
    builder
}

/// What [`server_config`] builds.
pub fn server_builder(variant: Variant, stores: &Stores) -> ServerConfigBuilder {
    let pki = pki();
    let mut key = pki.server.clone();
    if variant.ocsp {
        // Not a real OCSP response: keel staples whatever it is given, and
        // the client's verifier hands it to hooks without judging it.
        key = key.with_ocsp_response(vec![0x30, 0x03, 0x0a, 0x01, 0x00]);
    }
    let mut builder = ServerConfig::builder()
        .with_certificate(key)
        .with_rng(Arc::new(SeededRng::new(SERVER_SEED)))
        .with_clock(Arc::new(FixedClock))
        .with_versions(variant.versions());
    if variant.retry {
        builder = builder.with_groups(&[NamedGroup::SECP384R1]);
    }
    if variant.client_auth {
        builder = builder.with_client_auth(pki.roots.clone(), ClientAuth::Required);
    }
    if variant.alpn {
        builder = builder.with_alpn(["http/1.1"]);
    }
    if variant.tickets || variant.resume {
        builder = builder.with_session_cache(Arc::clone(&stores.cache));
    }
    if variant.tickets {
        builder = builder.with_session_tickets(Arc::clone(&stores.tickets));
    }
    builder
}
