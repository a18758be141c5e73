//! What the state-table and tamper tests share: a small PKI made with
//! rcgen (ECDSA P-256, so handshakes are fast), configurations, record
//! framing helpers, well-formed sample messages of every handshake type, and
//! [`Pair`]: a keel client and a keel server joined by queues of records
//! that a test can move one at a time, inspect, hold back, or add to.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

pub(crate) mod pair13;
pub(crate) mod raw_client13;
pub(crate) mod samples13;
pub(crate) mod tls13;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use keel_handshake::key_schedule::{self, MasterSecret, PrfHash};
use keel_handshake::keylog::{self, KeyLog};
use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, Limits, ResumptionContext,
    ServerCertificates, ServerHandshakeConfig, SystemClock, SystemRng,
};
use keel_pki::{CertificateDer, TrustStore};
use keel_pki::{CertifiedKey, ClientAuth, ClientCertVerifier, ServerCertVerifier, ServerName};
use keel_record::{AeadAlgorithm, RecordOpener, RecordSealer, RecordWriter, TrafficKeys};
use keel_wire::framing::RecordHeader;
use keel_wire::handshake::{
    Certificate, CertificateRequest, CertificateStatus, CertificateVerify, ClientHello,
    ClientKeyExchange, DigitallySigned, Finished, HelloRequest, NewSessionTicket, Random,
    ServerEcdhParams, ServerHello, ServerHelloDone, ServerKeyExchange,
};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, CompressionMethod,
    ContentType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{Alert, Codec, Extensions, HandshakeMessage};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The name the server's certificate is for.
pub(crate) const SERVER_NAME: &str = "localhost";

// --- PKI and configurations ---------------------------------------------------

/// One CA, a server leaf for [`SERVER_NAME`] and a client leaf, all ECDSA
/// P-256, issued by the CA.
pub(crate) struct Pki {
    /// The CA certificate both sides trust.
    pub(crate) root: CertificateDer<'static>,
    /// The server's chain (leaf, CA) and key.
    pub(crate) server: Arc<CertifiedKey>,
    /// The client's chain (leaf, CA) and key, with the client-auth EKU.
    pub(crate) client: Arc<CertifiedKey>,
}

/// The PKI, made once per test binary (rcgen key generation is the slow
/// part of a test run).
pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(make_pki)
}

fn make_pki() -> Pki {
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "keel tamper test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().unwrap();
    let root = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);

    let leaf = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose| {
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "keel tamper test leaf");
        params.extended_key_usages = vec![purpose];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &issuer).unwrap();
        Arc::new(
            CertifiedKey::from_pem(
                format!("{}{}", cert.pem(), root.pem()).as_bytes(),
                key.serialize_pem().as_bytes(),
            )
            .unwrap(),
        )
    };
    let server = leaf(
        vec![SERVER_NAME.to_owned()],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let client = leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth);
    Pki {
        root: root.der().clone(),
        server,
        client,
    }
}

/// A key log that keeps the last master secret it was given, so that a test
/// can seal records as the peer would ("an attacker who knows the keys":
/// the only way to put a well-formed protected message in front of a state
/// machine).
#[derive(Debug, Default)]
pub(crate) struct KeyCapture(Mutex<Option<([u8; 32], Vec<u8>)>>);

impl KeyLog for KeyCapture {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        if label == keylog::CLIENT_RANDOM {
            *self.0.lock().unwrap() = Some((*client_random, secret.to_vec()));
        }
    }
}

impl KeyCapture {
    /// The client random and master secret, once logged.
    pub(crate) fn get(&self) -> Option<([u8; 32], Vec<u8>)> {
        self.0.lock().unwrap().clone()
    }
}

/// A client configuration trusting [`pki`]'s CA, offering X25519 first;
/// with `client_auth` it also holds the client certificate.
pub(crate) fn client_config(
    client_auth: bool,
    key_log: Option<Arc<dyn KeyLog>>,
) -> ClientHandshakeConfig {
    let pki = pki();
    let roots = TrustStore::from_der_certificates([pki.root.clone()]).unwrap();
    ClientHandshakeConfig {
        versions: keel_handshake::Versions::Tls12Only,
        verifier: Arc::new(ServerCertVerifier::new(roots)),
        suites: keel_handshake::policy::SUITES.to_vec(),
        // X25519 for the key exchange; P-256 because the certificates are
        // on it (RFC 8422 §5.3: the server may use only a curve the client
        // lists).
        groups: vec![NamedGroup::X25519, NamedGroup::SECP256R1],
        signature_schemes: keel_handshake::policy::SIGNATURE_SCHEMES.to_vec(),
        alpn: vec![],
        client_certificates: if client_auth {
            vec![Arc::clone(&pki.client)]
        } else {
            vec![]
        },
        request_ocsp: false,
        rng: Arc::new(SystemRng),
        clock: Arc::new(SystemClock),
        key_log,
        limits: Limits::default(),
        session_store: None,
        resumption_context: client_context(),
        peer_keys: Arc::default(),
    }
}

/// keel's TLS 1.3 and TLS 1.2 suites, TLS 1.3's first.
pub(crate) fn all_suites() -> Vec<CipherSuite> {
    let mut suites = keel_handshake::policy::TLS13_SUITES.to_vec();
    suites.extend(keel_handshake::policy::SUITES);
    suites
}

/// The groups a TLS 1.3 endpoint offers by default: the hybrid first.
pub(crate) const GROUPS13: [NamedGroup; 4] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// [`client_config`] with `versions`, every suite and `groups`.
pub(crate) fn client_config13(
    versions: keel_handshake::Versions,
    groups: &[NamedGroup],
) -> ClientHandshakeConfig {
    let mut config = client_config(false, None);
    config.versions = versions;
    config.suites = all_suites();
    config.groups = groups.to_vec();
    config
}

/// [`server_config`] with `versions`, every suite and `groups`.
pub(crate) fn server_config13(
    versions: keel_handshake::Versions,
    groups: &[NamedGroup],
) -> ServerHandshakeConfig {
    let mut config = server_config(false);
    config.versions = versions;
    config.suites = all_suites();
    config.groups = groups.to_vec();
    config
}

/// A TLS 1.3 client and server (TLS 1.2 enabled too) with the default
/// groups, the handshake done.
pub(crate) fn established13() -> (Connection, Connection) {
    let (mut client, mut server) = connect(
        client_config13(keel_handshake::Versions::Tls13AndTls12, &GROUPS13),
        server_config13(keel_handshake::Versions::Tls13AndTls12, &GROUPS13),
    );
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().version, ProtocolVersion::TLS_V1_3);
    (client, server)
}

/// The resumption context of every [`client_config`].
pub(crate) fn client_context() -> ResumptionContext {
    ResumptionContext::builder(keel_handshake::Side::Client).build()
}

/// A server configuration presenting [`pki`]'s server certificate; with
/// `client_auth` it requires a client certificate from the same CA.
pub(crate) fn server_config(client_auth: bool) -> ServerHandshakeConfig {
    let pki = pki();
    let client_verifier = client_auth.then(|| {
        let roots = TrustStore::from_der_certificates([pki.root.clone()]).unwrap();
        Arc::new(ClientCertVerifier::new(roots, ClientAuth::Required))
            as Arc<dyn keel_handshake::ClientCertificateVerifier>
    });
    ServerHandshakeConfig {
        versions: keel_handshake::Versions::Tls12Only,
        certificates: ServerCertificates {
            default: vec![Arc::clone(&pki.server)],
            by_name: vec![],
        },
        client_verifier,
        suites: keel_handshake::policy::SUITES.to_vec(),
        groups: vec![NamedGroup::X25519],
        signature_schemes: keel_handshake::policy::SIGNATURE_SCHEMES.to_vec(),
        alpn: vec![],
        rng: Arc::new(SystemRng),
        clock: Arc::new(SystemClock),
        key_log: None,
        limits: Limits::default(),
        session_cache: None,
        ticket_keys: None,
        resumption_context: ResumptionContext::builder(keel_handshake::Side::Server)
            .field("client auth", &[u8::from(client_auth)])
            .build(),
        peer_keys: Arc::default(),
    }
}

/// A server verifier that accepts every chain: only the handshake's own
/// checks stand between a client and the server's leaf.
#[derive(Debug)]
pub(crate) struct AcceptsAnything;

impl keel_handshake::ServerCertificateVerifier for AcceptsAnything {
    fn verify_server(
        &self,
        _: &[CertificateDer<'_>],
        _: &ServerName,
        _: Option<&[u8]>,
        _: keel_pki::UnixTime,
    ) -> Result<(), keel_pki::CertError> {
        Ok(())
    }
}

/// The ClientHello `client` has queued, with its extensions changed by
/// `change`, as a plaintext record (for a server to receive in its place).
pub(crate) fn rewrite_client_hello(
    client: &mut Connection,
    change: impl FnOnce(&mut Vec<keel_wire::ClientExtension>),
) -> Vec<u8> {
    rewrite_whole_client_hello(client, |hello| {
        let Extensions::Present(extensions) = &mut hello.extensions else {
            panic!("a ClientHello without extensions");
        };
        change(extensions);
    })
}

/// The ClientHello `client` has queued, changed by `change`, as a
/// plaintext record.
pub(crate) fn rewrite_whole_client_hello(
    client: &mut Connection,
    change: impl FnOnce(&mut keel_wire::handshake::ClientHello),
) -> Vec<u8> {
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    let record = &split_records(&bytes)[0];
    let HandshakeMessage::ClientHello(mut hello) =
        HandshakeMessage::decode(&record[RecordHeader::LEN..]).unwrap()
    else {
        panic!("not a ClientHello");
    };
    change(&mut hello);
    plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ClientHello(hello).encode().unwrap(),
    )
}

// --- Records --------------------------------------------------------------------

/// Splits a stream of whole records into records (header included). keel
/// writes whole records only, so a partial record at the end is a bug in
/// the test.
pub(crate) fn split_records(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    while !bytes.is_empty() {
        let header = RecordHeader::peek(bytes).expect("a whole record header");
        let len = RecordHeader::LEN + usize::from(header.length);
        assert!(bytes.len() >= len, "a partial record in keel's output");
        let (record, rest) = bytes.split_at(len);
        records.push(record.to_vec());
        bytes = rest;
    }
    records
}

/// A plaintext record with a TLS 1.2 header.
pub(crate) fn plaintext_record(content_type: ContentType, body: &[u8]) -> Vec<u8> {
    let header = RecordHeader {
        content_type,
        version: ProtocolVersion::TLS_V1_2,
        length: u16::try_from(body.len()).unwrap(),
    };
    let mut record = header.to_bytes().to_vec();
    record.extend_from_slice(body);
    record
}

/// A record's content type.
pub(crate) fn content_type(record: &[u8]) -> ContentType {
    RecordHeader::peek(record).unwrap().content_type
}

/// What a record of a handshake carries, for tables: the handshake type of
/// a plaintext handshake record, or the record type.
pub(crate) fn describe_record(record: &[u8], protected: bool) -> String {
    let ct = content_type(record);
    if protected {
        return format!("{ct}*");
    }
    if ct == ContentType::HANDSHAKE {
        let t = HandshakeType::new(record[RecordHeader::LEN]);
        return t.to_string();
    }
    ct.to_string()
}

/// The alerts among plaintext records.
pub(crate) fn plaintext_alerts(bytes: &[u8]) -> Vec<Alert> {
    split_records(bytes)
        .iter()
        .filter(|r| content_type(r) == ContentType::ALERT)
        .map(|r| Alert::decode(&r[RecordHeader::LEN..]).unwrap())
        .collect()
}

/// The description of the last plaintext alert `conn` has queued.
pub(crate) fn last_alert(conn: &Connection) -> Option<AlertDescription> {
    plaintext_alerts(conn.pending_tls())
        .last()
        .map(|a| a.description)
}

/// Everything `conn` has queued to send, taken.
pub(crate) fn take(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    conn.take_tls(&mut out);
    out
}

/// The handshake messages (header included) of the plaintext handshake
/// records at the front of `bytes`, reassembled across records.
pub(crate) fn plaintext_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = Vec::new();
    for record in split_records(bytes) {
        if content_type(&record) != ContentType::HANDSHAKE {
            break;
        }
        stream.extend_from_slice(&record[RecordHeader::LEN..]);
    }
    let mut messages = Vec::new();
    let mut rest = stream.as_slice();
    while !rest.is_empty() {
        let len =
            4 + (usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]));
        let (message, tail) = rest.split_at(len);
        messages.push(message.to_vec());
        rest = tail;
    }
    messages
}

/// `bytes` with each plaintext handshake message passed through `change`
/// (`None` drops it), one message per record; the records after the
/// plaintext handshake (ChangeCipherSpec, protected ones) follow unchanged.
pub(crate) fn rewrite_flight(
    bytes: &[u8],
    mut change: impl FnMut(HandshakeMessage) -> Option<HandshakeMessage>,
) -> Vec<u8> {
    let records = split_records(bytes);
    let rest = records
        .iter()
        .position(|r| content_type(r) != ContentType::HANDSHAKE)
        .unwrap_or(records.len());
    let mut out = Vec::new();
    for message in plaintext_messages(bytes) {
        if let Some(changed) = change(HandshakeMessage::decode(&message).unwrap()) {
            out.extend(plaintext_record(
                ContentType::HANDSHAKE,
                &changed.encode().unwrap(),
            ));
        }
    }
    for record in &records[rest..] {
        out.extend_from_slice(record);
    }
    out
}

/// A client for [`SERVER_NAME`] under `client` and a server under `server`.
pub(crate) fn connect(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
) -> (Connection, Connection) {
    (
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap(),
        Connection::server(Arc::new(server)),
    )
}

/// A self-signed Ed25519 leaf for [`SERVER_NAME`] and its key.
pub(crate) fn ed25519_server_key() -> Arc<CertifiedKey> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let cert = CertificateParams::new(vec![SERVER_NAME.to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Arc::new(CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap())
}

/// A seeded random source (xorshift64*) that remembers what it handed
/// out, so a test can find the random values and ephemeral scalars a side
/// drew.
#[derive(Debug)]
pub(crate) struct RecordingRng {
    state: Mutex<u64>,
    given: Mutex<Vec<Vec<u8>>>,
}

impl RecordingRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: Mutex::new(seed | 1),
            given: Mutex::new(Vec::new()),
        }
    }

    /// Every buffer filled so far, in order.
    pub(crate) fn given(&self) -> Vec<Vec<u8>> {
        self.given.lock().unwrap().clone()
    }
}

impl keel_handshake::Rng for RecordingRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), keel_handshake::RngFailed> {
        let mut state = self.state.lock().unwrap();
        for byte in buf.iter_mut() {
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            *byte = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        self.given.lock().unwrap().push(buf.to_vec());
        Ok(())
    }
}

// --- Sample messages --------------------------------------------------------------

/// Every handshake type keel models, and one it does not (99).
pub(crate) const HANDSHAKE_TYPES: [HandshakeType; 13] = [
    HandshakeType::HELLO_REQUEST,
    HandshakeType::CLIENT_HELLO,
    HandshakeType::SERVER_HELLO,
    HandshakeType::NEW_SESSION_TICKET,
    HandshakeType::CERTIFICATE,
    HandshakeType::SERVER_KEY_EXCHANGE,
    HandshakeType::CERTIFICATE_REQUEST,
    HandshakeType::SERVER_HELLO_DONE,
    HandshakeType::CERTIFICATE_VERIFY,
    HandshakeType::CLIENT_KEY_EXCHANGE,
    HandshakeType::FINISHED,
    HandshakeType::CERTIFICATE_STATUS,
    HandshakeType::new(99),
];

/// A well-formed message of type `t`: it decodes, so whatever refuses it is
/// the state machine, not the codec.
pub(crate) fn sample_message(t: HandshakeType) -> HandshakeMessage {
    use HandshakeMessage as M;
    let signed = || DigitallySigned {
        scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
        signature: Opaque(vec![0x30; 8]),
    };
    // X25519's base point: a valid public value.
    let mut x25519 = vec![0u8; 32];
    x25519[0] = 9;
    let message = match t {
        HandshakeType::HELLO_REQUEST => M::HelloRequest(HelloRequest),
        HandshakeType::CLIENT_HELLO => M::ClientHello(ClientHello {
            client_version: ProtocolVersion::TLS_V1_2,
            random: Random([0x11; 32]),
            session_id: Opaque(Vec::new()),
            cipher_suites: List(vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]),
            compression_methods: List(vec![CompressionMethod::NULL]),
            extensions: Extensions::default(),
        }),
        HandshakeType::SERVER_HELLO => M::ServerHello(ServerHello {
            server_version: ProtocolVersion::TLS_V1_2,
            random: Random([0x22; 32]),
            session_id: Opaque(Vec::new()),
            cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            compression_method: CompressionMethod::NULL,
            extensions: Extensions::default(),
        }),
        HandshakeType::NEW_SESSION_TICKET => M::NewSessionTicket(NewSessionTicket {
            ticket_lifetime_hint: 0,
            ticket: Opaque(vec![0x33; 16]),
        }),
        HandshakeType::CERTIFICATE => M::Certificate(Certificate {
            certificate_list: List(Vec::new()),
        }),
        HandshakeType::SERVER_KEY_EXCHANGE => M::ServerKeyExchange(ServerKeyExchange {
            params: ServerEcdhParams {
                named_group: NamedGroup::X25519,
                public: Opaque(x25519),
            },
            signed: signed(),
        }),
        HandshakeType::CERTIFICATE_REQUEST => M::CertificateRequest(CertificateRequest {
            certificate_types: List(vec![ClientCertificateType::ECDSA_SIGN]),
            supported_signature_algorithms: List(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
            certificate_authorities: List(Vec::new()),
        }),
        HandshakeType::SERVER_HELLO_DONE => M::ServerHelloDone(ServerHelloDone),
        HandshakeType::CERTIFICATE_VERIFY => {
            M::CertificateVerify(CertificateVerify { signed: signed() })
        }
        HandshakeType::CLIENT_KEY_EXCHANGE => M::ClientKeyExchange(ClientKeyExchange {
            public: Opaque(x25519),
        }),
        HandshakeType::FINISHED => M::Finished(Finished {
            verify_data: [0; 12],
        }),
        HandshakeType::CERTIFICATE_STATUS => {
            M::CertificateStatus(CertificateStatus::ocsp(vec![0x30, 0x03, 0x0a, 0x01, 0x00]))
        }
        other => M::Unknown {
            handshake_type: other,
            body: vec![],
        },
    };
    // Well-formed means: it survives its own decoder.
    let bytes = message.encode().unwrap();
    assert_eq!(HandshakeMessage::decode(&bytes).unwrap(), message);
    message
}

// --- A pair of connections joined by record queues ------------------------------------

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Side {
    pub(crate) const BOTH: [Side; 2] = [Side::Client, Side::Server];

    pub(crate) fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Client => 0,
            Self::Server => 1,
        }
    }
}

impl core::fmt::Display for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
    }
}

/// Something to put in front of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Injection {
    /// A handshake message, in a handshake record of its own.
    Handshake(HandshakeMessage),
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
    /// An application-data record with these bytes.
    ApplicationData(Vec<u8>),
    /// A handshake record with these bytes, a message's header and body
    /// as they are, whether or not they decode.
    RawHandshake(Vec<u8>),
}

/// Re-seals the peer's real records after a test slipped in records of its
/// own under the peer's keys: each injected record took a sequence number,
/// so the real ones that follow are opened at their own number and sealed
/// again at the next free one.
struct Reseal {
    opener: RecordOpener,
    writer: RecordWriter,
}

impl Reseal {
    fn forward(&mut self, record: &[u8]) -> Vec<u8> {
        let header = RecordHeader::peek(record).unwrap();
        let mut body = record[RecordHeader::LEN..].to_vec();
        let plaintext = self
            .opener
            .open_in_place(header.content_type, header.version, &mut body)
            .expect("the peer's own record opens")
            .to_vec();
        let mut out = Vec::new();
        match header.content_type {
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

/// A new client (its ClientHello pending) and server.
pub(crate) fn connections(
    client_auth: bool,
    key_log: Option<Arc<dyn KeyLog>>,
) -> (Connection, Connection) {
    connections_with(client_auth, false, key_log)
}

/// The same; with `tickets`, the client keeps sessions (so it asks for a
/// ticket) and the server issues tickets (RFC 5077), each with a store and
/// keys of its own.
pub(crate) fn connections_with(
    client_auth: bool,
    tickets: bool,
    key_log: Option<Arc<dyn KeyLog>>,
) -> (Connection, Connection) {
    let mut client = client_config(client_auth, key_log);
    let mut server = server_config(client_auth);
    if tickets {
        client.session_store = Some(Arc::new(keel_handshake::sessions::ClientSessionStore::new(
            4,
            std::time::Duration::from_secs(3600),
        )));
        server.ticket_keys = Some(Arc::new(
            keel_handshake::tickets::TicketKeys::new(
                &[0x77; 32],
                std::time::Duration::from_secs(3600),
                std::time::Duration::from_secs(3600),
            )
            .unwrap(),
        ));
    }
    let client =
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let server = Connection::server(Arc::new(server));
    (client, server)
}

/// A keel client and a keel server, with the records each has sent queued
/// for the other until a test delivers them.
pub(crate) struct Pair {
    pub(crate) client: Connection,
    pub(crate) server: Connection,
    pub(crate) keys: Arc<KeyCapture>,
    /// Records sent by each side (indexed by [`Side`]), in order, whether
    /// delivered yet or not.
    sent: [Vec<Vec<u8>>; 2],
    /// Records delivered to each side (as its peer sent them).
    delivered: [Vec<Vec<u8>>; 2],
    /// Records waiting to be delivered to each side.
    queue: [VecDeque<Vec<u8>>; 2],
    /// For each receiving side, set once a test has injected a protected
    /// record there.
    reseal: [Option<Reseal>; 2],
}

impl Pair {
    /// A new pair; the client's ClientHello is already queued for the
    /// server.
    pub(crate) fn new(client_auth: bool) -> Self {
        Self::with_tickets(client_auth, false)
    }

    /// The same, with session tickets on both sides when `tickets`.
    pub(crate) fn with_tickets(client_auth: bool, tickets: bool) -> Self {
        let keys = Arc::new(KeyCapture::default());
        let (client, server) = connections_with(
            client_auth,
            tickets,
            Some(Arc::clone(&keys) as Arc<dyn KeyLog>),
        );
        let mut pair = Self {
            client,
            server,
            keys,
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

    /// Records `side` has sent so far.
    pub(crate) fn sent(&self, side: Side) -> &[Vec<u8>] {
        &self.sent[side.index()]
    }

    /// Records delivered to `side` so far.
    pub(crate) fn delivered(&self, side: Side) -> &[Vec<u8>] {
        &self.delivered[side.index()]
    }

    /// The next record waiting for `side`, if any.
    pub(crate) fn next_for(&mut self, side: Side) -> Option<&[u8]> {
        self.collect(side.peer());
        self.queue[side.index()].front().map(Vec::as_slice)
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

    /// The traffic keys `sender` seals with, worked out from the key log
    /// and the ServerHello.
    pub(crate) fn traffic_keys(&self, sender: Side) -> TrafficKeys {
        let (client_random, master) = self.keys.get().expect("the master secret is logged");
        let hello = self.sent[Side::Server.index()]
            .iter()
            .filter(|r| content_type(r) == ContentType::HANDSHAKE)
            .find_map(
                |r| match HandshakeMessage::decode(&r[RecordHeader::LEN..]) {
                    Ok(HandshakeMessage::ServerHello(hello)) => Some(hello),
                    _ => None,
                },
            )
            .expect("the server sent its ServerHello");
        let suite = hello.cipher_suite;
        let (client_keys, server_keys) = key_schedule::key_block(
            &MasterSecret::from_bytes(&master).unwrap(),
            PrfHash::for_suite(suite).unwrap(),
            AeadAlgorithm::for_suite(suite).unwrap(),
            &client_random,
            &hello.random.0,
        )
        .unwrap();
        match sender {
            Side::Client => client_keys,
            Side::Server => server_keys,
        }
    }

    /// Whether records towards `to` are protected now: the peer's
    /// ChangeCipherSpec has been delivered.
    pub(crate) fn protected_towards(&self, to: Side) -> bool {
        self.delivered[to.index()]
            .iter()
            .any(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
    }

    /// The record bytes for `injection` towards `to`: plaintext, or sealed
    /// under the peer's keys at the next sequence number (from then on, the
    /// peer's real records are re-sealed so that they still follow).
    pub(crate) fn injection_bytes(
        &mut self,
        to: Side,
        injection: &Injection,
        sealed: bool,
    ) -> Vec<u8> {
        if !sealed {
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
        }
        assert!(
            self.protected_towards(to),
            "nothing is protected towards the {to} yet"
        );
        if self.reseal[to.index()].is_none() {
            let keys = self.traffic_keys(to.peer());
            let mut opener = RecordOpener::new(&keys).unwrap();
            let mut writer = RecordWriter::new();
            writer.install_sealer(RecordSealer::new(&keys).unwrap());
            // Both start where the peer's real records have got to.
            let delivered = &self.delivered[to.index()];
            let ccs = delivered
                .iter()
                .position(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
                .unwrap();
            let dummy = Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::USER_CANCELED,
            };
            for record in &delivered[ccs + 1..] {
                let header = RecordHeader::peek(record).unwrap();
                let mut body = record[RecordHeader::LEN..].to_vec();
                opener
                    .open_in_place(header.content_type, header.version, &mut body)
                    .unwrap();
                writer.write_alert(dummy, &mut Vec::new()).unwrap();
            }
            self.reseal[to.index()] = Some(Reseal { opener, writer });
        }
        let writer = &mut self.reseal[to.index()].as_mut().unwrap().writer;
        let mut out = Vec::new();
        if let Injection::ApplicationData(data) = injection
            && data.is_empty()
        {
            // The writer writes no record for no data: seal one by hand.
            let mut record = vec![0u8; 64];
            let len = writer
                .seal_from(ContentType::APPLICATION_DATA, &[], &mut record)
                .unwrap();
            record.truncate(len);
            return record;
        }
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
        sealed: bool,
    ) -> Result<(), HandshakeError> {
        let bytes = self.injection_bytes(to, injection, sealed);
        let accepted = self.conn(to).read_tls(&bytes)?;
        assert_eq!(accepted, bytes.len());
        Ok(())
    }

    /// The records `side` has sent since its ChangeCipherSpec, opened with
    /// its keys: (content type, plaintext).
    pub(crate) fn open_sent(&mut self, side: Side) -> Vec<(ContentType, Vec<u8>)> {
        self.collect(side);
        let mut opener = RecordOpener::new(&self.traffic_keys(side)).unwrap();
        let sent = &self.sent[side.index()];
        let ccs = sent
            .iter()
            .position(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
            .expect("the side sent its ChangeCipherSpec");
        sent[ccs + 1..]
            .iter()
            .map(|record| {
                let header = RecordHeader::peek(record).unwrap();
                let mut body = record[RecordHeader::LEN..].to_vec();
                let plaintext = opener
                    .open_in_place(header.content_type, header.version, &mut body)
                    .unwrap()
                    .to_vec();
                (header.content_type, plaintext)
            })
            .collect()
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

    /// Both sides completed the handshake and agree on what they
    /// negotiated.
    pub(crate) fn assert_established(&self) {
        let client = self.client.session().expect("the client is established");
        let server = self.server.session().expect("the server is established");
        assert_eq!(client.cipher_suite, server.cipher_suite);
        assert_eq!(client.group, server.group);
        assert_eq!(client.signature_scheme, server.signature_scheme);
        assert!(self.client.error().is_none() && self.server.error().is_none());
    }

    /// `side` failed with `err`: its fatal alert is queued, it reaches the
    /// peer as `AlertReceived` with the same description, and the error is
    /// sticky on both.
    pub(crate) fn assert_failure_reaches_peer(&mut self, side: Side, err: &HandshakeError) {
        let alert = err
            .alert()
            .unwrap_or_else(|| panic!("{err:?} sends an alert"));
        assert_eq!(self.conn(side).error(), Some(err));
        // Before the side's ChangeCipherSpec its alert can be read on the
        // wire: the last record it queued is that fatal alert.
        let pending = split_records(self.conn(side).pending_tls());
        let sealed = self.sent[side.index()]
            .iter()
            .chain(&pending)
            .any(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC);
        if !sealed {
            let alerts = plaintext_alerts(self.conn(side).pending_tls());
            assert_eq!(
                alerts.last(),
                Some(&Alert {
                    level: AlertLevel::FATAL,
                    description: alert
                }),
                "the {side}'s fatal alert is queued"
            );
        }
        assert_sticky(self.conn(side), err);
        // Everything else the side wrote was delivered already: what is
        // pending now is its alert (sealed or not).
        self.collect(side);
        let peer = side.peer();
        let peer_result = loop {
            match self.deliver_one(peer) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        let expected = HandshakeError::AlertReceived { description: alert };
        assert_eq!(peer_result, Err(expected.clone()), "the {peer} hears of it");
        assert_sticky(self.conn(peer), &expected);
    }
}

/// After a failure, every call gives the same error.
pub(crate) fn assert_sticky(conn: &mut Connection, err: &HandshakeError) {
    assert_eq!(conn.error(), Some(err));
    assert_eq!(conn.read_tls(&[22, 3, 3, 0, 0]).as_ref(), Err(err));
    assert_eq!(conn.read_tls(&[]).as_ref(), Err(err));
    assert_eq!(conn.write(b"more").as_ref(), Err(err));
    assert_eq!(conn.read(&mut [0u8; 8]).as_ref(), Err(err));
    assert_eq!(conn.transport_closed().as_ref(), Err(err));
    assert!(!conn.is_handshaking());
    assert_eq!(conn.error(), Some(err));
}

/// Moves bytes both ways between two connections until neither has any to
/// send; returns the first error either side reports.
pub(crate) fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), HandshakeError> {
    for _ in 0..50 {
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.take_tls(&mut to_server);
        server.take_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            return Ok(());
        }
        if !to_server.is_empty() {
            server.read_tls(&to_server)?;
        }
        if !to_client.is_empty() {
            client.read_tls(&to_client)?;
        }
    }
    panic!("did not settle");
}
