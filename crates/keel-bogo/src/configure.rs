//! keel configurations from the runner's flags, one per connection, and
//! the state that outlives a connection (session stores, ticket keys, the
//! clock the runner may move forward).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use keel::hazmat::handshake::policy::{SIGNATURE_SCHEMES, SUITES, TLS13_SUITES};
use keel::hazmat::handshake::sessions::{ClientSessionStore, ServerSessionCache};
use keel::hazmat::handshake::tickets::TicketKeys;
use keel::hazmat::handshake::{
    ClientCertificateVerifier, ClientHandshakeConfig, Clock, GROUPS, Limits, ResumptionContext,
    Rng, ServerCertificates, ServerHandshakeConfig, Side, SystemClock, SystemRng,
};
use keel::hazmat::pki::{
    CertifiedKey, ClientAuth, ClientCertVerifier, ServerCertVerifier, TrustStore, UnixTime,
};
use keel::hazmat::wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

use crate::compliance::{self, Policy};
use crate::flags::Settings;
use crate::verify::{ClientVerifier, ServerVerifier};

/// TLS 1.2 and TLS 1.3 as the runner writes versions (decimal wire values).
pub(crate) const TLS12: u16 = 0x0303;
pub(crate) const TLS13: u16 = 0x0304;

/// Why a flag cannot be honoured: exit 89.
#[derive(Debug)]
pub(crate) struct Unimplemented(pub(crate) String);

/// What lives across the connections of one test.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) client_store: Arc<ClientSessionStore>,
    pub(crate) server_cache: Arc<ServerSessionCache>,
    ticket_master: Vec<u8>,
    pub(crate) clock: Arc<ShimClock>,
}

impl Shared {
    pub(crate) fn new() -> Result<Self, Unimplemented> {
        let mut master = vec![0u8; 32];
        SystemRng
            .fill(&mut master)
            .map_err(|_| Unimplemented("no randomness for ticket keys".to_owned()))?;
        Ok(Self {
            client_store: Arc::new(ClientSessionStore::new(
                16,
                std::time::Duration::from_secs(7200),
            )),
            server_cache: Arc::new(ServerSessionCache::new(
                16,
                std::time::Duration::from_secs(7200),
            )),
            ticket_master: master,
            clock: Arc::new(ShimClock::default()),
        })
    }
}

/// The system clock plus the delays `-resumption-delay` asks for, so that
/// lifetimes can be tested without waiting.
#[derive(Debug, Default)]
pub(crate) struct ShimClock {
    offset_secs: AtomicU64,
}

impl ShimClock {
    pub(crate) fn advance(&self, secs: u64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for ShimClock {
    fn now(&self) -> UnixTime {
        let now = SystemClock.now().as_secs();
        let offset = self.offset_secs.load(Ordering::Relaxed);
        UnixTime::since_unix_epoch(Duration::from_secs(now.saturating_add(offset)))
    }
}

/// A client configuration for one connection.
pub(crate) fn client(
    s: &Settings,
    shared: &Shared,
) -> Result<ClientHandshakeConfig, Unimplemented> {
    let versions = versions(s)?;
    ocsp_callback(s)?;
    if s.no_ticket {
        return Err(Unimplemented(
            "keel clients that keep sessions always offer tickets".to_owned(),
        ));
    }
    let strict = match (&s.trust_cert, s.verify_peer) {
        (Some(path), true) => Some((ServerCertVerifier::new(roots(path)?), s.host_name.is_some())),
        _ => None,
    };
    let verifier = ServerVerifier {
        strict,
        fail: s.verify_fail,
        fatal: s.verify_peer,
    };
    let client_certificates = credentials(s, false)?;
    let config = ClientHandshakeConfig {
        versions,
        verifier: Arc::new(verifier),
        suites: suites(s)?,
        groups: groups(s)?,
        signature_schemes: verify_schemes(s)?,
        alpn: alpn_list(s.advertise_alpn.as_deref())?,
        client_certificates,
        request_ocsp: s.enable_ocsp_stapling || s.expect_ocsp_response.is_some(),
        rng: Arc::new(SystemRng),
        clock: Arc::clone(&shared.clock) as Arc<dyn Clock>,
        key_log: None,
        limits: limits(s),
        session_store: Some(Arc::clone(&shared.client_store)),
        // What this connection's verdict on the server depends on: its
        // roots and whether it verifies at all. `-verify-fail` stands for
        // BoringSSL's verify callback, which its session context does not
        // cover (a session resumes without calling it again).
        resumption_context: ResumptionContext::builder(Side::Client)
            .field(
                "verification",
                format!("{:?}", (&s.trust_cert, s.verify_peer)).as_bytes(),
            )
            .field(
                "client certificate",
                format!("{:?}", (&s.cert_file, &s.key_file, &s.credentials)).as_bytes(),
            )
            .build(),
        peer_keys: Arc::default(),
    };
    Ok(config)
}

/// A server configuration for one connection.
pub(crate) fn server(
    s: &Settings,
    shared: &Shared,
) -> Result<ServerHandshakeConfig, Unimplemented> {
    let versions = versions(s)?;
    ocsp_callback(s)?;
    let keys = credentials(s, true)?;
    if keys.is_empty() {
        return Err(Unimplemented(
            "a server needs -cert-file and -key-file".to_owned(),
        ));
    }
    let mode = if s.require_any_client_certificate {
        Some(ClientAuth::Required)
    } else if s.verify_peer {
        Some(ClientAuth::Optional)
    } else {
        None
    };
    let client_verifier = match mode {
        Some(mode) => {
            let strict = match &s.trust_cert {
                Some(path) => Some(ClientCertVerifier::new(roots(path)?, mode)),
                None => None,
            };
            let verifier = ClientVerifier {
                strict,
                mode,
                fail: s.verify_fail,
            };
            Some(Arc::new(verifier) as Arc<dyn ClientCertificateVerifier>)
        }
        None => None,
    };
    let ticket_keys = if s.no_ticket {
        None
    } else {
        let master = s.ticket_key.as_deref().unwrap_or(&shared.ticket_master);
        let keys = TicketKeys::new(
            master,
            std::time::Duration::from_secs(86_400),
            std::time::Duration::from_secs(7200),
        )
        .map_err(|e| Unimplemented(format!("-ticket-key: {e}")))?;
        Some(Arc::new(keys))
    };
    let alpn = match &s.select_alpn {
        Some(protocol) if !protocol.is_empty() => vec![protocol.clone()],
        _ => Vec::new(),
    };
    Ok(ServerHandshakeConfig {
        versions,
        certificates: ServerCertificates {
            default: keys,
            by_name: Vec::new(),
        },
        client_verifier,
        suites: suites(s)?,
        groups: groups(s)?,
        signature_schemes: verify_schemes(s)?,
        alpn,
        rng: Arc::new(SystemRng),
        clock: Arc::clone(&shared.clock) as Arc<dyn Clock>,
        key_log: None,
        limits: limits(s),
        session_cache: Some(Arc::clone(&shared.server_cache)),
        ticket_keys,
        // What this connection's verdict on a client depends on: the mode
        // and the roots (`-verify-fail` is a callback, as above).
        resumption_context: ResumptionContext::builder(Side::Server)
            .field(
                "client auth",
                format!("{:?}", (mode, &s.trust_cert)).as_bytes(),
            )
            .build(),
        peer_keys: Arc::default(),
    })
}

/// A failing OCSP callback answers with bad_certificate_status_response
/// (client) or internal_error (server); a keel check that refuses sends
/// handshake_failure, and a server has no callback to fail. A callback that
/// passes (client) or sets the configured response (server) is what keel
/// does anyway.
fn ocsp_callback(s: &Settings) -> Result<(), Unimplemented> {
    if s.ocsp_callback && s.fail_ocsp_callback {
        return Err(Unimplemented(
            "-fail-ocsp-callback: keel has no OCSP callback with its own alert".to_owned(),
        ));
    }
    Ok(())
}

/// `-min-version`, `-max-version`, `-no-tls12` and `-no-tls13`: the
/// versions keel may negotiate. keel speaks TLS 1.2 and TLS 1.3 only: a
/// test that needs another version is unimplemented, not failed.
fn versions(s: &Settings) -> Result<keel::Versions, Unimplemented> {
    let mut min = s.min_version.unwrap_or(TLS12).max(TLS12);
    if s.no_tls12 {
        min = min.max(TLS13);
    }
    let mut max = s.max_version.unwrap_or(TLS13).min(TLS13);
    if s.no_tls13 {
        max = max.min(TLS12);
    }
    if s.max_version.is_some_and(|v| v < TLS12) {
        return Err(Unimplemented(
            "-max-version below TLS 1.2: keel refuses older versions".to_owned(),
        ));
    }
    if s.min_version.is_some_and(|v| v > TLS13) || min > max {
        return Err(Unimplemented(format!(
            "versions {min:#06x}..={max:#06x}: keel speaks TLS 1.2 and TLS 1.3"
        )));
    }
    Ok(match (min, max) {
        (TLS13, _) => keel::Versions::Tls13Only,
        (_, TLS13) => keel::Versions::Tls13AndTls12,
        _ => keel::Versions::Tls12Only,
    })
}

/// `-verify-prefs`: the schemes accepted from the peer. A scheme keel
/// refuses (SHA-1, ...) makes the test unimplemented rather than quietly
/// shorter.
fn verify_schemes(s: &Settings) -> Result<Vec<SignatureScheme>, Unimplemented> {
    let schemes = if s.verify_prefs.is_empty() {
        SIGNATURE_SCHEMES.to_vec()
    } else {
        schemes("-verify-prefs", &s.verify_prefs)?
    };
    Ok(compliance::apply(&s.policies, schemes, Policy::schemes))
}

fn schemes(flag: &str, ids: &[u16]) -> Result<Vec<SignatureScheme>, Unimplemented> {
    ids.iter()
        .map(|&id| {
            let scheme = SignatureScheme::new(id);
            SIGNATURE_SCHEMES
                .contains(&scheme)
                .then_some(scheme)
                .ok_or_else(|| Unimplemented(format!("{flag} {id}: not a scheme keel accepts")))
        })
        .collect()
}

/// The certificates to offer, in BoringSSL's order: each
/// `-new-x509-credential`, then the default (`-cert-file`, `-key-file`).
/// Only a server staples (`-ocsp-response`), and not when its OCSP
/// callback declines.
fn credentials(s: &Settings, server: bool) -> Result<Vec<Arc<CertifiedKey>>, Unimplemented> {
    let staple = |response: &Option<Vec<u8>>| {
        response
            .clone()
            .filter(|_| server && !s.decline_ocsp_callback)
    };
    let mut keys = Vec::new();
    for credential in &s.credentials {
        let (Some(cert), Some(key)) = (&credential.cert_file, &credential.key_file) else {
            return Err(Unimplemented(
                "-new-x509-credential without -cert-file and -key-file".to_owned(),
            ));
        };
        let key = certified_key(cert, key, staple(&credential.ocsp_response))?;
        keys.push(Arc::new(signing(
            key,
            &credential.signing_prefs,
            &s.policies,
        )?));
    }
    if let (Some(cert), Some(key)) = (&s.cert_file, &s.key_file) {
        let key = certified_key(cert, key, staple(&s.ocsp_response))?;
        keys.push(Arc::new(signing(key, &s.signing_prefs, &s.policies)?));
    }
    Ok(keys)
}

/// `-signing-prefs`: the schemes the credential signs with, in order, as
/// the compliance policies allow them. A key left with no scheme is a
/// credential keel cannot load (BoringSSL would load it and fail every
/// handshake), so the test is unimplemented.
fn signing(
    key: CertifiedKey,
    prefs: &[u16],
    policies: &[Policy],
) -> Result<CertifiedKey, Unimplemented> {
    if prefs.is_empty() && policies.is_empty() {
        return Ok(key);
    }
    let preference = if prefs.is_empty() {
        SIGNATURE_SCHEMES.to_vec()
    } else {
        schemes("-signing-prefs", prefs)?
    };
    let preference = compliance::apply(policies, preference, Policy::schemes);
    key.with_signature_schemes(&preference).ok_or_else(|| {
        Unimplemented(format!(
            "-signing-prefs {prefs:?} under {policies:?}: the key can sign with none of them"
        ))
    })
}

fn roots(path: &str) -> Result<TrustStore, Unimplemented> {
    let pem = std::fs::read(path).map_err(|e| Unimplemented(format!("{path}: {e}")))?;
    TrustStore::from_pem(&pem).map_err(|e| Unimplemented(format!("-trust-cert {path}: {e}")))
}

/// The runner's certificate and key. A key keel refuses (RSA below 2048
/// bits, P-521) makes the test unimplemented.
fn certified_key(
    cert: &str,
    key: &str,
    ocsp: Option<Vec<u8>>,
) -> Result<CertifiedKey, Unimplemented> {
    let chain = std::fs::read(cert).map_err(|e| Unimplemented(format!("{cert}: {e}")))?;
    let key_pem = std::fs::read(key).map_err(|e| Unimplemented(format!("{key}: {e}")))?;
    let certified = CertifiedKey::from_pem(&chain, &key_pem)
        .map_err(|e| Unimplemented(format!("keel refuses the credential {cert}: {e}")))?;
    Ok(match ocsp {
        Some(response) => certified.with_ocsp_response(response),
        None => certified,
    })
}

/// `-cipher`, in BoringSSL's cipher-list syntax, restricted to the simple
/// forms: names separated by `:`, and `[a|b]` equal-preference groups.
/// Names of suites keel lacks are dropped, as they could never be
/// negotiated. Unimplemented: operators and keywords (`!`, `ALL`,
/// `DEFAULT`, ...), a list with none of keel's suites, and a group holding
/// two or more of them (a keel server always follows its own order; it has
/// no equal preference that defers to the client's).
fn suites(s: &Settings) -> Result<Vec<CipherSuite>, Unimplemented> {
    // BoringSSL's -cipher configures TLS 1.2 suites only; TLS 1.3's are
    // always on (its TLS 1.3 order is fixed).
    let mut out = TLS13_SUITES.to_vec();
    let Some(list) = &s.cipher else {
        out.extend(SUITES);
        return Ok(compliance::apply(&s.policies, out, Policy::suites));
    };
    for entry in list.split(':').filter(|t| !t.is_empty()) {
        let group = entry.strip_prefix('[').and_then(|e| e.strip_suffix(']'));
        let mut in_entry = 0;
        for token in group.unwrap_or(entry).split('|') {
            if token.starts_with(['!', '-', '+', '@', '['])
                || token
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                return Err(Unimplemented(format!(
                    "-cipher {list:?}: keel reads suite names only"
                )));
            }
            if let Some(suite) = suite_by_name(token)
                && !out.contains(&suite)
            {
                out.push(suite);
                in_entry += 1;
            }
        }
        if in_entry > 1 {
            return Err(Unimplemented(format!(
                "-cipher {list:?}: keel has no equal-preference groups"
            )));
        }
    }
    if out.len() == TLS13_SUITES.len() {
        return Err(Unimplemented(format!(
            "-cipher {list:?} names none of keel's suites"
        )));
    }
    Ok(compliance::apply(&s.policies, out, Policy::suites))
}

/// keel's suites by their IANA or OpenSSL names.
fn suite_by_name(name: &str) -> Option<CipherSuite> {
    const OPENSSL: [(&str, CipherSuite); 6] = [
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-RSA-AES256-GCM-SHA384",
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ];
    OPENSSL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .or_else(|| SUITES.iter().copied().find(|s| s.name() == Some(name)))
        .filter(|s| !TLS13_SUITES.contains(s))
}

/// `-curves`: every group must be one keel has, or the test would run
/// with fewer groups than it asked for.
fn groups(s: &Settings) -> Result<Vec<NamedGroup>, Unimplemented> {
    let known = |g: &NamedGroup| GROUPS.contains(g) || *g == NamedGroup::X25519MLKEM768;
    let groups = if s.curves.is_empty() {
        let mut groups = vec![NamedGroup::X25519MLKEM768];
        groups.extend(GROUPS);
        groups
    } else {
        s.curves
            .iter()
            .map(|&id| {
                let group = NamedGroup::new(id);
                known(&group).then_some(group).ok_or_else(|| {
                    Unimplemented(format!(
                        "-curves {id}: keel has X25519MLKEM768, X25519, P-256 and P-384"
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    Ok(compliance::apply(&s.policies, groups, Policy::groups))
}

/// `-advertise-alpn`: the protocol list in wire format (each name
/// prefixed by its one-byte length).
fn alpn_list(wire: Option<&[u8]>) -> Result<Vec<Vec<u8>>, Unimplemented> {
    let mut rest = wire.unwrap_or_default();
    let mut out = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let Some((name, after)) = tail.split_at_checked(usize::from(len)) else {
            return Err(Unimplemented("-advertise-alpn: truncated list".to_owned()));
        };
        out.push(name.to_vec());
        rest = after;
    }
    Ok(out)
}

fn limits(s: &Settings) -> Limits {
    let mut limits = Limits::default();
    if let Some(max) = s.max_cert_list {
        limits.max_handshake_message = max;
    }
    limits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_wire_format() {
        assert_eq!(
            alpn_list(Some(b"\x03foo\x08http/1.1")).unwrap(),
            [b"foo".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(alpn_list(Some(b"\x05foo")).is_err());
        assert!(alpn_list(None).unwrap().is_empty());
    }

    #[test]
    fn cipher_lists() {
        // -cipher sets TLS 1.2's suites; TLS 1.3's three always come first.
        let with = |list: &str| {
            suites(&Settings {
                cipher: Some(list.to_owned()),
                ..Settings::default()
            })
            .map(|suites| {
                assert_eq!(suites[..TLS13_SUITES.len()], TLS13_SUITES);
                suites[TLS13_SUITES.len()..].to_vec()
            })
        };
        assert_eq!(
            with("ECDHE-RSA-AES128-GCM-SHA256").unwrap(),
            [CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
        );
        // A TLS 1.3 name in -cipher is not a TLS 1.2 suite.
        assert!(with("TLS_AES_128_GCM_SHA256").is_err());
        // A group with one keel suite is that suite.
        assert_eq!(
            with("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:[TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384|TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA]")
                .unwrap(),
            [
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
            ]
        );
        // Equal preference between two of keel's suites is not a keel
        // setting.
        assert!(
            with("[TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384|TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]")
                .is_err()
        );
        assert!(with("3DES").is_err());
        assert!(with("DEFAULT:!AES").is_err());
        assert!(with("TLS_RSA_WITH_AES_128_GCM_SHA256").is_err());
    }

    #[test]
    fn curves_keel_lacks_are_unimplemented() {
        let with = |curves: Vec<u16>| {
            groups(&Settings {
                curves,
                ..Settings::default()
            })
        };
        assert_eq!(
            with(vec![23, 29]).unwrap(),
            [NamedGroup::SECP256R1, NamedGroup::X25519]
        );
        assert!(with(vec![29, 25]).is_err());
    }

    #[test]
    fn versions_come_from_the_flags_and_others_are_unimplemented() {
        let with = |min, max, no_tls13| {
            versions(&Settings {
                min_version: min,
                max_version: max,
                no_tls13,
                ..Settings::default()
            })
        };
        use keel::Versions as V;
        assert_eq!(
            with(Some(0x0301), Some(0x0304), false).unwrap(),
            V::Tls13AndTls12
        );
        assert_eq!(with(None, None, false).unwrap(), V::Tls13AndTls12);
        assert_eq!(with(Some(0x0304), None, false).unwrap(), V::Tls13Only);
        assert_eq!(with(None, Some(0x0303), false).unwrap(), V::Tls12Only);
        assert_eq!(with(None, None, true).unwrap(), V::Tls12Only);
        assert!(with(None, Some(0x0302), false).is_err());
        assert!(with(Some(0x0304), None, true).is_err());
        let without_tls12 = |no_tls13| {
            versions(&Settings {
                no_tls12: true,
                no_tls13,
                ..Settings::default()
            })
        };
        assert_eq!(without_tls12(false).unwrap(), V::Tls13Only);
        assert!(without_tls12(true).is_err());
    }
}
