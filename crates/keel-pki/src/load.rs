//! Certificates and private keys from PEM or DER bytes.
//!
//! The functions at the top work on bytes the caller already has: they are
//! the sans-IO core. The `*_file` functions at the bottom read a file first;
//! they are conveniences for the CLI and for programs that keep their
//! certificates on disk, and nothing else in keel calls them.

use std::path::Path;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use snafu::ResultExt;
use x509_parser::certificate::X509Certificate;
use x509_parser::nom;

use crate::key_der;
use crate::load_error::{
    EncryptedPrivateKeySnafu, IoSnafu, LoadError, MultiplePrivateKeysSnafu, NoCertificatesSnafu,
    NoPrivateKeySnafu, NotAPrivateKeySnafu, UnsupportedKeyTypeSnafu,
};
use crate::load_reasons::{CertificateParseError, UnsupportedKey};
use crate::pem_frame::{looks_like_pem, pem_blocks};
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
                certificates.push(block.decode::<CertificateDer<'static>>()?);
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

/// [`LoadError::InvalidCertificate`] for the certificate at `index`.
pub(crate) fn invalid_certificate(index: usize, source: CertificateParseError) -> LoadError {
    LoadError::InvalidCertificate { index, source }
}

/// Parses `certificate` as one well-formed X.509 certificate with nothing
/// after it. `index` is its position in the input, for the error.
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
    match block.label {
        b"PRIVATE KEY" | b"EC PRIVATE KEY" | b"RSA PRIVATE KEY" => block.decode(),
        _ => UnsupportedKeyTypeSnafu {
            kind: UnsupportedKey::PemLabel {
                label: String::from_utf8_lossy(block.label).into_owned(),
            },
        }
        .fail(),
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
