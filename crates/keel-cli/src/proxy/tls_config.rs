//! The proxy's TLS configuration, built from its certificate files at
//! start-up and again on every reload: which certificate answers which
//! server name, and what stays the same across reloads (the session
//! ticket keys, client authentication, the routes).
//!
//! Each `--cert`/`--key` pair (then each pair of `--cert-dir`, by file
//! name) answers for the DNS names in its leaf's
//! subjectAltName, wildcards included (keel selects `*.example.com` for
//! one label in its place). With a default upstream, the first pair is
//! also the default certificate: for clients without SNI, or with a name
//! no certificate covers, whose connections go to `--upstream`. Without
//! one, certificates are registered under the routed names only and there
//! is no default, so keel refuses every other name at the handshake with
//! unrecognized_name (RFC 6066 §3). A client without SNI is refused too,
//! as a server that requires the name: with missing_extension in TLS 1.3
//! (RFC 8446 §9.2), and unrecognized_name in TLS 1.2, which has no
//! missing_extension alert.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use keel::pki::{CertifiedKey, ClientAuth, TrustStore};
use keel::sessions::TicketKeys;
use keel::tokio::TlsAcceptor;
use keel::{ServerConfig, ServerConfigBuilder};
use snafu::{ResultExt, ensure};

use super::cert_dir;
use super::error::{
    CertKeyCountSnafu, CertificateSnafu, ConfigSnafu, ProxyError, RouteNotCoveredSnafu,
};
use super::routes::Routes;
use crate::serve::certs;

/// Everything a configuration is built from: the certificate files, read
/// anew for each build, and what every build shares.
#[derive(Debug)]
pub(crate) struct ConfigSource {
    /// `--cert`/`--key` pairs, in the order given.
    pairs: Vec<(PathBuf, PathBuf)>,
    /// `--cert-dir`, whose pairs follow those.
    cert_dir: Option<PathBuf>,
    /// `--client-ca`'s roots, read once: a reload swaps certificates,
    /// not the policy clients are admitted under.
    client_roots: Option<TrustStore>,
    /// The same keys in every build, so that a ticket issued before a
    /// reload resumes after it.
    ticket_keys: Option<Arc<TicketKeys>>,
    routes: Arc<Routes>,
}

impl ConfigSource {
    /// Pairs the `--cert` and `--key` files; refuses unequal counts.
    pub(crate) fn new(
        certs: &[PathBuf],
        keys: &[PathBuf],
        cert_dir: Option<PathBuf>,
        client_roots: Option<TrustStore>,
        ticket_keys: Option<Arc<TicketKeys>>,
        routes: Arc<Routes>,
    ) -> Result<Self, ProxyError> {
        ensure!(
            certs.len() == keys.len(),
            CertKeyCountSnafu {
                certs: certs.len(),
                keys: keys.len()
            }
        );
        Ok(Self {
            pairs: certs.iter().cloned().zip(keys.iter().cloned()).collect(),
            cert_dir,
            client_roots,
            ticket_keys,
            routes,
        })
    }

    /// Reads every certificate and key file and builds the configuration;
    /// any file that does not load, or a route no certificate covers,
    /// refuses the whole of it. Also returns how many certificates it
    /// holds.
    pub(crate) fn build(&self) -> Result<(ServerConfig, usize), ProxyError> {
        let mut pairs = self.pairs.clone();
        if let Some(dir) = &self.cert_dir {
            pairs.extend(cert_dir::pairs(dir)?);
        }
        let loaded = pairs
            .iter()
            .map(|(cert, key)| {
                let key = certs::load(cert, key).context(CertificateSnafu)?;
                let names = key.dns_names();
                Ok(Loaded { key, names })
            })
            .collect::<Result<Vec<_>, ProxyError>>()?;
        let mut builder = ServerConfig::builder();
        if self.routes.has_default() {
            builder = with_every_name(builder, &loaded);
        } else {
            builder = with_routed_names(builder, &loaded, &self.routes);
        }
        if let Some(roots) = &self.client_roots {
            builder = builder.with_client_auth(roots.clone(), ClientAuth::Required);
        }
        if let Some(keys) = &self.ticket_keys {
            builder = builder.with_session_tickets(Arc::clone(keys));
        }
        // Every route must be reachable with a certificate its client
        // accepts, with a default certificate or without.
        for name in self.routes.names() {
            ensure!(
                loaded.iter().any(|l| l.covers(name)),
                RouteNotCoveredSnafu {
                    name,
                    covered: loaded
                        .iter()
                        .flat_map(|l| l.names.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            );
        }
        let config = builder.build().context(ConfigSnafu)?;
        Ok((config, loaded.len()))
    }

    /// The routes the builds check against.
    pub(crate) fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }
}

/// The configuration new connections are accepted with, replaced whole by
/// a reload; a connection takes its own handle when it starts, so one
/// already open keeps the configuration it began with.
#[derive(Debug)]
pub(crate) struct CurrentConfig(RwLock<TlsAcceptor>);

impl CurrentConfig {
    pub(crate) fn new(config: ServerConfig) -> Self {
        Self(RwLock::new(TlsAcceptor::from(config)))
    }

    /// The acceptor for a new connection.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        // The lock guards a plain value that a writer replaces in one
        // step, so a poisoned lock still holds a whole configuration.
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Puts `config` in place for the connections accepted from now on.
    pub(crate) fn replace(&self, config: ServerConfig) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = TlsAcceptor::from(config);
    }
}

/// One certificate and the names it answers for.
struct Loaded {
    key: CertifiedKey,
    /// Its leaf's subjectAltName DNS names, normalised.
    names: Vec<String>,
}

impl Loaded {
    /// Whether keel selects this certificate for a client naming `name`:
    /// by one of its names, exact or wildcard (keel's own rule, so that
    /// the check at start-up and the selection at the handshake agree).
    fn covers(&self, name: &str) -> bool {
        self.names
            .iter()
            .any(|own| keel::pki::entry_selects(own, name))
    }
}

/// The first pair as the default certificate, and every pair under each
/// of its names (exact and wildcard).
fn with_every_name(mut builder: ServerConfigBuilder, loaded: &[Loaded]) -> ServerConfigBuilder {
    if let Some(first) = loaded.first() {
        builder = builder.with_certificate(first.key.clone());
    }
    for certificate in loaded {
        for name in &certificate.names {
            builder = builder.with_certificate_for(name, certificate.key.clone());
        }
    }
    builder
}

/// Each routed name with the certificates that cover it, and no default.
fn with_routed_names(
    mut builder: ServerConfigBuilder,
    loaded: &[Loaded],
    routes: &Routes,
) -> ServerConfigBuilder {
    for name in routes.names() {
        for certificate in loaded.iter().filter(|l| l.covers(name)) {
            builder = builder.with_certificate_for(name, certificate.key.clone());
        }
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(names: &[&str]) -> Loaded {
        let pair = rcgen::generate_simple_self_signed(vec!["x.test".to_owned()]).unwrap();
        let key = CertifiedKey::from_pem(
            pair.cert.pem().as_bytes(),
            pair.signing_key.serialize_pem().as_bytes(),
        )
        .unwrap();
        Loaded {
            key,
            names: names.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    #[test]
    fn a_certificate_covers_its_names_and_one_label_under_its_wildcards() {
        let certificate = loaded(&["exact.test", "*.wild.test"]);
        for (name, covered) in [
            ("exact.test", true),
            ("a.wild.test", true),
            ("wild.test", false),
            ("a.b.wild.test", false),
            ("other.test", false),
        ] {
            assert_eq!(certificate.covers(name), covered, "{name}");
        }
    }
}
