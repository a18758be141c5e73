//! The signature algorithms webpki checks chains with, keeping issuers'
//! public keys parsed.
//!
//! webpki hands each certificate's signature to a
//! `SignatureVerificationAlgorithm` with the issuer's raw public key, and
//! aws-lc-rs parses that key for every signature: the same anchor's or
//! intermediate's key, handshake after handshake (14 k instructions for a
//! P-256 key, more for RSA, whose Montgomery constants aws-lc derives on
//! first use). These algorithms verify exactly as webpki's own aws-lc-rs
//! ones do (the same aws-lc algorithm for each identifier, the same
//! RFC 5480 §2.2 check of an EC key's first octet), with the parsed keys of
//! the last few issuers kept by their exact bytes. Every signature is
//! verified, every time.

use std::sync::Arc;

use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use rustls_pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};
use webpki::aws_lc_rs as webpki_algs;

use crate::recent::Recent;

/// Signature algorithms accepted inside certificate chains: ECDSA on
/// P-256/P-384/P-521 with SHA-2, RSA PKCS#1 v1.5 and PSS with SHA-2 and
/// 2048-8192-bit keys, Ed25519. No SHA-1, no MD5, no DSA. Each is webpki's
/// (for its identifiers) beside the aws-lc-rs algorithm webpki verifies
/// it with.
static CHAIN_ALGORITHMS: [(
    &dyn SignatureVerificationAlgorithm,
    &dyn VerificationAlgorithm,
); 19] = [
    (webpki_algs::ECDSA_P256_SHA256, &lc::ECDSA_P256_SHA256_ASN1),
    (webpki_algs::ECDSA_P256_SHA384, &lc::ECDSA_P256_SHA384_ASN1),
    (webpki_algs::ECDSA_P256_SHA512, &lc::ECDSA_P256_SHA512_ASN1),
    (webpki_algs::ECDSA_P384_SHA256, &lc::ECDSA_P384_SHA256_ASN1),
    (webpki_algs::ECDSA_P384_SHA384, &lc::ECDSA_P384_SHA384_ASN1),
    (webpki_algs::ECDSA_P384_SHA512, &lc::ECDSA_P384_SHA512_ASN1),
    (webpki_algs::ECDSA_P521_SHA256, &lc::ECDSA_P521_SHA256_ASN1),
    (webpki_algs::ECDSA_P521_SHA384, &lc::ECDSA_P521_SHA384_ASN1),
    (webpki_algs::ECDSA_P521_SHA512, &lc::ECDSA_P521_SHA512_ASN1),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA256,
        &lc::RSA_PKCS1_2048_8192_SHA256,
    ),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA384,
        &lc::RSA_PKCS1_2048_8192_SHA384,
    ),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA512,
        &lc::RSA_PKCS1_2048_8192_SHA512,
    ),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        &lc::RSA_PKCS1_2048_8192_SHA256,
    ),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        &lc::RSA_PKCS1_2048_8192_SHA384,
    ),
    (
        webpki_algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        &lc::RSA_PKCS1_2048_8192_SHA512,
    ),
    (
        webpki_algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        &lc::RSA_PSS_2048_8192_SHA256,
    ),
    (
        webpki_algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        &lc::RSA_PSS_2048_8192_SHA384,
    ),
    (
        webpki_algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        &lc::RSA_PSS_2048_8192_SHA512,
    ),
    (webpki_algs::ED25519, &lc::ED25519),
];

/// Issuers' keys, parsed, by algorithm and exact key bytes; the oldest
/// leaves first. Shared by a verifier's clones.
#[derive(Default)]
pub(crate) struct IssuerKeys {
    /// By the algorithm's index in [`CHAIN_ALGORITHMS`] and exact key bytes.
    entries: Recent<(usize, Vec<u8>), Arc<ParsedPublicKey>>,
}

impl IssuerKeys {
    /// The chain algorithms for one path building, verifying through
    /// these keys.
    pub(crate) fn algorithms(&self) -> [ChainAlgorithm<'_>; 19] {
        core::array::from_fn(|index| ChainAlgorithm { index, keys: self })
    }

    /// The key, remembered or parsed now; `None` when aws-lc refuses it
    /// (a refused key is not remembered).
    fn key(&self, index: usize, public_key: &[u8]) -> Option<Arc<ParsedPublicKey>> {
        let (_, algorithm) = CHAIN_ALGORITHMS.get(index)?;
        self.entries
            .get_or_make(
                |(i, bytes)| *i == index && bytes == public_key,
                || {
                    let key = ParsedPublicKey::new(*algorithm, public_key)?;
                    Ok::<_, aws_lc_rs::error::KeyRejected>((
                        (index, public_key.to_vec()),
                        Arc::new(key),
                    ))
                },
            )
            .ok()
    }
}

impl core::fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuerKeys")
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// One of [`CHAIN_ALGORITHMS`], verifying with a verifier's kept keys.
#[derive(Debug)]
pub(crate) struct ChainAlgorithm<'a> {
    index: usize,
    keys: &'a IssuerKeys,
}

impl ChainAlgorithm<'_> {
    fn webpki(&self) -> &'static dyn SignatureVerificationAlgorithm {
        CHAIN_ALGORITHMS
            .get(self.index)
            .map_or(webpki_algs::ED25519, |(webpki, _)| *webpki)
    }
}

impl SignatureVerificationAlgorithm for ChainAlgorithm<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // RFC 5480 §2.2: an EC public key's first octet is 0x04
        // (uncompressed) or 0x02/0x03 (compressed); anything else is
        // refused, as webpki does.
        let id = self.public_key_alg_id();
        if (id == alg_id::ECDSA_P256 || id == alg_id::ECDSA_P384 || id == alg_id::ECDSA_P521)
            && !matches!(public_key.first(), Some(0x02..=0x04))
        {
            return Err(InvalidSignature);
        }
        let key = self
            .keys
            .key(self.index, public_key)
            .ok_or(InvalidSignature)?;
        key.verify_sig(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.webpki().public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.webpki().signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.webpki().fips()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING,
        ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
        RSA_PSS_SHA256, RsaKeyPair,
    };
    use rustls_pki_types::SignatureVerificationAlgorithm;

    use super::{CHAIN_ALGORITHMS, IssuerKeys};

    /// Every key of every type (and malformed ones) against every
    /// signature (good and flipped) under every chain algorithm, twice so
    /// that the second round finds the keys remembered: the same verdict
    /// as webpki's own algorithm each time.
    #[test]
    fn chain_algorithms_answer_as_webpkis_own_every_time() {
        let rng = SystemRandom::new();
        let message = b"tbsCertificate, more or less";
        let p256 = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let p384 = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
        let p521 = EcdsaKeyPair::generate(&ECDSA_P521_SHA512_ASN1_SIGNING).unwrap();
        let ed25519 = Ed25519KeyPair::generate().unwrap();
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();

        let mut keys: Vec<Vec<u8>> = vec![
            p256.public_key().as_ref().to_vec(),
            p384.public_key().as_ref().to_vec(),
            p521.public_key().as_ref().to_vec(),
            ed25519.public_key().as_ref().to_vec(),
            rsa.public_key().as_ref().to_vec(),
        ];
        // RFC 5480 §2.2's first octet, a cut key, no key.
        let mut bad_octet = keys[0].clone();
        bad_octet[0] = 0x05;
        keys.push(bad_octet);
        keys.push(keys[0][..30].to_vec());
        keys.push(Vec::new());

        let rsa_sign = |scheme| {
            let mut signature = vec![0; rsa.public_modulus_len()];
            rsa.sign(scheme, &rng, message, &mut signature).unwrap();
            signature
        };
        let mut signatures: Vec<Vec<u8>> = vec![
            p256.sign(&rng, message).unwrap().as_ref().to_vec(),
            p384.sign(&rng, message).unwrap().as_ref().to_vec(),
            p521.sign(&rng, message).unwrap().as_ref().to_vec(),
            ed25519.sign(message).as_ref().to_vec(),
            rsa_sign(&RSA_PKCS1_SHA256),
            rsa_sign(&RSA_PSS_SHA256),
        ];
        let flipped: Vec<Vec<u8>> = signatures
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s[10] ^= 1;
                s
            })
            .collect();
        signatures.extend(flipped);

        let remembered = IssuerKeys::default();
        let ours = remembered.algorithms();
        let mut accepted = 0;
        for _round in 0..2 {
            for (index, (webpki, _)) in CHAIN_ALGORITHMS.iter().enumerate() {
                let ours = &ours[index];
                assert_eq!(ours.public_key_alg_id(), webpki.public_key_alg_id());
                assert_eq!(ours.signature_alg_id(), webpki.signature_alg_id());
                assert_eq!(ours.fips(), webpki.fips());
                for (k, key) in keys.iter().enumerate() {
                    for (s, signature) in signatures.iter().enumerate() {
                        let expected = webpki.verify_signature(key, message, signature).is_ok();
                        let got = ours.verify_signature(key, message, signature).is_ok();
                        assert_eq!(got, expected, "algorithm {index}, key {k}, signature {s}");
                        accepted += usize::from(got);
                    }
                }
            }
        }
        // Per round: each good signature under its algorithm, RSA PKCS#1
        // under both encodings of its identifier.
        assert_eq!(accepted, 2 * 7);
        let remembered = format!("{remembered:?}");
        assert!(
            remembered != "IssuerKeys { entries: 0 }",
            "keys are remembered: {remembered}"
        );
    }
}
