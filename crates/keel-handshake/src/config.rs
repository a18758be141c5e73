//! What a state machine needs to run: protocol-level configuration, built by
//! the `keel` facade's config builders (which guarantee it is valid) or, for
//! protocol experts, by hand through `keel::hazmat`.

use std::sync::Arc;

use keel_pki::{CertifiedKey, PeerKeys};
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

use crate::keylog::KeyLog;
use crate::random::{Clock, Rng};
use crate::resumption_context::ResumptionContext;
use crate::verifier::{ClientCertificateVerifier, ServerCertificateVerifier};

/// Limits that bound what a peer can make this endpoint hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest handshake message body accepted (before reassembly ends).
    pub max_handshake_message: usize,
    /// Most certificates accepted in a peer's chain.
    pub max_chain_len: usize,
    /// Largest handshake transcript kept (a client certificate's
    /// CertificateVerify signs the whole transcript).
    pub max_transcript: usize,
    /// Most received application data held for the application before
    /// reading stops (back-pressure).
    pub max_buffered_plaintext: usize,
    /// Most plaintext accepted for sending before the handshake completes.
    pub max_pending_writes: usize,
    /// Most renegotiation attempts, warning alerts or HelloRequests in a
    /// row before the connection is ended as an attack (4, as BoringSSL
    /// allows warning alerts). Empty records have a bound of their own in
    /// the record layer (32, as BoringSSL's).
    pub max_in_a_row: usize,
    /// The largest record plaintext this side accepts once records are
    /// protected, advertised in record_size_limit (RFC 8449): 64 to 16384.
    /// A client always sends it; a server answers with it when the client
    /// sent one.
    pub record_size_limit: u16,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_handshake_message: keel_record::limits::DEFAULT_MAX_HANDSHAKE_MESSAGE,
            max_chain_len: 10,
            max_transcript: 256 * 1024,
            max_buffered_plaintext: 64 * 1024,
            max_pending_writes: 64 * 1024,
            max_in_a_row: 4,
            record_size_limit: 16384,
        }
    }
}

/// Which protocol versions a handshake may negotiate. TLS 1.2 alone is
/// selectable but never the default: a TLS 1.2-only endpoint gives up TLS
/// 1.3's encrypted handshake and signed transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Versions {
    /// TLS 1.3 when the peer speaks it, else TLS 1.2 (with the downgrade
    /// protection of RFC 8446 §4.1.3).
    #[default]
    Tls13AndTls12,
    /// TLS 1.3 only: a peer without it is refused (protocol_version).
    Tls13Only,
    /// TLS 1.2 only.
    Tls12Only,
}

impl Versions {
    /// Whether TLS 1.3 may be negotiated.
    #[must_use]
    pub const fn tls13(self) -> bool {
        matches!(self, Self::Tls13AndTls12 | Self::Tls13Only)
    }

    /// Whether TLS 1.2 may be negotiated.
    #[must_use]
    pub const fn tls12(self) -> bool {
        matches!(self, Self::Tls13AndTls12 | Self::Tls12Only)
    }
}

/// Everything a client handshake needs.
#[derive(Debug, Clone)]
pub struct ClientHandshakeConfig {
    /// The versions offered.
    pub versions: Versions,
    /// The server certificate verifier.
    pub verifier: Arc<dyn ServerCertificateVerifier>,
    /// Suites to offer, in preference order: TLS 1.3 suites (offered when
    /// [`versions`](Self::versions) allows TLS 1.3) and TLS 1.2 ones
    /// (offered when it allows TLS 1.2).
    pub suites: Vec<CipherSuite>,
    /// Groups to offer, in preference order. The first that has a TLS 1.3
    /// key share gets one; when that is X25519MLKEM768, X25519 gets one too
    /// (if listed). X25519MLKEM768 is TLS 1.3's alone.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes offered in signature_algorithms and accepted in
    /// the server's ServerKeyExchange, in preference order: a subset of
    /// [`SIGNATURE_SCHEMES`](crate::policy::SIGNATURE_SCHEMES).
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols to offer, in preference order; empty: no ALPN.
    pub alpn: Vec<Vec<u8>>,
    /// Certificates to authenticate with if the server asks.
    pub client_certificates: Vec<Arc<CertifiedKey>>,
    /// Ask the server to staple an OCSP response (status_request, RFC 6066
    /// §8). A stapled response is handed to the verifier with the chain;
    /// keel does not evaluate it itself (keel-pki passes it on to
    /// `CertificateCheck` hooks). A server may acknowledge the request and
    /// still send none.
    pub request_ocsp: bool,
    /// Randomness.
    pub rng: Arc<dyn Rng>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Key logging, if the user installed it.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Limits.
    pub limits: Limits,
    /// Where sessions are kept for resumption, keyed by server name and
    /// [`resumption_context`](Self::resumption_context); `None`: every
    /// handshake is a full one.
    pub session_store: Option<Arc<crate::sessions::ClientSessionStore>>,
    /// The policy this configuration verifies servers under: its roots,
    /// checks and client certificates. Only sessions stored under the same
    /// context are offered. It must change whenever anything the
    /// verifier's verdict depends on changes (the facade derives it).
    pub resumption_context: ResumptionContext,
    /// Servers' leaf keys, parsed once for the connections of this
    /// configuration (every ServerKeyExchange signature is still checked).
    pub peer_keys: Arc<PeerKeys>,
}

/// Which certificate a server presents. A key that carries an OCSP
/// response ([`CertifiedKey::with_ocsp_response`]) has it stapled when the
/// client asks with status_request and that key is chosen (RFC 6066 §8):
/// the response belongs to the key's leaf, so it lives with the key.
#[derive(Debug, Clone, Default)]
pub struct ServerCertificates {
    /// Keys for clients without SNI or with a name no entry matches;
    /// empty: such clients are refused (unrecognized_name; a TLS 1.3
    /// client without SNI, missing_extension).
    pub default: Vec<Arc<CertifiedKey>>,
    /// Keys for specific names (DNS names, lowercase, no trailing dot). A
    /// name may be a wildcard, `*.example.com`, which stands for one label
    /// in its place (RFC 6125 §6.4.3): `a.example.com`, not `example.com`
    /// nor `a.b.example.com`. An exact entry is preferred to a wildcard.
    pub by_name: Vec<(String, Vec<Arc<CertifiedKey>>)>,
}

impl ServerCertificates {
    /// The candidate keys for a client's SNI name; `None` when nothing fits
    /// (the server then refuses the client).
    pub(crate) fn candidates(&self, sni: Option<&str>) -> Option<&[Arc<CertifiedKey>]> {
        match sni.and_then(|name| self.entry_for(name)) {
            Some((_, keys)) => Some(keys),
            None if self.default.is_empty() => None,
            None => Some(&self.default),
        }
    }

    /// The entry of `by_name` an SNI name selects: its exact name, else
    /// the wildcard that covers it.
    fn entry_for(&self, sni: &str) -> Option<&(String, Vec<Arc<CertifiedKey>>)> {
        let name = sni.trim_end_matches('.').to_ascii_lowercase();
        let exact = |name: &str| self.by_name.iter().find(|(n, _)| n == name);
        exact(&name).or_else(|| exact(&wildcard_of(&name)?))
    }
}

/// Whether a certificate registered under `entry` (a DNS name or a
/// wildcard such as `*.example.com`, lowercase) is selected for a client
/// naming `sni`: the rule [`ServerCertificates`] applies, for callers that
/// must know beforehand which names a certificate will answer (an exact
/// entry still wins over a wildcard when both exist).
#[must_use]
pub fn entry_selects(entry: &str, sni: &str) -> bool {
    let name = sni.trim_end_matches('.').to_ascii_lowercase();
    entry == name || wildcard_of(&name).is_some_and(|wildcard| wildcard == entry)
}

/// The wildcard entry that would cover `name`: its leftmost label replaced
/// by `*` (RFC 6125 §6.4.3: the wildcard is the whole leftmost label and
/// matches that one label only). `None` for a single-label name, whose
/// wildcard would be the bare `*`, and for a name whose leftmost label is
/// empty or already `*` (the SNI check lets neither through; this keeps
/// the rule true on its own).
fn wildcard_of(name: &str) -> Option<String> {
    let (first, parent) = name.split_once('.')?;
    if first.is_empty() || first == "*" || parent.is_empty() {
        return None;
    }
    Some(format!("*.{parent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries without keys: the tests look at which entry is selected.
    fn certificates(names: &[&str]) -> ServerCertificates {
        ServerCertificates {
            default: Vec::new(),
            by_name: names
                .iter()
                .map(|name| ((*name).to_owned(), Vec::new()))
                .collect(),
        }
    }

    /// The registered name of the entry `sni` selects.
    fn selected<'a>(certs: &'a ServerCertificates, sni: &str) -> Option<&'a str> {
        certs.entry_for(sni).map(|(name, _)| name.as_str())
    }

    #[test]
    fn an_entry_selects_its_name_and_one_label_under_its_wildcard() {
        assert!(entry_selects("a.example.com", "A.Example.com."));
        assert!(entry_selects("*.example.com", "a.example.com"));
        assert!(!entry_selects("*.example.com", "example.com"));
        assert!(!entry_selects("*.example.com", "a.b.example.com"));
        assert!(!entry_selects("b.example.com", "a.example.com"));
        assert!(!entry_selects("*", "localhost"));
    }

    #[test]
    fn a_wildcard_stands_for_exactly_one_leftmost_label() {
        let certs = certificates(&["*.example.com", "exact.example.com", "*.b.example.com"]);
        for (sni, expected) in [
            ("a.example.com", Some("*.example.com")),
            ("A.Example.COM.", Some("*.example.com")),
            ("exact.example.com", Some("exact.example.com")),
            ("x.b.example.com", Some("*.b.example.com")),
            // The wildcard covers one label: not none, not two.
            ("example.com", None),
            ("a.c.example.com", None),
            ("a.example.org", None),
            ("com", None),
        ] {
            assert_eq!(selected(&certs, sni), expected, "{sni}");
        }
    }

    #[test]
    fn no_wildcard_of_a_single_label_or_of_an_empty_label() {
        for name in ["localhost", ".example.com", "*.example.com", "a."] {
            assert_eq!(wildcard_of(name), None, "{name}");
        }
        assert_eq!(wildcard_of("a.b").as_deref(), Some("*.b"));
    }
}

/// Everything a server handshake needs.
#[derive(Debug, Clone)]
pub struct ServerHandshakeConfig {
    /// The versions served.
    pub versions: Versions,
    /// The certificates and keys.
    pub certificates: ServerCertificates,
    /// Client authentication; `None`: no client certificate is requested.
    pub client_verifier: Option<Arc<dyn ClientCertificateVerifier>>,
    /// Suites in the server's preference order, TLS 1.3 and TLS 1.2 ones
    /// alike (each version chooses among its own).
    pub suites: Vec<CipherSuite>,
    /// Groups in the server's preference order.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes listed in the CertificateRequest and accepted in
    /// the client's CertificateVerify: a subset of
    /// [`SIGNATURE_SCHEMES`](crate::policy::SIGNATURE_SCHEMES).
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols in the server's preference order; empty: ALPN is
    /// ignored.
    pub alpn: Vec<Vec<u8>>,
    /// Randomness.
    pub rng: Arc<dyn Rng>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Key logging, if the user installed it.
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Limits.
    pub limits: Limits,
    /// The cache of sessions clients may resume by ID; `None`: session IDs
    /// are empty and every handshake is a full one.
    pub session_cache: Option<Arc<crate::sessions::ServerSessionCache>>,
    /// The keys that seal and open session tickets (RFC 5077); `None`: the
    /// session_ticket extension is ignored.
    pub ticket_keys: Option<Arc<crate::tickets::TicketKeys>>,
    /// The policy this configuration admits clients under: whether it asks
    /// for a certificate, the roots and checks it verifies one with. A
    /// session from the cache or a ticket is resumed only if it was made
    /// under the same context; anything else is a full handshake. It must
    /// change whenever anything the client verifier's verdict depends on
    /// changes (the facade derives it).
    pub resumption_context: ResumptionContext,
    /// Clients' leaf keys, parsed once for the connections of this
    /// configuration (every CertificateVerify signature is still checked).
    pub peer_keys: Arc<PeerKeys>,
}
