//! The server's certificate: loaded from files, or a throwaway one made at
//! start (a root CA and an ECDSA P-256 leaf for localhost, 127.0.0.1 and
//! ::1) whose CA is written out for the client to trust. Both are valid
//! from an hour before the start (for clocks a little behind) for
//! [`THROWAWAY_DAYS`] days: a throwaway certificate should not outlive
//! the server that made it by decades.

use std::io;
use std::path::{Path, PathBuf};

use keel::pki::{CertifiedKey, LoadError};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use snafu::{ResultExt, Snafu};

use crate::chain::chain;

/// How long the throwaway CA and leaf are valid, in days.
pub(crate) const THROWAWAY_DAYS: i64 = 30;

/// Why the server's certificate could not be set up (for `keel serve` and
/// `keel proxy`). Each Display is a whole line, any keel error in it
/// expanded with its causes ([`chain`]).
#[derive(Debug, Snafu)]
pub(crate) enum CertSetupError {
    /// The certificate chain or key file could not be read.
    #[snafu(display("cannot read {}: {}", path.display(), chain(source)))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The chain and the key did not load together: either does not
    /// parse, or the key does not match the leaf.
    #[snafu(display("{} and {}: {}", cert.display(), key.display(), chain(source)))]
    Load {
        /// The certificate chain file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// Why.
        source: LoadError,
    },
    /// rcgen could not make part of the throwaway certificate.
    #[snafu(display("generating the {what}: {source}"))]
    Generate {
        /// Which part (`CA key`, `leaf certificate`, ...).
        what: &'static str,
        /// What rcgen said.
        source: rcgen::Error,
    },
    /// The throwaway CA could not be written out for clients.
    #[snafu(display("cannot write the CA to {}: {source}", path.display()))]
    WriteCa {
        /// Where it was to go (`--ca-out`).
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The throwaway chain and key did not load back (a bug).
    #[snafu(display("the generated certificate does not load: {}", chain(source)))]
    LoadGenerated {
        /// Why.
        source: LoadError,
    },
}

/// Loads a chain and its key (RSA, ECDSA or Ed25519; PKCS#8, SEC1 or
/// PKCS#1 PEM) and checks that they belong together.
pub(crate) fn load(cert: &Path, key: &Path) -> Result<CertifiedKey, CertSetupError> {
    let read = |path: &Path| std::fs::read(path).context(ReadSnafu { path });
    let (chain_pem, key_pem) = (read(cert)?, read(key)?);
    CertifiedKey::from_pem(&chain_pem, &key_pem).context(LoadSnafu { cert, key })
}

/// A throwaway CA and a leaf it issued for localhost, 127.0.0.1 and ::1.
/// Returns the leaf (with its key) and the CA certificate in PEM, which is
/// written to `ca_out` for clients to trust.
pub(crate) fn generate(ca_out: &Path) -> Result<(CertifiedKey, PathBuf), CertSetupError> {
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::hours(1);
    let not_after = now + time::Duration::days(THROWAWAY_DAYS);
    let mut ca = CertificateParams::default();
    ca.not_before = not_before;
    ca.not_after = not_after;
    ca.distinguished_name
        .push(DnType::CommonName, "keel serve throwaway CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().context(GenerateSnafu { what: "CA key" })?;
    let ca_cert = ca.self_signed(&ca_key).context(GenerateSnafu {
        what: "CA certificate",
    })?;

    let mut leaf = CertificateParams::default();
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.subject_alt_names = vec![
        SanType::DnsName(
            "localhost"
                .try_into()
                .context(GenerateSnafu { what: "leaf name" })?,
        ),
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let leaf_key = KeyPair::generate().context(GenerateSnafu { what: "leaf key" })?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .context(GenerateSnafu {
            what: "leaf certificate",
        })?;

    std::fs::write(ca_out, ca_cert.pem()).context(WriteCaSnafu { path: ca_out })?;
    let chain = format!("{}{}", leaf_cert.pem(), ca_cert.pem());
    let certified = CertifiedKey::from_pem(chain.as_bytes(), leaf_key.serialize_pem().as_bytes())
        .context(LoadGeneratedSnafu)?;
    Ok((certified, ca_out.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throwaway_certificates_are_valid_for_a_stated_short_period() {
        let dir = std::env::temp_dir().join(format!("keel-serve-certs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (key, ca_path) = generate(&dir.join("ca.pem")).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let ca_pem = std::fs::read(&ca_path).unwrap();
        let (_, ca_pem) = x509_parser::pem::parse_x509_pem(&ca_pem).unwrap();
        let ders = [key.chain()[0].as_ref().to_vec(), ca_pem.contents];
        for der in &ders {
            let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
            let from = cert.validity().not_before.timestamp();
            let until = cert.validity().not_after.timestamp();
            assert!(
                from <= now && now - from <= 3600 + 60,
                "not before {from}, now {now}"
            );
            let days = (until - now) / 86_400;
            assert!(
                (THROWAWAY_DAYS - 1..=THROWAWAY_DAYS).contains(&days),
                "{days} days"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
