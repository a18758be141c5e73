//! A connection: the record layer and a state machine together. Bytes in,
//! bytes out; plaintext in, plaintext out. Sans-IO.

use std::collections::VecDeque;
use std::sync::Arc;

use core::ops::Range;
use keel_pki::ServerName;

use keel_record::{
    Decoded, Received, RecordDecoder, RecordError, RecordOpener, RecordSealer, RecordWriter,
};
use keel_wire::registry::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, KeyUpdateRequest,
};
use keel_wire::{Alert, HandshakeMessage};

use crate::client::{self, ClientState};
use crate::client13::ClientState13;
use crate::config::{ClientHandshakeConfig, Limits, ServerHandshakeConfig};
use crate::error::{HandshakeError, IllegalParameter, MessageKind, Repeated};
use crate::machine::{Emit, SessionHandle, SessionSecrets};
use crate::send_buffer::SendBuffer;
use crate::server::ServerState;
use crate::server13::ServerState13;
use crate::session::SessionInfo;

/// The most received TLS bytes held before they are processed: two whole
/// protected records.
const MAX_BUFFERED_TLS: usize = 2 * (5 + keel_record::limits::MAX_CIPHERTEXT);

/// The most records of unread application data held in the receive
/// buffer: a peer sending one byte per record would otherwise make the
/// list of where they lie grow to thousands of entries.
const MAX_HELD_RECORDS: usize = 1024;

/// The most TLS 1.3 post-handshake messages (KeyUpdate, NewSessionTicket)
/// taken in a row without application data between them: each KeyUpdate
/// with update_requested costs an answer and two key derivations, so a
/// flood is ended (BoringSSL allows 32 KeyUpdates in a row).
const MAX_POST_HANDSHAKE_IN_A_ROW: usize = 32;

#[derive(Debug)]
enum Machine {
    Client(ClientState),
    Server(ServerState),
    Client13(ClientState13),
    Server13(ServerState13),
    /// Between taking the state out and putting the next one back, and
    /// after a failure.
    Gone,
}

/// One TLS 1.2 connection, client or server, driven with plain buffers.
#[derive(Debug)]
pub struct Connection {
    machine: Machine,
    decoder: RecordDecoder,
    /// The buffered level's receive buffer (the in-place level uses the
    /// caller's): TLS bytes not yet decoded from `rx_start` on, and before
    /// them the records already decrypted in place, whose unread
    /// application data `plaintext` points at.
    rx: Vec<u8>,
    rx_start: usize,
    /// Where in `rx` the unread application data lies, oldest first; the
    /// front range shrinks as it is read. Reading copies from there, so
    /// plaintext is copied once, into the caller's buffer.
    plaintext: VecDeque<Range<usize>>,
    writer: RecordWriter,
    /// TLS bytes waiting to be sent.
    outgoing: SendBuffer,
    /// Plaintext written before the handshake completed.
    pending_writes: Vec<u8>,
    session: Option<SessionInfo>,
    /// The negotiated record size limits (send, receive), applied when the
    /// keys of each direction are installed.
    record_size_limit: Option<(usize, usize)>,
    /// The session this connection stored or resumed, if any.
    session_handle: Option<SessionHandle>,
    /// The master secret and randoms, kept for RFC 5705 exports.
    secrets: Option<Box<SessionSecrets>>,
    error: Option<HandshakeError>,
    peer_closed: bool,
    /// The peer asked for a KeyUpdate that is not sent yet (RFC 8446
    /// §4.6.3: before this side's next application data).
    key_update_owed: bool,
    we_closed: bool,
    in_a_row: usize,
    /// TLS 1.3 post-handshake messages since the last application data.
    post_handshake_in_a_row: usize,
    limits: Limits,
}

impl Connection {
    /// A client connection to `server_name`; the ClientHello is queued at
    /// once.
    pub fn client(
        config: Arc<ClientHandshakeConfig>,
        server_name: ServerName,
    ) -> Result<Self, HandshakeError> {
        let limits = config.limits;
        let mut emits = Vec::new();
        let state = client::start(config, server_name, &mut emits)?;
        let mut connection = Self::new(Machine::Client(state), limits);
        connection.writer = RecordWriter::for_client_hello();
        connection.apply(emits)?;
        Ok(connection)
    }

    /// A server connection, waiting for a ClientHello.
    #[must_use]
    pub fn server(config: Arc<ServerHandshakeConfig>) -> Self {
        let limits = config.limits;
        Self::new(Machine::Server(ServerState::new(config)), limits)
    }

    fn new(machine: Machine, limits: Limits) -> Self {
        let mut decoder = RecordDecoder::new();
        decoder.set_max_handshake_message(limits.max_handshake_message);
        // Until the handshake completes, any application data (even an
        // empty record) is out of place.
        decoder.set_application_data_expected(false);
        Self {
            machine,
            decoder,
            rx: Vec::new(),
            rx_start: 0,
            plaintext: VecDeque::new(),
            writer: RecordWriter::new(),
            outgoing: SendBuffer::default(),
            pending_writes: Vec::new(),
            session: None,
            record_size_limit: None,
            session_handle: None,
            secrets: None,
            error: None,
            peer_closed: false,
            key_update_owed: false,
            we_closed: false,
            in_a_row: 0,
            post_handshake_in_a_row: 0,
            limits,
        }
    }

    /// Takes bytes received from the peer and processes them. Returns how
    /// many were accepted: fewer than given when the connection holds as
    /// much as it may (back-pressure) — read plaintext, then offer the rest
    /// again.
    ///
    /// This is the buffered level, built on
    /// [`read_tls_in_place`](Self::read_tls_in_place): records are
    /// decrypted where they lie in the connection's own buffer, and
    /// [`read`](Self::read) copies their plaintext from there.
    pub fn read_tls(&mut self, bytes: &[u8]) -> Result<usize, HandshakeError> {
        self.check()?;
        self.compact_rx();
        let room = MAX_BUFFERED_TLS.saturating_sub(self.rx.len() - self.rx_start);
        let accepted = bytes.len().min(room);
        self.rx
            .extend_from_slice(bytes.get(..accepted).unwrap_or_default());
        self.drain_rx()?;
        Ok(accepted)
    }

    /// Decodes what the buffered receive buffer holds, while the
    /// application's plaintext buffer has room, leaving each record's
    /// application data where it was decrypted.
    fn drain_rx(&mut self) -> Result<(), HandshakeError> {
        while !self.plaintext_full() && self.rx_start < self.rx.len() {
            let mut rx = std::mem::take(&mut self.rx);
            let start = self.rx_start;
            let result = self.check().and_then(|()| {
                let result = self.decode_in_place(rx.get_mut(start..).unwrap_or_default());
                self.result(result)
            });
            self.rx = rx;
            let (consumed, range) = result?;
            self.rx_start += consumed;
            if let Some(range) = range.filter(|range| range.start < range.end) {
                self.plaintext
                    .push_back(start + range.start..start + range.end);
            }
            if consumed == 0 {
                break;
            }
        }
        self.compact_rx();
        Ok(())
    }

    /// Drops from the receive buffer what is neither unread plaintext nor
    /// undecoded TLS: all of it when nothing is held, else the front once
    /// it is large enough to be worth the move.
    fn compact_rx(&mut self) {
        let held_from = self
            .plaintext
            .front()
            .map_or(self.rx_start, |range| range.start);
        if held_from == self.rx.len() {
            self.rx.clear();
            self.rx_start = 0;
        } else if held_from > MAX_BUFFERED_TLS / 2 {
            self.rx.drain(..held_from);
            self.rx_start -= held_from;
            for range in &mut self.plaintext {
                *range = range.start - held_from..range.end - held_from;
            }
        }
    }

    /// The zero-copy level: processes the records at the start of the
    /// caller's receive buffer `buf`, decrypting in place. Handshake
    /// messages, alerts and ChangeCipherSpec are handled inside; the first
    /// application data found is returned as a slice of `buf` — no copy.
    ///
    /// The caller then drops `consumed` bytes from the front of its buffer
    /// (they were decrypted in place and must not be offered again) and
    /// calls again with the rest plus any new bytes. `consumed == 0` and no
    /// plaintext means more bytes are needed. Do not mix this with
    /// [`read_tls`](Self::read_tls) on one connection.
    pub fn read_tls_in_place<'b>(
        &mut self,
        buf: &'b mut [u8],
    ) -> Result<ReadInPlace<'b>, HandshakeError> {
        self.check()?;
        let result = self.decode_in_place(buf);
        let (consumed, range) = self.result(result)?;
        let plaintext = match range {
            Some(range) => buf.get(range),
            None => None,
        };
        Ok(ReadInPlace {
            consumed,
            plaintext,
        })
    }

    /// The plaintext window of a send buffer of `buf_len` bytes for
    /// [`seal_in_place`](Self::seal_in_place): write at most that many bytes
    /// of plaintext there. `None` before the handshake completes.
    #[must_use]
    pub fn plaintext_window(&self, buf_len: usize) -> Option<Range<usize>> {
        self.session.as_ref()?;
        self.writer.plaintext_window(buf_len)
    }

    /// The zero-copy send path: seals the `plaintext_len` bytes the caller
    /// wrote at [`plaintext_window`](Self::plaintext_window) into one
    /// application-data record in `buf`, and returns the record's length.
    /// Send the record only after [`pending_tls`](Self::pending_tls) is
    /// empty, to keep the order of records.
    pub fn seal_in_place(
        &mut self,
        buf: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, HandshakeError> {
        self.seal_record(|writer| {
            writer.seal_in_place(ContentType::APPLICATION_DATA, buf, plaintext_len)
        })
    }

    /// The zero-copy send path for bytes the application already holds:
    /// seals `plaintext` from its own buffer into one application-data
    /// record at the start of `out` in one pass (the cipher reads it and
    /// writes the record), and returns the record's length. `plaintext`
    /// may be as long as [`plaintext_window`](Self::plaintext_window)
    /// allows for `out.len()`. Send the record only after
    /// [`pending_tls`](Self::pending_tls) is empty, to keep the order of
    /// records.
    pub fn seal_from(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize, HandshakeError> {
        self.seal_record(|writer| writer.seal_from(ContentType::APPLICATION_DATA, plaintext, out))
    }

    /// The zero-copy send paths' checks and error handling around `seal`:
    /// only once the handshake is done, never after close_notify, and a
    /// failure fails the connection. Both paths seal application_data
    /// only: keel sends no record type beyond RFC 5246's four (RFC 5246 §6).
    /// The caller keeps records in the order they were sealed by sending
    /// after `pending_tls` is empty (RFC 5246 §6.2.1).
    fn seal_record(
        &mut self,
        seal: impl FnOnce(&mut RecordWriter) -> Result<usize, RecordError>,
    ) -> Result<usize, HandshakeError> {
        self.check()?;
        if self.session.is_none() || self.we_closed {
            return Err(HandshakeError::Closed);
        }
        let update = self.update_keys_if_due();
        self.result(update)?;
        match seal(&mut self.writer) {
            Err(err @ RecordError::KeyLimitReached { .. }) => Err(self.close_at_key_limit(err)),
            result => {
                let result = result.map_err(HandshakeError::from);
                self.result(result)
            }
        }
    }

    /// The key may seal no more application data: AES-GCM's record limit
    /// is reached, and TLS 1.2 cannot change keys. close_notify goes out
    /// under the sequence number held back for it, writing ends (later
    /// writes are `Closed`), and reading goes on until the peer closes too.
    /// The limit is not a failure of the connection, so it is not sticky.
    fn close_at_key_limit(&mut self, err: RecordError) -> HandshakeError {
        self.close();
        HandshakeError::Record { source: err }
    }

    /// TLS bytes to send to the peer.
    #[must_use]
    pub fn pending_tls(&self) -> &[u8] {
        self.outgoing.pending()
    }

    /// Marks `n` bytes of [`pending_tls`](Self::pending_tls) as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.outgoing.consume(n);
    }

    /// Moves all pending TLS bytes into `out`.
    pub fn take_tls(&mut self, out: &mut Vec<u8>) {
        self.outgoing.take_into(out);
    }

    /// Frees the memory of the buffers that hold nothing now: received TLS
    /// bytes, decrypted data, TLS bytes to send, plaintext written before
    /// the handshake, handshake reassembly. A buffer that still holds
    /// bytes is kept. They are allocated again as bytes come and go, so
    /// this is for a connection that has gone quiet (an idle keep-alive
    /// or proxied connection costs little memory after it), not for
    /// calling between records: a connection in steady use allocates
    /// nothing per record only while it keeps its buffers.
    pub fn release_buffers(&mut self) {
        if self.plaintext.is_empty() && self.rx_start == self.rx.len() {
            self.rx = Vec::new();
            self.rx_start = 0;
            self.plaintext = VecDeque::new();
        }
        if self.pending_writes.is_empty() {
            self.pending_writes = Vec::new();
        }
        self.outgoing.release();
        self.decoder.release_buffers();
    }

    /// Whether there are TLS bytes to send.
    #[must_use]
    pub fn wants_write(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Whether the connection can take more TLS bytes now.
    #[must_use]
    pub fn wants_read(&self) -> bool {
        self.error.is_none() && !self.peer_closed && !self.plaintext_full()
    }

    /// Copies received plaintext into `buf`; `Ok(0)` when none is waiting
    /// (see [`peer_closed`](Self::peer_closed) for the end of the stream).
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, HandshakeError> {
        if self.plaintext.is_empty() {
            self.check()?;
            return Ok(0);
        }
        let mut n = 0;
        while let Some(range) = self.plaintext.front_mut() {
            let Some(out) = buf.get_mut(n..).filter(|out| !out.is_empty()) else {
                break;
            };
            let take = range.len().min(out.len());
            let from = range.start..range.start + take;
            out.get_mut(..take)
                .unwrap_or_default()
                .copy_from_slice(self.rx.get(from).unwrap_or_default());
            range.start += take;
            n += take;
            if range.start == range.end {
                self.plaintext.pop_front();
            }
        }
        // Room was made: records held back by back-pressure can be read.
        // A failure there is recorded by `result` (the connection has
        // failed for good) and returned by the next call; the bytes
        // copied now are not lost to it.
        let _ = self.drain_rx();
        Ok(n)
    }

    /// Queues plaintext to send. Before the handshake completes it is held
    /// (up to a limit) and sent once it does. Returns how much was
    /// accepted: less than given when the outgoing buffer is full.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, HandshakeError> {
        self.check()?;
        if self.we_closed {
            return Err(HandshakeError::Closed);
        }
        // RFC 5246 §7.3: no application data before the first handshake
        // completes; what is written now waits for it.
        if self.session.is_none() {
            let room = self
                .limits
                .max_pending_writes
                .saturating_sub(self.pending_writes.len());
            let n = data.len().min(room);
            self.pending_writes
                .extend_from_slice(data.get(..n).unwrap_or_default());
            return Ok(n);
        }
        let update = self.update_keys_if_due();
        self.result(update)?;
        let room = self
            .limits
            .max_buffered_plaintext
            .saturating_sub(self.outgoing.len());
        // At the key's record limit, close rather than fail (RFC 5246 has
        // no rekeying; RFC 8446 §5.5 gives AES-GCM's limit).
        if !data.is_empty()
            && let Err(err) = self.writer.check_data_room(1)
        {
            return Err(self.close_at_key_limit(err));
        }
        let key_room = self.writer.data_bytes_remaining().unwrap_or(usize::MAX);
        let n = data.len().min(room).min(key_room);
        let result = self
            .writer
            .write_application_data(data.get(..n).unwrap_or_default(), &mut self.outgoing);
        self.result(result.map_err(HandshakeError::from))?;
        Ok(n)
    }

    /// Sends close_notify (RFC 5246 §7.2.1). Nothing can be written after.
    pub fn close(&mut self) {
        if !self.we_closed && self.error.is_none() {
            self.we_closed = true;
            let alert = Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::CLOSE_NOTIFY,
            };
            let _ = self.writer.write_alert(alert, &mut self.outgoing);
        }
    }

    /// The transport ended. Without the peer's close_notify first, this is a
    /// truncation: [`HandshakeError::Truncated`].
    pub fn transport_closed(&mut self) -> Result<(), HandshakeError> {
        if self.peer_closed {
            return Ok(());
        }
        self.check()?;
        self.error = Some(HandshakeError::Truncated);
        Err(HandshakeError::Truncated)
    }

    /// Keying material exporter (RFC 5705): fills `output` with key material
    /// for `label` and the optional `context`, bound to this session. Both
    /// sides of a connection get the same bytes. Available once the
    /// handshake is complete; labels the TLS key schedule uses are refused.
    pub fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), HandshakeError> {
        self.check()?;
        let secrets = self
            .secrets
            .as_ref()
            .ok_or(HandshakeError::Exporter { reason: None })?;
        let result = match secrets.as_ref() {
            SessionSecrets::Tls12 {
                master,
                prf,
                client_random,
                server_random,
            } => crate::key_schedule::export_keying_material(
                master,
                *prf,
                client_random,
                server_random,
                label,
                context,
                output,
            ),
            // RFC 8446 §7.5.
            SessionSecrets::Tls13(exporter) => exporter.export(label, context, output),
        };
        result.map_err(|source| HandshakeError::Exporter {
            reason: Some(source),
        })
    }

    /// Whether the handshake is still running.
    #[must_use]
    pub fn is_handshaking(&self) -> bool {
        self.session.is_none() && self.error.is_none()
    }

    /// The negotiated session, once the handshake is complete.
    #[must_use]
    pub fn session(&self) -> Option<&SessionInfo> {
        self.session.as_ref()
    }

    /// Whether the peer sent close_notify. TLS 1.2 answers it at once
    /// (RFC 5246 §7.2.1); in TLS 1.3 this side may still write until it
    /// calls [`close`](Self::close) (RFC 8446 §6.1).
    #[must_use]
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// The error the connection failed with, if it did.
    #[must_use]
    pub fn error(&self) -> Option<&HandshakeError> {
        self.error.as_ref()
    }

    /// How much of the receive buffer unread application data holds,
    /// from its first unread byte to the first undecoded one: the record
    /// overheads between count too, so tiny records cannot make the
    /// buffer many times larger than the limit on it.
    fn received_len(&self) -> usize {
        self.plaintext
            .front()
            .map_or(0, |range| self.rx_start - range.start)
    }

    /// Whether unread application data fills what may wait: no more
    /// records are decoded until the application reads.
    fn plaintext_full(&self) -> bool {
        self.received_len() >= self.limits.max_buffered_plaintext
            || self.plaintext.len() >= MAX_HELD_RECORDS
    }

    fn check(&self) -> Result<(), HandshakeError> {
        self.error.clone().map_or(Ok(()), Err)
    }

    /// Records a failure: sticky, with its fatal alert queued for sending.
    /// The record layer's errors go out this way too: unexpected_message
    /// for an unexpected record type (RFC 5246 §6), bad_record_mac for a
    /// record that fails decryption (RFC 5246 §6.2.3.3).
    fn result<T>(&mut self, result: Result<T, HandshakeError>) -> Result<T, HandshakeError> {
        if let Err(err) = &result
            && self.error.is_none()
        {
            self.error = Some(err.clone());
            self.machine = Machine::Gone;
            // RFC 5246 §7.2: a session whose connection ended in a fatal
            // alert, either way, must not be resumed. (A truncation is not
            // an alert; nothing is forgotten for it.)
            if !matches!(err, HandshakeError::Truncated)
                && let Some(handle) = self.session_handle.take()
            {
                handle.forget();
            }
            // RFC 5246 §7.2.1: nothing is sent after our own close_notify.
            if let Some(description) = err.alert().filter(|_| !self.we_closed) {
                let alert = Alert {
                    level: AlertLevel::FATAL,
                    description,
                };
                // RFC 7507 §3: the record layer version number for this
                // alert is the ClientHello's client_version, the version
                // the client fell back to.
                if let HandshakeError::InappropriateFallback { version } = err {
                    self.writer.answer_at_version(*version);
                }
                // Best effort: a writer that failed itself cannot send it.
                let _ = self.writer.write_alert(alert, &mut self.outgoing);
            }
        }
        result
    }

    /// Decodes records from `buf` until application data is found or more
    /// bytes are needed; returns the bytes consumed and where in `buf` the
    /// application data lies.
    fn decode_in_place(
        &mut self,
        buf: &mut [u8],
    ) -> Result<(usize, Option<Range<usize>>), HandshakeError> {
        // Addresses, not borrows: the application data's place in `buf` is
        // worked out from them, so that no borrow of `buf` outlives one
        // turn of the loop.
        let base = buf.as_ptr() as usize;
        // A client's first records say {03,01}; once the server has
        // answered, everything the client sends says TLS 1.2, including
        // an alert about an answer it refuses (the server has settled on
        // TLS 1.2 by then and checks for it).
        if matches!(self.machine, Machine::Client(_) | Machine::Client13(_)) && !buf.is_empty() {
            self.writer.version_negotiated();
        }
        let mut total = 0;
        while !self.peer_closed {
            let rest = buf.get_mut(total..).unwrap_or_default();
            match self.decoder.decode(rest)? {
                Decoded::NeedMore { consumed, .. } => {
                    total += consumed;
                    break;
                }
                Decoded::Item { consumed, item } => {
                    total += consumed;
                    match item {
                        Received::ApplicationData(data) => {
                            // RFC 5246 §7.3: none before the handshake completes.
                            if self.session.is_none() {
                                return Err(HandshakeError::UnexpectedMessage {
                                    expected: machine_name(&self.machine),
                                    got: MessageKind::ApplicationData,
                                });
                            }
                            self.in_a_row = 0;
                            self.post_handshake_in_a_row = 0;
                            let start = (data.as_ptr() as usize).wrapping_sub(base);
                            return Ok((total, Some(start..start + data.len())));
                        }
                        Received::Handshake(raw) => {
                            let raw = raw.to_vec();
                            self.on_handshake(&raw)?;
                        }
                        Received::ChangeCipherSpec => self.on_change_cipher_spec()?,
                        Received::Alert(alert) => self.on_alert(alert)?,
                    }
                }
            }
        }
        Ok((total, None))
    }

    fn on_handshake(&mut self, raw: &[u8]) -> Result<(), HandshakeError> {
        let header_type = raw
            .first()
            .copied()
            .map(HandshakeType::new)
            .unwrap_or(HandshakeType::HELLO_REQUEST);
        // RFC 5246 §7.4: whether this message may come now is judged from
        // its header, before its body is decoded: a message out of place is
        // unexpected_message, whatever its body holds.
        if !self.accepts(header_type) {
            return Err(HandshakeError::UnexpectedMessage {
                expected: machine_name(&self.machine),
                got: MessageKind::Handshake(header_type),
            });
        }
        // RFC 8446 §4: once TLS 1.3 is negotiated, its messages are read as
        // it defines them.
        let tls13 = matches!(self.machine, Machine::Client13(_) | Machine::Server13(_));
        let version = if tls13 {
            keel_wire::registry::ProtocolVersion::TLS_V1_3
        } else {
            keel_wire::registry::ProtocolVersion::TLS_V1_2
        };
        let message =
            HandshakeMessage::decode_in(version, raw).map_err(|source| HandshakeError::Decode {
                message: header_type,
                source,
            })?;
        if self.session.is_some() {
            if !tls13 {
                return self.after_handshake();
            }
            self.post_handshake_in_a_row += 1;
            if self.post_handshake_in_a_row > MAX_POST_HANDSHAKE_IN_A_ROW {
                return Err(HandshakeError::TooMany {
                    what: Repeated::PostHandshakeMessages,
                });
            }
        }
        // A HelloRequest the client ignores mid-handshake
        // (RFC 5246 §7.4.1.1: nor is it hashed) moves nothing forward: it
        // counts towards the bound on renegotiation attempts and warnings in
        // a row, and resets nothing. Any message that advances the
        // handshake resets the count.
        if matches!(
            (&self.machine, &message),
            (Machine::Client(_), HandshakeMessage::HelloRequest(_))
        ) {
            self.count_in_a_row(Repeated::HelloRequests)?;
        } else {
            self.in_a_row = 0;
        }
        let mut emits = Vec::new();
        let may_send = !self.we_closed;
        let next = match std::mem::replace(&mut self.machine, Machine::Gone) {
            Machine::Client(state) => match state.handle(raw, message, &mut emits)? {
                ClientState::Tls13(state) => Machine::Client13(*state),
                state => Machine::Client(state),
            },
            Machine::Server(state) => match state.handle(raw, message, &mut emits)? {
                ServerState::Tls13(state) => Machine::Server13(*state),
                state => Machine::Server(state),
            },
            Machine::Client13(state) => {
                Machine::Client13(state.handle(raw, message, may_send, &mut emits)?)
            }
            Machine::Server13(state) => {
                Machine::Server13(state.handle(raw, message, may_send, &mut emits)?)
            }
            Machine::Gone => return Err(HandshakeError::Closed),
        };
        self.machine = next;
        // After the handshake, a KeyUpdate's answer may be followed by more
        // of the peer's messages: there are no flights any more.
        if self.session.is_some() {
            return self.apply(emits);
        }
        // The peer's flight ended with this message: it is our turn, and
        // the peer cannot have seen our reply yet, so nothing of its next
        // flight may be here already. Handshake bytes still buffered (a
        // whole message or the start of one) are refused, as BoringSSL
        // refuses them: data that crosses a flight boundary is either a
        // broken peer or an attempt to have messages processed under the
        // wrong state.
        if emits.iter().any(|e| matches!(e, Emit::Message(_)))
            && self.decoder.has_buffered_handshake()
        {
            return Err(HandshakeError::ExcessHandshakeData);
        }
        self.apply(emits)
    }

    /// Whether a handshake message of type `t` may come now: the state's
    /// own types while negotiating; afterwards only a renegotiation
    /// request, which is refused with a warning.
    fn accepts(&self, t: HandshakeType) -> bool {
        match &self.machine {
            Machine::Client(_) if self.session.is_some() => t == HandshakeType::HELLO_REQUEST,
            Machine::Server(_) if self.session.is_some() => t == HandshakeType::CLIENT_HELLO,
            Machine::Client(state) => state.accepts(t),
            Machine::Server(state) => state.accepts(t),
            Machine::Client13(state) => state.accepts(t),
            Machine::Server13(state) => state.accepts(t),
            Machine::Gone => false,
        }
    }

    /// RFC 5246 §7.2.2 / §7.4.1.1: keel does not renegotiate. A HelloRequest
    /// (at a client) or ClientHello (at a server) after the handshake is
    /// answered with a warning no_renegotiation, and the connection goes
    /// on; too many in a row end it. (`accepts` let nothing else through.)
    /// Whatever the secure_renegotiation flag: RFC 5746 §4.2 (a client
    /// refuses with no_renegotiation), RFC 5746 §4.4 (a server permits no
    /// legacy renegotiation), RFC 5746 §5 (nor any other).
    fn after_handshake(&mut self) -> Result<(), HandshakeError> {
        self.count_in_a_row(Repeated::RenegotiationAttempts)?;
        // RFC 5246 §7.2.1: nothing is sent after our own close_notify.
        if !self.we_closed {
            let alert = Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::NO_RENEGOTIATION,
            };
            self.writer.write_alert(alert, &mut self.outgoing)?;
        }
        Ok(())
    }

    fn on_change_cipher_spec(&mut self) -> Result<(), HandshakeError> {
        let mut emits = Vec::new();
        let next = match std::mem::replace(&mut self.machine, Machine::Gone) {
            Machine::Client(state) => Machine::Client(state.handle_change_cipher_spec(&mut emits)?),
            Machine::Server(state) => Machine::Server(state.handle_change_cipher_spec(&mut emits)?),
            // RFC 8446 §5: a ChangeCipherSpec the record layer did not drop
            // as the middlebox one is unexpected_message.
            state @ (Machine::Client13(_) | Machine::Server13(_)) => {
                return Err(HandshakeError::UnexpectedMessage {
                    expected: machine_name(&state),
                    got: MessageKind::ChangeCipherSpec,
                });
            }
            Machine::Gone => return Err(HandshakeError::Closed),
        };
        self.machine = next;
        self.apply(emits)
    }

    fn on_alert(&mut self, alert: Alert) -> Result<(), HandshakeError> {
        // RFC 5246 §7.2: an alert is warning(1) or fatal(2); anything else
        // is a field out of range.
        if alert.level != AlertLevel::WARNING && alert.level != AlertLevel::FATAL {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::UnknownAlertLevel {
                    level: alert.level.get(),
                },
            });
        }
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            // RFC 5246 §7.2.1: answer with a close_notify of our own; read
            // nothing after it. RFC 8446 §6.1: in TLS 1.3 it closes only
            // the peer's write side ("This does not have any effect on its
            // read side"), so this side may still send, and sends its own
            // close_notify when the application closes.
            self.peer_closed = true;
            if !self.is_tls13() || self.session.is_none() {
                self.close();
            }
            // Before the handshake is complete there is no session and no
            // data: the handshake was cut short, which is a failure, not
            // the end of a stream.
            if self.session.is_none() {
                return Err(HandshakeError::ClosedDuringHandshake);
            }
            return Ok(());
        }
        // RFC 8446 §6: in TLS 1.3 every alert but close_notify and
        // user_canceled is an error alert, whatever its level says;
        // user_canceled is a warning that a close_notify follows.
        if self.is_tls13() {
            if alert.description == AlertDescription::USER_CANCELED {
                return self.count_in_a_row(Repeated::WarningAlerts);
            }
            return Err(HandshakeError::AlertReceived {
                description: alert.description,
            });
        }
        // Warnings are survivable, but not an endless stream of them; a
        // description RFC 5246 §7.2.2 calls always fatal ends the
        // connection whatever level it came with (as RFC 8446 §6 requires
        // of every error alert).
        if alert.level == AlertLevel::WARNING && !is_always_fatal(alert.description) {
            return self.count_in_a_row(Repeated::WarningAlerts);
        }
        Err(HandshakeError::AlertReceived {
            description: alert.description,
        })
    }

    /// Whether TLS 1.3 was negotiated.
    fn is_tls13(&self) -> bool {
        matches!(self.machine, Machine::Client13(_) | Machine::Server13(_))
    }

    /// RFC 8446 §5.5: a TLS 1.3 key is replaced with a KeyUpdate before it
    /// nears its limit, so a TLS 1.3 connection never stops at it as a TLS
    /// 1.2 one must. Checked before each write.
    fn update_keys_if_due(&mut self) -> Result<(), HandshakeError> {
        let due = self.writer.key_update_due() || self.key_update_owed;
        if !due || self.we_closed || self.session.is_none() {
            return Ok(());
        }
        self.send_key_update(KeyUpdateRequest::UPDATE_NOT_REQUESTED)
    }

    /// Sends a KeyUpdate; it also answers any the peer asked for.
    fn send_key_update(&mut self, request: KeyUpdateRequest) -> Result<(), HandshakeError> {
        self.key_update_owed = false;
        let mut emits = Vec::new();
        let next = match std::mem::replace(&mut self.machine, Machine::Gone) {
            Machine::Client13(state) => Machine::Client13(state.update_keys(request, &mut emits)?),
            Machine::Server13(state) => Machine::Server13(state.update_keys(request, &mut emits)?),
            other => other,
        };
        self.machine = next;
        self.apply(emits)
    }

    /// TLS 1.3 only (RFC 8446 §4.6.3): replaces this side's sending keys
    /// now, with a KeyUpdate; with `ask_peer`, the peer is asked to replace
    /// its own too (as `openssl s_client`'s `K` command does). keel also
    /// does this by itself before a key nears its limit. `Closed` before
    /// the handshake completes, after close_notify, or in TLS 1.2, which
    /// cannot change keys.
    pub fn update_keys(&mut self, ask_peer: bool) -> Result<(), HandshakeError> {
        self.check()?;
        if self.session.is_none() || self.we_closed || !self.is_tls13() {
            return Err(HandshakeError::Closed);
        }
        let request = if ask_peer {
            KeyUpdateRequest::UPDATE_REQUESTED
        } else {
            KeyUpdateRequest::UPDATE_NOT_REQUESTED
        };
        let result = self.send_key_update(request);
        self.result(result)
    }

    fn count_in_a_row(&mut self, what: Repeated) -> Result<(), HandshakeError> {
        self.in_a_row += 1;
        if self.in_a_row > self.limits.max_in_a_row {
            return Err(HandshakeError::TooMany { what });
        }
        Ok(())
    }

    fn apply(&mut self, emits: Vec<Emit>) -> Result<(), HandshakeError> {
        for emit in emits {
            match emit {
                Emit::Message(bytes) => self.writer.write_handshake(&bytes, &mut self.outgoing)?,
                Emit::ChangeCipherSpec => {
                    self.writer.write_change_cipher_spec(&mut self.outgoing)?
                }
                // RFC 5246 §6.1: a new state made active, with a new
                // sealer or opener, so its sequence number starts at zero.
                // RFC 5246 §7.1: queued right after our ChangeCipherSpec, so
                // every record after it is written under the new keys.
                // RFC 8449 §4: the negotiated limits apply to protected
                // records, both ways, from the keys on.
                Emit::WriteKeys(keys) => {
                    self.writer.install_sealer(RecordSealer::new(&keys)?);
                    if let Some((send, _)) = self.record_size_limit {
                        self.writer.set_max_fragment(send);
                    }
                }
                Emit::ReadKeys(keys) => {
                    self.decoder.install_opener(RecordOpener::new(&keys)?)?;
                    if let Some((_, receive)) = self.record_size_limit {
                        self.decoder.set_max_plaintext(receive);
                    }
                }
                Emit::RecordSizeLimit { send, receive } => {
                    self.record_size_limit = Some((send, receive))
                }
                Emit::VersionNegotiated => {
                    self.decoder.set_version_negotiated();
                    self.writer.version_negotiated();
                }
                Emit::MiddleboxCcs(allowed) => self.decoder.set_middlebox_ccs_allowed(allowed),
                Emit::KeyUpdateOwed => self.key_update_owed = true,
                Emit::SkipEarlyData(what) => self.decoder.skip_rejected_early_data(what),
                Emit::SessionInUse(handle) => self.session_handle = Some(handle),
                Emit::Established(session, secrets) => {
                    self.decoder.set_application_data_expected(true);
                    self.session = Some(*session);
                    self.secrets = Some(secrets);
                    let pending = std::mem::take(&mut self.pending_writes);
                    self.writer
                        .write_application_data(&pending, &mut self.outgoing)?;
                }
            }
        }
        Ok(())
    }
}

/// The alerts RFC 5246 §7.2.2 says are always fatal (with
/// unsupported_extension, and the later ones fatal by definition:
/// inappropriate_fallback, RFC 7507 §3, and no_application_protocol,
/// RFC 7301 §3.2).
fn is_always_fatal(description: AlertDescription) -> bool {
    use AlertDescription as A;
    matches!(
        description,
        A::UNEXPECTED_MESSAGE
            | A::BAD_RECORD_MAC
            | A::DECRYPTION_FAILED
            | A::RECORD_OVERFLOW
            | A::DECOMPRESSION_FAILURE
            | A::HANDSHAKE_FAILURE
            | A::ILLEGAL_PARAMETER
            | A::UNKNOWN_CA
            | A::ACCESS_DENIED
            | A::DECODE_ERROR
            | A::DECRYPT_ERROR
            | A::EXPORT_RESTRICTION
            | A::PROTOCOL_VERSION
            | A::INSUFFICIENT_SECURITY
            | A::INTERNAL_ERROR
            | A::INAPPROPRIATE_FALLBACK
            | A::UNSUPPORTED_EXTENSION
            | A::NO_APPLICATION_PROTOCOL
    )
}

/// What [`Connection::read_tls_in_place`] found.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadInPlace<'b> {
    /// Bytes at the front of the caller's buffer that are used up.
    pub consumed: usize,
    /// Application data, decrypted in place: a slice of the caller's
    /// buffer.
    pub plaintext: Option<&'b [u8]>,
}

fn machine_name(machine: &Machine) -> &'static str {
    match machine {
        Machine::Client(state) => state.name(),
        Machine::Server(state) => state.name(),
        Machine::Client13(state) => state.name(),
        Machine::Server13(state) => state.name(),
        Machine::Gone => "nothing",
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
