//! A private PKI for the facade's integration tests, made with rcgen: one
//! ECDSA P-256 root, and leaves with every key type keel signs with.
//!
//! Key generation is the slow part (RSA-4096 takes a noticeable fraction of
//! a second, more in a debug build), so each key type is generated once per
//! test process and shared through a `OnceLock`; leaf certificates are
//! cheap (the root signs with P-256) and are made per test.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::OnceLock;

use keel::pki::{CertifiedKey, TrustStore};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, RsaKeySize,
};

/// The key types keel signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    Rsa2048,
    Rsa4096,
}

impl KeyType {
    /// A short name for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Ed25519 => "Ed25519",
            Self::Rsa2048 => "RSA-2048",
            Self::Rsa4096 => "RSA-4096",
        }
    }

    fn generate(self) -> KeyPair {
        let key = match self {
            Self::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            Self::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
            Self::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
            Self::Rsa4096 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096),
        };
        key.unwrap_or_else(|err| panic!("generating a {} key: {err}", self.name()))
    }

    /// This process's key of this type, generated on first use.
    pub(crate) fn key_pair(self) -> &'static KeyPair {
        static KEYS: [OnceLock<KeyPair>; 5] = [const { OnceLock::new() }; 5];
        let slot = match self {
            Self::EcdsaP256 => &KEYS[0],
            Self::EcdsaP384 => &KEYS[1],
            Self::Ed25519 => &KEYS[2],
            Self::Rsa2048 => &KEYS[3],
            Self::Rsa4096 => &KEYS[4],
        };
        slot.get_or_init(|| self.generate())
    }
}

/// What a leaf certificate is for (its extendedKeyUsage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Server,
    Client,
}

/// A root CA: its parameters and key (to issue leaves) and its certificate.
pub(crate) struct Ca {
    params: CertificateParams,
    key: KeyPair,
    certificate: Certificate,
}

impl Ca {
    fn new(common_name: &str) -> Self {
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let certificate = params.self_signed(&key).unwrap();
        Self {
            params,
            key,
            certificate,
        }
    }

    /// The root certificate in PEM.
    pub(crate) fn pem(&self) -> String {
        self.certificate.pem()
    }

    /// The root as a trust store.
    pub(crate) fn trust_store(&self) -> TrustStore {
        TrustStore::from_pem(self.certificate.pem().as_bytes()).unwrap()
    }

    /// A leaf for `names` (DNS names or IP addresses) with this process's
    /// key of type `key_type`, issued by this root, paired with its key.
    pub(crate) fn leaf(&self, key_type: KeyType, names: &[&str], usage: Usage) -> CertifiedKey {
        let key = key_type.key_pair();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![match usage {
            Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        let issuer = Issuer::from_params(&self.params, &self.key);
        let certificate = params.signed_by(key, &issuer).unwrap();
        CertifiedKey::from_pem(certificate.pem().as_bytes(), key.serialize_pem().as_bytes())
            .unwrap_or_else(|err| panic!("pairing a {} leaf with its key: {err}", key_type.name()))
    }
}

/// The process's main root: servers and clients both trust it.
pub(crate) fn ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| Ca::new("keel test root"))
}

/// A second, unrelated root (for certificates nobody trusts).
pub(crate) fn other_ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| Ca::new("keel untrusted root"))
}
