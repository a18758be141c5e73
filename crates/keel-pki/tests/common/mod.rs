//! A throwaway PKI built with rcgen for the validation tests: a root CA, an
//! optional intermediate, and leaves with chosen names, usages and dates.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use keel_pki::{CertificateDer, TrustStore, UnixTime};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, date_time_ymd,
};

/// 2026-06-01T00:00:00Z: inside every default validity period below.
pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_272_000))
}

pub struct Ca {
    pub params: CertificateParams,
    pub key: KeyPair,
    pub der: CertificateDer<'static>,
}

impl Ca {
    pub fn root(name: &str) -> Self {
        let mut params = ca_params(name);
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2040, 1, 1);
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().clone();
        Self { params, key, der }
    }

    pub fn intermediate(&self, name: &str) -> Self {
        let params = ca_params(name);
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .clone();
        Self { params, key, der }
    }

    pub fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    pub fn store(&self) -> TrustStore {
        TrustStore::from_der_certificates([self.der.clone()]).unwrap()
    }

    /// A leaf for these SANs (DNS names, or IP addresses when they parse as
    /// one) with the server-auth EKU.
    pub fn leaf(&self, sans: &[&str]) -> CertificateDer<'static> {
        self.leaf_with(sans, |_| {})
    }

    pub fn leaf_with(
        &self,
        sans: &[&str],
        edit: impl FnOnce(&mut CertificateParams),
    ) -> CertificateDer<'static> {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "keel test leaf");
        params.subject_alt_names = sans
            .iter()
            .map(|s| match s.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*s).try_into().unwrap()),
            })
            .collect();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = date_time_ymd(2025, 1, 1);
        params.not_after = date_time_ymd(2027, 1, 1);
        edit(&mut params);
        let key = KeyPair::generate().unwrap();
        params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .clone()
    }
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2035, 1, 1);
    params
}

/// A key from `tests/data/keys/` (PKCS#8 PEM), loaded as keel signs with
/// it, and a self-signed certificate for it to verify with.
pub fn key_and_leaf(pkcs8_file: &str) -> (keel_pki::SigningKey, keel_pki::CertificateDer<'static>) {
    let path = format!(
        "{}/tests/data/keys/{pkcs8_file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let pem = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let key = keel_pki::SigningKey::from_der(&keel_pki::load_private_key(&pem).unwrap()).unwrap();
    let rcgen_key = rcgen::KeyPair::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["signer.example".to_owned()])
        .unwrap()
        .self_signed(&rcgen_key)
        .unwrap()
        .der()
        .clone();
    (key, certificate)
}
