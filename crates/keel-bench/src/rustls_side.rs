//! The same scenarios driven through rustls 0.23 (aws-lc-rs, the same
//! versions, certificates, suites and groups), with its usual buffered
//! API.

use std::hint::black_box;
use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;

use rustls::client::{Resumption as RustlsResumption, Tls12Resumption};
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::server::NoServerSessionStorage;
use rustls::{
    ClientConfig, ClientConnection, HandshakeKind, RootCertStore, ServerConfig, ServerConnection,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

use crate::pki::{KeyKind, SERVER_NAME, pki};
use crate::scenario::{Aead, Group, Negotiated, READ_SIZE, Resumption, Setup, Version};
use crate::timing::{Split, timed};

type Configs = (Arc<ClientConfig>, Arc<ServerConfig>);

fn suite(setup: Setup) -> rustls::SupportedCipherSuite {
    use aws_lc_rs::cipher_suite as cs;
    match (setup.version, setup.key, setup.aead) {
        (Version::Tls13, _, Aead::Aes128Gcm) => cs::TLS13_AES_128_GCM_SHA256,
        (Version::Tls13, _, Aead::Aes256Gcm) => cs::TLS13_AES_256_GCM_SHA384,
        (Version::Tls13, _, Aead::ChaCha20Poly1305) => cs::TLS13_CHACHA20_POLY1305_SHA256,
        (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes128Gcm) => {
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes256Gcm) => {
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, KeyKind::EcdsaP256, Aead::ChaCha20Poly1305) => {
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::Aes128Gcm) => {
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::Aes256Gcm) => {
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::ChaCha20Poly1305) => {
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
    }
}

/// aws-lc-rs with the setup's suite alone and, for TLS 1.3, its group
/// alone. TLS 1.2 keeps the provider's default groups, as keel keeps its
/// own: X25519 first in both.
fn provider(setup: Setup) -> Arc<CryptoProvider> {
    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = vec![suite(setup)];
    if setup.version == Version::Tls13 {
        provider.kx_groups = vec![match setup.group {
            Group::X25519 => aws_lc_rs::kx_group::X25519,
            Group::X25519MlKem768 => aws_lc_rs::kx_group::X25519MLKEM768,
        }];
    }
    Arc::new(provider)
}

/// Configurations for `setup`, with its version alone.
///
/// # Panics
///
/// For resumption by session ID under TLS 1.3, which has none.
#[must_use]
pub fn configs(setup: Setup) -> Configs {
    let pki = pki();
    let version = match setup.version {
        Version::Tls12 => &rustls::version::TLS12,
        Version::Tls13 => &rustls::version::TLS13,
    };
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(pki.root.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut client = ClientConfig::builder_with_provider(provider(setup))
        .with_protocol_versions(&[version])
        .unwrap_or_else(|e| panic!("{e}"))
        .with_root_certificates(roots)
        .with_no_client_auth();
    let leaf = pki.leaf(setup.key);
    let chain = leaf
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.clone()));
    let mut server = ServerConfig::builder_with_provider(provider(setup))
        .with_protocol_versions(&[version])
        .unwrap_or_else(|e| panic!("{e}"))
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap_or_else(|e| panic!("{e}"));
    match setup.resumption {
        // Without resumption neither side keeps anything. keel's TLS 1.3
        // server then issues no ticket; rustls's would still make its
        // default two and throw them away (no storage takes them), work
        // keel does not do.
        None => {
            client.resumption = RustlsResumption::disabled();
            server.session_storage = Arc::new(NoServerSessionStorage {});
            server.send_tls13_tickets = 0;
        }
        Some(Resumption::SessionId) => {
            assert_eq!(setup.version, Version::Tls12, "TLS 1.3 has no session IDs");
            client.resumption = RustlsResumption::in_memory_sessions(16)
                .tls12_resumption(Tls12Resumption::SessionIdOnly);
        }
        // The client keeps its default store (TLS 1.3 tickets included).
        Some(Resumption::Ticket) => {
            server.session_storage = Arc::new(NoServerSessionStorage {});
            server.ticketer = aws_lc_rs::Ticketer::new().unwrap_or_else(|e| panic!("{e}"));
            // keel's TLS 1.3 server issues one NewSessionTicket per
            // connection; rustls's default is two. One each, so that both
            // seal the same number of tickets per handshake.
            server.send_tls13_tickets = 1;
        }
    }
    (Arc::new(client), Arc::new(server))
}

fn server_name() -> ServerName<'static> {
    ServerName::try_from(SERVER_NAME).unwrap_or_else(|e| panic!("{e}"))
}

/// Moves everything `from` has queued through `wire` into `to`.
fn flush_into(
    from: &mut dyn rustls_conn::Conn,
    to: &mut dyn rustls_conn::Conn,
    wire: &mut Vec<u8>,
    from_time: &mut std::time::Duration,
    to_time: &mut std::time::Duration,
) {
    wire.clear();
    timed(from_time, || {
        while from.wants_write() {
            from.write_tls(wire);
        }
    });
    if wire.is_empty() {
        return;
    }
    timed(to_time, || {
        let mut rest = wire.as_slice();
        while !rest.is_empty() {
            to.read_tls(&mut rest);
            to.process();
        }
    });
}

/// One handshake between fresh connections, each side timed apart;
/// `resumed` is what it must have been.
///
/// # Panics
///
/// If the handshake fails or resumes otherwise than expected.
pub fn handshake(configs: &Configs, resumed: bool) -> Split {
    let (split, client, server) = run(configs);
    let kind = if resumed {
        HandshakeKind::Resumed
    } else {
        HandshakeKind::Full
    };
    assert_eq!(client.handshake_kind(), Some(kind), "rustls resumption");
    black_box((&client, &server));
    split
}

/// What one handshake negotiated, as the client reports it; the server
/// must report the same.
///
/// # Panics
///
/// If the handshake fails, or the two sides disagree.
#[must_use]
pub fn negotiated(configs: &Configs) -> Negotiated {
    let (_, client, server) = run(configs);
    let summary = |conn: &rustls::CommonState| Negotiated {
        version: conn.protocol_version().map_or(0, u16::from),
        suite: conn
            .negotiated_cipher_suite()
            .map_or(0, |s| u16::from(s.suite())),
        group: conn
            .negotiated_key_exchange_group()
            .map_or(0, |g| u16::from(g.name())),
        resumed: conn.handshake_kind() == Some(HandshakeKind::Resumed),
    };
    let reported = summary(&client);
    assert_eq!(reported, summary(&server), "rustls: the sides disagree");
    reported
}

/// One handshake, to its end: the client holds any ticket the server sent.
fn run((client_config, server_config): &Configs) -> (Split, ClientConnection, ServerConnection) {
    let mut split = Split::default();
    let mut client = timed(&mut split.client, || {
        ClientConnection::new(Arc::clone(client_config), server_name())
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let mut server = timed(&mut split.server, || {
        ServerConnection::new(Arc::clone(server_config)).unwrap_or_else(|e| panic!("{e}"))
    });
    let mut wire = Vec::with_capacity(8192);
    for _ in 0..10 {
        flush_into(
            &mut client,
            &mut server,
            &mut wire,
            &mut split.client,
            &mut split.server,
        );
        flush_into(
            &mut server,
            &mut client,
            &mut wire,
            &mut split.server,
            &mut split.client,
        );
        if !client.is_handshaking()
            && !server.is_handshaking()
            && !client.wants_write()
            && !server.wants_write()
        {
            return (split, client, server);
        }
    }
    panic!("rustls: the handshake did not complete");
}

/// A client and a server with their handshake done and nothing left to
/// send, for memory measurements.
#[must_use]
pub fn established(
    (client_config, server_config): &Configs,
) -> (ClientConnection, ServerConnection) {
    let mut client = ClientConnection::new(Arc::clone(client_config), server_name())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut server =
        ServerConnection::new(Arc::clone(server_config)).unwrap_or_else(|e| panic!("{e}"));
    let (mut wire, mut t1, mut t2) = (
        Vec::new(),
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
    );
    for _ in 0..10 {
        flush_into(&mut client, &mut server, &mut wire, &mut t1, &mut t2);
        flush_into(&mut server, &mut client, &mut wire, &mut t1, &mut t2);
    }
    assert!(
        !client.is_handshaking() && !server.is_handshaking(),
        "rustls pair"
    );
    (client, server)
}

/// An established pair moving bulk data from client to server.
pub struct Bulk {
    client: ClientConnection,
    server: ServerConnection,
    wire: Vec<u8>,
    read_buf: Vec<u8>,
}

impl Bulk {
    /// A pair for `aead` under `version`, handshake done.
    #[must_use]
    pub fn new(version: Version, aead: Aead) -> Self {
        let (mut client, mut server) = established(&configs(Setup::bulk(version, aead)));
        // 1 MiB writes: the default 64 KiB limit on queued TLS bytes would
        // make `write_all` fail part-way.
        client.set_buffer_limit(None);
        server.set_buffer_limit(None);
        Self {
            client,
            server,
            wire: Vec::with_capacity(crate::scenario::WRITE_SIZE + 64 * 1024),
            read_buf: vec![0u8; READ_SIZE],
        }
    }

    /// Sends `data` and receives it, the sender's calls on the client side
    /// of the split, the receiver's on the server side.
    pub fn once(&mut self, data: &[u8]) -> Split {
        let mut split = Split::default();
        self.wire.clear();
        let (client, wire) = (&mut self.client, &mut self.wire);
        timed(&mut split.client, || {
            client
                .writer()
                .write_all(data)
                .unwrap_or_else(|e| panic!("{e}"));
            while client.wants_write() {
                client.write_tls(wire).unwrap_or_else(|e| panic!("{e}"));
            }
        });
        let (server, wire, buf) = (&mut self.server, &self.wire, &mut self.read_buf);
        let received = timed(&mut split.server, || {
            let mut received = 0;
            let mut rest = wire.as_slice();
            while !rest.is_empty() {
                server.read_tls(&mut rest).unwrap_or_else(|e| panic!("{e}"));
                server
                    .process_new_packets()
                    .unwrap_or_else(|e| panic!("{e}"));
                loop {
                    match server.reader().read(buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            black_box(buf.get(..n));
                            received += n;
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            received
        });
        assert_eq!(received, data.len(), "rustls: everything sent arrives");
        split
    }
}

/// The handful of calls the transfer loop needs, over both connection
/// types.
mod rustls_conn {
    pub(crate) trait Conn {
        fn wants_write(&self) -> bool;
        fn write_tls(&mut self, out: &mut Vec<u8>);
        fn read_tls(&mut self, input: &mut &[u8]);
        fn process(&mut self);
    }

    // The calls live on `ConnectionCommon`, behind `Deref`; naming it
    // keeps them apart from this trait's methods of the same names.
    macro_rules! conn {
        ($ty:ty) => {
            impl Conn for $ty {
                fn wants_write(&self) -> bool {
                    core::ops::Deref::deref(self).wants_write()
                }
                fn write_tls(&mut self, out: &mut Vec<u8>) {
                    core::ops::DerefMut::deref_mut(self)
                        .write_tls(out)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                fn read_tls(&mut self, input: &mut &[u8]) {
                    core::ops::DerefMut::deref_mut(self)
                        .read_tls(input)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                fn process(&mut self) {
                    core::ops::DerefMut::deref_mut(self)
                        .process_new_packets()
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
        };
    }

    conn!(rustls::ClientConnection);
    conn!(rustls::ServerConnection);
}
