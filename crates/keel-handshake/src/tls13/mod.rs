//! TLS 1.3 building blocks for the 1.3 state machines: the key schedule
//! (RFC 8446 §7), Finished and PSK binders (RFC 8446 §4.4.4, §4.2.11.2),
//! the exporter (RFC 8446 §7.5), the transcript hash (RFC 8446 §4.4.1),
//! what a CertificateVerify signs (RFC 8446 §4.4.3) and
//! the key shares of keel's groups, X25519MLKEM768 among them
//! (draft-ietf-tls-ecdhe-mlkem).
//!
//! Public, like the 1.2 [`key_schedule`](crate::key_schedule) and
//! [`transcript`](crate::transcript), so that protocol experts and test
//! harnesses can use them alone. keel writes no crypto of its own here:
//! HKDF, HMAC, the hashes, X25519, ECDH and ML-KEM are aws-lc-rs's; this
//! module chooses the labels, the inputs, the lengths and the order.

pub mod certificate_verify;
pub mod exporter;
pub mod finished;
mod hkdf;
pub mod key_schedule;
pub mod key_share;
pub mod keylog_labels;
pub mod suite;
pub mod transcript;

pub use certificate_verify::{Signer, signed_content};
pub use exporter::ExporterSecret;
pub use finished::{FinishedKey, VerifyData};
pub use key_schedule::{
    BinderKey, EarlySecret, HandshakeSecret, MasterSecret, Psk, ResumptionMasterSecret,
    TrafficKeyMaterial, TrafficSecret,
};
pub use key_share::{ClientKeyShare, KEY_SHARE_GROUPS, SharedSecret, server_key_share};
pub use suite::{SuiteHash, Tls13Suite};
pub use transcript::Transcript13;

#[cfg(test)]
mod tests;
