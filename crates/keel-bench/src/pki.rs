//! The certificates both libraries use: one ECDSA P-256 root and a leaf
//! for `localhost` with an ECDSA P-256 key and one with an RSA-2048 key,
//! made with rcgen once per process.

use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, RsaKeySize,
};

/// The name the leaves are for.
pub const SERVER_NAME: &str = "localhost";

/// Which server key a scenario uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on P-256.
    EcdsaP256,
    /// RSA with a 2048-bit modulus.
    Rsa2048,
}

/// A leaf: its certificate chain (leaf, root) and its PKCS#8 key, in DER.
#[derive(Debug)]
pub struct Leaf {
    /// Leaf then root, DER.
    pub chain: Vec<Vec<u8>>,
    /// PKCS#8 DER.
    pub key: Vec<u8>,
    /// The same, PEM, for keel's loaders.
    pub chain_pem: String,
    /// PEM.
    pub key_pem: String,
}

/// The root and both leaves.
#[derive(Debug)]
pub struct Pki {
    /// The root, DER.
    pub root: Vec<u8>,
    /// The root, PEM.
    pub root_pem: String,
    /// ECDSA P-256 leaf.
    pub ecdsa: Leaf,
    /// RSA-2048 leaf.
    pub rsa: Leaf,
}

impl Pki {
    /// The leaf for `kind`.
    #[must_use]
    pub fn leaf(&self, kind: KeyKind) -> &Leaf {
        match kind {
            KeyKind::EcdsaP256 => &self.ecdsa,
            KeyKind::Rsa2048 => &self.rsa,
        }
    }
}

/// The PKI, made on first use.
///
/// # Panics
///
/// If rcgen cannot make keys or certificates (a broken build).
#[allow(clippy::expect_used)]
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut root = CertificateParams::default();
        root.distinguished_name
            .push(DnType::CommonName, "keel-bench root");
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign];
        let root_key = KeyPair::generate().expect("P-256 key");
        let root_cert = root.self_signed(&root_key).expect("root certificate");
        let issuer = Issuer::from_params(&root, &root_key);
        let leaf = |key: KeyPair| {
            let mut params = CertificateParams::new(vec![SERVER_NAME.to_owned()]).expect("name");
            params
                .distinguished_name
                .push(DnType::CommonName, SERVER_NAME);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let cert = params.signed_by(&key, &issuer).expect("leaf certificate");
            Leaf {
                chain: vec![cert.der().to_vec(), root_cert.der().to_vec()],
                key: key.serialize_der(),
                chain_pem: format!("{}{}", cert.pem(), root_cert.pem()),
                key_pem: key.serialize_pem(),
            }
        };
        Pki {
            root: root_cert.der().to_vec(),
            root_pem: root_cert.pem(),
            ecdsa: leaf(KeyPair::generate().expect("P-256 key")),
            rsa: leaf(
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048)
                    .expect("RSA key"),
            ),
        }
    })
}
