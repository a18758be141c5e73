//! A TLS 1.3 client spelled out from keel's public parts (key shares, key
//! schedule, transcript hash, record layer), for tests that need a
//! ClientHello keel's own client never sends: one that offers early_data,
//! followed by 0-RTT records. A rewritten ClientHello cannot stand in for
//! it, since the server's keys hash the ClientHello it received.
//!
//! It does what a full handshake without a client certificate needs and
//! checks only the server's Finished: the certificate and its
//! CertificateVerify are taken as they come.

use keel_handshake::SystemRng;
use keel_handshake::tls13::{
    ClientKeyShare, EarlySecret, HandshakeSecret, Tls13Suite, TrafficSecret, Transcript13,
};
use keel_record::{
    AeadAlgorithm, Decoded, Received, RecordDecoder, RecordOpener, RecordSealer, RecordWriter,
    TrafficKeys,
};
use keel_wire::extensions::{HelloRetryExtension, KeyShareEntry, KeyShareList};
use keel_wire::handshake::{
    ClientHello, EncryptedExtensions, Finished13, HelloRetryRequest, Random, ServerHello,
};
use keel_wire::registry::{
    AlertDescription, CipherSuite, CompressionMethod, NamedGroup, ProtocolVersion, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage, ServerExtension};

/// The one suite offered, so that keys are AES-128-GCM under SHA-256.
const SUITE: Tls13Suite = Tls13Suite::Aes128GcmSha256;

/// What the client made of the bytes a server sent.
#[derive(Debug, Default)]
pub(crate) struct Heard {
    /// The records the client answers with: ClientHello2 after a
    /// HelloRetryRequest, its Finished after the server's.
    pub(crate) reply: Vec<u8>,
    /// Application data received.
    pub(crate) data: Vec<u8>,
    /// Alerts received.
    pub(crate) alerts: Vec<AlertDescription>,
}

/// A TLS 1.3 client driven one flight at a time.
pub(crate) struct RawClient13 {
    hello: ClientHello,
    /// Whether ClientHello2 keeps early_data (which RFC 8446 §4.1.2
    /// forbids).
    pub(crate) early_data_after_retry: bool,
    share: Option<ClientKeyShare>,
    transcript: Transcript13,
    decoder: RecordDecoder,
    writer: RecordWriter,
    handshake: Option<Keys>,
    encrypted_extensions: Option<EncryptedExtensions>,
}

/// The handshake secrets, from the ServerHello to the server's Finished.
struct Keys {
    secret: HandshakeSecret,
    client: TrafficSecret,
    server: TrafficSecret,
}

impl RawClient13 {
    /// A client with an X25519 share, offering X25519, P-256 and P-384,
    /// with a 32-byte session ID (middlebox compatibility mode), and
    /// early_data when `early_data`.
    pub(crate) fn new(early_data: bool) -> Self {
        let share = ClientKeyShare::generate(NamedGroup::X25519, &SystemRng).unwrap();
        let mut extensions = vec![
            ClientExtension::SupportedVersions(List(vec![ProtocolVersion::TLS_V1_3])),
            ClientExtension::SupportedGroups(List(vec![
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1,
            ])),
            ClientExtension::SignatureAlgorithms(List(vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ])),
            key_share(&share),
        ];
        if early_data {
            extensions.push(ClientExtension::EarlyData);
        }
        let hello = ClientHello {
            client_version: ProtocolVersion::TLS_V1_2,
            random: Random([0x7e; 32]),
            session_id: Opaque(vec![0x5e; 32]),
            cipher_suites: List(vec![CipherSuite::TLS_AES_128_GCM_SHA256]),
            compression_methods: List(vec![CompressionMethod::NULL]),
            extensions: Extensions::Present(extensions),
        };
        let mut decoder = RecordDecoder::new();
        decoder.set_middlebox_ccs_allowed(true);
        Self {
            hello,
            early_data_after_retry: false,
            share: Some(share),
            transcript: Transcript13::new(1 << 16),
            decoder,
            writer: RecordWriter::new(),
            handshake: None,
            encrypted_extensions: None,
        }
    }

    /// The ClientHello record, added to the transcript.
    pub(crate) fn client_hello(&mut self) -> Vec<u8> {
        let hello = self.hello.clone();
        self.send(HandshakeMessage::ClientHello(hello))
    }

    /// The server's EncryptedExtensions, once received.
    pub(crate) fn encrypted_extensions(&self) -> &EncryptedExtensions {
        self.encrypted_extensions
            .as_ref()
            .expect("the server's EncryptedExtensions came")
    }

    /// Takes what the server sent: a HelloRetryRequest, its flight, data
    /// or alerts.
    pub(crate) fn receive(&mut self, bytes: &[u8]) -> Heard {
        let mut buf = bytes.to_vec();
        let mut start = 0;
        let mut heard = Heard::default();
        loop {
            let decoded = self.decoder.decode(&mut buf[start..]).unwrap();
            start += decoded.consumed();
            match decoded {
                Decoded::NeedMore { .. } => break,
                Decoded::Item { item, .. } => match item {
                    Received::Handshake(raw) => {
                        let raw = raw.to_vec();
                        self.on_message(&raw, &mut heard);
                    }
                    Received::ApplicationData(data) => heard.data.extend_from_slice(data),
                    Received::Alert(alert) => heard.alerts.push(alert.description),
                    Received::ChangeCipherSpec => panic!("a TLS 1.3 server sent a CCS"),
                },
            }
        }
        assert_eq!(start, buf.len(), "whole records only");
        heard
    }

    /// One application-data record of `data`, under the client's
    /// application key.
    pub(crate) fn seal(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.writer.write_application_data(data, &mut out).unwrap();
        out
    }

    fn on_message(&mut self, raw: &[u8], heard: &mut Heard) {
        let message = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, raw).unwrap();
        match message {
            HandshakeMessage::HelloRetryRequest(retry) => {
                heard.reply = self.on_hello_retry_request(raw, &retry);
            }
            HandshakeMessage::ServerHello(hello) => self.on_server_hello(raw, &hello),
            HandshakeMessage::EncryptedExtensions(extensions) => {
                self.transcript.add(raw).unwrap();
                self.encrypted_extensions = Some(extensions);
            }
            HandshakeMessage::Certificate13(_) | HandshakeMessage::CertificateVerify(_) => {
                self.transcript.add(raw).unwrap();
            }
            HandshakeMessage::Finished13(finished) => {
                heard.reply = self.on_finished(raw, &finished);
            }
            HandshakeMessage::NewSessionTicket13(_) => {}
            other => panic!("unexpected {:?}", other.handshake_type()),
        }
    }

    /// RFC 8446 §4.1.4: ClientHello2 is ClientHello1 with a share for the
    /// group asked for and without early_data.
    fn on_hello_retry_request(&mut self, raw: &[u8], retry: &HelloRetryRequest) -> Vec<u8> {
        let group = retry
            .extensions
            .0
            .iter()
            .find_map(|e| match e {
                HelloRetryExtension::KeyShare(group) => Some(*group),
                _ => None,
            })
            .expect("a group asked for");
        self.transcript
            .start_after_hello_retry_request(SUITE.hash())
            .unwrap();
        self.transcript.add(raw).unwrap();
        let share = ClientKeyShare::generate(group, &SystemRng).unwrap();
        let Extensions::Present(extensions) = &mut self.hello.extensions else {
            unreachable!("built with extensions");
        };
        for extension in extensions.iter_mut() {
            if matches!(extension, ClientExtension::KeyShare(_)) {
                *extension = key_share(&share);
            }
        }
        if !self.early_data_after_retry {
            extensions.retain(|e| !matches!(e, ClientExtension::EarlyData));
        }
        self.share = Some(share);
        self.decoder.set_version_negotiated();
        self.writer.version_negotiated();
        self.client_hello()
    }

    /// The handshake keys from the server's share; the server's records
    /// are opened, and the client's sealed, under them from now on.
    fn on_server_hello(&mut self, raw: &[u8], hello: &ServerHello) {
        assert_eq!(hello.cipher_suite, SUITE.cipher_suite());
        if self.transcript.hash_algorithm().is_none() {
            self.transcript.start(SUITE.hash()).unwrap();
        }
        self.transcript.add(raw).unwrap();
        let server_share = hello
            .extensions
            .iter()
            .find_map(|e| match e {
                ServerExtension::KeyShare(entry) => Some(entry.key_exchange.to_vec()),
                _ => None,
            })
            .expect("the server's share");
        let shared = self.share.take().unwrap().complete(&server_share).unwrap();
        let secret = EarlySecret::without_psk(SUITE.hash())
            .unwrap()
            .into_handshake_secret(shared.as_bytes())
            .unwrap();
        let hash = self.transcript.current_hash().unwrap();
        let client = secret
            .client_handshake_traffic_secret(hash.as_ref())
            .unwrap();
        let server = secret
            .server_handshake_traffic_secret(hash.as_ref())
            .unwrap();
        self.decoder.set_version_negotiated();
        self.decoder
            .install_opener(RecordOpener::new(&record_keys(&server)).unwrap())
            .unwrap();
        self.writer.version_negotiated();
        self.writer
            .install_sealer(RecordSealer::new(&record_keys(&client)).unwrap());
        self.handshake = Some(Keys {
            secret,
            client,
            server,
        });
    }

    /// RFC 8446 §4.4.4: the server's Finished checked, the client's sent,
    /// and the application keys installed (RFC 8446 §7.1).
    fn on_finished(&mut self, raw: &[u8], finished: &Finished13) -> Vec<u8> {
        let Keys {
            secret,
            client,
            server,
        } = self.handshake.take().expect("a ServerHello first");
        let hash = self.transcript.current_hash().unwrap();
        assert!(
            server
                .finished_key()
                .unwrap()
                .verify(hash.as_ref(), &finished.verify_data)
                .unwrap(),
            "the server's Finished verifies"
        );
        self.transcript.add(raw).unwrap();
        let hash = self.transcript.current_hash().unwrap();
        let master = secret.into_master_secret().unwrap();
        let client_app = master
            .client_application_traffic_secret(hash.as_ref())
            .unwrap();
        let server_app = master
            .server_application_traffic_secret(hash.as_ref())
            .unwrap();
        let verify_data = client.finished_key().unwrap().verify_data(hash.as_ref());
        let reply = self.send(HandshakeMessage::Finished13(Finished13 {
            verify_data: verify_data.unwrap().as_bytes().to_vec(),
        }));
        self.decoder
            .install_opener(RecordOpener::new(&record_keys(&server_app)).unwrap())
            .unwrap();
        self.writer
            .install_sealer(RecordSealer::new(&record_keys(&client_app)).unwrap());
        reply
    }

    /// `message` in the transcript and in records.
    fn send(&mut self, message: HandshakeMessage) -> Vec<u8> {
        let bytes = message.encode().unwrap();
        self.transcript.add(&bytes).unwrap();
        let mut out = Vec::new();
        self.writer.write_handshake(&bytes, &mut out).unwrap();
        out
    }
}

fn key_share(share: &ClientKeyShare) -> ClientExtension {
    ClientExtension::KeyShare(KeyShareList(List(vec![KeyShareEntry {
        group: share.group(),
        key_exchange: Opaque(share.public().to_vec()),
    }])))
}

fn record_keys(secret: &TrafficSecret) -> TrafficKeys {
    let material = secret.traffic_keys(SUITE).unwrap();
    TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, material.key(), material.iv()).unwrap()
}
