//! The operating system's CA certificates, for [`TrustStore::from_system`].
//!
//! rustls-native-certs finds and reads them: SSL_CERT_FILE and SSL_CERT_DIR
//! when either is set, otherwise the platform's store (the bundle file and
//! directory openssl-probe finds on Unix, the keychain on macOS, the
//! system store on Windows). This is IO and reads the environment, which is
//! why it lives apart from the sans-IO loaders; nothing else in keel calls
//! it.

use rustls_pki_types::CertificateDer;

use crate::load_error::{LoadError, SystemTrustStoreNotFoundSnafu};
use crate::load_reasons::SystemStoreProblem;
use crate::trust_store::{TrustStore, make_anchor};

/// Builds the store from the system's certificates. A certificate that
/// does not parse, or that rustls-webpki cannot make an anchor of, is
/// skipped: a system store is the administrator's, and one odd entry in it
/// must not make every other root unusable. Skipping only trusts less.
pub(crate) fn load() -> Result<TrustStore, LoadError> {
    let certificates = system_certificates()?;
    let mut store = TrustStore::empty();
    let mut first_refusal = None;
    for (index, certificate) in certificates.iter().enumerate() {
        match make_anchor(index, certificate) {
            Ok((anchor, certificate)) => store.push(anchor, Some(certificate)),
            Err(refusal) => {
                first_refusal.get_or_insert(refusal);
            }
        }
    }
    match first_refusal {
        // Every certificate was refused: say why the first one was.
        Some(refusal) if store.is_empty() => Err(refusal),
        _ => Ok(store),
    }
}

/// The certificates rustls-native-certs found. Problems with some files
/// (one the process may not read, a block whose base64 is damaged) do not
/// matter when others gave certificates, as with the skipped certificates
/// above; when none did, they are the error.
fn system_certificates() -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let found = rustls_native_certs::load_native_certs();
    if !found.certs.is_empty() {
        return Ok(found.certs);
    }
    if found.errors.is_empty() {
        return SystemTrustStoreNotFoundSnafu.fail();
    }
    Err(LoadError::SystemTrustStoreUnreadable {
        problems: found.errors.into_iter().map(SystemStoreProblem).collect(),
    })
}
