//! The scenarios driven through keel's public API.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use keel::pki::{CertifiedKey, TrustStore};
use keel::registry::{CipherSuite, NamedGroup};
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
use keel::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, Versions};

use crate::pki::{KeyKind, SERVER_NAME, pki};
use crate::scenario::{Aead, Api, Group, Negotiated, READ_SIZE, Resumption, Setup, Version};
use crate::timing::{Split, timed};

type Configs = (ClientConfig, ServerConfig);

fn suite(setup: Setup) -> CipherSuite {
    match (setup.version, setup.key, setup.aead) {
        (Version::Tls13, _, Aead::Aes128Gcm) => CipherSuite::TLS_AES_128_GCM_SHA256,
        (Version::Tls13, _, Aead::Aes256Gcm) => CipherSuite::TLS_AES_256_GCM_SHA384,
        (Version::Tls13, _, Aead::ChaCha20Poly1305) => CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes128Gcm) => {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes256Gcm) => {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, KeyKind::EcdsaP256, Aead::ChaCha20Poly1305) => {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::Aes128Gcm) => {
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::Aes256Gcm) => {
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        }
        (Version::Tls12, KeyKind::Rsa2048, Aead::ChaCha20Poly1305) => {
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
    }
}

fn group(group: Group) -> NamedGroup {
    match group {
        Group::X25519 => NamedGroup::X25519,
        Group::X25519MlKem768 => NamedGroup::X25519MLKEM768,
    }
}

fn key(kind: KeyKind) -> CertifiedKey {
    let leaf = pki().leaf(kind);
    CertifiedKey::from_pem(leaf.chain_pem.as_bytes(), leaf.key_pem.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn roots() -> TrustStore {
    TrustStore::from_pem(pki().root_pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

/// Configurations for `setup`: its version alone, its suite alone and,
/// for TLS 1.3, its group alone. TLS 1.2 keeps keel's default groups: a
/// TLS 1.2 client accepts an ECDSA certificate only on a curve it offers
/// (RFC 8422), and X25519 is the first of them.
///
/// # Panics
///
/// For resumption by session ID under TLS 1.3, which has none.
#[must_use]
pub fn configs(setup: Setup) -> Configs {
    let suites = [suite(setup)];
    let versions = match setup.version {
        Version::Tls12 => Versions::Tls12Only,
        Version::Tls13 => Versions::Tls13Only,
    };
    let mut client = ClientConfig::builder()
        .with_root_certificates(roots())
        .with_versions(versions)
        .with_cipher_suites(&suites);
    let mut server = ServerConfig::builder()
        .with_certificate(key(setup.key))
        .with_versions(versions)
        .with_cipher_suites(&suites);
    if setup.version == Version::Tls13 {
        let groups = [group(setup.group)];
        client = client.with_groups(&groups);
        server = server.with_groups(&groups);
    }
    let lifetime = Duration::from_secs(3600);
    match setup.resumption {
        None => {}
        Some(Resumption::SessionId) => {
            assert_eq!(setup.version, Version::Tls12, "TLS 1.3 has no session IDs");
            client =
                client.with_session_resumption(Arc::new(ClientSessionStore::new(16, lifetime)));
            server = server.with_session_cache(Arc::new(ServerSessionCache::new(16, lifetime)));
        }
        Some(Resumption::Ticket) => {
            client =
                client.with_session_resumption(Arc::new(ClientSessionStore::new(16, lifetime)));
            // In TLS 1.3 the server issues one NewSessionTicket per
            // connection, sealed under these keys.
            let keys =
                TicketKeys::new(&[0x42; 32], lifetime, lifetime).unwrap_or_else(|e| panic!("{e}"));
            server = server.with_session_tickets(Arc::new(keys));
        }
    }
    (
        client.build().unwrap_or_else(|e| panic!("{e}")),
        server.build().unwrap_or_else(|e| panic!("{e}")),
    )
}

/// One handshake between fresh connections, each side timed apart;
/// `resumed` is what it must have been.
///
/// # Panics
///
/// If the handshake fails or resumes otherwise than expected.
pub fn handshake(configs: &Configs, resumed: bool) -> Split {
    let (split, client, server) = run(configs);
    assert_eq!(
        client.session().map(|s| s.resumed),
        Some(resumed),
        "keel resumption"
    );
    black_box((client.session(), server.session()));
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
    let summary = |session: Option<&keel::SessionInfo>| {
        let session = session.unwrap_or_else(|| panic!("keel: no session"));
        Negotiated {
            version: session.version.get(),
            suite: session.cipher_suite.get(),
            group: session.group.get(),
            resumed: session.resumed,
        }
    };
    let reported = summary(client.session());
    assert_eq!(
        reported,
        summary(server.session()),
        "keel: the sides disagree"
    );
    reported
}

/// One handshake, to its end: the client holds any ticket the server sent.
fn run((client_config, server_config): &Configs) -> (Split, ClientConnection, ServerConnection) {
    let mut split = Split::default();
    let mut client = timed(&mut split.client, || {
        ClientConnection::new(client_config, SERVER_NAME).unwrap_or_else(|e| panic!("{e}"))
    });
    let mut server = timed(&mut split.server, || ServerConnection::new(server_config));
    let mut wire = Vec::with_capacity(8192);
    for _ in 0..10 {
        timed(&mut split.client, || client.write_tls(&mut wire));
        if !wire.is_empty() {
            timed(&mut split.server, || server.read_tls(&wire)).unwrap_or_else(|e| panic!("{e}"));
            wire.clear();
        }
        timed(&mut split.server, || server.write_tls(&mut wire));
        if !wire.is_empty() {
            timed(&mut split.client, || client.read_tls(&wire)).unwrap_or_else(|e| panic!("{e}"));
            wire.clear();
        }
        if !client.is_handshaking()
            && !server.is_handshaking()
            && !client.wants_write()
            && !server.wants_write()
        {
            return (split, client, server);
        }
    }
    panic!("keel: the handshake did not complete");
}

/// A client and a server with their handshake done and nothing left to
/// send, for memory measurements.
#[must_use]
pub fn established(
    (client_config, server_config): &Configs,
) -> (ClientConnection, ServerConnection) {
    let mut client =
        ClientConnection::new(client_config, SERVER_NAME).unwrap_or_else(|e| panic!("{e}"));
    let mut server = ServerConnection::new(server_config);
    let mut wire = Vec::new();
    for _ in 0..10 {
        client.write_tls(&mut wire);
        let _ = server.read_tls(&wire);
        wire.clear();
        server.write_tls(&mut wire);
        let _ = client.read_tls(&wire);
        wire.clear();
    }
    assert!(
        !client.is_handshaking() && !server.is_handshaking(),
        "keel pair"
    );
    (client, server)
}

/// An established pair moving bulk data from client to server.
pub struct Bulk {
    client: ClientConnection,
    server: ServerConnection,
    api: Api,
    /// The buffered API's outgoing bytes.
    wire: Vec<u8>,
    /// The zero-copy API's outgoing buffer, records sealed in place, and
    /// how much of it holds records.
    slab: Vec<u8>,
    slab_used: usize,
    read_buf: Vec<u8>,
}

/// Room for one record: 2^14 bytes of plaintext and the AEAD overhead.
const RECORD_ROOM: usize = (1 << 14) + 64;

impl Bulk {
    /// A pair for `aead` under `version`, handshake done.
    #[must_use]
    pub fn new(version: Version, aead: Aead, api: Api) -> Self {
        let (client, server) = established(&configs(Setup::bulk(version, aead)));
        Self {
            client,
            server,
            api,
            wire: Vec::with_capacity(crate::scenario::WRITE_SIZE + 64 * 1024),
            slab: vec![0u8; crate::scenario::WRITE_SIZE + 64 * 1024],
            slab_used: 0,
            read_buf: vec![0u8; READ_SIZE],
        }
    }

    /// Sends `data` and receives it: the sender's calls on the client side
    /// of the split, the receiver's on the server side.
    pub fn once(&mut self, data: &[u8]) -> Split {
        let mut split = Split::default();
        self.wire.clear();
        match self.api {
            Api::Buffered => self.send_buffered(data, &mut split.client),
            Api::ZeroCopy => self.send_in_place(data, &mut split.client),
        }
        let received = match self.api {
            Api::Buffered => self.receive_buffered(&mut split.server),
            Api::ZeroCopy => self.receive_in_place(&mut split.server),
        };
        assert_eq!(received, data.len(), "keel: everything sent arrives");
        split
    }

    fn send_buffered(&mut self, mut data: &[u8], time: &mut Duration) {
        let (client, wire) = (&mut self.client, &mut self.wire);
        timed(time, || {
            while !data.is_empty() {
                let n = client.write(data).unwrap_or_else(|e| panic!("{e}"));
                data = data.get(n..).unwrap_or_default();
                client.write_tls(wire);
            }
        });
    }

    /// The zero-copy send: each record is sealed from the application's
    /// bytes, where they are, into its place in the outgoing buffer
    /// (`slab`, standing in for the socket's send buffer): the cipher
    /// reads them and writes the record, and nothing is copied.
    fn send_in_place(&mut self, data: &[u8], time: &mut Duration) {
        let (client, slab, used) = (&mut self.client, &mut self.slab, &mut self.slab_used);
        timed(time, || {
            *used = 0;
            let mut rest = data;
            while !rest.is_empty() {
                let tail = slab.get_mut(*used..).unwrap_or_default();
                let room = tail.len().min(RECORD_ROOM);
                let window = client
                    .plaintext_window(room)
                    .unwrap_or_else(|| panic!("no window"));
                let (chunk, after) = rest.split_at(window.len().min(rest.len()));
                *used += client
                    .seal_from(chunk, tail.get_mut(..room).unwrap_or_default())
                    .unwrap_or_else(|e| panic!("{e}"));
                rest = after;
            }
        });
    }

    fn receive_buffered(&mut self, time: &mut Duration) -> usize {
        let (server, wire, buf) = (&mut self.server, &self.wire, &mut self.read_buf);
        timed(time, || {
            let mut received = 0;
            let mut rest = wire.as_slice();
            while !rest.is_empty() {
                let n = server.read_tls(rest).unwrap_or_else(|e| panic!("{e}"));
                rest = rest.get(n..).unwrap_or_default();
                loop {
                    let got = match server.read(buf) {
                        Ok(0) | Err(keel::Error::WouldBlock) => break,
                        Ok(got) => got,
                        Err(e) => panic!("{e}"),
                    };
                    black_box(buf.get(..got));
                    received += got;
                }
            }
            received
        })
    }

    /// The zero-copy receive: records are decrypted where they lie and the
    /// application reads the plaintext there.
    fn receive_in_place(&mut self, time: &mut Duration) -> usize {
        let (server, slab, used) = (&mut self.server, &mut self.slab, self.slab_used);
        timed(time, || {
            let mut received = 0;
            let mut at = 0;
            while at < used {
                let buf = slab.get_mut(at..used).unwrap_or_default();
                let read = server
                    .read_tls_in_place(buf)
                    .unwrap_or_else(|e| panic!("{e}"));
                if let Some(plaintext) = read.plaintext {
                    received += plaintext.len();
                    black_box(plaintext);
                }
                if read.consumed == 0 {
                    break;
                }
                at += read.consumed;
            }
            received
        })
    }
}
