//! What a DER private key holds, beyond its form.
//!
//! rustls-pki-types' `PrivateKeyDer::try_from` tells PKCS#8, SEC1 and
//! PKCS#1 apart, and keel routes DER with it. These few readers remain
//! because keel's errors say more than the form: the algorithm and curve
//! of a PKCS#8 key, and the curve of a SEC1 key, choose the aws-lc-rs
//! parser and name an unsupported key (Ed448, P-521, DSA, ...) where
//! aws-lc-rs would only say "rejected"; and an `EncryptedPrivateKeyInfo`,
//! which `try_from` refuses like any other bytes, is recognised so that
//! the error says the key is encrypted; and since `try_from` looks only at
//! the first bytes, a truncated key is caught here as not a key, rather
//! than reaching aws-lc-rs, whose refusal of it names no reason. aws-lc-rs
//! does the real parsing.

use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag};

/// RFC 5958 `OneAsymmetricKey` (PKCS#8): the algorithm's OID, dotted, and
/// the named curve when the parameters are an OID.
///
/// ```text
/// OneAsymmetricKey ::= SEQUENCE { INTEGER, AlgorithmIdentifier, OCTET STRING, ... }
/// ```
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Option<(String, Option<String>)> {
    let elements = sequence_elements(der)?;
    match elements.as_slice() {
        [version, algorithm, ..]
            if is_universal(version, Tag::Integer) && is_universal(algorithm, Tag::Sequence) =>
        {
            algorithm_identifier(algorithm.data)
        }
        _ => None,
    }
}

/// RFC 5915 `ECPrivateKey` (SEC1): `Some` with its named curve, if the
/// optional parameters give one; `None` when the DER is not one.
///
/// ```text
/// ECPrivateKey ::= SEQUENCE { INTEGER, OCTET STRING, [0] OID OPTIONAL, ... }
/// ```
pub(crate) fn sec1_curve(der: &[u8]) -> Option<Option<String>> {
    let elements = sequence_elements(der)?;
    match elements.as_slice() {
        [version, key, rest @ ..]
            if is_universal(version, Tag::Integer) && is_universal(key, Tag::OctetString) =>
        {
            Some(
                rest.iter()
                    .find(|any| any.class() == Class::ContextSpecific && any.tag() == Tag(0))
                    .and_then(|parameters| single_oid(parameters.data)),
            )
        }
        _ => None,
    }
}

/// Whether the DER is an RFC 5958 §3 `EncryptedPrivateKeyInfo`.
///
/// ```text
/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
/// ```
pub(crate) fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    sequence_elements(der).is_some_and(|elements| {
        matches!(elements.as_slice(), [algorithm, data, ..]
            if is_universal(algorithm, Tag::Sequence) && is_universal(data, Tag::OctetString))
    })
}

/// Whether the input is one whole DER SEQUENCE whose elements all parse,
/// as every private key form is.
pub(crate) fn is_complete_sequence(der: &[u8]) -> bool {
    sequence_elements(der).is_some()
}

/// Parses the content of an `AlgorithmIdentifier` (RFC 5280 §4.1.1.2):
/// the algorithm's OID, and the parameters when they are a single OID (the
/// named curve of an EC key).
fn algorithm_identifier(content: &[u8]) -> Option<(String, Option<String>)> {
    let elements = der_elements(content)?;
    let mut iter = elements.iter();
    let algorithm = iter.next()?.as_oid().ok()?.to_id_string();
    let parameters = iter
        .next()
        .and_then(parameters_oid)
        .map(|oid| oid.to_id_string());
    Some((algorithm, parameters))
}

fn single_oid(der: &[u8]) -> Option<String> {
    let (rest, any) = Any::from_der(der).ok()?;
    if !rest.is_empty() {
        return None;
    }
    any.as_oid().ok().map(|oid| oid.to_id_string())
}

/// The elements of a DER SEQUENCE that is the whole input.
fn sequence_elements(der: &[u8]) -> Option<Vec<Any<'_>>> {
    let (rest, outer) = Any::from_der(der).ok()?;
    (rest.is_empty() && is_universal(&outer, Tag::Sequence)).then_some(())?;
    der_elements(outer.data)
}

fn der_elements(mut content: &[u8]) -> Option<Vec<Any<'_>>> {
    let mut elements = Vec::new();
    while !content.is_empty() {
        let (rest, any) = Any::from_der(content).ok()?;
        elements.push(any);
        content = rest;
    }
    Some(elements)
}

/// The OID an AlgorithmIdentifier's parameters hold, if they are one: a
/// named curve. asn1-rs' `as_oid` reads any element's content as an OID
/// whatever its tag, so the tag is checked first and explicit curve
/// parameters (a SEQUENCE) are no curve.
pub(crate) fn parameters_oid<'a>(parameters: &'a Any<'a>) -> Option<Oid<'a>> {
    if is_universal(parameters, Tag::Oid) {
        parameters.as_oid().ok()
    } else {
        None
    }
}

fn is_universal(any: &Any<'_>, tag: Tag) -> bool {
    any.class() == Class::Universal && any.tag() == tag
}
