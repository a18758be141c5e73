//! Just enough DER to build the inputs rcgen will not make: private keys of
//! kinds keel refuses, and certificates with a key or an extension
//! rewritten and signed again.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use keel_pki::CertificateDer;
use rcgen::{KeyPair, SigningKey};

/// One TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A dotted OID, DER-encoded.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = Vec::new();
    let mut push = |mut value: u64| {
        let mut groups = vec![(value & 0x7f) as u8];
        value >>= 7;
        while value > 0 {
            groups.push(0x80 | (value & 0x7f) as u8);
            value >>= 7;
        }
        groups.reverse();
        body.extend(groups);
    };
    push(arcs[0] * 40 + arcs[1]);
    for &arc in &arcs[2..] {
        push(arc);
    }
    tlv(0x06, &body)
}

/// The TLVs a DER content is made of, each whole.
pub fn elements(mut content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (len, header) = match content[1] {
            n if n < 0x80 => (n as usize, 2),
            n => {
                let count = (n & 0x7f) as usize;
                let len = content[2..2 + count]
                    .iter()
                    .fold(0usize, |acc, &b| acc << 8 | b as usize);
                (len, 2 + count)
            }
        };
        out.push(content[..header + len].to_vec());
        content = &content[header + len..];
    }
    out
}

/// The content of one TLV.
pub fn content(element: &[u8]) -> Vec<u8> {
    let header = if element[1] < 0x80 {
        2
    } else {
        2 + (element[1] & 0x7f) as usize
    };
    element[header..].to_vec()
}

/// A PKCS#8 `OneAsymmetricKey` for `algorithm` (with `parameters`, if
/// any) around `private_key`.
pub fn pkcs8(algorithm: &[u8], parameters: Option<&[u8]>, private_key: &[u8]) -> Vec<u8> {
    let identifier = match parameters {
        Some(parameters) => seq(&[algorithm, parameters]),
        None => seq(&[algorithm]),
    };
    seq(&[&[0x02, 0x01, 0x00], &identifier, &tlv(0x04, private_key)])
}

/// `certificate` (signed by rcgen with an ECDSA P-256 key) with its
/// subjectPublicKeyInfo replaced by `spki`, signed again by `issuer`.
pub fn with_spki(certificate: &[u8], spki: &[u8], issuer: &KeyPair) -> CertificateDer<'static> {
    let outer = elements(&content(certificate));
    let mut tbs = elements(&content(&outer[0]));
    // [0] version, serial, signature, issuer, validity, subject, spki.
    tbs[6] = spki.to_vec();
    let tbs = tlv(0x30, &tbs.concat());
    let signature = issuer.sign(&tbs).unwrap();
    let mut bits = vec![0];
    bits.extend(signature);
    CertificateDer::from(seq(&[&tbs, &outer[1], &tlv(0x03, &bits)]))
}

/// The subjectPublicKeyInfo of a certificate.
pub fn spki_of(certificate: &[u8]) -> Vec<u8> {
    let outer = elements(&content(certificate));
    elements(&content(&outer[0]))[6].clone()
}

/// Standard base64 with padding, on one line.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
