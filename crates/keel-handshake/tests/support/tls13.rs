//! A man in the middle of a TLS 1.3 handshake between a keel client and a
//! keel server: it reads the secrets from both sides' key logs, opens a
//! flight's protected records, lets a test change, drop or add messages,
//! and seals them again under the same keys, so that the receiver's state
//! machine, not its record layer, must find what is wrong.

use std::sync::{Arc, Mutex};

use keel_handshake::keylog::KeyLog;
use keel_handshake::tls13::{SuiteHash, Tls13Suite, TrafficSecret};
use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, ServerHandshakeConfig, Versions,
};
use keel_pki::ServerName;
use keel_record::{AeadAlgorithm, RecordOpener, RecordSealer, RecordWriter, TrafficKeys};
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{ContentType, NamedGroup, ProtocolVersion};
use keel_wire::{Codec, HandshakeMessage};

use super::{GROUPS13, SERVER_NAME, client_config13, server_config13, split_records};

/// Every secret a connection logs, by label.
#[derive(Debug, Default)]
pub(crate) struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl Secrets {
    /// The latest secret logged under `label`.
    pub(crate) fn get(&self, label: &str) -> Vec<u8> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("no {label} logged"))
    }

    /// The record keys of the secret logged under `label`, for
    /// TLS_AES_128_GCM_SHA256 (the suite both sides prefer).
    pub(crate) fn keys(&self, label: &str) -> TrafficKeys {
        let secret = TrafficSecret::from_bytes(SuiteHash::Sha256, &self.get(label)).unwrap();
        let material = secret.traffic_keys(Tls13Suite::Aes128GcmSha256).unwrap();
        TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, material.key(), material.iv()).unwrap()
    }
}

/// A client and a server whose secrets the test can read.
pub(crate) struct Mitm {
    pub(crate) client: Connection,
    pub(crate) server: Connection,
    pub(crate) secrets: Arc<Secrets>,
}

impl Mitm {
    /// Both sides TLS 1.3 with the default groups, changed by `client` and
    /// `server`.
    pub(crate) fn new(
        client: impl FnOnce(&mut ClientHandshakeConfig),
        server: impl FnOnce(&mut ServerHandshakeConfig),
    ) -> Self {
        let secrets = Arc::new(Secrets::default());
        let mut client_config = client_config13(Versions::Tls13AndTls12, &GROUPS13);
        client_config.key_log = Some(Arc::clone(&secrets) as Arc<dyn KeyLog>);
        client(&mut client_config);
        let mut server_config = server_config13(Versions::Tls13AndTls12, &GROUPS13);
        server_config.key_log = Some(Arc::clone(&secrets) as Arc<dyn KeyLog>);
        server(&mut server_config);
        Self {
            client: Connection::client(
                Arc::new(client_config),
                ServerName::parse(SERVER_NAME).unwrap(),
            )
            .unwrap(),
            server: Connection::server(Arc::new(server_config)),
            secrets,
        }
    }

    /// Default configurations on both sides.
    pub(crate) fn plain() -> Self {
        Self::new(|_| {}, |_| {})
    }

    /// The server's first flight, its protected messages changed by
    /// `change` (see [`rewrite`]), delivered to the client.
    pub(crate) fn server_flight(
        &mut self,
        change: impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage>,
    ) -> Result<usize, HandshakeError> {
        let hello = take(&mut self.client);
        self.server.read_tls(&hello).unwrap();
        let flight = take(&mut self.server);
        let keys = self.secrets.keys("SERVER_HANDSHAKE_TRAFFIC_SECRET");
        let changed = rewrite(&flight, &keys, change);
        self.client.read_tls(&changed)
    }

    /// The server's plaintext ServerHello changed by `change`, delivered to
    /// the client (the rest of the flight is not).
    pub(crate) fn server_hello(
        &mut self,
        change: impl FnOnce(HandshakeMessage) -> HandshakeMessage,
    ) -> Result<usize, HandshakeError> {
        let hello = take(&mut self.client);
        self.server.read_tls(&hello).unwrap();
        let flight = take(&mut self.server);
        let first = &split_records(&flight)[0];
        let message = HandshakeMessage::decode(&first[RecordHeader::LEN..]).unwrap();
        let record =
            super::plaintext_record(ContentType::HANDSHAKE, &change(message).encode().unwrap());
        self.client.read_tls(&record)
    }

    /// The server's flight delivered as it is; the client's answer, its
    /// protected messages changed by `change`, delivered to the server.
    pub(crate) fn client_flight(
        &mut self,
        change: impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage>,
    ) -> Result<usize, HandshakeError> {
        let hello = take(&mut self.client);
        self.server.read_tls(&hello).unwrap();
        let flight = take(&mut self.server);
        self.client.read_tls(&flight).unwrap();
        let answer = take(&mut self.client);
        let keys = self.secrets.keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        let changed = rewrite(&answer, &keys, change);
        self.server.read_tls(&changed)
    }

    /// Runs the handshake to the end, untouched.
    pub(crate) fn complete(&mut self) {
        super::pump(&mut self.client, &mut self.server).unwrap();
    }

    /// `messages` sealed as the server would seal its next records under its
    /// first application key (before it sent any data), delivered to the
    /// client.
    pub(crate) fn inject_to_client(
        &mut self,
        records: &[(ContentType, Vec<u8>)],
    ) -> Result<usize, HandshakeError> {
        let out = self.sealed("SERVER_TRAFFIC_SECRET_0", records);
        self.client.read_tls(&out)
    }

    /// The same towards the server, under the client's first application
    /// key.
    pub(crate) fn inject_to_server(
        &mut self,
        records: &[(ContentType, Vec<u8>)],
    ) -> Result<usize, HandshakeError> {
        let out = self.sealed("CLIENT_TRAFFIC_SECRET_0", records);
        self.server.read_tls(&out)
    }

    fn sealed(&self, label: &str, records: &[(ContentType, Vec<u8>)]) -> Vec<u8> {
        let keys = self.secrets.keys(label);
        let mut writer = sealing_writer(&keys);
        let mut out = Vec::new();
        for (content_type, body) in records {
            match *content_type {
                ContentType::HANDSHAKE => writer.write_handshake(body, &mut out).unwrap(),
                ContentType::ALERT => writer
                    .write_alert(keel_wire::Alert::decode(body).unwrap(), &mut out)
                    .unwrap(),
                other => panic!("cannot inject {other}"),
            }
        }
        out
    }
}

/// Everything `conn` queued to send.
pub(crate) fn take(conn: &mut Connection) -> Vec<u8> {
    let mut bytes = Vec::new();
    conn.take_tls(&mut bytes);
    bytes
}

fn sealing_writer(keys: &TrafficKeys) -> RecordWriter {
    let mut writer = RecordWriter::new();
    writer.version_negotiated();
    writer.install_sealer(RecordSealer::new(keys).unwrap());
    writer
}

/// `flight` with its protected handshake records opened under `keys`, each
/// message replaced by what `change` returns for it (nothing drops it,
/// several add some), sealed again from sequence number zero. Plaintext
/// records (the ServerHello, ChangeCipherSpec) pass as they are.
pub(crate) fn rewrite(
    flight: &[u8],
    keys: &TrafficKeys,
    mut change: impl FnMut(HandshakeMessage) -> Vec<HandshakeMessage>,
) -> Vec<u8> {
    let mut opener = RecordOpener::new(keys).unwrap();
    let mut writer = sealing_writer(keys);
    let mut out = Vec::new();
    for record in split_records(flight) {
        let header = RecordHeader::peek(&record).unwrap();
        if header.content_type != ContentType::APPLICATION_DATA {
            out.extend_from_slice(&record);
            continue;
        }
        let mut body = record[RecordHeader::LEN..].to_vec();
        let (inner, plaintext) = opener
            .open_record_in_place(header.content_type, header.version, &mut body)
            .unwrap();
        assert_eq!(inner, ContentType::HANDSHAKE, "a handshake flight");
        let message = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, plaintext).unwrap();
        for replacement in change(message) {
            writer
                .write_handshake(&replacement.encode().unwrap(), &mut out)
                .unwrap();
        }
    }
    out
}

/// The groups without the hybrid, for tests that want a classical share.
pub(crate) const CLASSICAL: [NamedGroup; 2] = [NamedGroup::X25519, NamedGroup::SECP256R1];
