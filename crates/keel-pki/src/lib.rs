//! keel-pki: "may I trust this peer?", for both sides, and what a side
//! needs to present itself.
//!
//! - Validation ([`ServerCertVerifier`], [`ClientCertVerifier`]): path
//!   building to a [`TrustStore`] through rustls-webpki at a time passed in,
//!   the right extended key usage, hostname or IP address matching, then
//!   keel's own RFC 5280 / CA-Browser-Forum checks on top. Nothing turns
//!   any of it off; [`CertificateCheck`] hooks can only add reasons to
//!   refuse.
//! - Loading: certificate chains, private keys and trust stores from PEM or
//!   DER; a [`CertifiedKey`] is one leaf with the key that matches it.
//! - Signatures for the TLS 1.2 handshake: [`SigningKey`] signs
//!   ServerKeyExchange and CertificateVerify under a negotiated scheme;
//!   [`verify_signature`] checks a peer's, and [`PeerKeys`] does the same
//!   with each leaf's key parsed only once.
//!
//! Every refusal is a typed error with the TLS alert it sends.

#![forbid(unsafe_code)]

mod certified_key;
mod error;
mod key_der;
mod load;
mod load_error;
mod load_reasons;
mod peer_keys;
mod pem_frame;
mod recent;
mod signature;
mod signing;
mod system_roots;
mod trust_store;
mod verify;

pub use certified_key::CertifiedKey;
pub use error::{CertError, ExpectedUsage};
pub use load::{
    load_certificates, load_certificates_file, load_private_key, load_private_key_file,
};
pub use load_error::{LoadError, SignError};
pub use load_reasons::{
    CertificateParseError, KeyRejection, PeerKeyProblem, SystemStoreProblem, TrustAnchorError,
    UnsupportedKey,
};
pub use peer_keys::{LeafKeyUse, PeerKeys};
pub use signature::{
    supported_verify_schemes, supported_verify_schemes_tls13, verify_signature,
    verify_signature_tls13,
};
pub use signing::SigningKey;
pub use trust_store::TrustStore;
pub use verify::{
    CertificateCheck, ClientAuth, ClientCertVerifier, InvalidServerName, PolicyRejection,
    ServerCertVerifier, ServerName, VerifiedChain,
};

/// Certificate and key types, re-exported from rustls-pki-types so that
/// callers need no direct dependency.
pub use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
