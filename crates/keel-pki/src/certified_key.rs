//! What a side presents to its peer: a certificate chain and the private key
//! of its leaf.

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Version};

use crate::load::{load_certificates, load_private_key, parse_certificate};
use crate::load_error::{
    ChainOutOfOrderSnafu, KeyDoesNotMatchCertificateSnafu, LeafIsCaSnafu, LoadError,
    MoreThanOneLeafSnafu, NoCertificatesSnafu,
};
use crate::load_reasons::CertificateParseError;
use crate::signing::{PublicKeyType, SigningKey};

/// A certificate chain with the private key of its leaf: exactly one leaf,
/// first, followed by the certificates that issued it, and a key that
/// belongs to the leaf.
///
/// The rules are checked when it is built, so a mistake in a server's or
/// client's configuration shows up at startup with a precise error, not as
/// a handshake failure at the peer.
///
/// A server's key may also carry a DER OCSP response for its leaf, to be
/// stapled (RFC 6066 §8; see [`CertifiedKey::with_ocsp_response`]).
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    /// The whole chain as it is sent, leaf first.
    chain: Vec<CertificateDer<'static>>,
    /// A copy of `chain[0]`, so that [`CertifiedKey::leaf`] needs no
    /// fallible access.
    leaf: CertificateDer<'static>,
    key: SigningKey,
    /// The DER OCSPResponse to staple for the leaf, if any.
    ocsp_response: Option<Vec<u8>>,
}

impl CertifiedKey {
    /// Pairs a chain (leaf first, then its issuers; the root may be left
    /// out) with the leaf's private key.
    ///
    /// # Errors
    ///
    /// - [`LoadError::NoCertificates`]: the chain is empty.
    /// - [`LoadError::InvalidCertificate`]: a certificate does not parse.
    /// - The errors of [`SigningKey::from_der`] for the key.
    /// - [`LoadError::ChainOutOfOrder`]: the key belongs to a later
    ///   certificate of the chain, not to the first.
    /// - [`LoadError::KeyDoesNotMatchCertificate`]: the key belongs to no
    ///   certificate of the chain.
    /// - [`LoadError::LeafIsCa`]: the leaf is a CA certificate.
    /// - [`LoadError::MoreThanOneLeaf`]: another certificate of the chain
    ///   is an end-entity certificate too (a v3 certificate that is not a
    ///   CA), or has the leaf's key.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: &PrivateKeyDer<'_>,
    ) -> Result<Self, LoadError> {
        let Some(leaf) = chain.first().cloned() else {
            return NoCertificatesSnafu.fail();
        };
        let parsed = parse_chain(&chain)?;
        let key = SigningKey::from_der(key)?;
        let key_spki = SubjectPublicKeyInfo::from_der(key.public_key_der())
            .map(|(_, spki)| spki)
            .map_err(|_| LoadError::KeyRejected {
                reason: crate::load_reasons::KeyRejection::PublicKeyNotEncodable,
            })?;

        let mut certificates = parsed.iter().enumerate();
        // RFC 5246 §7.4.2: "The sender's certificate MUST come first".
        if let Some((_, leaf_certificate)) = certificates.next() {
            if !same_public_key(leaf_certificate.public_key(), &key_spki) {
                return match certificates.find(|(_, c)| same_public_key(c.public_key(), &key_spki))
                {
                    Some((index, _)) => ChainOutOfOrderSnafu { index }.fail(),
                    None => KeyDoesNotMatchCertificateSnafu.fail(),
                };
            }
            if is_ca(0, leaf_certificate)? {
                return LeafIsCaSnafu.fail();
            }
        }
        for (index, certificate) in certificates {
            if is_end_entity(index, certificate)?
                || same_public_key(certificate.public_key(), &key_spki)
            {
                return MoreThanOneLeafSnafu { index }.fail();
            }
        }
        Ok(Self {
            chain,
            leaf,
            key,
            ocsp_response: None,
        })
    }

    /// Loads the chain from PEM (or one DER certificate) and the key from
    /// PEM or DER, then pairs them as [`CertifiedKey::new`] does. The two
    /// inputs may be the same file holding both.
    ///
    /// # Errors
    ///
    /// The errors of [`load_certificates`](crate::load_certificates),
    /// [`load_private_key`](crate::load_private_key) and
    /// [`CertifiedKey::new`].
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Self, LoadError> {
        let chain = load_certificates(chain_pem)?;
        let key = load_private_key(key_pem)?;
        Self::new(chain, &key)
    }

    /// The chain as it is sent in the Certificate message, leaf first.
    #[must_use]
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// Whether this chain answers a CertificateRequest's
    /// certificate_authorities: some certificate in it was issued by, or
    /// is, one of `names` (DER-encoded Names). An empty list accepts any.
    /// RFC 5246 §7.4.6: a client's chain should be issued by a listed CA.
    #[must_use]
    pub fn issued_by_any_of(&self, names: &[&[u8]]) -> bool {
        if names.is_empty() {
            return true;
        }
        self.chain.iter().any(|der| {
            X509Certificate::from_der(der).is_ok_and(|(_, cert)| {
                names.contains(&cert.issuer().as_raw()) || names.contains(&cert.subject().as_raw())
            })
        })
    }

    /// The DNS names in the leaf's subjectAltName, lowercase and without
    /// a trailing dot (wildcards such as `*.example.com` included): the
    /// names a server registers this certificate under, with
    /// `ServerConfigBuilder::with_certificate_for`. Empty for a leaf
    /// without the extension.
    #[must_use]
    pub fn dns_names(&self) -> Vec<String> {
        crate::verify::describe::dns_names(self.leaf.as_ref())
    }

    /// The leaf certificate, the one the key belongs to.
    #[must_use]
    pub fn leaf(&self) -> &CertificateDer<'static> {
        &self.leaf
    }

    /// The leaf's private key.
    #[must_use]
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The same key with a DER-encoded OCSPResponse (RFC 6960) about its
    /// leaf, which a server staples in a CertificateStatus message when a
    /// client asks for it with status_request (RFC 6066 §8); it replaces
    /// any response set before.
    ///
    /// keel neither parses nor checks the response: it is sent as given,
    /// and a server config is rebuilt with a fresh one before it expires.
    /// A TLS 1.2 client never staples, so the response of a client
    /// certificate is ignored. A server sends only a response of 1 to
    /// 2^24-1 bytes (what the message can carry); the `keel` facade refuses
    /// any other when the config is built.
    #[must_use]
    pub fn with_ocsp_response(mut self, der: Vec<u8>) -> Self {
        self.ocsp_response = Some(der);
        self
    }

    /// This certificate, signing only with the schemes of `preference` its
    /// key can use, in that order (see
    /// [`SigningKey::with_scheme_preference`]); `None` when it can use
    /// none of them.
    #[must_use]
    pub fn with_signature_schemes(
        mut self,
        preference: &[keel_wire::registry::SignatureScheme],
    ) -> Option<Self> {
        self.key = self.key.with_scheme_preference(preference)?;
        Some(self)
    }

    /// The OCSP response to staple for the leaf, if one was set.
    #[must_use]
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        self.ocsp_response.as_deref()
    }
}

fn parse_chain<'a>(
    chain: &'a [CertificateDer<'static>],
) -> Result<Vec<X509Certificate<'a>>, LoadError> {
    chain
        .iter()
        .enumerate()
        .map(|(index, certificate)| parse_certificate(index, certificate))
        .collect()
}

/// Whether the certificate has basicConstraints with cA=TRUE (RFC 5280
/// §4.2.1.9).
fn is_ca(index: usize, certificate: &X509Certificate<'_>) -> Result<bool, LoadError> {
    match certificate.basic_constraints() {
        Ok(constraints) => Ok(constraints.is_some_and(|extension| extension.value.ca)),
        Err(_) => Err(crate::load::invalid_certificate(
            index,
            CertificateParseError::extension("basicConstraints"),
        )),
    }
}

/// Whether a certificate after the leaf is an end-entity certificate. RFC
/// 5280 §4.2.1.9 requires basicConstraints with cA=TRUE in every v3 CA
/// certificate; v1 and v2 certificates cannot carry extensions, and old v1
/// roots are still found at the end of chains, so they are given the
/// benefit of the doubt (validation judges them later).
fn is_end_entity(index: usize, certificate: &X509Certificate<'_>) -> Result<bool, LoadError> {
    Ok(certificate.version() == X509Version::V3 && !is_ca(index, certificate)?)
}

/// Whether two SubjectPublicKeyInfos hold the same key: same key type
/// (and curve), and the same key bits. RSA keys compare their modulus and
/// exponent as numbers, so an encoder's leading zero does not matter; EC
/// points and Ed25519 keys compare as bytes.
fn same_public_key(a: &SubjectPublicKeyInfo<'_>, b: &SubjectPublicKeyInfo<'_>) -> bool {
    let (Ok(kind_a), Ok(kind_b)) = (PublicKeyType::of_spki(a), PublicKeyType::of_spki(b)) else {
        return false;
    };
    if kind_a != kind_b {
        return false;
    }
    if kind_a == PublicKeyType::Rsa {
        use x509_parser::public_key::PublicKey;
        return match (a.parsed(), b.parsed()) {
            (Ok(PublicKey::RSA(a)), Ok(PublicKey::RSA(b))) => {
                trim_leading_zeros(a.modulus) == trim_leading_zeros(b.modulus)
                    && trim_leading_zeros(a.exponent) == trim_leading_zeros(b.exponent)
            }
            _ => false,
        };
    }
    a.subject_public_key.data == b.subject_public_key.data
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&byte| byte != 0)
        .unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}
