//! The server's certificate: loaded from files, or a throwaway one made at
//! start (a root CA and an ECDSA P-256 leaf for localhost, 127.0.0.1 and
//! ::1) whose CA is written out for the client to trust.

use std::path::{Path, PathBuf};

use keel::pki::CertifiedKey;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// Why the server's certificate could not be set up, in words.
#[derive(Debug)]
pub(crate) struct CertSetupError(pub(crate) String);

/// Loads a chain and its key (RSA, ECDSA or Ed25519; PKCS#8, SEC1 or
/// PKCS#1 PEM) and checks that they belong together.
pub(crate) fn load(chain: &Path, key: &Path) -> Result<CertifiedKey, CertSetupError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| {
            CertSetupError(format!(
                "cannot read {}: {}",
                path.display(),
                crate::chain::chain(&e)
            ))
        })
    };
    let (chain_pem, key_pem) = (read(chain)?, read(key)?);
    CertifiedKey::from_pem(&chain_pem, &key_pem).map_err(|e| {
        CertSetupError(format!(
            "{} and {}: {}",
            chain.display(),
            key.display(),
            crate::chain::chain(&e)
        ))
    })
}

/// A throwaway CA and a leaf it issued for localhost, 127.0.0.1 and ::1.
/// Returns the leaf (with its key) and the CA certificate in PEM, which is
/// written to `ca_out` for clients to trust.
pub(crate) fn generate(ca_out: &Path) -> Result<(CertifiedKey, PathBuf), CertSetupError> {
    let fail = |what: &str, e: rcgen::Error| CertSetupError(format!("generating the {what}: {e}"));
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "keel serve throwaway CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(|e| fail("CA key", e))?;
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(|e| fail("CA certificate", e))?;

    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().map_err(|e| fail("leaf name", e))?),
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate().map_err(|e| fail("leaf key", e))?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .map_err(|e| fail("leaf certificate", e))?;

    std::fs::write(ca_out, ca_cert.pem())
        .map_err(|e| CertSetupError(format!("cannot write the CA to {}: {e}", ca_out.display())))?;
    let chain = format!("{}{}", leaf_cert.pem(), ca_cert.pem());
    let certified = CertifiedKey::from_pem(chain.as_bytes(), leaf_key.serialize_pem().as_bytes())
        .map_err(|e| {
        CertSetupError(format!(
            "the generated certificate does not load: {}",
            crate::chain::chain(&e)
        ))
    })?;
    Ok((certified, ca_out.to_path_buf()))
}
