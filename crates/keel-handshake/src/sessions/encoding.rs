//! The serialised form of a [`StoredSession`]: keel-wire's
//! [`SessionState`], the same strict codec every TLS message goes through,
//! plus keel's own limits (which suites, groups and schemes, how many
//! certificates). Every accepted input re-encodes to the same bytes.

use keel_pki::CertificateDer;
use keel_wire::session::{SessionCertificate, SessionSecret, SessionState};
use keel_wire::vec::Opaque;
use keel_wire::{Codec, DecodeError, DecodeErrorKind};

use super::{
    MASTER_SECRET_LEN, MAX_ALPN_LEN, MAX_CERTIFICATE_LEN, MAX_CERTIFICATES, MAX_OCSP_LEN,
    MAX_SERVER_NAME_LEN, MAX_SESSION_ID_LEN, MAX_TICKET_LEN, SessionDecodeError,
    SessionEncodeError, StoredSession,
};
use crate::kx::GROUPS;
use crate::policy::{SIGNATURE_SCHEMES, SUITES, TLS13_SUITES};
use crate::resumption_context::ResumptionContext;
use crate::tls13::Tls13Suite;
use keel_wire::registry::{NamedGroup, ProtocolVersion};

impl StoredSession {
    /// The session serialised in keel's versioned binary format (laid out
    /// in [`keel_wire::session`]), for a session store outside this
    /// process. It holds the master secret in clear; the caller is
    /// responsible for the copy it gets.
    ///
    /// # Errors
    ///
    /// [`SessionEncodeError`] naming the first field outside the limits
    /// [`from_bytes`](Self::from_bytes) enforces: keel never writes what it
    /// would refuse to read back.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SessionEncodeError> {
        self.check().map_err(|field| SessionEncodeError { field })?;
        let state = self.to_state();
        // Sized up front so that the vector never reallocates and leaves a
        // stray copy of the master secret in freed memory.
        let mut out = Vec::with_capacity(state.encoded_len());
        state
            .encode_into(&mut out)
            .map_err(|error| SessionEncodeError {
                field: field_name(error.field),
            })?;
        Ok(out)
    }

    /// A session from the bytes [`to_bytes`](Self::to_bytes) made, checked
    /// strictly: the codec checks the magic and version, every length
    /// against its bounds before it is used and that nothing follows the
    /// end; then the suite, group and schemes against the ones keel
    /// negotiates, the certificates against keel's limits and the server
    /// name as UTF-8.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SessionDecodeError> {
        let state = SessionState::decode(bytes).map_err(decode_error)?;
        let session = Self::from_state(state)?;
        session
            .check()
            .map_err(|field| SessionDecodeError::Invalid { field })?;
        Ok(session)
    }

    /// The first field outside keel's limits, if any: the ones
    /// [`from_bytes`](Self::from_bytes) enforces, which include every bound
    /// of the wire format.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        let in_range = |len: usize, max: usize| (1..=max).contains(&len);
        let fail = |ok: bool, field: &'static str| if ok { Ok(()) } else { Err(field) };
        fail(self.session_id.len() <= MAX_SESSION_ID_LEN, "session_id")?;
        // Each version with its own suites, groups and secret: a TLS 1.2
        // master secret is 48 bytes, a TLS 1.3 PSK its suite's Hash.length.
        match self.version {
            ProtocolVersion::TLS_V1_2 => {
                fail(SUITES.contains(&self.cipher_suite), "cipher_suite")?;
                fail(GROUPS.contains(&self.group), "group")?;
                fail(self.secret.len() == MASTER_SECRET_LEN, "secret")?;
                fail(self.ticket_age_add == 0, "ticket_age_add")?;
            }
            ProtocolVersion::TLS_V1_3 => {
                let suite = Tls13Suite::from_cipher_suite(self.cipher_suite)
                    .filter(|_| TLS13_SUITES.contains(&self.cipher_suite));
                fail(suite.is_some(), "cipher_suite")?;
                fail(
                    GROUPS.contains(&self.group) || self.group == NamedGroup::X25519MLKEM768,
                    "group",
                )?;
                fail(
                    suite.is_some_and(|s| s.hash().hash_len() == self.secret.len()),
                    "secret",
                )?;
            }
            _ => return Err("version"),
        }
        fail(
            SIGNATURE_SCHEMES.contains(&self.signature_scheme),
            "signature_scheme",
        )?;
        fail(
            self.server_name
                .as_ref()
                .is_none_or(|n| in_range(n.len(), MAX_SERVER_NAME_LEN)),
            "server_name",
        )?;
        fail(
            self.alpn
                .as_ref()
                .is_none_or(|a| in_range(a.len(), MAX_ALPN_LEN)),
            "alpn",
        )?;
        fail(
            self.peer_certificates.len() <= MAX_CERTIFICATES
                && self
                    .peer_certificates
                    .iter()
                    .all(|c| in_range(c.len(), MAX_CERTIFICATE_LEN)),
            "certificates",
        )?;
        fail(self.ticket.len() <= MAX_TICKET_LEN, "ticket")?;
        // A TLS 1.2 server that issues tickets need not cache the session,
        // so the ID may be empty, but not both. (A TLS 1.3 session sealed
        // into a ticket has neither: the ticket is its identity.)
        fail(
            self.version == ProtocolVersion::TLS_V1_3
                || !(self.session_id.is_empty() && self.ticket.is_empty()),
            "session_id",
        )?;
        fail(
            self.client_signature_scheme
                .is_none_or(|s| SIGNATURE_SCHEMES.contains(&s)),
            "client_signature_scheme",
        )?;
        fail(
            self.ocsp_response
                .as_ref()
                .is_none_or(|r| in_range(r.len(), MAX_OCSP_LEN)),
            "ocsp_response",
        )
    }

    /// The wire form's length, for the stores' byte budgets.
    pub(crate) fn encoded_len(&self) -> usize {
        self.to_state().encoded_len()
    }

    fn to_state(&self) -> SessionState {
        SessionState {
            protocol_version: self.version,
            context: *self.context.as_bytes(),
            session_id: Opaque(self.session_id.clone()),
            cipher_suite: self.cipher_suite,
            group: self.group,
            signature_scheme: self.signature_scheme,
            secret: SessionSecret(Opaque(self.secret.clone())),
            extended_master_secret: self.extended_master_secret,
            created: self.created,
            server_name: self
                .server_name
                .as_ref()
                .map(|name| Opaque(name.as_bytes().to_vec())),
            alpn: self.alpn.clone().map(Opaque),
            certificates: self
                .peer_certificates
                .iter()
                .map(|der| SessionCertificate(der.to_vec()))
                .collect(),
            ticket: Opaque(self.ticket.clone()),
            ticket_expires: self.ticket_expires,
            ticket_age_add: self.ticket_age_add,
            client_signature_scheme: self.client_signature_scheme,
            ocsp_response: self.ocsp_response.clone().map(Opaque),
        }
    }

    fn from_state(state: SessionState) -> Result<Self, SessionDecodeError> {
        let server_name = match state.server_name {
            None => None,
            Some(Opaque(name)) => {
                Some(
                    String::from_utf8(name).map_err(|_| SessionDecodeError::Invalid {
                        field: "server_name",
                    })?,
                )
            }
        };
        Ok(Self {
            version: state.protocol_version,
            context: ResumptionContext::from_bytes(state.context),
            session_id: state.session_id.0,
            cipher_suite: state.cipher_suite,
            group: state.group,
            signature_scheme: state.signature_scheme,
            // `SessionSecret` zeroizes its own copy when `state` drops.
            secret: state.secret.0.0.clone(),
            extended_master_secret: state.extended_master_secret,
            server_name,
            alpn: state.alpn.map(|alpn| alpn.0),
            peer_certificates: state
                .certificates
                .into_iter()
                .map(|der| CertificateDer::from(der.0))
                .collect(),
            created: state.created,
            ticket: state.ticket.0,
            ticket_expires: state.ticket_expires,
            ticket_age_add: state.ticket_age_add,
            client_signature_scheme: state.client_signature_scheme,
            ocsp_response: state.ocsp_response.map(|staple| staple.0),
        })
    }
}

/// keel-wire's error in this API's terms: the magic and the version are
/// their own variants, input that ends early is `Truncated`, and every
/// other refusal names its field without the `Session.` prefix.
fn decode_error(error: DecodeError) -> SessionDecodeError {
    let field = field_name(error.field);
    match (error.kind, field) {
        // Input cut short is truncated wherever the cut falls, the magic
        // and the version included.
        (DecodeErrorKind::Truncated | DecodeErrorKind::LengthMismatch { .. }, _) => {
            SessionDecodeError::Truncated { field }
        }
        (_, "magic") => SessionDecodeError::BadMagic,
        (_, "version") => SessionDecodeError::UnsupportedVersion,
        (DecodeErrorKind::TrailingBytes { .. }, _) => SessionDecodeError::TrailingBytes,
        _ => SessionDecodeError::Invalid { field },
    }
}

fn field_name(field: &'static str) -> &'static str {
    field.strip_prefix("Session.").unwrap_or(field)
}
