//! The walk over the input: records through keel-record's deframer,
//! handshake messages through its joiner, bodies through keel-wire's
//! decoders. What it finds goes to a [`Sink`] as it is found, so that
//! everything before an error has been reported when the error returns.

use std::io;

use keel_record::{HandshakeJoiner, RecordError, VersionCheck, deframe, limits};
use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::registry::{ContentType, HandshakeType, ProtocolVersion};
use keel_wire::{
    Alert, ChangeCipherSpec, ClientExtension, Codec, DecodeError, EncodeError, HandshakeMessage,
    ServerExtension,
};
use snafu::ResultExt;

use super::error::{InspectError, WriteSnafu};
use super::fields::{self, Code, Field, Registry};
use super::stream_map::StreamMap;

/// A record, as found.
#[derive(Debug)]
pub(crate) struct RecordEvent {
    /// Offset of the record header in the input.
    pub(crate) offset: usize,
    /// The header.
    pub(crate) header: RecordHeader,
    /// Whether the record is protected, and so not decoded.
    pub(crate) encrypted: bool,
}

/// A decoded message: handshake, alert or ChangeCipherSpec.
#[derive(Debug)]
pub(crate) struct MessageEvent<'a> {
    /// The handshake type, or the content type for alerts and CCS.
    pub(crate) kind: Code,
    /// Offset of the message's first byte in the input (for a handshake
    /// message, of its header).
    pub(crate) offset: usize,
    /// Body length: a handshake header's length field; an alert's or
    /// CCS's byte count.
    pub(crate) length: usize,
    /// Every field of the body.
    pub(crate) fields: Vec<Field<'a>>,
}

/// Where the walk reports what it finds.
pub(crate) trait Sink {
    /// A record header, before the messages it completes.
    fn record(&mut self, record: &RecordEvent) -> io::Result<()>;
    /// A decoded message.
    fn message(&mut self, message: &MessageEvent<'_>) -> io::Result<()>;
}

/// Walks every record of `input`, reporting to `sink`. With `roundtrip`,
/// every decoded message must re-encode to its own bytes.
pub(crate) fn walk(input: &[u8], roundtrip: bool, sink: &mut dyn Sink) -> Result<(), InspectError> {
    Walk {
        input,
        roundtrip,
        sink,
        // The input is already in memory and the codec bounds every field,
        // so any message a 24-bit length can describe is decoded; keel's
        // own, lower limit on what it accepts from a peer is policy.
        joiner: HandshakeJoiner::new(HandshakeHeader::MAX_BODY),
        stream: StreamMap::default(),
        popped: 0,
        encrypted: false,
        tls13: Tls13::No,
        compat_ccs: false,
    }
    .run()
}

struct Walk<'i, 's> {
    input: &'i [u8],
    roundtrip: bool,
    sink: &'s mut dyn Sink,
    joiner: HandshakeJoiner,
    /// Where the handshake stream's bytes lie in the input.
    stream: StreamMap,
    /// Handshake stream bytes handed out as whole messages so far.
    popped: usize,
    /// Set by a ChangeCipherSpec or an application_data record: from there
    /// on nothing is decoded.
    encrypted: bool,
    /// What the hellos said about TLS 1.3.
    tls13: Tls13,
    /// A ChangeCipherSpec that may be TLS 1.3's middlebox-compatibility one
    /// has been seen; the next record decides.
    compat_ccs: bool,
}

/// TLS 1.3 changes what a ChangeCipherSpec means (RFC 8446 §5, Appendix
/// D.4): in TLS 1.3 it is a dummy record for middleboxes, not a key change,
/// and a second ClientHello or a ServerHello may follow it in plaintext.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tls13 {
    /// No hello mentioned TLS 1.3.
    No,
    /// The ClientHello offered it (client direction): after a CCS, only a
    /// second ClientHello can still be plaintext; TLS 1.2's encrypted
    /// Finished cannot be told from it but by its framing.
    Offered,
    /// A ServerHello or HelloRetryRequest chose it (server direction):
    /// the CCS protects nothing; application_data records do.
    Selected,
}

impl Walk<'_, '_> {
    fn run(mut self) -> Result<(), InspectError> {
        let mut offset = 0;
        while let Some(rest) = self.input.get(offset..)
            && !rest.is_empty()
        {
            let header = self.deframe(offset, rest)?;
            let body_start = offset + RecordHeader::LEN;
            let body_end = body_start + usize::from(header.length);
            // deframe has checked that the whole fragment is there.
            let fragment = self.input.get(body_start..body_end).unwrap_or_default();
            self.record(offset, header, fragment)?;
            offset = body_end;
        }
        if self.joiner.is_empty() {
            Ok(())
        } else {
            Err(self.cut_message())
        }
    }

    /// The record at `offset`, judged by keel-record.
    fn deframe(&self, offset: usize, rest: &[u8]) -> Result<RecordHeader, InspectError> {
        // Protected records may be 2048 bytes longer than plaintext ones
        // (RFC 5246 §6.2.3). An application_data record is protected even
        // when it is the first one to be.
        let protected = self.encrypted
            || RecordHeader::peek(rest)
                .is_some_and(|header| header.content_type == ContentType::APPLICATION_DATA);
        let max_fragment = if protected {
            limits::MAX_CIPHERTEXT
        } else {
            limits::MAX_PLAINTEXT
        };
        match deframe(rest, VersionCheck::Unnegotiated, max_fragment) {
            Ok(Some(header)) => Ok(header),
            Err(source) => Err(InspectError::Record { offset, source }),
            Ok(None) => Err(match RecordHeader::peek(rest) {
                None => InspectError::CutHeader {
                    offset,
                    needed: RecordHeader::LEN.saturating_sub(rest.len()),
                },
                Some(header) => InspectError::CutRecord {
                    offset,
                    needed: (RecordHeader::LEN + usize::from(header.length))
                        .saturating_sub(rest.len()),
                },
            }),
        }
    }

    fn record(
        &mut self,
        offset: usize,
        header: RecordHeader,
        fragment: &[u8],
    ) -> Result<(), InspectError> {
        let content_type = header.content_type;
        let record_error = |source| InspectError::Record { offset, source };
        // Keys change, and records stop being readable, only on a message
        // boundary; keel's record reader refuses the same.
        if content_type != ContentType::HANDSHAKE && !self.joiner.is_empty() {
            return Err(record_error(RecordError::InterleavedHandshake {
                content_type,
            }));
        }
        if content_type == ContentType::APPLICATION_DATA {
            self.encrypted = true;
        }
        if std::mem::take(&mut self.compat_ccs) && !is_whole_client_hello(content_type, fragment) {
            self.encrypted = true;
        }
        self.sink
            .record(&RecordEvent {
                offset,
                header,
                encrypted: self.encrypted,
            })
            .context(WriteSnafu)?;
        if self.encrypted {
            return Ok(());
        }
        // RFC 5246 §6.2.1: no zero-length handshake, alert or CCS fragments.
        if fragment.is_empty() {
            return Err(record_error(RecordError::EmptyRecord { content_type }));
        }
        let body_offset = offset + RecordHeader::LEN;
        match content_type {
            ContentType::HANDSHAKE => self.handshake_fragment(body_offset, fragment, offset),
            ContentType::ALERT => self.alert(body_offset, fragment),
            ContentType::CHANGE_CIPHER_SPEC => {
                self.change_cipher_spec(body_offset, fragment)?;
                match self.tls13 {
                    Tls13::No => self.encrypted = true,
                    Tls13::Offered => self.compat_ccs = true,
                    Tls13::Selected => {}
                }
                Ok(())
            }
            // deframe admits only the four record types handled here.
            other => Err(record_error(RecordError::UnexpectedContentType {
                content_type: other,
            })),
        }
    }

    fn handshake_fragment(
        &mut self,
        body_offset: usize,
        fragment: &[u8],
        record_offset: usize,
    ) -> Result<(), InspectError> {
        self.joiner
            .push(fragment)
            .map_err(|source| InspectError::Record {
                offset: record_offset,
                source,
            })?;
        self.stream.push(body_offset, fragment.len());
        while let Some(message) = self.joiner.pop().map(<[u8]>::to_vec) {
            self.handshake_message(&message)?;
        }
        Ok(())
    }

    fn handshake_message(&mut self, bytes: &[u8]) -> Result<(), InspectError> {
        let stream_start = self.popped;
        self.popped += bytes.len();
        let offset = self.stream.input_offset(stream_start);
        // The error's offset counts from the message's first byte; the
        // stream map finds that byte in the input, in whichever record it
        // arrived, so the offset is exact for split messages too.
        let message = HandshakeMessage::decode(bytes).map_err(|error| {
            decode_error(error, self.stream.input_offset(stream_start + error.offset))
        })?;
        self.note_version(&message);
        let kind = message_kind(&message);
        self.emit(MessageEvent {
            kind,
            offset,
            length: bytes.len().saturating_sub(HandshakeHeader::LEN),
            fields: fields::handshake(&message),
        })?;
        self.check_rebuild(message.encode(), bytes, kind, offset)
    }

    /// RFC 8446 §4.2.1: the versions are in supported_versions.
    fn note_version(&mut self, message: &HandshakeMessage) {
        let tls13 = ProtocolVersion::TLS_V1_3;
        match message {
            HandshakeMessage::ClientHello(hello)
                if hello.extensions.iter().any(|extension| {
                    matches!(extension, ClientExtension::SupportedVersions(versions)
                        if versions.contains(&tls13))
                }) && self.tls13 == Tls13::No =>
            {
                self.tls13 = Tls13::Offered;
            }
            HandshakeMessage::ServerHello(hello)
                if hello
                    .extensions
                    .contains(&ServerExtension::SupportedVersions(tls13)) =>
            {
                self.tls13 = Tls13::Selected;
            }
            HandshakeMessage::HelloRetryRequest(_) => self.tls13 = Tls13::Selected,
            _ => {}
        }
    }

    fn alert(&mut self, offset: usize, fragment: &[u8]) -> Result<(), InspectError> {
        let alert =
            Alert::decode(fragment).map_err(|error| decode_error(error, offset + error.offset))?;
        let kind = ContentType::ALERT.code();
        self.emit(MessageEvent {
            kind,
            offset,
            length: fragment.len(),
            fields: fields::alert(&alert),
        })?;
        self.check_rebuild(alert.encode(), fragment, kind, offset)
    }

    fn change_cipher_spec(&mut self, offset: usize, fragment: &[u8]) -> Result<(), InspectError> {
        let ccs = ChangeCipherSpec::decode(fragment)
            .map_err(|error| decode_error(error, offset + error.offset))?;
        let kind = ContentType::CHANGE_CIPHER_SPEC.code();
        self.emit(MessageEvent {
            kind,
            offset,
            length: fragment.len(),
            fields: fields::change_cipher_spec(),
        })?;
        self.check_rebuild(ccs.encode(), fragment, kind, offset)
    }

    fn emit(&mut self, message: MessageEvent<'_>) -> Result<(), InspectError> {
        self.sink.message(&message).context(WriteSnafu)
    }

    /// `--roundtrip`: the message must encode to exactly `original`.
    fn check_rebuild(
        &self,
        encoded: Result<Vec<u8>, EncodeError>,
        original: &[u8],
        kind: Code,
        offset: usize,
    ) -> Result<(), InspectError> {
        if !self.roundtrip || encoded.is_ok_and(|bytes| bytes == original) {
            return Ok(());
        }
        Err(InspectError::Rebuild {
            name: kind
                .name
                .map_or_else(|| format!("message type {}", kind.value), str::to_owned),
            offset,
        })
    }

    /// The input ended with part of a handshake message in the joiner.
    fn cut_message(&self) -> InspectError {
        let start = self.popped;
        let offset = self.stream.input_offset(start);
        let header: Option<Vec<u8>> = (start..start + HandshakeHeader::LEN)
            .map(|pos| self.stream.byte(self.input, pos))
            .collect();
        let detail = match header.as_deref().and_then(HandshakeHeader::peek) {
            Some(header) => {
                let have = self.stream.len().saturating_sub(start);
                let needed = (HandshakeHeader::LEN + header.body_len()).saturating_sub(have);
                format!(
                    "{}, needs {needed} more bytes",
                    type_name(header.handshake_type)
                )
            }
            None => "its 4-byte header is incomplete".to_owned(),
        };
        InspectError::CutMessage { offset, detail }
    }
}

/// What a message is called: its handshake type, except that a
/// HelloRetryRequest, whose type on the wire is server_hello, is named for
/// what it is (RFC 8446 §4.1.3: a ServerHello with a special random).
fn message_kind(message: &HandshakeMessage) -> Code {
    let code = message.handshake_type().code();
    match message {
        HandshakeMessage::HelloRetryRequest(_) => Code {
            name: Some("hello_retry_request"),
            ..code
        },
        _ => code,
    }
}

/// Whether a record holds exactly one whole ClientHello: the second hello
/// after a HelloRetryRequest, which follows the client's compatibility CCS
/// in plaintext (RFC 8446 Appendix D.4). TLS 1.2's encrypted Finished after
/// a CCS matches this framing by chance with probability about 2^-32.
fn is_whole_client_hello(content_type: ContentType, fragment: &[u8]) -> bool {
    content_type == ContentType::HANDSHAKE
        && HandshakeHeader::peek(fragment).is_some_and(|header| {
            header.handshake_type == HandshakeType::CLIENT_HELLO
                && HandshakeHeader::LEN + header.body_len() == fragment.len()
        })
}

/// `error` with its offset replaced by `offset`, in the input.
fn decode_error(error: DecodeError, offset: usize) -> InspectError {
    InspectError::Decode {
        error: DecodeError { offset, ..error },
    }
}

fn type_name(handshake_type: HandshakeType) -> String {
    handshake_type
        .name()
        .map_or_else(|| format!("type {}", handshake_type.get()), str::to_owned)
}
