//! `ClientConfig` and `ServerConfig`: keel's configurations, built from
//! keyword arguments. A configuration is immutable once built and shared
//! by every connection made from it, with its session store.

use std::sync::Arc;
use std::time::Duration;

use keel::Versions;
use keel::pki::{CertifiedKey, ClientAuth, TrustStore};
use keel::registry::NamedGroup;
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::errors;

/// Sessions a client config remembers for resumption (one per server it
/// talks to, most recent first), and how long.
const CLIENT_SESSIONS: usize = 256;
const CLIENT_SESSION_LIFETIME: Duration = Duration::from_secs(2 * 3600);
/// Sessions a server resumes by ID, and for how long; tickets are sealed
/// under keys rotated on this period too.
const SERVER_SESSIONS: usize = 10_000;
const SERVER_SESSION_LIFETIME: Duration = Duration::from_secs(3600);

/// Settings for client connections: whom to trust, what to offer.
///
/// All arguments are keywords. `cadata`: PEM certificates to trust
/// instead of the default roots (Mozilla's, as shipped with keel);
/// `system_roots=True` trusts the operating system's store instead.
/// `certificate_chain` and `private_key` (PEM) are presented to servers
/// that ask for a client certificate. `alpn_protocols` is offered in
/// order. `groups` narrows and orders the key-exchange groups (names as
/// in Session.group: "X25519MLKEM768", "x25519", "secp256r1",
/// "secp384r1"; default: all four, in that order). `versions` is "1.3,1.2" (the default: TLS 1.3 when the server
/// has it, else TLS 1.2), "1.3" or "1.2". With `session_resumption` (the
/// default), sessions are kept in memory and resumed by connections made
/// from this config to the same server. Certificate validation cannot be
/// turned off.
#[pyclass(module = "keel", frozen)]
pub(crate) struct ClientConfig {
    pub(crate) inner: Arc<keel::ClientConfig>,
}

#[pymethods]
impl ClientConfig {
    #[new]
    #[pyo3(signature = (
        *, cadata=None, system_roots=false, certificate_chain=None, private_key=None,
        alpn_protocols=None, versions="1.3,1.2", groups=None, session_resumption=true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        cadata: Option<&Bound<'_, PyAny>>,
        system_roots: bool,
        certificate_chain: Option<&Bound<'_, PyAny>>,
        private_key: Option<&Bound<'_, PyAny>>,
        alpn_protocols: Option<Vec<Bound<'_, PyAny>>>,
        versions: &str,
        groups: Option<Vec<String>>,
        session_resumption: bool,
    ) -> PyResult<Self> {
        let mut builder = keel::ClientConfig::builder();
        if let Some(names) = groups {
            builder = builder.with_groups(&parse_groups(&names)?);
        }
        match (cadata, system_roots) {
            (Some(_), true) => {
                return Err(errors::config(
                    "cadata and system_roots",
                    "give one source of roots, not both",
                ));
            }
            (Some(pem), false) => {
                let roots = TrustStore::from_pem(&text_or_bytes(pem, "cadata")?)
                    .map_err(|e| errors::config("cadata", e))?;
                builder = builder.with_root_certificates(roots);
            }
            (None, true) => {
                let roots =
                    TrustStore::from_system().map_err(|e| errors::config("system roots", e))?;
                builder = builder.with_root_certificates(roots);
            }
            (None, false) => {}
        }
        if let Some(key) = certified_key(certificate_chain, private_key)? {
            builder = builder.with_client_certificate(key);
        }
        if let Some(protocols) = alpn_protocols {
            builder = builder.with_alpn(alpn(&protocols)?);
        }
        builder = builder.with_versions(parse_versions(versions)?);
        if session_resumption {
            builder = builder.with_session_resumption(Arc::new(ClientSessionStore::new(
                CLIENT_SESSIONS,
                CLIENT_SESSION_LIFETIME,
            )));
        }
        let inner = builder
            .build()
            .map_err(|e| errors::config("ClientConfig", e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }
}

/// Settings for server connections: the certificate to present, what to
/// accept.
///
/// All arguments are keywords. `certificate_chain` (PEM, leaf first) and
/// `private_key` (PEM: PKCS#8, SEC1 or PKCS#1) are required.
/// `alpn_protocols`: the server's choices, in order of preference.
/// `client_cadata`: PEM roots for client certificates; with it, clients
/// are asked for one, and `client_auth` says whether it is "required"
/// (the default) or "optional". Resumption: sessions are cached in memory
/// and, unless `session_tickets=False`, session tickets are issued,
/// sealed by keys made at start-up or derived from `ticket_key_file` (a
/// file of at least 32 secret bytes that every server of a fleet shares).
/// `versions` and `groups` as for ClientConfig.
#[pyclass(module = "keel", frozen)]
pub(crate) struct ServerConfig {
    pub(crate) inner: Arc<keel::ServerConfig>,
}

#[pymethods]
impl ServerConfig {
    #[new]
    #[pyo3(signature = (
        *, certificate_chain, private_key, alpn_protocols=None, client_cadata=None,
        client_auth="required", session_tickets=true, ticket_key_file=None, versions="1.3,1.2",
        groups=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        certificate_chain: &Bound<'_, PyAny>,
        private_key: &Bound<'_, PyAny>,
        alpn_protocols: Option<Vec<Bound<'_, PyAny>>>,
        client_cadata: Option<&Bound<'_, PyAny>>,
        client_auth: &str,
        session_tickets: bool,
        ticket_key_file: Option<std::path::PathBuf>,
        versions: &str,
        groups: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let key = certified_key(Some(certificate_chain), Some(private_key))?
            .ok_or_else(|| errors::config("ServerConfig", "a certificate is required"))?;
        let cache = Arc::new(ServerSessionCache::new(
            SERVER_SESSIONS,
            SERVER_SESSION_LIFETIME,
        ));
        let mut builder = keel::ServerConfig::builder()
            .with_certificate(key)
            .with_session_cache(cache);
        if let Some(protocols) = alpn_protocols {
            builder = builder.with_alpn(alpn(&protocols)?);
        }
        if let Some(pem) = client_cadata {
            let roots = TrustStore::from_pem(&text_or_bytes(pem, "client_cadata")?)
                .map_err(|e| errors::config("client_cadata", e))?;
            let mode = match client_auth {
                "required" => ClientAuth::Required,
                "optional" => ClientAuth::Optional,
                other => {
                    return Err(errors::config(
                        "client_auth",
                        format!("{other:?} is neither \"required\" nor \"optional\""),
                    ));
                }
            };
            builder = builder.with_client_auth(roots, mode);
        }
        let keys = match (session_tickets, ticket_key_file) {
            (false, Some(_)) => {
                return Err(errors::config(
                    "ticket_key_file",
                    "given with session_tickets=False",
                ));
            }
            (false, None) => None,
            (true, Some(path)) => Some(
                TicketKeys::from_file(&path, SERVER_SESSION_LIFETIME, SERVER_SESSION_LIFETIME)
                    .map_err(|e| errors::config(&path.display().to_string(), e))?,
            ),
            (true, None) => Some(
                TicketKeys::random(
                    &keel::provider::SystemRng,
                    SERVER_SESSION_LIFETIME,
                    SERVER_SESSION_LIFETIME,
                )
                .map_err(|e| errors::config("ticket keys", e))?,
            ),
        };
        if let Some(keys) = keys {
            builder = builder.with_session_tickets(Arc::new(keys));
        }
        builder = builder.with_versions(parse_versions(versions)?);
        if let Some(names) = groups {
            builder = builder.with_groups(&parse_groups(&names)?);
        }
        let inner = builder
            .build()
            .map_err(|e| errors::config("ServerConfig", e))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }
}

/// Text given as `str` (encoded as UTF-8) or as `bytes`: PEM, ALPN names.
fn text_or_bytes(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    Err(errors::config(what, "expected str or bytes"))
}

/// A certificate chain and its key, both or neither.
fn certified_key(
    chain: Option<&Bound<'_, PyAny>>,
    key: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<CertifiedKey>> {
    match (chain, key) {
        (None, None) => Ok(None),
        (Some(chain), Some(key)) => {
            let chain = text_or_bytes(chain, "certificate_chain")?;
            let key = text_or_bytes(key, "private_key")?;
            CertifiedKey::from_pem(&chain, &key)
                .map(Some)
                .map_err(|e| errors::config("certificate_chain and private_key", e))
        }
        _ => Err(errors::config(
            "certificate_chain and private_key",
            "give both or neither",
        )),
    }
}

/// ALPN protocol names, as `str` (UTF-8) or `bytes`.
fn alpn(protocols: &[Bound<'_, PyAny>]) -> PyResult<Vec<Vec<u8>>> {
    protocols
        .iter()
        .map(|p| text_or_bytes(p, "alpn_protocols"))
        .collect()
}

fn parse_versions(value: &str) -> PyResult<Versions> {
    match value.replace(' ', "").as_str() {
        "1.3,1.2" | "1.2,1.3" => Ok(Versions::Tls13AndTls12),
        "1.3" => Ok(Versions::Tls13Only),
        "1.2" => Ok(Versions::Tls12Only),
        _ => Err(errors::config(
            "versions",
            format!("{value:?}: expected \"1.3,1.2\", \"1.3\" or \"1.2\""),
        )),
    }
}

/// Group names as `Session.group` reports them (case-insensitive; "P-256"
/// and "P-384" are accepted too).
fn parse_groups(names: &[String]) -> PyResult<Vec<NamedGroup>> {
    names
        .iter()
        .map(|name| match name.to_ascii_lowercase().as_str() {
            "x25519mlkem768" => Ok(NamedGroup::X25519MLKEM768),
            "x25519" => Ok(NamedGroup::X25519),
            "secp256r1" | "p-256" => Ok(NamedGroup::SECP256R1),
            "secp384r1" | "p-384" => Ok(NamedGroup::SECP384R1),
            _ => Err(errors::config(
                "groups",
                format!("{name:?} is not a group keel offers"),
            )),
        })
        .collect()
}
