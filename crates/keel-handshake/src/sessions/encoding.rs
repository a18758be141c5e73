//! The serialised form of a [`StoredSession`]: versioned, strict, and
//! exact (every accepted input re-encodes to the same bytes).

use keel_pki::CertificateDer;
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};
use zeroize::Zeroizing;

use super::{
    MAGIC, MASTER_SECRET_LEN, MAX_ALPN_LEN, MAX_CERTIFICATE_LEN, MAX_CERTIFICATES, MAX_OCSP_LEN,
    MAX_SERVER_NAME_LEN, MAX_SESSION_ID_LEN, MAX_TICKET_LEN, SessionDecodeError, StoredSession,
    VERSION,
};
use crate::kx::GROUPS;
use crate::policy::{SIGNATURE_SCHEMES, SUITES};
use crate::resumption_context::ResumptionContext;

impl StoredSession {
    /// The session serialised in keel's versioned binary format, for a
    /// session store outside this process. It holds the master secret in
    /// clear; the caller is responsible for the copy it gets.
    ///
    /// All integers are big-endian:
    ///
    /// ```text
    /// "KEELSES" 0x04                       magic and version
    /// [32] context                         the resumption context
    /// u32 length, session_id               1..=32 bytes
    /// u16 cipher_suite                     one of policy::SUITES
    /// u16 group                            one of GROUPS
    /// u16 signature_scheme                 one of policy::SIGNATURE_SCHEMES
    /// [48] master_secret
    /// u8 extended_master_secret            0 or 1
    /// u64 created
    /// u8 present (0 or 1) [u32 length, server_name]   1..=255 bytes UTF-8
    /// u8 present (0 or 1) [u32 length, alpn]          1..=255 bytes
    /// u32 count, count × (u32 length, certificate)    <= 10 of 1..=65536 bytes
    /// u32 length, ticket                   0..=65535 bytes
    /// u64 ticket_expires
    /// u16 client_signature_scheme          0: none; else one of SIGNATURE_SCHEMES
    /// u8 present (0 or 1) [u32 length, ocsp_response] 1..=2^24-1 bytes
    /// ```
    ///
    /// The session ID may be empty only when there is a ticket (a server
    /// that issues tickets need not cache the session).
    ///
    /// A session outside these limits still encodes, but
    /// [`from_bytes`](Self::from_bytes) refuses the result.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Sized up front so that the vector never reallocates and leaves a
        // stray copy of the master secret in freed memory.
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(self.context.as_bytes());
        put_bytes(&mut out, &self.session_id);
        out.extend_from_slice(&self.cipher_suite.get().to_be_bytes());
        out.extend_from_slice(&self.group.get().to_be_bytes());
        out.extend_from_slice(&self.signature_scheme.get().to_be_bytes());
        out.extend_from_slice(&self.master_secret);
        out.push(u8::from(self.extended_master_secret));
        out.extend_from_slice(&self.created.to_be_bytes());
        put_optional(&mut out, self.server_name.as_deref().map(str::as_bytes));
        put_optional(&mut out, self.alpn.as_deref());
        put_len(&mut out, self.peer_certificates.len());
        for cert in &self.peer_certificates {
            put_bytes(&mut out, cert.as_ref());
        }
        put_bytes(&mut out, &self.ticket);
        out.extend_from_slice(&self.ticket_expires.to_be_bytes());
        let client_scheme = self.client_signature_scheme.map_or(0, SignatureScheme::get);
        out.extend_from_slice(&client_scheme.to_be_bytes());
        put_optional(&mut out, self.ocsp_response.as_deref());
        out
    }

    /// A session from the bytes [`to_bytes`](Self::to_bytes) made, checked
    /// strictly: the magic and version, every length against its limit
    /// before it is used, the suite against [`SUITES`], the server name as
    /// UTF-8, and no bytes after the end. Every accepted input re-encodes to
    /// the same bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SessionDecodeError> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(SessionDecodeError::BadMagic);
        }
        if r.u8("version")? != VERSION {
            return Err(SessionDecodeError::UnsupportedVersion);
        }
        let context = ResumptionContext::from_bytes(r.array("context")?);
        let session_id = r.up_to("session_id", MAX_SESSION_ID_LEN)?.to_vec();
        let cipher_suite = CipherSuite::new(r.u16("cipher_suite")?);
        if !SUITES.contains(&cipher_suite) {
            return Err(SessionDecodeError::Invalid {
                field: "cipher_suite",
            });
        }
        let group = NamedGroup::new(r.u16("group")?);
        if !GROUPS.contains(&group) {
            return Err(SessionDecodeError::Invalid { field: "group" });
        }
        let signature_scheme = SignatureScheme::new(r.u16("signature_scheme")?);
        if !SIGNATURE_SCHEMES.contains(&signature_scheme) {
            return Err(SessionDecodeError::Invalid {
                field: "signature_scheme",
            });
        }
        let mut master_secret = Zeroizing::new([0u8; MASTER_SECRET_LEN]);
        for (dst, src) in master_secret
            .iter_mut()
            .zip(r.take(MASTER_SECRET_LEN, "master_secret")?)
        {
            *dst = *src;
        }
        let extended_master_secret = r.flag("extended_master_secret")?;
        let created = r.u64("created")?;
        let server_name =
            match r.optional("server_name", MAX_SERVER_NAME_LEN)? {
                None => None,
                Some(name) => Some(String::from_utf8(name.to_vec()).map_err(|_| {
                    SessionDecodeError::Invalid {
                        field: "server_name",
                    }
                })?),
            };
        let alpn = r.optional("alpn", MAX_ALPN_LEN)?.map(<[u8]>::to_vec);
        let count = r.len("certificates")?;
        if count > MAX_CERTIFICATES {
            return Err(SessionDecodeError::Invalid {
                field: "certificates",
            });
        }
        let mut peer_certificates = Vec::with_capacity(count);
        for _ in 0..count {
            let der = r.bounded("certificate", MAX_CERTIFICATE_LEN)?;
            peer_certificates.push(CertificateDer::from(der.to_vec()));
        }
        let ticket = r.up_to("ticket", MAX_TICKET_LEN)?.to_vec();
        if session_id.is_empty() && ticket.is_empty() {
            return Err(SessionDecodeError::Invalid {
                field: "session_id",
            });
        }
        let ticket_expires = r.u64("ticket_expires")?;
        let client_signature_scheme = match r.u16("client_signature_scheme")? {
            0 => None,
            scheme => {
                let scheme = SignatureScheme::new(scheme);
                if !SIGNATURE_SCHEMES.contains(&scheme) {
                    return Err(SessionDecodeError::Invalid {
                        field: "client_signature_scheme",
                    });
                }
                Some(scheme)
            }
        };
        let ocsp_response = r
            .optional("ocsp_response", MAX_OCSP_LEN)?
            .map(<[u8]>::to_vec);
        if !r.rest.is_empty() {
            return Err(SessionDecodeError::TrailingBytes);
        }
        Ok(Self {
            context,
            session_id,
            cipher_suite,
            group,
            signature_scheme,
            master_secret: *master_secret,
            extended_master_secret,
            server_name,
            alpn,
            peer_certificates,
            created,
            ticket,
            ticket_expires,
            client_signature_scheme,
            ocsp_response,
        })
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // A length past u32 cannot occur for a storable session; saturating
    // makes it one `from_bytes` refuses rather than a wrapped one.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_optional(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            put_bytes(out, bytes);
        }
    }
}

/// A cursor over serialised session bytes; every read is bounds-checked.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], SessionDecodeError> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or(SessionDecodeError::Truncated { field })?;
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], SessionDecodeError> {
        <[u8; N]>::try_from(self.take(N, field)?)
            .map_err(|_| SessionDecodeError::Truncated { field })
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, SessionDecodeError> {
        Ok(u8::from_be_bytes(self.array(field)?))
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, SessionDecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, SessionDecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    fn len(&mut self, field: &'static str) -> Result<usize, SessionDecodeError> {
        let len = u32::from_be_bytes(self.array(field)?);
        usize::try_from(len).map_err(|_| SessionDecodeError::Invalid { field })
    }

    fn flag(&mut self, field: &'static str) -> Result<bool, SessionDecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SessionDecodeError::Invalid { field }),
        }
    }

    /// A u32-length-prefixed field of 1..=`max` bytes.
    fn bounded(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], SessionDecodeError> {
        let len = self.len(field)?;
        if !(1..=max).contains(&len) {
            return Err(SessionDecodeError::Invalid { field });
        }
        self.take(len, field)
    }

    /// A u32-length-prefixed field of 0..=`max` bytes.
    fn up_to(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], SessionDecodeError> {
        let len = self.len(field)?;
        if len > max {
            return Err(SessionDecodeError::Invalid { field });
        }
        self.take(len, field)
    }

    /// A presence flag, then a bounded field if present.
    fn optional(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Option<&'a [u8]>, SessionDecodeError> {
        if self.flag(field)? {
            self.bounded(field, max).map(Some)
        } else {
            Ok(None)
        }
    }
}
