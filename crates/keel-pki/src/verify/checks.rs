//! keel's own checks, run after webpki has found a path and before the path
//! is accepted. They only ever refuse.
//!
//! webpki does not parse a trust anchor as a certificate (an anchor is a
//! subject and a key to it), so nothing about an anchor's own extensions,
//! validity or key is checked there; and it leaves some RFC 5280 and
//! CA/Browser Forum rules to its callers. The rules here are the
//! security-relevant ones (see `limbo-exceptions.txt` for the formal rules
//! keel deliberately does not enforce).

use rustls_pki_types::{CertificateDer, UnixTime};
use x509_parser::asn1_rs::{Oid, oid};
use x509_parser::certificate::X509Certificate;
use x509_parser::public_key::PublicKey;

use super::describe;
use super::path::secs;
use crate::error::{CertError, ExpectedUsage};
use crate::recent::Recent;

/// The certificates of one candidate path after the leaf.
pub(crate) struct PathCerts<'a> {
    pub(crate) intermediates: Vec<&'a [u8]>,
    /// What is known of the anchor's certificate.
    pub(crate) anchor: AnchorCert<'a>,
}

/// The anchor of a path as keel's checks see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AnchorCert<'a> {
    /// The trust store has no certificate for it (the built-in Mozilla
    /// roots are subjects and keys only): nothing to check.
    Absent,
    /// Its certificate, checked when it entered the trust store.
    Checked(&'a AnchorFacts),
    /// Its certificate does not parse as X.509.
    Unreadable,
}

/// keel's checks of an anchor certificate, run once when it enters a trust
/// store rather than in every handshake: the anchor is the same in every
/// path, and parsing it was half of these checks' cost per handshake.
/// Only the validity period depends on the time of a handshake, so it is
/// kept as numbers.
#[derive(Debug, Clone)]
pub(crate) struct AnchorFacts {
    /// Critical extensions and key, as for every certificate of a path.
    own: Result<(), CertError>,
    /// The extended key usage, per usage.
    eku_server: Result<(), CertError>,
    eku_client: Result<(), CertError>,
    /// The form required of an issuer.
    form: Result<(), CertError>,
    /// basicConstraints and keyUsage of a CA.
    ca: Result<(), CertError>,
    not_before: i64,
    not_after: i64,
    subject: String,
}

impl AnchorFacts {
    /// The facts of `der`, or `None` when x509-parser cannot read it.
    pub(crate) fn of(der: &[u8]) -> Option<Self> {
        let cert = describe::parse(der)?;
        let own = check_critical_extensions(&cert).and_then(|()| check_key(&cert));
        let validity = cert.validity();
        Some(Self {
            own,
            eku_server: check_issuer_eku(&cert, ExpectedUsage::ServerAuth),
            eku_client: check_issuer_eku(&cert, ExpectedUsage::ClientAuth),
            form: check_issuer_form(&cert),
            ca: check_anchor_is_ca(&cert),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            subject: describe::subject_of(&cert),
        })
    }

    fn eku(&self, usage: ExpectedUsage) -> Result<(), CertError> {
        match usage {
            ExpectedUsage::ServerAuth => self.eku_server.clone(),
            ExpectedUsage::ClientAuth => self.eku_client.clone(),
        }
    }
}

/// keel's checks of a leaf for one usage, split as the path checks run
/// them: its own (critical extensions, key), then those of a leaf (usage,
/// keyUsage, EKU, no name constraints). A leaf's verdicts depend on its
/// bytes and the usage only, not on the path, the time or the name.
#[derive(Debug, Clone)]
pub(crate) struct LeafFacts {
    own: Result<(), CertError>,
    as_leaf: Result<(), CertError>,
}

impl LeafFacts {
    /// The facts of `der` for `usage`; an error when x509-parser cannot
    /// read it.
    pub(crate) fn of(der: &[u8], usage: ExpectedUsage) -> Result<Self, CertError> {
        let leaf = describe::parse(der).ok_or(CertError::Malformed {
            index: 0,
            reason: "not valid X.509",
        })?;
        let own = check_critical_extensions(&leaf).and_then(|()| check_key(&leaf));
        let as_leaf = check_leaf_can_sign(&leaf, usage)
            .and_then(|()| check_leaf_is_not_a_signer(&leaf))
            .and_then(|()| check_leaf_eku(&leaf, usage))
            .and_then(|()| {
                // RFC 5280 §4.2.1.10: name constraints "MUST be used only
                // in a CA certificate"; in a leaf they would constrain
                // nothing and signal a misissued certificate.
                if leaf.name_constraints().map_or(true, |nc| nc.is_some()) {
                    return Err(CertError::Invalid {
                        subject: describe::subject_of(&leaf),
                        detail: "nameConstraints in an end-entity certificate",
                    });
                }
                Ok(())
            });
        Ok(Self { own, as_leaf })
    }
}

/// The leaves a verifier checked last, with their verdicts, so that a
/// client connecting again to the same server (or a server seeing the same
/// client certificate) does not parse the same leaf again: parsing it was
/// most of what keel's checks cost per handshake. Keyed by the exact bytes
/// and the usage; webpki still builds and verifies every path, signatures
/// included, in every handshake.
#[derive(Default)]
pub(crate) struct LeafCache {
    /// By usage and exact bytes.
    entries: Recent<(ExpectedUsage, Vec<u8>), LeafFacts>,
}

impl LeafCache {
    /// The facts of `der` for `usage`, remembered or computed now (and
    /// then remembered, the oldest leaving).
    pub(crate) fn facts(&self, der: &[u8], usage: ExpectedUsage) -> Result<LeafFacts, CertError> {
        self.entries.get_or_make(
            |(u, d)| *u == usage && d == der,
            || Ok(((usage, der.to_vec()), LeafFacts::of(der, usage)?)),
        )
    }
}

impl core::fmt::Debug for LeafCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LeafCache")
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Extensions keel (through webpki) understands, so that they may be
/// critical: keyUsage, subjectAltName, basicConstraints, nameConstraints,
/// cRLDistributionPoints, extKeyUsage (RFC 5280 §4.2.1). This is the set
/// webpki processes in leaves and intermediates; anchors are held to the
/// same set.
const UNDERSTOOD_CRITICAL: [Oid<'static>; 6] = [
    oid!(2.5.29.15),
    oid!(2.5.29.17),
    oid!(2.5.29.19),
    oid!(2.5.29.30),
    oid!(2.5.29.31),
    oid!(2.5.29.37),
];

// Compared as OIDs, not as strings: these run for every certificate of
// every full handshake, and a string per extension was an allocation each.
const OID_RSA: Oid<'static> = oid!(1.2.840.113549.1.1.1);
const OID_RSA_PSS: Oid<'static> = oid!(1.2.840.113549.1.1.10);
const OID_EC: Oid<'static> = oid!(1.2.840.10045.2.1);
const OID_ED25519: Oid<'static> = oid!(1.3.101.112);
/// P-256, P-384, P-521 (RFC 5480 §2.1.1.1).
const ALLOWED_CURVES: [Oid<'static>; 3] = [
    oid!(1.2.840.10045.3.1.7),
    oid!(1.3.132.0.34),
    oid!(1.3.132.0.35),
];
const MIN_RSA_BITS: usize = 2048;

pub(crate) fn check_path(
    path: &PathCerts<'_>,
    leaf: &Result<LeafFacts, CertError>,
    usage: ExpectedUsage,
    now: UnixTime,
) -> Result<(), CertError> {
    // The leaf and the anchor were checked before (once per leaf, once per
    // anchor); the intermediates are parsed once here.
    let leaf = leaf.clone()?;
    leaf.own?;
    let mut issuers = Vec::with_capacity(path.intermediates.len());
    for (index, der) in path.intermediates.iter().enumerate() {
        let cert = describe::parse(der).ok_or(CertError::Malformed {
            index: index + 1,
            reason: "not valid X.509",
        })?;
        check_critical_extensions(&cert)?;
        check_key(&cert)?;
        issuers.push(cert);
    }
    match path.anchor {
        AnchorCert::Absent => {}
        AnchorCert::Checked(facts) => facts.own.clone()?,
        AnchorCert::Unreadable => {
            return Err(CertError::Malformed {
                index: path.intermediates.len() + 1,
                reason: "not valid X.509",
            });
        }
    }
    leaf.as_leaf?;
    for issuer in &issuers {
        check_issuer_eku(issuer, usage)?;
        check_issuer_form(issuer)?;
    }
    if let AnchorCert::Checked(facts) = path.anchor {
        facts.eku(usage)?;
        facts.form.clone()?;
        check_anchor_validity(facts, now)?;
        facts.ca.clone()?;
    }
    Ok(())
}

/// RFC 5280 §4.2.1.9: "If the cA boolean is not asserted, then the
/// keyCertSign bit in the key usage extension MUST NOT be asserted." A leaf
/// claiming to sign certificates is either misissued or an attempt to pass
/// a CA key off as an end entity.
fn check_leaf_is_not_a_signer(leaf: &X509Certificate<'_>) -> Result<(), CertError> {
    let is_ca = matches!(leaf.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    match leaf.key_usage() {
        Ok(Some(ku)) if ku.value.key_cert_sign() && !is_ca => Err(CertError::Invalid {
            subject: describe::subject_of(leaf),
            detail: "keyUsage keyCertSign on a certificate that is not a CA",
        }),
        _ => Ok(()),
    }
}

/// An extended key usage in a leaf must name the usage itself: webpki lets
/// anyExtendedKeyUsage stand in for it, but the CA/Browser Forum Baseline
/// Requirements (§7.1.2.7.10) forbid it in subscriber certificates, and a
/// certificate issued for "any purpose" was not issued for TLS. (A leaf
/// with no extendedKeyUsage at all is accepted, as RFC 5280 §4.2.1.12
/// allows; see limbo-exceptions.txt.)
fn check_leaf_eku(leaf: &X509Certificate<'_>, usage: ExpectedUsage) -> Result<(), CertError> {
    match leaf.extended_key_usage() {
        Ok(Some(eku)) if !names_usage(eku.value, usage) => Err(CertError::WrongUsage {
            usage,
            detail: "its extended key usage does not name it (anyExtendedKeyUsage is not enough)",
        }),
        Ok(_) => Ok(()),
        Err(_) => Err(CertError::Invalid {
            subject: describe::subject_of(leaf),
            detail: "malformed extendedKeyUsage",
        }),
    }
}

/// An issuer whose own extended key usage excludes the usage cannot vouch
/// for it (the EKU constraint Mozilla and Microsoft apply to CAs): a CA
/// restricted to, say, code signing does not issue TLS certificates.
fn check_issuer_eku(issuer: &X509Certificate<'_>, usage: ExpectedUsage) -> Result<(), CertError> {
    match issuer.extended_key_usage() {
        Ok(Some(eku)) if !eku.value.any && !names_usage(eku.value, usage) => {
            Err(CertError::WrongUsage {
                usage,
                detail: "an issuing CA's extended key usage excludes it",
            })
        }
        _ => Ok(()),
    }
}

/// Rules for issuers that no real CA breaks, so enforcing them costs no
/// private PKI anything: a CA is named (RFC 5280 §4.1.2.6: "If the subject
/// is a CA ... the subject field MUST be populated"), and a
/// nameConstraints extension constrains something (§4.2.1.10: it "MUST
/// NOT" be an empty sequence).
fn check_issuer_form(issuer: &X509Certificate<'_>) -> Result<(), CertError> {
    let invalid = |detail| {
        Err(CertError::Invalid {
            subject: describe::subject_of(issuer),
            detail,
        })
    };
    if issuer.subject().iter().next().is_none() {
        return invalid("a CA certificate with an empty subject");
    }
    match issuer.name_constraints() {
        Ok(Some(nc)) => {
            let empty = |subtrees: &Option<Vec<_>>| subtrees.as_ref().is_none_or(Vec::is_empty);
            if empty(&nc.value.permitted_subtrees) && empty(&nc.value.excluded_subtrees) {
                return invalid("a nameConstraints extension with no subtrees");
            }
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(_) => invalid("malformed nameConstraints"),
    }
}

fn names_usage(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>, usage: ExpectedUsage) -> bool {
    match usage {
        ExpectedUsage::ServerAuth => eku.server_auth,
        ExpectedUsage::ClientAuth => eku.client_auth,
    }
}

/// Every keel suite is ECDHE with a signature: the server's key signs its
/// ServerKeyExchange (RFC 5246 §7.4.3) and a client's key signs its
/// CertificateVerify (RFC 5246 §7.4.8). A keyUsage extension that does not
/// allow digitalSignature forbids exactly that (RFC 5280 §4.2.1.3;
/// RFC 5246 §7.4.2 requires the key to allow the usage of the key exchange).
fn check_leaf_can_sign(leaf: &X509Certificate<'_>, usage: ExpectedUsage) -> Result<(), CertError> {
    match leaf.key_usage() {
        Ok(Some(ku)) if !ku.value.digital_signature() => Err(CertError::WrongUsage {
            usage,
            detail: "its keyUsage does not allow digital signatures, which ECDHE needs",
        }),
        Ok(_) => Ok(()),
        Err(_) => Err(CertError::Invalid {
            subject: describe::subject_of(leaf),
            detail: "malformed keyUsage",
        }),
    }
}

/// RFC 5280 §4.2: "A certificate-using system MUST reject the certificate
/// if it encounters a critical extension it does not recognize".
fn check_critical_extensions(cert: &X509Certificate<'_>) -> Result<(), CertError> {
    for ext in cert.extensions() {
        if ext.critical && !UNDERSTOOD_CRITICAL.contains(&ext.oid) {
            return Err(CertError::UnknownCriticalExtension {
                subject: describe::subject_of(cert),
                oid: ext.oid.to_id_string(),
            });
        }
    }
    Ok(())
}

/// Keys keel will not trust anywhere in a chain: RSA below 2048 bits
/// (NIST SP 800-131A; CA/Browser Forum Baseline Requirements §6.1.5), DSA
/// (removed from the Baseline Requirements and from TLS 1.3), elliptic
/// curves other than P-256/P-384/P-521 (P-192 and others fall below
/// 128-bit security or are unsupported).
fn check_key(cert: &X509Certificate<'_>) -> Result<(), CertError> {
    let spki = cert.public_key();
    let algorithm = &spki.algorithm.algorithm;
    let weak = |detail: String| {
        Err(CertError::WeakKey {
            subject: describe::subject_of(cert),
            detail,
        })
    };
    if *algorithm == OID_RSA || *algorithm == OID_RSA_PSS {
        return match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                let bits = modulus_bits(rsa.modulus);
                if bits < MIN_RSA_BITS {
                    weak(format!(
                        "RSA key of {bits} bits (at least {MIN_RSA_BITS} required)"
                    ))
                } else if !bits.is_multiple_of(8) {
                    // CA/Browser Forum Baseline Requirements §6.1.5: the
                    // modulus size in bits must be evenly divisible by 8.
                    weak(format!("RSA modulus of {bits} bits, not a multiple of 8"))
                } else {
                    Ok(())
                }
            }
            // x509-parser reads no RSASSA-PSS parameters: such a key is
            // not one keel can check, rather than a broken one.
            _ if *algorithm == OID_RSA_PSS => {
                weak("an RSASSA-PSS key, which keel does not accept".to_owned())
            }
            _ => weak("malformed RSA key".to_owned()),
        };
    }
    if *algorithm == OID_EC {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(crate::key_der::parameters_oid);
        return match curve {
            Some(curve) if ALLOWED_CURVES.contains(&curve) => Ok(()),
            Some(curve) => weak(format!(
                "elliptic curve {} (P-256, P-384 or P-521 required)",
                curve.to_id_string()
            )),
            None => weak("elliptic-curve key without a named curve".to_owned()),
        };
    }
    if *algorithm == OID_ED25519 {
        return Ok(());
    }
    weak(format!("key algorithm {}", algorithm.to_id_string()))
}

/// The exact bit length of a big-endian modulus (x509-parser's key size
/// counts whole bytes).
fn modulus_bits(modulus: &[u8]) -> usize {
    let significant = modulus
        .iter()
        .position(|&b| b != 0)
        .map_or(&[][..], |i| modulus.get(i..).unwrap_or_default());
    match significant.first() {
        Some(first) => significant.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// What webpki cannot check on an anchor: that it is in its validity
/// period (webpki treats an anchor as a subject and a key). A user-supplied
/// root that has expired is a configuration mistake that must not go
/// unnoticed.
fn check_anchor_validity(anchor: &AnchorFacts, now: UnixTime) -> Result<(), CertError> {
    if anchor.not_after < secs(now) {
        return Err(CertError::Expired {
            not_after: describe::unix_time(anchor.not_after),
            now,
            subject: Some(anchor.subject.clone()),
        });
    }
    if anchor.not_before > secs(now) {
        return Err(CertError::NotYetValid {
            not_before: describe::unix_time(anchor.not_before),
            now,
            subject: Some(anchor.subject.clone()),
        });
    }
    Ok(())
}

/// What webpki cannot check on an anchor (with its validity period, just
/// above): that it is a CA. A user-supplied root that is not a CA is a
/// configuration mistake that must not go unnoticed.
fn check_anchor_is_ca(anchor: &X509Certificate<'_>) -> Result<(), CertError> {
    let subject = || describe::subject_of(anchor);
    // RFC 5280 §4.2.1.9: a CA certificate has basicConstraints with cA set.
    match anchor.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {}
        Ok(Some(_)) => {
            return Err(CertError::NotACa {
                subject: subject(),
                detail: "basicConstraints has cA=FALSE",
            });
        }
        Ok(None) => {
            return Err(CertError::NotACa {
                subject: subject(),
                detail: "no basicConstraints extension",
            });
        }
        Err(_) => {
            return Err(CertError::Invalid {
                subject: subject(),
                detail: "malformed basicConstraints",
            });
        }
    }
    // RFC 5280 §4.2.1.3: a key that signs certificates has keyCertSign.
    match anchor.key_usage() {
        Ok(Some(ku)) if !ku.value.key_cert_sign() => Err(CertError::NotACa {
            subject: subject(),
            detail: "keyUsage lacks keyCertSign",
        }),
        Ok(_) => Ok(()),
        Err(_) => Err(CertError::Invalid {
            subject: subject(),
            detail: "malformed keyUsage",
        }),
    }
}

/// Finds the certificate and extension behind webpki's "unsupported
/// critical extension", for the error message.
pub(crate) fn first_unknown_critical_extension(chain: &[CertificateDer<'_>]) -> Option<CertError> {
    chain
        .iter()
        .filter_map(|der| describe::parse(der))
        .find_map(|cert| check_critical_extensions(&cert).err())
}
