//! Configurations, built by builders that cannot produce an invalid one,
//! and shared between connections by `Arc`.

use std::sync::Arc;

use keel_handshake::Versions;
use keel_handshake::keylog::KeyLog;
use keel_handshake::{
    ClientHandshakeConfig, Clock, ContextBuilder, Limits, ResumptionContext, Rng,
    ServerCertificates, ServerHandshakeConfig, Side, SystemClock, SystemRng,
};
use keel_pki::{
    CertificateCheck, CertifiedKey, ClientAuth, ClientCertVerifier, ServerCertVerifier, TrustStore,
};
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

use crate::error::ConfigError;

/// A client's configuration. Certificate and hostname validation always
/// run, against [`TrustStore::webpki_roots`] unless other roots are given;
/// nothing here can turn them off. A cheap handle: clones share one
/// configuration (and its session store), so one is built per program and
/// cloned into every connection.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) inner: Arc<ClientHandshakeConfig>,
}

/// Builds a [`ClientConfig`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientConfigBuilder {
    roots: Option<TrustStore>,
    checks: Vec<Arc<dyn CertificateCheck>>,
    client_certificates: Vec<Arc<CertifiedKey>>,
    request_ocsp: bool,
    session_store: Option<Arc<keel_handshake::sessions::ClientSessionStore>>,
    common: Common,
}

impl ClientConfig {
    /// The digest of this configuration's verification policy (its roots,
    /// checks, client certificates and resumption identifier) that the
    /// sessions it stores are kept under; see
    /// [`ClientConfigBuilder::with_resumption_id`].
    #[must_use]
    pub fn resumption_context(&self) -> ResumptionContext {
        self.inner.resumption_context
    }

    /// A builder with keel's defaults: TLS 1.3 and TLS 1.2, Mozilla's roots
    /// (webpki-roots), every suite (TLS 1.3's three, TLS 1.2's six),
    /// X25519MLKEM768 (TLS 1.3 only), X25519, P-256 and P-384, no ALPN, no
    /// client certificate.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder {
            roots: None,
            checks: Vec::new(),
            client_certificates: Vec::new(),
            request_ocsp: false,
            session_store: None,
            common: Common::default(),
        }
    }
}

impl ClientConfigBuilder {
    /// Trust these roots instead of Mozilla's: the way to work with a
    /// private PKI.
    pub fn with_root_certificates(mut self, roots: TrustStore) -> Self {
        self.roots = Some(roots);
        self
    }

    /// Adds a check that runs after every built-in one and can only refuse
    /// (pinning, revocation, a local policy).
    pub fn with_certificate_check(mut self, check: Arc<dyn CertificateCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Keeps sessions in `store` and offers them again to the same server
    /// name (resumption by session ID or ticket, RFC 5246 §7.3, RFC 5077).
    /// Sessions are stored only after a handshake verified, and forgotten
    /// when a connection that used one fails. A store can be shared between
    /// configs and serialised to outlive the process: each session is kept
    /// under the [resumption context](ClientConfig::resumption_context) of
    /// the config that verified the server, and only a config with the same
    /// roots, checks, client certificates and resumption identifier offers
    /// it again, so a stricter config never skips its own verification.
    pub fn with_session_resumption(
        mut self,
        store: Arc<keel_handshake::sessions::ClientSessionStore>,
    ) -> Self {
        self.session_store = Some(store);
        self
    }

    /// Presents this certificate when a server asks for one.
    pub fn with_client_certificate(mut self, key: CertifiedKey) -> Self {
        self.client_certificates.push(Arc::new(key));
        self
    }

    /// Names this configuration's verification policy for resumption. A
    /// session is offered only by a configuration with the same roots,
    /// client certificates and identifier. Certificate checks are code,
    /// which keel cannot compare: without an identifier, the sessions of a
    /// configuration with checks are offered only by that configuration
    /// (and its clones). With one, every configuration built with the same
    /// identifier and the same number of checks is taken to apply the same
    /// checks: change the identifier whenever the checks change.
    pub fn with_resumption_id(mut self, id: impl AsRef<[u8]>) -> Self {
        self.common.resumption_id = Some(id.as_ref().to_vec());
        self
    }

    /// Asks servers to staple an OCSP response for their certificate
    /// (status_request, RFC 6066 §8). Off by default.
    ///
    /// keel does not evaluate the response: a hook added with
    /// [`with_certificate_check`](Self::with_certificate_check) finds it in
    /// [`VerifiedChain::ocsp_response`](crate::pki::VerifiedChain::ocsp_response) (`None`
    /// when the server sent none, which it may do even after acknowledging
    /// the request) and can refuse the chain on it.
    pub fn with_ocsp_stapling(mut self) -> Self {
        self.request_ocsp = true;
        self
    }

    /// Builds the configuration.
    pub fn build(self) -> Result<ClientConfig, ConfigError> {
        self.common.check()?;
        let roots = self.roots.unwrap_or_else(TrustStore::webpki_roots);
        let mut context = ResumptionContext::builder(Side::Client).field("roots", &roots.digest());
        for key in &self.client_certificates {
            context = context.field("client certificate", key.leaf().as_ref());
        }
        let resumption_context = self.common.finish_context(context, self.checks.len())?;
        let verifier = self.checks.into_iter().fold(
            ServerCertVerifier::new(roots),
            ServerCertVerifier::with_check,
        );
        Ok(ClientConfig {
            inner: Arc::new(ClientHandshakeConfig {
                versions: self.common.effective_versions(),
                verifier: Arc::new(verifier),
                suites: self.common.suites,
                groups: self.common.groups,
                signature_schemes: self.common.signature_schemes,
                alpn: self.common.alpn,
                client_certificates: self.client_certificates,
                request_ocsp: self.request_ocsp,
                rng: self.common.rng,
                clock: self.common.clock,
                key_log: self.common.key_log,
                limits: self.common.limits,
                session_store: self.session_store,
                resumption_context,
                peer_keys: Arc::default(),
            }),
        })
    }
}

/// A server's configuration: at least one certificate, by construction.
/// A cheap handle, as [`ClientConfig`] is.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) inner: Arc<ServerHandshakeConfig>,
}

/// Builds a [`ServerConfig`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ServerConfigBuilder {
    certificates: ServerCertificates,
    /// The certificate added last, which `with_ocsp_response` applies to.
    last_added: Option<Added>,
    /// A `with_ocsp_response` before any certificate, reported by `build`.
    ocsp_without_certificate: bool,
    client_auth: Option<(TrustStore, ClientAuth)>,
    /// Checks on client certificates, whenever they were added.
    client_checks: Vec<Arc<dyn CertificateCheck>>,
    session_cache: Option<Arc<keel_handshake::sessions::ServerSessionCache>>,
    ticket_keys: Option<Arc<keel_handshake::tickets::TicketKeys>>,
    common: Common,
}

/// Where a certificate was added in [`ServerCertificates`].
#[derive(Debug, Clone, Copy)]
enum Added {
    /// `default[index]`.
    Default(usize),
    /// `by_name[name].1[index]`.
    Named { name: usize, index: usize },
}

impl ServerConfig {
    /// The digest of this configuration's client-admission policy (whether
    /// it asks for client certificates, its roots and checks, and its
    /// resumption identifier) that the sessions and tickets it issues
    /// carry; see [`ServerConfigBuilder::with_resumption_id`].
    #[must_use]
    pub fn resumption_context(&self) -> ResumptionContext {
        self.inner.resumption_context
    }

    /// A builder with keel's defaults: TLS 1.3 and TLS 1.2; TLS 1.3's three
    /// suites, then TLS 1.2's six, each in the order AES-128-GCM,
    /// ChaCha20-Poly1305, AES-256-GCM; X25519MLKEM768 (TLS 1.3 only),
    /// X25519, P-256, P-384; no ALPN; no client authentication. A
    /// certificate must be added.
    pub fn builder() -> ServerConfigBuilder {
        ServerConfigBuilder {
            certificates: ServerCertificates::default(),
            last_added: None,
            ocsp_without_certificate: false,
            client_auth: None,
            client_checks: Vec::new(),
            session_cache: None,
            ticket_keys: None,
            common: Common::default(),
        }
    }
}

impl ServerConfigBuilder {
    /// Adds a default certificate: for clients without SNI, or with a name
    /// no other certificate is registered for. Several may be added (e.g.
    /// ECDSA and RSA); the server picks by the client's suites and
    /// signature algorithms.
    pub fn with_certificate(mut self, key: CertifiedKey) -> Self {
        self.last_added = Some(Added::Default(self.certificates.default.len()));
        self.certificates.default.push(Arc::new(key));
        self
    }

    /// Adds a certificate for one SNI name: a DNS name, or a wildcard such
    /// as `*.example.com` that covers one label in place of the `*` (RFC
    /// 6125 §6.4.3: `a.example.com`, not `example.com` nor
    /// `a.b.example.com`). A client's name selects its exact entry first,
    /// then the wildcard covering it, then the default certificate. With
    /// no default, the handshake is refused: unrecognized_name for a name
    /// nothing covers (RFC 6066 §3); for a client without SNI,
    /// missing_extension in TLS 1.3 (RFC 8446 §9.2), unrecognized_name in
    /// TLS 1.2.
    pub fn with_certificate_for(mut self, name: &str, key: CertifiedKey) -> Self {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match self
            .certificates
            .by_name
            .iter_mut()
            .enumerate()
            .find(|(_, (n, _))| *n == name)
        {
            Some((name, (_, keys))) => {
                self.last_added = Some(Added::Named {
                    name,
                    index: keys.len(),
                });
                keys.push(Arc::new(key));
            }
            None => {
                self.last_added = Some(Added::Named {
                    name: self.certificates.by_name.len(),
                    index: 0,
                });
                self.certificates.by_name.push((name, vec![Arc::new(key)]));
            }
        }
        self
    }

    /// Staples this DER OCSP response (RFC 6960) for the certificate added
    /// last (by [`with_certificate`](Self::with_certificate) or
    /// [`with_certificate_for`](Self::with_certificate_for)), replacing
    /// any response set for it before. It is sent in a CertificateStatus
    /// message to clients that ask with status_request (RFC 6066 §8),
    /// whenever that certificate is chosen; a certificate without a
    /// response is served without one. The same can be had with
    /// [`CertifiedKey::with_ocsp_response`].
    ///
    /// keel does not parse or check the response, and it does not refresh
    /// it: build a new config with a fresh one before it expires. `build`
    /// refuses a response given before any certificate, and an empty one
    /// or one of 2^24 bytes or more.
    pub fn with_ocsp_response(mut self, der: impl Into<Vec<u8>>) -> Self {
        let slot = match self.last_added {
            Some(Added::Default(index)) => self.certificates.default.get_mut(index),
            Some(Added::Named { name, index }) => self
                .certificates
                .by_name
                .get_mut(name)
                .and_then(|(_, keys)| keys.get_mut(index)),
            None => None,
        };
        match slot {
            Some(key) => {
                *key = Arc::new(CertifiedKey::clone(key).with_ocsp_response(der.into()));
            }
            None => self.ocsp_without_certificate = true,
        }
        self
    }

    /// Gives clients session IDs and lets them resume their sessions from
    /// `cache` (RFC 5246 §7.3). A cache can be shared by several configs
    /// (and, serialised, by several processes): each session is resumed
    /// only by a config with the same [resumption
    /// context](ServerConfig::resumption_context) as the one that admitted
    /// the client; under any other, the client gets a full handshake.
    pub fn with_session_cache(
        mut self,
        cache: Arc<keel_handshake::sessions::ServerSessionCache>,
    ) -> Self {
        self.session_cache = Some(cache);
        self
    }

    /// Issues session tickets (RFC 5077) to clients that ask, sealed with
    /// `keys`, and resumes sessions from the tickets they present. Servers
    /// given keys from the same master secret open each other's tickets,
    /// across one key rotation. A ticket that does not open, or holds a
    /// session another client-admission policy admitted (see
    /// [`with_resumption_id`](Self::with_resumption_id)), is ignored: the
    /// handshake is a full one.
    pub fn with_session_tickets(mut self, keys: Arc<keel_handshake::tickets::TicketKeys>) -> Self {
        self.ticket_keys = Some(keys);
        self
    }

    /// Asks clients for a certificate issued under `roots`, optionally or
    /// as a requirement (the last call wins; checks added with
    /// [`with_client_certificate_check`](Self::with_client_certificate_check)
    /// apply whatever the order of the calls).
    pub fn with_client_auth(mut self, roots: TrustStore, mode: ClientAuth) -> Self {
        self.client_auth = Some((roots, mode));
        self
    }

    /// Adds a check on client certificates that can only refuse. `build`
    /// refuses a configuration with checks but without
    /// [`with_client_auth`](Self::with_client_auth).
    pub fn with_client_certificate_check(mut self, check: Arc<dyn CertificateCheck>) -> Self {
        self.client_checks.push(check);
        self
    }

    /// Names this configuration's client-admission policy for resumption.
    /// A session (from a shared cache, or a ticket sealed under a shared
    /// master) is resumed only under a configuration with the same
    /// client-authentication mode, roots and identifier: any other gives
    /// the client a full handshake. Identical configurations on many
    /// machines agree without one, unless they have client-certificate
    /// checks: those are code, which keel cannot compare, so without an
    /// identifier such a configuration resumes only its own sessions. With
    /// one, configurations with the same identifier and the same number of
    /// checks are taken to apply the same checks: change the identifier
    /// whenever the checks change. It also keeps apart services that share
    /// a ticket master but should not share sessions.
    pub fn with_resumption_id(mut self, id: impl AsRef<[u8]>) -> Self {
        self.common.resumption_id = Some(id.as_ref().to_vec());
        self
    }

    /// Builds the configuration; refuses one without a certificate.
    pub fn build(self) -> Result<ServerConfig, ConfigError> {
        if self.certificates.default.is_empty() && self.certificates.by_name.is_empty() {
            return Err(ConfigError::NoCertificate);
        }
        if self.ocsp_without_certificate {
            return Err(ConfigError::OcspResponseWithoutCertificate);
        }
        let all_keys = self
            .certificates
            .default
            .iter()
            .chain(self.certificates.by_name.iter().flat_map(|(_, keys)| keys));
        for key in all_keys {
            if key
                .ocsp_response()
                .is_some_and(|r| !(1..=0xff_ffff).contains(&r.len()))
            {
                return Err(ConfigError::InvalidOcspResponse);
            }
        }
        self.common.check()?;
        if self.client_auth.is_none() && !self.client_checks.is_empty() {
            return Err(ConfigError::ClientCertificateCheckWithoutClientAuth);
        }
        let mut context = ResumptionContext::builder(Side::Server);
        context = match &self.client_auth {
            None => context.field("client auth", b"none"),
            Some((roots, mode)) => context
                .field(
                    "client auth",
                    match mode {
                        ClientAuth::Optional => b"optional",
                        ClientAuth::Required => b"required",
                    },
                )
                .field("roots", &roots.digest()),
        };
        let resumption_context = self
            .common
            .finish_context(context, self.client_checks.len())?;
        let checks = self.client_checks;
        let client_verifier = self.client_auth.map(|(roots, mode)| {
            let verifier = checks.into_iter().fold(
                ClientCertVerifier::new(roots, mode),
                ClientCertVerifier::with_check,
            );
            Arc::new(verifier) as Arc<dyn keel_handshake::ClientCertificateVerifier>
        });
        Ok(ServerConfig {
            inner: Arc::new(ServerHandshakeConfig {
                versions: self.common.effective_versions(),
                certificates: self.certificates,
                client_verifier,
                suites: self.common.suites,
                groups: self.common.groups,
                signature_schemes: self.common.signature_schemes,
                alpn: self.common.alpn,
                rng: self.common.rng,
                clock: self.common.clock,
                key_log: self.common.key_log,
                limits: self.common.limits,
                session_cache: self.session_cache,
                ticket_keys: self.ticket_keys,
                resumption_context,
                peer_keys: Arc::default(),
            }),
        })
    }
}

/// The settings both sides have, with keel's defaults.
#[derive(Debug, Clone)]
struct Common {
    versions: Versions,
    suites: Vec<CipherSuite>,
    groups: Vec<NamedGroup>,
    signature_schemes: Vec<SignatureScheme>,
    alpn: Vec<Vec<u8>>,
    rng: Arc<dyn Rng>,
    clock: Arc<dyn Clock>,
    key_log: Option<Arc<dyn KeyLog>>,
    limits: Limits,
    resumption_id: Option<Vec<u8>>,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            // TLS 1.3 preferred, TLS 1.2 (with EMS) when the peer has
            // nothing newer; never TLS 1.2 alone by default.
            versions: Versions::Tls13AndTls12,
            suites: all_suites(),
            groups: all_groups(),
            signature_schemes: keel_handshake::policy::SIGNATURE_SCHEMES.to_vec(),
            alpn: Vec::new(),
            rng: Arc::new(SystemRng),
            clock: Arc::new(SystemClock),
            key_log: None,
            limits: Limits::default(),
            resumption_id: None,
        }
    }
}

impl Common {
    /// Adds what both sides put in a resumption context: the number of
    /// certificate checks, then the operator's identifier, or, when checks
    /// are present and there is none, 32 random bytes (checks are code,
    /// which cannot be compared; this configuration then resumes only its
    /// own sessions).
    fn finish_context(
        &self,
        context: ContextBuilder,
        checks: usize,
    ) -> Result<ResumptionContext, ConfigError> {
        let context = context.field("checks", &(checks as u64).to_be_bytes());
        let context = match &self.resumption_id {
            Some(id) => context.field("id", id),
            None if checks > 0 => {
                let mut instance = [0u8; 32];
                self.rng
                    .fill(&mut instance)
                    .map_err(|_| ConfigError::Random)?;
                context.field("instance", &instance)
            }
            None => context,
        };
        Ok(context.build())
    }

    /// The versions this configuration can actually speak: with both
    /// enabled, a version left without a suite (or, for TLS 1.2, without
    /// an ECDHE group) of its own is not offered, so that a configuration
    /// narrowed to TLS 1.2 suites negotiates TLS 1.2 instead of offering a
    /// TLS 1.3 it cannot complete.
    fn effective_versions(&self) -> Versions {
        let tls13 = |s: &CipherSuite| keel_handshake::policy::TLS13_SUITES.contains(s);
        let has13 = self.suites.iter().any(tls13);
        let has12 = self.suites.iter().any(|s| !tls13(s))
            && self
                .groups
                .iter()
                .any(|g| keel_handshake::GROUPS.contains(g));
        match self.versions {
            Versions::Tls13AndTls12 if !has13 => Versions::Tls12Only,
            Versions::Tls13AndTls12 if !has12 => Versions::Tls13Only,
            versions => versions,
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        let value = self.limits.record_size_limit;
        // RFC 8449 §4: never below 64, nor above TLS 1.2's 2^14.
        if !(64..=16384).contains(&value) {
            return Err(ConfigError::InvalidRecordSizeLimit { value });
        }
        check_lists(&self.suites, &self.groups, &self.alpn)?;
        // Every version enabled needs a suite of its own to offer.
        let tls13 = |s: &&CipherSuite| keel_handshake::policy::TLS13_SUITES.contains(s);
        let has13 = self.suites.iter().any(|s| tls13(&s));
        let has12 = self.suites.iter().any(|s| !tls13(&s));
        if (self.versions == Versions::Tls13Only && !has13)
            || (self.versions == Versions::Tls12Only && !has12)
            || (!has13 && !has12)
        {
            return Err(ConfigError::Empty {
                what: "cipher suites for the enabled versions",
            });
        }
        if self.signature_schemes.is_empty() {
            return Err(ConfigError::Empty {
                what: "signature schemes",
            });
        }
        // RFC 5246 §7.4.1.4.1: only schemes keel verifies are listed (so
        // never "anonymous").
        let accepted = keel_handshake::policy::SIGNATURE_SCHEMES;
        match self
            .signature_schemes
            .iter()
            .find(|s| !accepted.contains(s))
        {
            Some(&scheme) => Err(ConfigError::UnsupportedSignatureScheme { scheme }),
            None => Ok(()),
        }
    }
}

/// The setters of [`Common`], the same on both builders.
macro_rules! common_setters {
    ($($builder:ty),*) => {$(
        impl $builder {
            /// Which protocol versions may be negotiated. The default,
            /// [`Versions::Tls13AndTls12`], prefers TLS 1.3; with it, a
            /// version left without suites of its own by
            /// `with_cipher_suites` (or TLS 1.2 without an ECDHE group by
            /// `with_groups`) is simply not offered.
            pub fn with_versions(mut self, versions: Versions) -> Self {
                self.common.versions = versions;
                self
            }

            /// The cipher suites, in order of preference: a subset of keel's
            /// three TLS 1.3 and six TLS 1.2 suites (each version uses its
            /// own; TLS 1.2 suites alone mean TLS 1.2 alone). A client
            /// offers them in this order; a server picks the first the
            /// client offers.
            pub fn with_cipher_suites(mut self, suites: &[CipherSuite]) -> Self {
                self.common.suites = suites.to_vec();
                self
            }

            /// The key-exchange groups, in order of preference
            /// (X25519MLKEM768, TLS 1.3 only; X25519, P-256, P-384). For a
            /// client they are also the curves it accepts in an ECDSA
            /// certificate (RFC 8422 §5.3).
            pub fn with_groups(mut self, groups: &[NamedGroup]) -> Self {
                self.common.groups = groups.to_vec();
                self
            }

            /// The signature schemes accepted from the peer, in order of
            /// preference: a subset of keel's (ECDSA with SHA-256/384,
            /// Ed25519, RSA-PSS, RSA PKCS#1 v1.5; never SHA-1). A client
            /// offers them in signature_algorithms and accepts only these
            /// in the ServerKeyExchange; a server lists them in its
            /// CertificateRequest and accepts only these in the client's
            /// CertificateVerify. Which scheme keel signs with is the key's
            /// business: see `CertifiedKey::with_signature_schemes`.
            pub fn with_signature_schemes(mut self, schemes: &[SignatureScheme]) -> Self {
                self.common.signature_schemes = schemes.to_vec();
                self
            }

            /// ALPN protocols, in order of preference. A server refuses a
            /// client that offers ALPN but none of these with
            /// no_application_protocol.
            pub fn with_alpn<P: AsRef<[u8]>>(mut self, protocols: impl IntoIterator<Item = P>) -> Self {
                self.common.alpn = protocols.into_iter().map(|p| p.as_ref().to_vec()).collect();
                self
            }

            /// Logs session secrets in the NSS key log format (for
            /// Wireshark). Nothing is logged unless this is set.
            pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
                self.common.key_log = Some(key_log);
                self
            }

            /// Uses these limits.
            pub fn with_limits(mut self, limits: Limits) -> Self {
                self.common.limits = limits;
                self
            }
        }
    )*};
}

common_setters!(ClientConfigBuilder, ServerConfigBuilder);

/// Replacing a configuration's randomness and clock: what tests and
/// deterministic replays need, and what no deployment should do. Exported
/// only as [`keel::hazmat::ConfigOverrides`](crate::hazmat::ConfigOverrides):
/// a builder offers these methods only where that trait is imported.
///
/// ```
/// use std::sync::Arc;
/// use keel::hazmat::ConfigOverrides;
/// use keel::provider::{Clock, UnixTime};
///
/// #[derive(Debug)]
/// struct Noon;
/// impl Clock for Noon {
///     fn now(&self) -> UnixTime {
///         UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000))
///     }
/// }
/// let builder = keel::ClientConfig::builder().with_clock(Arc::new(Noon));
/// # let _ = builder;
/// ```
///
/// Without the import, there is no such method:
///
/// ```compile_fail
/// use std::sync::Arc;
/// let builder = keel::ClientConfig::builder().with_rng(Arc::new(keel::provider::SystemRng));
/// ```
pub trait ConfigOverrides: Sized {
    /// Uses this random source for every random value a connection makes:
    /// randoms, ECDHE keys, session IDs, ticket nonces.
    ///
    /// **A predictable source gives up forward secrecy (the ECDHE keys can
    /// be recomputed), and in a fleet sharing a ticket master it repeats
    /// AES-GCM nonces under one key, which lets anyone forge tickets.**
    #[must_use]
    fn with_rng(self, rng: Arc<dyn Rng>) -> Self;

    /// Uses this clock for certificate validity, session lifetimes and
    /// ticket key periods.
    ///
    /// **A fixed or wrong clock accepts expired certificates and keeps
    /// sessions and tickets alive past their lifetime.**
    #[must_use]
    fn with_clock(self, clock: Arc<dyn Clock>) -> Self;
}

macro_rules! config_overrides {
    ($($builder:ty),*) => {$(
        impl ConfigOverrides for $builder {
            fn with_rng(mut self, rng: Arc<dyn Rng>) -> Self {
                self.common.rng = rng;
                self
            }

            fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
                self.common.clock = clock;
                self
            }
        }
    )*};
}

config_overrides!(ClientConfigBuilder, ServerConfigBuilder);

/// keel's suites: TLS 1.3's three, then TLS 1.2's six.
fn all_suites() -> Vec<CipherSuite> {
    let mut suites = keel_handshake::policy::TLS13_SUITES.to_vec();
    suites.extend(keel_handshake::policy::SUITES);
    suites
}

/// keel's groups: X25519MLKEM768 (TLS 1.3 only) first, then the ECDHE
/// groups both versions use.
fn all_groups() -> Vec<NamedGroup> {
    let mut groups = vec![NamedGroup::X25519MLKEM768];
    groups.extend(keel_handshake::GROUPS);
    groups
}

fn check_lists(
    suites: &[CipherSuite],
    groups: &[NamedGroup],
    alpn: &[Vec<u8>],
) -> Result<(), ConfigError> {
    if suites.is_empty() {
        return Err(ConfigError::Empty {
            what: "cipher suites",
        });
    }
    // Signalling values are no suites either: RFC 7507 §4, a client at its
    // highest version (keel's only one) never sends TLS_FALLBACK_SCSV, and
    // RFC 5746 §3.4, it sends renegotiation_info rather than also the SCSV.
    if let Some(&suite) = suites.iter().find(|s| !all_suites().contains(s)) {
        return Err(ConfigError::UnsupportedCipherSuite { suite });
    }
    if groups.is_empty() {
        return Err(ConfigError::Empty { what: "groups" });
    }
    if let Some(&group) = groups.iter().find(|g| !all_groups().contains(g)) {
        return Err(ConfigError::UnsupportedGroup { group });
    }
    if alpn.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(ConfigError::InvalidAlpn);
    }
    Ok(())
}

// A connection takes its configuration as `impl AsRef<...>`: the config
// itself, a reference to it, or an `Arc` holding one.
impl AsRef<ClientConfig> for ClientConfig {
    fn as_ref(&self) -> &ClientConfig {
        self
    }
}

impl AsRef<ServerConfig> for ServerConfig {
    fn as_ref(&self) -> &ServerConfig {
        self
    }
}
