//! Path building through rustls-webpki, with keel's own checks run on every
//! candidate path, and webpki's errors turned into keel's.

use std::cell::RefCell;

use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::checks::{self, LeafCache, PathCerts};
use super::describe;
use super::issuer_keys::IssuerKeys;
use crate::error::{CertError, ExpectedUsage};
use crate::trust_store::TrustStore;

/// What a verifier remembers between handshakes: leaves' verdicts and
/// issuers' parsed keys (shared by its clones).
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    pub(crate) leaves: LeafCache,
    pub(crate) issuers: IssuerKeys,
}

/// Builds and checks a path from `chain[0]` to an anchor in `roots` for
/// `usage` at `now`. Returns the path's length, anchor included.
pub(crate) fn build(
    roots: &TrustStore,
    remembered: &Remembered,
    chain: &[CertificateDer<'_>],
    usage: ExpectedUsage,
    now: UnixTime,
) -> Result<usize, CertError> {
    let (leaf_der, intermediates) = chain.split_first().ok_or(CertError::NoCertificate)?;
    // The leaf's own verdicts, once for all candidate paths; an error in
    // them counts only if webpki finds a path (as it always has).
    let leaf_facts = remembered.leaves.facts(leaf_der.as_ref(), usage);
    let leaf = EndEntityCert::try_from(leaf_der).map_err(|e| map_error(&e, chain, usage, now))?;
    let key_usage = match usage {
        ExpectedUsage::ServerAuth => KeyUsage::server_auth(),
        ExpectedUsage::ClientAuth => KeyUsage::client_auth(),
    };

    // keel's own checks run on each candidate path webpki finds; refusing
    // one lets webpki try another. The last reason is kept for the error.
    let refusal: RefCell<Option<CertError>> = RefCell::new(None);
    let path_len = RefCell::new(0usize);
    let on_path = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
        let intermediates: Vec<CertificateDer<'_>> = path
            .intermediate_certificates()
            .map(|cert| cert.der())
            .collect();
        let certs = PathCerts {
            intermediates: intermediates.iter().map(|der| der.as_ref()).collect(),
            anchor: roots.anchor_facts_for(path.anchor()),
        };
        match checks::check_path(&certs, &leaf_facts, usage, now) {
            Ok(()) => {
                *path_len.borrow_mut() = intermediates.len() + 2;
                Ok(())
            }
            Err(err) => {
                *refusal.borrow_mut() = Some(err);
                // Any error makes webpki try the next path; this one keeps
                // its ranking of "no path found" low.
                Err(webpki::Error::UnknownIssuer)
            }
        }
    };

    let anchors = roots.anchors();
    let algorithms = remembered.issuers.algorithms();
    let algorithms = algorithms
        .each_ref()
        .map(|a| a as &dyn SignatureVerificationAlgorithm);
    let result = leaf.verify_for_usage(
        &algorithms,
        anchors,
        intermediates,
        now,
        key_usage,
        None,
        Some(&on_path),
    );
    match result {
        Ok(_) => Ok(*path_len.borrow()),
        Err(err) => Err(refusal
            .borrow_mut()
            .take()
            .unwrap_or_else(|| map_error(&err, chain, usage, now))),
    }
}

/// Turns a webpki error into the keel error a person can act on.
pub(crate) fn map_error(
    err: &webpki::Error,
    chain: &[CertificateDer<'_>],
    usage: ExpectedUsage,
    now: UnixTime,
) -> CertError {
    use webpki::Error as E;
    let malformed = |reason| CertError::Malformed { index: 0, reason };
    // The deprecated unit variants are matched beside their replacements:
    // webpki still documents them as possible.
    #[allow(deprecated)]
    match err {
        E::CertExpired { not_after, .. } => CertError::Expired {
            not_after: *not_after,
            now,
            // webpki does not say which certificate; find it for the
            // message.
            subject: issuer_subject(chain, |v| v.not_after.timestamp() < secs(now)),
        },
        E::CertNotValidYet { not_before, .. } => CertError::NotYetValid {
            not_before: *not_before,
            now,
            subject: issuer_subject(chain, |v| v.not_before.timestamp() > secs(now)),
        },
        E::UnknownIssuer | E::CertDistrusted => CertError::UnknownIssuer,
        E::CaUsedAsEndEntity => CertError::CaUsedAsEndEntity,
        E::EndEntityUsedAsCa => CertError::EndEntityUsedAsCa,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => CertError::WrongUsage {
            usage,
            detail: "its extended key usage does not include it",
        },
        E::EmptyEkuExtension => CertError::WrongUsage {
            usage,
            detail: "its extended key usage extension is empty",
        },
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => CertError::BadSignature,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            CertError::UnsupportedSignatureAlgorithm
        }
        E::MaximumPathDepthExceeded | E::PathLenConstraintViolated => CertError::PathTooLong,
        E::NameConstraintViolation
        | E::InvalidNetworkMaskConstraint
        | E::MalformedNameConstraint => CertError::NameConstraintViolation,
        E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => CertError::TooComplex,
        E::UnsupportedCriticalExtension => checks::first_unknown_critical_extension(chain)
            .unwrap_or(CertError::UnknownCriticalExtension {
                subject: "(in the chain)".to_owned(),
                oid: "(unknown)".to_owned(),
            }),
        E::CertRevoked => CertError::Revoked {
            reason: "listed as revoked".to_owned(),
        },
        E::BadDer | E::TrailingData(_) => malformed("not valid DER"),
        E::BadDerTime | E::InvalidCertValidity => malformed("invalid validity period"),
        E::InvalidSerialNumber => malformed("invalid serial number"),
        E::MalformedDnsIdentifier | E::UnsupportedNameType => {
            malformed("invalid subject alternative name")
        }
        E::MalformedExtensions | E::ExtensionValueInvalid => malformed("invalid extension"),
        // RFC 5246 §7.4.2: X.509v3 certificates only.
        // RFC 5246 §7.4.6: a client's certificates are X.509 v3 (as a
        // server's are), unless another type was negotiated; keel never
        // negotiates one.
        E::UnsupportedCertVersion => malformed("unsupported X.509 version"),
        E::CertNotValidForName(context) => CertError::HostnameMismatch {
            expected: format!("{:?}", context.expected),
            presented: context.presented.clone(),
        },
        // Revocation-list errors cannot occur: keel passes no CRLs to
        // webpki (revocation is a hook's business). Future webpki errors
        // land here too.
        _ => CertError::Invalid {
            subject: chain
                .first()
                .map(|d| describe::subject(d))
                .unwrap_or_default(),
            detail: "refused by path validation",
        },
    }
}

/// The subject of the first certificate of `chain` whose validity
/// `matches`, when it is not the leaf (a leaf's problem needs no name).
fn issuer_subject(
    chain: &[CertificateDer<'_>],
    matches: impl Fn(&x509_parser::certificate::Validity) -> bool,
) -> Option<String> {
    let index = chain
        .iter()
        .position(|der| describe::parse(der).is_some_and(|c| matches(c.validity())))?;
    chain
        .get(index)
        .filter(|_| index > 0)
        .map(|der| describe::subject(der))
}

pub(crate) fn secs(time: UnixTime) -> i64 {
    i64::try_from(time.as_secs()).unwrap_or(i64::MAX)
}
