//! keel's errors under the names BoringSSL gives the same failures (the
//! reason names of BoringSSL's `crypto/err/ssl.errordata`), printed as
//! `:NAME:` so that the runner's expected-error strings match. One table,
//! here: where keel's reasons are finer or coarser than BoringSSL's, the
//! shim config's `ErrorMap` (config.json) says which expected names a keel
//! name stands for.

use keel::hazmat::handshake::{HandshakeError, IllegalParameter, MessageKind, Repeated};
use keel::hazmat::pki::{CertError, PeerKeyProblem, SignError};
use keel::hazmat::record::{HttpRequestKind, RecordError};
use keel::hazmat::wire::registry::{AlertDescription, ContentType};

/// The BoringSSL name for a keel failure, on the server side or not.
pub(crate) fn name(error: &HandshakeError, server: bool) -> String {
    use HandshakeError as E;
    let name = match error {
        E::Decode { .. } => "DECODE_ERROR",
        E::Record { source } => record(source),
        E::UnexpectedMessage { got, .. } => match got {
            MessageKind::Handshake(_) => "UNEXPECTED_MESSAGE",
            MessageKind::ChangeCipherSpec
            | MessageKind::ApplicationData
            | MessageKind::Record(_) => "UNEXPECTED_RECORD",
        },
        E::ExcessHandshakeData => "EXCESS_HANDSHAKE_DATA",
        E::ProtocolVersion { .. } => "UNSUPPORTED_PROTOCOL",
        E::InappropriateFallback { .. } => "INAPPROPRIATE_FALLBACK",
        // A TLS 1.2 server without a common group has no ECDHE suite
        // left: BoringSSL reports that as no shared cipher.
        E::NoSharedCipherSuite | E::NoSharedGroup => "NO_SHARED_CIPHER",
        E::NoSharedSignatureScheme => "NO_COMMON_SIGNATURE_ALGORITHMS",
        E::CertificateCurveNotShared { .. } => "WRONG_CURVE",
        // keel requires what BoringSSL only offers: no BoringSSL name.
        E::NoExtendedMasterSecret => "KEEL_NO_EXTENDED_MASTER_SECRET",
        E::NoSecureRenegotiation => "KEEL_NO_SECURE_RENEGOTIATION",
        E::NoNullCompression => "INVALID_COMPRESSION_LIST",
        E::NoApplicationProtocol => "NO_APPLICATION_PROTOCOL",
        E::UnrecognizedName { .. } => "KEEL_UNRECOGNIZED_NAME",
        E::SniNotAHostName { .. } => "ERROR_PARSING_EXTENSION",
        E::UnsolicitedExtension { .. } => "UNEXPECTED_EXTENSION",
        E::IllegalParameter { reason } => illegal_parameter(*reason),
        E::BadFinished | E::BadBinder => "DIGEST_CHECK_FAILED",
        // TLS 1.3's certificate_required (RFC 8446 §4.4.2.4), and an empty
        // server chain (RFC 8446 §4.4.2.4: decode_error).
        E::CertificateRequired | E::EmptyServerCertificate => "PEER_DID_NOT_RETURN_A_CERTIFICATE",
        E::MissingExtension { extension, .. } => missing_extension(*extension),
        E::Signature { source } => signature(source),
        E::Certificate { source } => certificate(source, server),
        E::CertificateMayNotSign => "KEY_USAGE_BIT_INCORRECT",
        E::TooMany { what } => match what {
            Repeated::WarningAlerts => "TOO_MANY_WARNING_ALERTS",
            // A HelloRequest is a request to renegotiate.
            Repeated::RenegotiationAttempts | Repeated::HelloRequests => "NO_RENEGOTIATION",
            Repeated::PostHandshakeMessages => "TOO_MANY_KEY_UPDATES",
            _ => "KEEL_UNMAPPED_REPETITION",
        },
        E::AlertReceived { description } => return peer_alert(*description),
        E::Truncated => "KEEL_TRUNCATED",
        // BoringSSL's handshake returns 0 with SSL_ERROR_ZERO_RETURN here,
        // with no reason of its own.
        E::ClosedDuringHandshake => "KEEL_CLOSED_DURING_HANDSHAKE",
        E::Transcript { .. } => "EXCESSIVE_MESSAGE_SIZE",
        E::KeySchedule { .. } | E::Internal { .. } => "INTERNAL_ERROR",
        E::Exporter { .. } => "KEEL_EXPORTER",
        E::Closed => "PROTOCOL_IS_SHUTDOWN",
        // HandshakeError is non-exhaustive: a variant added later shows
        // up under this name until it gets its own.
        _ => "KEEL_UNMAPPED_ERROR",
    };
    name.to_owned()
}

fn record(error: &RecordError) -> &'static str {
    use RecordError as R;
    match error {
        R::UnexpectedContentType { .. } | R::InterleavedHandshake { .. } => "UNEXPECTED_RECORD",
        R::HttpRequest { request } => match request {
            HttpRequestKind::ProxyConnect => "HTTPS_PROXY_REQUEST",
            _ => "HTTP_REQUEST",
        },
        // Plaintext application data: before any keys, BoringSSL's record
        // layer refuses it as a record of the wrong type.
        R::UnprotectedApplicationData => "UNEXPECTED_RECORD",
        R::BadVersion { .. } => "WRONG_VERSION_NUMBER",
        // Above 2^14 the limit is the plaintext's; BoringSSL names the two
        // checks apart.
        // (TLS 1.3's inner plaintext may be 2^14 + 1 bytes, its type
        // included: that limit is still the plaintext's.)
        R::RecordOverflow { limit, .. } if *limit > (1 << 14) + 1 => "ENCRYPTED_LENGTH_TOO_LONG",
        R::RecordOverflow { .. } => "DATA_LENGTH_TOO_LONG",
        R::EmptyRecord { content_type } if *content_type == ContentType::ALERT => "BAD_ALERT",
        R::EmptyRecord { .. } => "DECODE_ERROR",
        R::AlertLength { .. } => "BAD_ALERT",
        R::TooManyEmptyRecords { .. } => "TOO_MANY_EMPTY_FRAGMENTS",
        R::BadChangeCipherSpec => "BAD_CHANGE_CIPHER_SPEC",
        R::TooManyChangeCipherSpecs { .. } => "TOO_MANY_EMPTY_FRAGMENTS",
        // BoringSSL finds no content type while decrypting.
        R::MissingContentType => "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
        R::KeyChangeNotOnRecordBoundary => "EXCESS_HANDSHAKE_DATA",
        R::BadRecordMac => "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
        R::HandshakeTooLarge { .. } => "EXCESSIVE_MESSAGE_SIZE",
        R::SequenceExhausted
        | R::KeyLimitReached { .. }
        | R::BadKeyMaterial { .. }
        | R::CipherFailure
        | R::BufferTooSmall { .. } => "INTERNAL_ERROR",
        _ => "KEEL_UNMAPPED_RECORD_ERROR",
    }
}

/// BoringSSL has a reason per check; so has keel.
fn illegal_parameter(reason: IllegalParameter) -> &'static str {
    use IllegalParameter as I;
    match reason {
        I::SuiteNotOffered { .. } => "WRONG_CIPHER_RETURNED",
        I::CompressionChosen => "UNSUPPORTED_COMPRESSION_ALGORITHM",
        I::GroupNotOffered { .. } => "WRONG_CURVE",
        I::SchemeNotOffered { .. }
        | I::SchemeNotListed { .. }
        | I::SchemeDoesNotFitSuite { .. } => "WRONG_SIGNATURE_TYPE",
        I::ResumedWithAnotherSuite => "OLD_SESSION_CIPHER_NOT_RETURNED",
        // BoringSSL's TLS 1.2 client does not check this.
        I::ResumedWithAnotherAlpn => "KEEL_RESUMED_WITH_ANOTHER_ALPN",
        I::AlpnNotOffered => "INVALID_ALPN_PROTOCOL",
        I::CertificateCurveNotOffered { .. } => "BAD_ECC_CERT",
        I::BadKeySharePoint => "BAD_ECPOINT",
        I::NoUncompressedPoints | I::RecordSizeLimitTooSmall { .. } => "ERROR_PARSING_EXTENSION",
        I::UnknownAlertLevel { .. } => "UNKNOWN_ALERT_TYPE",
        I::VerifySchemeNotOffered { .. } => "WRONG_SIGNATURE_TYPE",
        I::BindersDoNotMatchIdentities => "PSK_IDENTITY_BINDER_COUNT_MISMATCH",
        I::KeyShareNotOffered { .. } | I::RetryGroupNotUsable { .. } => "WRONG_CURVE",
        I::RetryChangesNothing => "EMPTY_HELLO_RETRY_REQUEST",
        I::DowngradeSentinel => "TLS13_DOWNGRADE",
        I::SuiteChangedAfterRetry => "WRONG_CIPHER_RETURNED",
        I::PskHashMismatch => "OLD_SESSION_PRF_HASH_MISMATCH",
        I::ExtensionNotPermitted { .. } => "UNEXPECTED_EXTENSION",
        // BoringSSL parses the context as part of the message.
        I::RequestContextNotEmpty => "DECODE_ERROR",
        I::SessionIdNotEchoed | I::CompatibilitySessionIdEchoed => {
            "SERVER_ECHOED_INVALID_SESSION_ID"
        }
        I::VersionNotOffered { .. } => "KEEL_VERSION_NOT_OFFERED",
        _ => "KEEL_ILLEGAL_PARAMETER",
    }
}

/// A mandatory extension that is missing, by the check BoringSSL makes.
fn missing_extension(extension: keel::hazmat::wire::registry::ExtensionType) -> &'static str {
    use keel::hazmat::wire::registry::ExtensionType as X;
    match extension {
        X::KEY_SHARE => "MISSING_KEY_SHARE",
        X::SUPPORTED_GROUPS => "NO_SHARED_GROUP",
        X::SIGNATURE_ALGORITHMS => "NO_COMMON_SIGNATURE_ALGORITHMS",
        _ => "MISSING_EXTENSION",
    }
}

fn signature(error: &SignError) -> &'static str {
    match error {
        // A key of a kind keel does not verify with (an RSASSA-PSS key,
        // say) is BoringSSL's unsupported algorithm.
        SignError::BadPeerKey {
            reason: PeerKeyProblem::Unsupported { .. },
        } => "UNSUPPORTED_ALGORITHM",
        SignError::BadSignature { .. } | SignError::BadPeerKey { .. } => "BAD_SIGNATURE",
        SignError::UnsupportedSignatureScheme { .. } | SignError::SchemeDoesNotFitKey { .. } => {
            "WRONG_SIGNATURE_TYPE"
        }
        _ => "INTERNAL_ERROR",
    }
}

fn certificate(error: &CertError, server: bool) -> &'static str {
    match error {
        // BoringSSL's TLS 1.2 client refuses an empty server Certificate
        // while decoding it; keel decodes it and then finds no certificate.
        CertError::NoCertificate if !server => "DECODE_ERROR",
        CertError::NoCertificate => "PEER_DID_NOT_RETURN_A_CERTIFICATE",
        // keel-pki reports keyUsage and extendedKeyUsage refusals as one
        // kind; BoringSSL names the keyUsage one apart.
        CertError::WrongUsage { detail, .. } if detail.contains("keyUsage") => {
            "KEY_USAGE_BIT_INCORRECT"
        }
        CertError::WeakKey { detail, .. } if detail.contains("RSASSA-PSS") => {
            "UNSUPPORTED_ALGORITHM"
        }
        CertError::Malformed { .. } => "CANNOT_PARSE_LEAF_CERT",
        _ => "CERTIFICATE_VERIFY_FAILED",
    }
}

/// BoringSSL's name for a fatal alert from the peer: reason 1000 plus the
/// alert number, `SSLV3_ALERT_` for the alerts SSL 3.0 had and
/// `TLSV1_ALERT_` for the rest.
fn peer_alert(description: AlertDescription) -> String {
    const SSLV3: [u8; 12] = [0, 10, 20, 30, 40, 41, 42, 43, 44, 45, 46, 47];
    let number = description.get();
    let Some(name) = description.name() else {
        return format!("KEEL_UNKNOWN_ALERT_{number}");
    };
    let name = match name {
        // BoringSSL spells it the British way.
        "user_canceled" => "user_cancelled".to_owned(),
        other => other.to_owned(),
    };
    let prefix = if SSLV3.contains(&number) {
        "SSLV3_ALERT_"
    } else {
        "TLSV1_ALERT_"
    };
    format!("{prefix}{}", name.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_alerts_take_boringssl_names() {
        for (number, expected) in [
            (40, "SSLV3_ALERT_HANDSHAKE_FAILURE"),
            (47, "SSLV3_ALERT_ILLEGAL_PARAMETER"),
            (50, "TLSV1_ALERT_DECODE_ERROR"),
            (70, "TLSV1_ALERT_PROTOCOL_VERSION"),
            (90, "TLSV1_ALERT_USER_CANCELLED"),
            (112, "TLSV1_ALERT_UNRECOGNIZED_NAME"),
            (120, "TLSV1_ALERT_NO_APPLICATION_PROTOCOL"),
        ] {
            let error = HandshakeError::AlertReceived {
                description: AlertDescription::new(number),
            };
            assert_eq!(name(&error, false), expected);
        }
    }

    #[test]
    fn every_illegal_parameter_keel_raises_has_a_boringssl_name() {
        use IllegalParameter as I;
        use keel::hazmat::wire::registry::{CipherSuite, NamedGroup, SignatureScheme};
        let scheme = SignatureScheme::ECDSA_SECP256R1_SHA256;
        for reason in [
            I::SuiteNotOffered {
                suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            },
            I::CompressionChosen,
            I::NoUncompressedPoints,
            I::AlpnNotOffered,
            I::ResumedWithAnotherSuite,
            I::GroupNotOffered {
                group: NamedGroup::X25519,
            },
            I::SchemeNotOffered { scheme },
            I::SchemeNotListed { scheme },
            I::SchemeDoesNotFitSuite { scheme },
            I::CertificateCurveNotOffered {
                curve: NamedGroup::SECP384R1,
            },
            I::BadKeySharePoint,
            I::RecordSizeLimitTooSmall { value: 1 },
            I::UnknownAlertLevel { level: 3 },
        ] {
            assert!(!illegal_parameter(reason).starts_with("KEEL_"), "{reason}");
        }
    }

    #[test]
    fn record_errors() {
        let overflow = |limit| HandshakeError::Record {
            source: RecordError::RecordOverflow {
                length: 20_000,
                limit,
            },
        };
        assert_eq!(
            name(&overflow(16384 + 2048), true),
            "ENCRYPTED_LENGTH_TOO_LONG"
        );
        assert_eq!(name(&overflow(16384), true), "DATA_LENGTH_TOO_LONG");
        let mac = HandshakeError::Record {
            source: RecordError::BadRecordMac,
        };
        assert_eq!(name(&mac, false), "DECRYPTION_FAILED_OR_BAD_RECORD_MAC");
    }
}
