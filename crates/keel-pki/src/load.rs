//! Certificates and private keys from PEM or DER bytes.
//!
//! The functions at the top work on bytes the caller already has: they are
//! the sans-IO core. The `*_file` functions at the bottom read a file first;
//! they are conveniences for the CLI and for programs that keep their
//! certificates on disk, and nothing else in keel calls them.

use std::path::Path;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use snafu::ResultExt;
use x509_parser::certificate::X509Certificate;
use x509_parser::nom;

use crate::key_der;
use crate::load_error::{
    EncryptedPrivateKeySnafu, InvalidPemSnafu, IoSnafu, LoadError, MultiplePrivateKeysSnafu,
    NoCertificatesSnafu, NoPrivateKeySnafu, NotAPrivateKeySnafu, UnsupportedKeyTypeSnafu,
};
use crate::load_reasons::{CertificateParseError, UnsupportedKey};
use crate::signing::SigningKey;

/// Loads certificates from PEM (every `CERTIFICATE` block, in order; other
/// blocks, such as a private key in the same file, are skipped) or from a
/// single DER certificate.
///
/// The input is taken as PEM when it contains a `-----BEGIN` line. Every
/// certificate must parse as X.509; whether it is fit for its purpose is
/// checked where it is used ([`CertifiedKey`](crate::CertifiedKey), the
/// verifiers).
///
/// # Errors
///
/// [`LoadError::NoCertificates`] for empty input or PEM without a
/// `CERTIFICATE` block, [`LoadError::InvalidPem`] for broken PEM (a block
/// without its END line, bad base64), [`LoadError::InvalidCertificate`]
/// naming the first certificate that does not parse.
pub fn load_certificates(pem_or_der: &[u8]) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let certificates = if looks_like_pem(pem_or_der) {
        let mut certificates = Vec::new();
        for block in pem_blocks(pem_or_der)? {
            if block.label == b"CERTIFICATE" {
                certificates.push(CertificateDer::from(block.decode()?.1));
            }
        }
        certificates
    } else if pem_or_der.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        vec![CertificateDer::from(pem_or_der.to_vec())]
    };
    if certificates.is_empty() {
        return NoCertificatesSnafu.fail();
    }
    for (index, certificate) in certificates.iter().enumerate() {
        parse_certificate(index, certificate)?;
    }
    Ok(certificates)
}

/// Loads exactly one private key: PKCS#8 (`PRIVATE KEY`), SEC1
/// (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) in PEM, or the same
/// structures in DER. Other PEM blocks, such as certificates in the same
/// file, are skipped.
///
/// The key is parsed by aws-lc-rs before it is returned, so a key that
/// could not sign (an unsupported type, RSA below 2048 bits) is refused
/// here rather than at the first handshake.
///
/// # Errors
///
/// [`LoadError::NoPrivateKey`], [`LoadError::MultiplePrivateKeys`],
/// [`LoadError::EncryptedPrivateKey`] (keel does not decrypt keys),
/// [`LoadError::UnsupportedKeyType`], [`LoadError::KeyRejected`],
/// [`LoadError::NotAPrivateKey`] for DER of another kind,
/// [`LoadError::InvalidPem`].
pub fn load_private_key(pem_or_der: &[u8]) -> Result<PrivateKeyDer<'static>, LoadError> {
    let key = if looks_like_pem(pem_or_der) {
        private_key_from_pem(pem_or_der)?
    } else if pem_or_der.iter().all(u8::is_ascii_whitespace) {
        return NoPrivateKeySnafu.fail();
    } else {
        private_key_from_der(pem_or_der)?
    };
    SigningKey::from_der(&key)?;
    Ok(key)
}

/// Whether the input is PEM rather than DER: DER never contains the text
/// `-----BEGIN`, since a DER certificate or key starts with a SEQUENCE tag.
pub(crate) fn looks_like_pem(input: &[u8]) -> bool {
    input
        .windows(PEM_BEGIN.len())
        .any(|window| window == PEM_BEGIN)
}

/// Parses `certificate` as one well-formed X.509 certificate with nothing
/// after it. `index` is its position in the input, for the error.
/// [`LoadError::InvalidCertificate`] for the certificate at `index`.
pub(crate) fn invalid_certificate(index: usize, source: CertificateParseError) -> LoadError {
    LoadError::InvalidCertificate { index, source }
}

pub(crate) fn parse_certificate(
    index: usize,
    certificate: &[u8],
) -> Result<X509Certificate<'_>, LoadError> {
    match x509_parser::parse_x509_certificate(certificate) {
        Ok(([], parsed)) => Ok(parsed),
        Ok(_) => Err(invalid_certificate(
            index,
            CertificateParseError::trailing_bytes(),
        )),
        Err(nom::Err::Error(error) | nom::Err::Failure(error)) => Err(invalid_certificate(
            index,
            CertificateParseError::parser(error),
        )),
        Err(nom::Err::Incomplete(_)) => Err(invalid_certificate(
            index,
            CertificateParseError::truncated(),
        )),
    }
}

/// One `-----BEGIN label-----` ... `-----END label-----` block of a PEM
/// input (RFC 7468 §2), found by its framing lines only.
pub(crate) struct PemBlock<'a> {
    /// The label between `BEGIN ` and the five dashes.
    pub(crate) label: &'a [u8],
    /// The 1-based line number of the BEGIN line.
    pub(crate) begin_line: usize,
    /// The block from its BEGIN line to its END line, both included.
    text: &'a [u8],
    /// Whether the block carries the RFC 1421 header of a legacy encrypted
    /// key (`Proc-Type: 4,ENCRYPTED`).
    pub(crate) encrypted: bool,
}

impl PemBlock<'_> {
    /// Decodes the block's base64 body through rustls-pki-types (which
    /// decodes key material in constant time).
    fn decode(&self) -> Result<(pem::SectionKind, Vec<u8>), LoadError> {
        <(pem::SectionKind, Vec<u8>)>::from_pem_slice(self.text).map_err(|error| {
            let reason = match error {
                pem::Error::Base64Decode(_) => "the base64 body of the block does not decode",
                pem::Error::SectionTooLarge => "the block is larger than 256 MiB",
                pem::Error::IllegalSectionStart { .. } => "the BEGIN line is malformed",
                _ => "the block cannot be read",
            };
            LoadError::InvalidPem {
                line: self.begin_line,
                reason,
            }
        })
    }

    /// Whether the label names a private key of any kind (`PRIVATE KEY`,
    /// `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`,
    /// ...).
    pub(crate) fn is_private_key(&self) -> bool {
        self.label.ends_with(b"PRIVATE KEY")
    }
}

/// Splits a PEM input into its blocks, checking the framing: every BEGIN
/// line has a matching END line, blocks do not nest. Text outside blocks is
/// allowed, as RFC 7468 §2 allows it.
pub(crate) fn pem_blocks(input: &[u8]) -> Result<Vec<PemBlock<'_>>, LoadError> {
    struct Open<'a> {
        label: &'a [u8],
        begin_line: usize,
        start: usize,
        encrypted: bool,
    }

    let mut blocks = Vec::new();
    let mut open: Option<Open<'_>> = None;
    let mut offset: usize = 0;
    for (index, raw_line) in input.split_inclusive(|&byte| byte == b'\n').enumerate() {
        let line_number = index.saturating_add(1);
        let line = raw_line.trim_ascii_end();
        let end_offset = offset.saturating_add(raw_line.len());
        if let Some(rest) = line.strip_prefix(b"-----BEGIN ") {
            if let Some(previous) = &open {
                return InvalidPemSnafu {
                    line: previous.begin_line,
                    reason: "the block has no END line before the next BEGIN line",
                }
                .fail();
            }
            let Some(label) = rest.strip_suffix(PEM_DASHES) else {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "the BEGIN line does not end with five dashes",
                }
                .fail();
            };
            open = Some(Open {
                label,
                begin_line: line_number,
                start: offset,
                encrypted: false,
            });
        } else if let Some(rest) = line.strip_prefix(b"-----END ") {
            let Some(block) = open.take() else {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "an END line without a BEGIN line",
                }
                .fail();
            };
            if rest.strip_suffix(PEM_DASHES) != Some(block.label) {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "the END line's label differs from its BEGIN line's",
                }
                .fail();
            }
            // Both offsets are line boundaries inside `input`.
            let text = input.get(block.start..end_offset).unwrap_or_default();
            blocks.push(PemBlock {
                label: block.label,
                begin_line: block.begin_line,
                text,
                encrypted: block.encrypted,
            });
        } else if let Some(block) = &mut open {
            // RFC 1421 §4.6.1.1: "Proc-Type: 4,ENCRYPTED" marks a legacy
            // OpenSSL encrypted key ("RSA PRIVATE KEY" with a DEK-Info line).
            if line.starts_with(b"Proc-Type:") && line.ends_with(b"ENCRYPTED") {
                block.encrypted = true;
            }
        }
        offset = end_offset;
    }
    if let Some(block) = open {
        return InvalidPemSnafu {
            line: block.begin_line,
            reason: "the block has no END line (is the input truncated?)",
        }
        .fail();
    }
    Ok(blocks)
}

fn private_key_from_pem(input: &[u8]) -> Result<PrivateKeyDer<'static>, LoadError> {
    let blocks = pem_blocks(input)?;
    let mut keys = blocks.iter().filter(|block| block.is_private_key());
    let (Some(block), None) = (keys.next(), keys.next()) else {
        let count = blocks.iter().filter(|block| block.is_private_key()).count();
        return if count == 0 {
            NoPrivateKeySnafu.fail()
        } else {
            MultiplePrivateKeysSnafu { count }.fail()
        };
    };
    if block.encrypted || block.label == b"ENCRYPTED PRIVATE KEY" {
        return EncryptedPrivateKeySnafu.fail();
    }
    let key = match block.label {
        b"PRIVATE KEY" | b"EC PRIVATE KEY" | b"RSA PRIVATE KEY" => block.decode()?,
        _ => {
            return UnsupportedKeyTypeSnafu {
                kind: UnsupportedKey::PemLabel {
                    label: String::from_utf8_lossy(block.label).into_owned(),
                },
            }
            .fail();
        }
    };
    match key {
        (pem::SectionKind::PrivateKey, der) => Ok(PrivateKeyDer::Pkcs8(der.into())),
        (pem::SectionKind::EcPrivateKey, der) => Ok(PrivateKeyDer::Sec1(der.into())),
        (pem::SectionKind::RsaPrivateKey, der) => Ok(PrivateKeyDer::Pkcs1(der.into())),
        // The label was matched above; the decoder names the same kind.
        _ => NoPrivateKeySnafu.fail(),
    }
}

/// Tells PKCS#8, SEC1 and PKCS#1 DER apart with rustls-pki-types;
/// aws-lc-rs then parses the key for real in [`SigningKey::from_der`].
fn private_key_from_der(der: &[u8]) -> Result<PrivateKeyDer<'static>, LoadError> {
    match PrivateKeyDer::try_from(der) {
        Ok(key) if key_der::is_complete_sequence(der) => Ok(key.clone_key()),
        _ if key_der::is_encrypted_pkcs8(der) => EncryptedPrivateKeySnafu.fail(),
        _ => NotAPrivateKeySnafu.fail(),
    }
}

const PEM_BEGIN: &[u8] = b"-----BEGIN";
const PEM_DASHES: &[u8] = b"-----";

// ---------------------------------------------------------------------------
// File conveniences. These read files, which is IO: the sans-IO core never
// calls them. They exist for the CLI and for programs that keep their
// certificates on disk.
// ---------------------------------------------------------------------------

/// Reads a file and loads the certificates in it, as [`load_certificates`].
///
/// This does IO (it reads the file); it is a convenience for the CLI and
/// for programs that keep certificates on disk.
///
/// # Errors
///
/// [`LoadError::Io`] when the file cannot be read, then the errors of
/// [`load_certificates`].
pub fn load_certificates_file(
    path: impl AsRef<Path>,
) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    load_certificates(&read_file(path.as_ref())?)
}

/// Reads a file and loads the one private key in it, as
/// [`load_private_key`].
///
/// This does IO (it reads the file); it is a convenience for the CLI and
/// for programs that keep keys on disk.
///
/// # Errors
///
/// [`LoadError::Io`] when the file cannot be read, then the errors of
/// [`load_private_key`].
pub fn load_private_key_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>, LoadError> {
    load_private_key(&read_file(path.as_ref())?)
}

/// Reads a whole file; IO, for the conveniences only.
fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).context(IoSnafu { path })
}
