//! The facade's side of RFC 7507 and RFC 5746: a configuration cannot list
//! a signalling cipher suite value among the suites a client offers, so a
//! keel client never sends TLS_FALLBACK_SCSV (it always offers its highest
//! version, TLS 1.2) nor the renegotiation SCSV beside its
//! renegotiation_info extension.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel::registry::CipherSuite;
use keel::{ClientConfig, ConfigError};

/// RFC 7507 §4, RFC 5746 §3.4: the signalling values are refused as suites.
#[test]
fn signalling_values_are_not_suites_a_client_can_offer() {
    for suite in [
        CipherSuite::TLS_FALLBACK_SCSV,
        CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
    ] {
        assert_eq!(
            ClientConfig::builder()
                .with_cipher_suites(&[CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, suite])
                .build()
                .unwrap_err(),
            ConfigError::UnsupportedCipherSuite { suite }
        );
    }
}
