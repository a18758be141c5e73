//! The client configuration the arguments ask for.

use std::path::Path;
use std::sync::Arc;

use keel::ClientConfig;
use keel::pki::{CertifiedKey, TrustStore, load_certificates_file, load_private_key_file};
use keel::provider::KeyLog;
use keel::sessions::ClientSessionStore;
use snafu::ResultExt;

use super::ConnectArgs;
use super::error::{ConfigSnafu, ConnectError, KeyLogFileSnafu, LoadSnafu, UsageSnafu};
use super::keylog::FileKeyLog;

/// How long a session may be offered again. `keel connect` lives for one
/// run, so this only has to outlast it.
const SESSION_LIFETIME_SECS: u64 = 3600;

/// The environment variable that names the key log file.
const SSLKEYLOGFILE: &str = "SSLKEYLOGFILE";

/// The key log `SSLKEYLOGFILE` asks for, if it is set and not empty.
pub(super) fn key_log_from_env() -> Result<Option<Arc<FileKeyLog>>, ConnectError> {
    let Some(path) = std::env::var_os(SSLKEYLOGFILE).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let path = Path::new(&path);
    let key_log = FileKeyLog::open(path).context(KeyLogFileSnafu { path })?;
    Ok(Some(Arc::new(key_log)))
}

/// Builds the configuration: trust store, client certificate, ALPN, key
/// log, and a session store for --reconnect. Verification itself is not
/// configurable.
pub(super) fn client_config(
    args: &ConnectArgs,
    key_log: Option<Arc<FileKeyLog>>,
) -> Result<ClientConfig, ConnectError> {
    let client_key = client_certificate(args)?;
    let mut builder = ClientConfig::builder();
    if args.tls1_3 {
        builder = builder.with_versions(keel::Versions::Tls13Only);
    } else if args.tls1_2 {
        builder = builder.with_versions(keel::Versions::Tls12Only);
    }
    if let Some(roots) = trust_store(args.ca.as_deref())? {
        builder = builder.with_root_certificates(roots);
    }
    if let Some(key) = client_key {
        builder = builder.with_client_certificate(key);
    }
    if !args.alpn.is_empty() {
        builder = builder.with_alpn(&args.alpn);
    }
    if let Some(key_log) = key_log {
        builder = builder.with_key_log(key_log as Arc<dyn KeyLog>);
    }
    if args.reconnect > 0 {
        // One target, one server name: one session to keep.
        builder = builder.with_session_resumption(Arc::new(ClientSessionStore::new(
            1,
            std::time::Duration::from_secs(SESSION_LIFETIME_SECS),
        )));
    }
    builder.build().context(ConfigSnafu)
}

/// `--ca`: `None` keeps keel's default, Mozilla's roots.
fn trust_store(ca: Option<&Path>) -> Result<Option<TrustStore>, ConnectError> {
    match ca {
        None => Ok(None),
        Some(ca) if ca == Path::new("system") => {
            TrustStore::from_system().map(Some).context(LoadSnafu {
                what: "--ca system",
                file: None,
            })
        }
        Some(ca) => {
            let context = || LoadSnafu {
                what: "--ca",
                file: Some(ca.to_owned()),
            };
            let bytes = std::fs::read(ca)
                .map_err(|source| keel::pki::LoadError::Io {
                    path: ca.to_owned(),
                    source,
                })
                .context(context())?;
            TrustStore::from_pem(&bytes).map(Some).context(context())
        }
    }
}

/// `--cert` and `--key`: both or neither.
fn client_certificate(args: &ConnectArgs) -> Result<Option<CertifiedKey>, ConnectError> {
    let (cert, key) = match (&args.cert, &args.key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        (Some(_), None) => {
            return UsageSnafu {
                message: "--cert needs --key: give the certificate's private key with --key KEY.pem",
            }
            .fail();
        }
        (None, Some(_)) => {
            return UsageSnafu {
                message: "--key needs --cert: give the key's certificate chain with --cert CHAIN.pem",
            }
            .fail();
        }
    };
    let chain = load_certificates_file(cert).context(LoadSnafu {
        what: "--cert",
        file: Some(cert.clone()),
    })?;
    let private_key = load_private_key_file(key).context(LoadSnafu {
        what: "--key",
        file: Some(key.clone()),
    })?;
    CertifiedKey::new(chain, &private_key)
        .map(Some)
        .context(LoadSnafu {
            what: "--cert/--key",
            file: None,
        })
}
