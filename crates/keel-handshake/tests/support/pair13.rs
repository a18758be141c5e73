//! A keel TLS 1.3 client and server joined by queues of records that a
//! test moves one at a time: [`Pair13`] brings one side to a state, puts a
//! message in front of it sealed under the keys its peer uses at that
//! point (both sides log their secrets into one [`Secrets`]), and from then
//! on re-seals the peer's own records under those keys so that they still
//! open after the one the test slipped in.

use std::collections::VecDeque;
use std::sync::Arc;

use keel_handshake::tls13::{SuiteHash, Tls13Suite, TrafficSecret};
use keel_handshake::{ClientHandshakeConfig, Connection, HandshakeError, ServerHandshakeConfig};
use keel_pki::ServerName;
use keel_record::{AeadAlgorithm, RecordOpener, RecordSealer, RecordWriter, TrafficKeys};
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType};
use keel_wire::{Alert, Codec};

use super::tls13::Secrets;
use super::{Injection, SERVER_NAME, Side, assert_sticky, plaintext_record, split_records};

/// The keys a receiver expects its peer's next record under (RFC 8446 §7.1,
/// §5.2): none before the ServerHello, the handshake traffic keys until the
/// Finished messages, then the first application traffic keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Epoch {
    Plaintext,
    Handshake,
    Application,
}

impl Epoch {
    /// The key-log label of the secret `sender` protects this epoch's
    /// records with.
    fn label(self, sender: Side) -> Option<&'static str> {
        match (self, sender) {
            (Self::Plaintext, _) => None,
            (Self::Handshake, Side::Client) => Some("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
            (Self::Handshake, Side::Server) => Some("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
            (Self::Application, Side::Client) => Some("CLIENT_TRAFFIC_SECRET_0"),
            (Self::Application, Side::Server) => Some("SERVER_TRAFFIC_SECRET_0"),
        }
    }
}

/// A keel client and a keel server (TLS 1.3 negotiated, both logging their
/// secrets into `secrets`), with the records each has sent queued for the
/// other until a test delivers them.
pub(crate) struct Pair13 {
    pub(crate) client: Connection,
    pub(crate) server: Connection,
    pub(crate) secrets: Arc<Secrets>,
    /// Records sent by each side (indexed by [`Side`]), in order, as sent.
    sent: [Vec<Vec<u8>>; 2],
    /// Records delivered to each side, as its peer sent them.
    delivered: [Vec<Vec<u8>>; 2],
    /// Records waiting to be delivered to each side.
    queue: [VecDeque<Vec<u8>>; 2],
    /// For each receiving side, set once a test has sealed a record of its
    /// own towards it.
    reseal: [Option<Reseal>; 2],
}

impl Pair13 {
    /// A new pair under these configurations, whose key logs must be
    /// `secrets`; the client's ClientHello is already queued.
    pub(crate) fn new(
        client: Arc<ClientHandshakeConfig>,
        server: Arc<ServerHandshakeConfig>,
        secrets: Arc<Secrets>,
    ) -> Self {
        let client = Connection::client(client, ServerName::parse(SERVER_NAME).unwrap()).unwrap();
        let server = Connection::server(server);
        let mut pair = Self {
            client,
            server,
            secrets,
            sent: [Vec::new(), Vec::new()],
            delivered: [Vec::new(), Vec::new()],
            queue: [VecDeque::new(), VecDeque::new()],
            reseal: [None, None],
        };
        pair.collect(Side::Client);
        pair
    }

    pub(crate) fn conn(&mut self, side: Side) -> &mut Connection {
        match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        }
    }

    /// Moves what `side` has written into the queue towards its peer.
    pub(crate) fn collect(&mut self, side: Side) {
        let mut bytes = Vec::new();
        self.conn(side).take_tls(&mut bytes);
        for record in split_records(&bytes) {
            self.sent[side.index()].push(record.clone());
            self.queue[side.peer().index()].push_back(record);
        }
    }

    /// Delivers the next queued record to `to`; `Ok(false)` when none is
    /// waiting.
    pub(crate) fn deliver_one(&mut self, to: Side) -> Result<bool, HandshakeError> {
        self.collect(to.peer());
        let Some(record) = self.queue[to.index()].pop_front() else {
            return Ok(false);
        };
        let bytes = match &mut self.reseal[to.index()] {
            Some(reseal) => reseal.forward(&record),
            None => record.clone(),
        };
        self.delivered[to.index()].push(record);
        let accepted = self.conn(to).read_tls(&bytes)?;
        assert_eq!(accepted, bytes.len(), "no back-pressure in a handshake");
        Ok(true)
    }

    /// Brings `target` to the state after it has received `n` records from
    /// its peer, while the peer receives everything `target` sends.
    pub(crate) fn advance(&mut self, target: Side, n: usize) -> Result<(), HandshakeError> {
        loop {
            while self.deliver_one(target.peer())? {}
            if self.delivered[target.index()].len() >= n {
                return Ok(());
            }
            assert!(
                self.deliver_one(target)?,
                "the {target} cannot get {n} records from its peer"
            );
        }
    }

    /// Moves records both ways until neither side has anything to send.
    pub(crate) fn finish(&mut self) -> Result<(), HandshakeError> {
        loop {
            let mut moved = false;
            for side in Side::BOTH {
                while self.deliver_one(side)? {
                    moved = true;
                }
            }
            if !moved {
                return Ok(());
            }
        }
    }

    /// The record waiting for `to`, opened: (content type, plaintext).
    pub(crate) fn next_for(&mut self, to: Side) -> Option<(ContentType, Vec<u8>)> {
        self.collect(to.peer());
        let next = self.queue[to.index()].front()?.clone();
        let mut records = self.delivered[to.index()].clone();
        records.push(next);
        self.open_records(to.peer(), &records).pop()
    }

    /// `records`, sent by `sender` in this order, with the protected ones
    /// opened under the sender's handshake keys and then its first
    /// application keys, as far as they go.
    pub(crate) fn open_records(
        &self,
        sender: Side,
        records: &[Vec<u8>],
    ) -> Vec<(ContentType, Vec<u8>)> {
        // The handshake keys, the first application keys, then (after a
        // KeyUpdate, RFC 8446 §4.6.3) the next generation of those.
        let mut keys = [Some(Epoch::Handshake), Some(Epoch::Application), None].into_iter();
        let mut opener: Option<RecordOpener> = None;
        let mut opened = Vec::new();
        for record in records {
            let header = RecordHeader::peek(record).unwrap();
            let body = &record[RecordHeader::LEN..];
            if header.content_type != ContentType::APPLICATION_DATA {
                opened.push((header.content_type, body.to_vec()));
                continue;
            }
            loop {
                if let Some(opener) = &mut opener {
                    let mut copy = body.to_vec();
                    if let Ok((inner, plaintext)) =
                        opener.open_record_in_place(header.content_type, header.version, &mut copy)
                    {
                        opened.push((inner, plaintext.to_vec()));
                        break;
                    }
                }
                let next = keys
                    .next()
                    .unwrap_or_else(|| panic!("a record from the {sender} opens under no key"));
                let keys = match next {
                    Some(epoch) => self.secrets.keys(epoch.label(sender).unwrap()),
                    None => self.next_generation_keys(sender),
                };
                opener = Some(RecordOpener::new(&keys).unwrap());
            }
        }
        opened
    }

    /// Everything `side` has sent, its pending output included, opened.
    pub(crate) fn open_sent(&mut self, side: Side) -> Vec<(ContentType, Vec<u8>)> {
        self.collect(side);
        self.open_records(side, &self.sent[side.index()])
    }

    /// The record bytes for `injection` towards `to`: a plaintext record
    /// for [`Epoch::Plaintext`], otherwise sealed (a ChangeCipherSpec
    /// too, which keel never seals in TLS 1.3) as the peer seals under
    /// `epoch` at its next sequence number (from then on the peer's real
    /// records under that key are re-sealed so that they still follow).
    pub(crate) fn injection_bytes(
        &mut self,
        to: Side,
        injection: &Injection,
        epoch: Epoch,
    ) -> Vec<u8> {
        let Some(label) = epoch.label(to.peer()) else {
            return match injection {
                Injection::Handshake(message) => {
                    plaintext_record(ContentType::HANDSHAKE, &message.encode().unwrap())
                }
                Injection::ChangeCipherSpec => {
                    plaintext_record(ContentType::CHANGE_CIPHER_SPEC, &[1])
                }
                Injection::ApplicationData(data) => {
                    plaintext_record(ContentType::APPLICATION_DATA, data)
                }
                Injection::RawHandshake(bytes) => plaintext_record(ContentType::HANDSHAKE, bytes),
            };
        };
        if self.reseal[to.index()].is_none() {
            let keys = self.secrets.keys(label);
            let mut opener = RecordOpener::new(&keys).unwrap();
            let mut writer = sealing_writer(&keys);
            // Both start where the peer's real records under this key have
            // got to: each one delivered takes a sequence number.
            let dummy = Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::USER_CANCELED,
            };
            for record in &self.delivered[to.index()] {
                if try_open(&mut opener, record).is_some() {
                    writer.write_alert(dummy, &mut Vec::new()).unwrap();
                }
            }
            self.reseal[to.index()] = Some(Reseal { opener, writer });
        }
        let writer = &mut self.reseal[to.index()].as_mut().unwrap().writer;
        if let Injection::ChangeCipherSpec = injection {
            // The writer sends TLS 1.3's change_cipher_spec unencrypted, as
            // it must: a protected one is sealed by hand.
            let mut record = vec![0u8; 64];
            let len = writer
                .seal_from(ContentType::CHANGE_CIPHER_SPEC, &[1], &mut record)
                .unwrap();
            record.truncate(len);
            return record;
        }
        let mut out = Vec::new();
        match injection {
            Injection::Handshake(message) => {
                writer.write_handshake(&message.encode().unwrap(), &mut out)
            }
            Injection::ChangeCipherSpec => writer.write_change_cipher_spec(&mut out),
            Injection::ApplicationData(data) => writer.write_application_data(data, &mut out),
            Injection::RawHandshake(bytes) => writer.write_handshake(bytes, &mut out),
        }
        .unwrap();
        out
    }

    /// Puts `injection` in front of `to` (see [`Self::injection_bytes`]).
    pub(crate) fn inject(
        &mut self,
        to: Side,
        injection: &Injection,
        epoch: Epoch,
    ) -> Result<(), HandshakeError> {
        let bytes = self.injection_bytes(to, injection, epoch);
        let accepted = self.conn(to).read_tls(&bytes)?;
        assert_eq!(accepted, bytes.len());
        Ok(())
    }

    /// `data` sealed as the peer of `to` would seal it after a KeyUpdate:
    /// under the next generation of its first application secret (RFC
    /// 8446 §7.2), at sequence number zero.
    pub(crate) fn sealed_after_key_update(&self, to: Side, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        sealing_writer(&self.next_generation_keys(to.peer()))
            .write_application_data(data, &mut out)
            .unwrap();
        out
    }

    /// The keys `sender` protects records with after its first KeyUpdate:
    /// the next generation of its first application secret (RFC 8446
    /// §7.2).
    fn next_generation_keys(&self, sender: Side) -> TrafficKeys {
        let label = Epoch::Application.label(sender).unwrap();
        let secret = TrafficSecret::from_bytes(SuiteHash::Sha256, &self.secrets.get(label))
            .unwrap()
            .into_next_generation()
            .unwrap();
        let material = secret.traffic_keys(Tls13Suite::Aes128GcmSha256).unwrap();
        TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, material.key(), material.iv()).unwrap()
    }

    /// Application data goes both ways, and arrives intact.
    pub(crate) fn assert_data_flows(&mut self) {
        for side in Side::BOTH {
            let message = format!("hello from the {side}");
            assert_eq!(
                self.conn(side).write(message.as_bytes()).unwrap(),
                message.len()
            );
            self.finish().unwrap();
            let mut buf = [0u8; 64];
            let n = self.conn(side.peer()).read(&mut buf).unwrap();
            assert_eq!(&buf[..n], message.as_bytes(), "data from the {side}");
        }
    }

    /// Both sides completed the handshake, agree on it, and did not fail.
    pub(crate) fn assert_established(&self) {
        let client = self.client.session().expect("the client is established");
        let server = self.server.session().expect("the server is established");
        assert_eq!(client.cipher_suite, server.cipher_suite);
        assert_eq!(client.group, server.group);
        assert_eq!(client.resumed, server.resumed);
        assert!(self.client.error().is_none() && self.server.error().is_none());
    }

    /// `side` failed with `err`: the last record it wrote is that fatal
    /// alert (opened with its own keys when protected), the peer receives
    /// it as `AlertReceived`, and the error is sticky on both.
    pub(crate) fn assert_failure_reaches_peer(&mut self, side: Side, err: &HandshakeError) {
        let alert = err
            .alert()
            .unwrap_or_else(|| panic!("{err:?} sends an alert"));
        assert_eq!(self.conn(side).error(), Some(err));
        let pending = split_records(self.conn(side).pending_tls());
        let written: Vec<Vec<u8>> = self.sent[side.index()]
            .iter()
            .cloned()
            .chain(pending)
            .collect();
        let opened = self.open_records(side, &written);
        assert_eq!(
            opened.last(),
            Some(&(
                ContentType::ALERT,
                vec![AlertLevel::FATAL.get(), alert.get()]
            )),
            "the {side}'s last record is its fatal alert"
        );
        assert_sticky(self.conn(side), err);
        self.collect(side);
        let peer = side.peer();
        let peer_result = loop {
            match self.deliver_one(peer) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        // A plaintext alert (from a client that failed before it had the
        // handshake keys) reaches a server that reads protected records
        // already, since it sent its ServerHello: there it is an unexpected
        // record (RFC 8446 §5), and the server fails too.
        let plaintext_alert = written
            .last()
            .is_some_and(|r| super::content_type(r) == ContentType::ALERT);
        let expected = if plaintext_alert && peer == Side::Server && self.server_hello_sent() {
            HandshakeError::Record {
                source: keel_record::RecordError::UnexpectedContentType {
                    content_type: ContentType::ALERT,
                },
            }
        } else {
            HandshakeError::AlertReceived { description: alert }
        };
        assert_eq!(peer_result, Err(expected.clone()), "the {peer} hears of it");
        assert_sticky(self.conn(peer), &expected);
    }
}

impl Pair13 {
    /// Whether the server has sent a ServerHello (not a
    /// HelloRetryRequest), after which it reads under the client's keys.
    fn server_hello_sent(&self) -> bool {
        self.sent[Side::Server.index()].iter().any(|record| {
            super::content_type(record) == ContentType::HANDSHAKE
                && matches!(
                    keel_wire::HandshakeMessage::decode(&record[RecordHeader::LEN..]),
                    Ok(keel_wire::HandshakeMessage::ServerHello(_))
                )
        })
    }
}

fn sealing_writer(keys: &TrafficKeys) -> RecordWriter {
    let mut writer = RecordWriter::new();
    writer.version_negotiated();
    writer.install_sealer(RecordSealer::new(keys).unwrap());
    writer
}

/// The record opened under `opener` (which then moves to the next sequence
/// number), or `None` if it is not protected under that key.
fn try_open(opener: &mut RecordOpener, record: &[u8]) -> Option<(ContentType, Vec<u8>)> {
    let header = RecordHeader::peek(record).unwrap();
    if header.content_type != ContentType::APPLICATION_DATA {
        return None;
    }
    let mut body = record[RecordHeader::LEN..].to_vec();
    opener
        .open_record_in_place(header.content_type, header.version, &mut body)
        .ok()
        .map(|(inner, plaintext)| (inner, plaintext.to_vec()))
}

/// Re-seals the peer's real records after a test slipped in records of its
/// own under the peer's keys: each injected record took a sequence number,
/// so the real ones under that key are opened at their own number and
/// sealed again at the next free one. Records under other keys pass.
struct Reseal {
    opener: RecordOpener,
    writer: RecordWriter,
}

impl Reseal {
    fn forward(&mut self, record: &[u8]) -> Vec<u8> {
        let Some((inner, plaintext)) = try_open(&mut self.opener, record) else {
            return record.to_vec();
        };
        let mut out = Vec::new();
        match inner {
            ContentType::HANDSHAKE => self.writer.write_handshake(&plaintext, &mut out),
            ContentType::APPLICATION_DATA => {
                self.writer.write_application_data(&plaintext, &mut out)
            }
            ContentType::ALERT => self
                .writer
                .write_alert(Alert::decode(&plaintext).unwrap(), &mut out),
            other => panic!("a protected {other} record"),
        }
        .unwrap();
        out
    }
}
