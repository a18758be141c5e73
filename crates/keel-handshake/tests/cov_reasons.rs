//! The words of each typed reason behind a HandshakeError: what a person
//! reads in a log or an error chain. Each case is checked whole, with the
//! alert the error sends; the records a peer can send to cause some of them
//! are sent for real.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::{
    Connection, HandshakeError, IllegalParameter, Internal, MessageKind, Repeated,
};
use keel_wire::registry::{
    AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use support::{Injection, Pair, Side, plaintext_alerts, plaintext_record, server_config};

/// A fresh server fed `record`: its error, and the one alert it queued.
fn server_refuses(record: &[u8]) -> (HandshakeError, AlertDescription) {
    let mut server = Connection::server(Arc::new(server_config(false)));
    let err = server.read_tls(record).unwrap_err();
    let alerts = plaintext_alerts(server.pending_tls());
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    (err, alerts[0].description)
}

/// RFC 5246 §7.2: an alert level is warning(1) or fatal(2). Level 3 is
/// illegal_parameter, and the message gives the level.
#[test]
fn an_alert_of_an_unknown_level_names_the_level() {
    let (err, alert) = server_refuses(&plaintext_record(ContentType::ALERT, &[3, 0]));
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: IllegalParameter::UnknownAlertLevel { level: 3 }
        }
    );
    assert_eq!(
        err.to_string(),
        "illegal parameter: alert level 3 is neither warning nor fatal"
    );
    assert_eq!(alert, AlertDescription::ILLEGAL_PARAMETER);
}

/// RFC 5246 §7.1 (CVE-2014-0224): a ChangeCipherSpec before the
/// handshake got there is unexpected_message, named as such.
#[test]
fn an_early_change_cipher_spec_is_named_in_the_error() {
    let (err, alert) = server_refuses(&plaintext_record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    assert!(
        matches!(
            err,
            HandshakeError::UnexpectedMessage {
                got: MessageKind::ChangeCipherSpec,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "unexpected change_cipher_spec while expecting ClientHello"
    );
    assert_eq!(alert, AlertDescription::UNEXPECTED_MESSAGE);
}

/// RFC 5246 §7.3: no application data before the handshake completes,
/// even under the new keys: data sealed between the client's
/// ChangeCipherSpec and its Finished is unexpected_message, named as such.
#[test]
fn application_data_before_the_finished_is_named_in_the_error() {
    let mut pair = Pair::new(false);
    // ClientHello, ClientKeyExchange, ChangeCipherSpec.
    pair.advance(Side::Server, 3).unwrap();
    assert!(pair.protected_towards(Side::Server));
    let err = pair
        .inject(
            Side::Server,
            &Injection::ApplicationData(b"GET / HTTP/1.1\r\n".to_vec()),
            true,
        )
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "Finished",
            got: MessageKind::ApplicationData,
        }
    );
    assert_eq!(
        err.to_string(),
        "unexpected application_data while expecting Finished"
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
}

/// The other kinds of message an error can name: a handshake message by
/// its type, a record by its content type.
#[test]
fn message_kinds_read_as_the_registry_names_them() {
    let handshake = HandshakeError::UnexpectedMessage {
        expected: "ServerHello",
        got: MessageKind::Handshake(HandshakeType::FINISHED),
    };
    assert_eq!(
        handshake.to_string(),
        format!(
            "unexpected {} while expecting ServerHello",
            HandshakeType::FINISHED
        )
    );
    assert_eq!(
        MessageKind::Record(ContentType::HEARTBEAT).to_string(),
        format!("{} record", ContentType::HEARTBEAT)
    );
}

/// Every illegal_parameter reason reads as one sentence after
/// "illegal parameter: ", naming the value the peer chose or sent.
#[test]
fn each_illegal_parameter_reason_says_what_the_peer_did() {
    let suite = CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
    let group = NamedGroup::SECP384R1;
    let scheme = SignatureScheme::ECDSA_SECP384R1_SHA384;
    let cases = [
        (
            IllegalParameter::SuiteNotOffered { suite },
            format!("server chose {suite}, which the client did not offer"),
        ),
        (
            IllegalParameter::CompressionChosen,
            "server chose compression".to_owned(),
        ),
        (
            IllegalParameter::NoUncompressedPoints,
            "peer does not support uncompressed points".to_owned(),
        ),
        (
            IllegalParameter::AlpnNotOffered,
            "server chose an ALPN protocol the client did not offer".to_owned(),
        ),
        (
            IllegalParameter::ResumedWithAnotherSuite,
            "server resumed a session with another cipher suite".to_owned(),
        ),
        (
            IllegalParameter::ResumedWithAnotherAlpn,
            "server resumed a session with another ALPN protocol".to_owned(),
        ),
        (
            IllegalParameter::GroupNotOffered { group },
            format!("server chose {group}, which the client did not offer"),
        ),
        (
            IllegalParameter::SchemeNotOffered { scheme },
            format!("server signed with {scheme}, which the client did not offer"),
        ),
        (
            IllegalParameter::SchemeNotListed { scheme },
            format!("client signed with {scheme}, which the server did not list"),
        ),
        (
            IllegalParameter::SchemeDoesNotFitSuite { scheme },
            format!("key exchange signed with {scheme}, which does not fit the suite"),
        ),
        (
            IllegalParameter::CertificateCurveNotOffered { curve: group },
            format!("server certificate's key is on {group}, which the client did not offer"),
        ),
        (
            IllegalParameter::BadKeySharePoint,
            "invalid ECDHE public key".to_owned(),
        ),
        (
            IllegalParameter::RecordSizeLimitTooSmall { value: 63 },
            "record_size_limit 63 is below 64".to_owned(),
        ),
        (
            IllegalParameter::UnknownAlertLevel { level: 255 },
            "alert level 255 is neither warning nor fatal".to_owned(),
        ),
        (
            IllegalParameter::VersionNotOffered {
                version: ProtocolVersion::TLS_V1_1,
            },
            "server chose TLSv1.1, which the client did not offer".to_owned(),
        ),
        (
            IllegalParameter::DowngradeSentinel,
            "server negotiated TLS 1.2 with a downgrade sentinel: TLS 1.3 was removed from the offer"
                .to_owned(),
        ),
        (
            IllegalParameter::SessionIdNotEchoed,
            "server did not echo the client's legacy_session_id".to_owned(),
        ),
        (
            IllegalParameter::KeyShareNotOffered { group },
            format!("server's key share is for {group}, for which the client sent none"),
        ),
        (
            IllegalParameter::RetryChangesNothing,
            "HelloRetryRequest asks for no change, or ClientHello2 changes what it may not"
                .to_owned(),
        ),
        (
            IllegalParameter::RetryGroupNotUsable { group },
            format!(
                "HelloRetryRequest asks for {group}, which the client did not offer or already sent a share for"
            ),
        ),
        (
            IllegalParameter::SuiteChangedAfterRetry,
            "ServerHello chose another suite than the HelloRetryRequest".to_owned(),
        ),
        (
            IllegalParameter::EarlyDataAfterRetry,
            "the ClientHello after a HelloRetryRequest offers early data".to_owned(),
        ),
        (
            IllegalParameter::RequestContextNotEmpty,
            "certificate_request_context is not empty during the handshake".to_owned(),
        ),
        (
            IllegalParameter::ExtensionNotPermitted {
                extension: keel_wire::registry::ExtensionType::OID_FILTERS,
            },
            "oid_filters may not appear in this message".to_owned(),
        ),
        (
            IllegalParameter::VerifySchemeNotOffered { scheme },
            format!("CertificateVerify uses {scheme}, which this side did not offer"),
        ),
        (
            IllegalParameter::CompatibilitySessionIdEchoed,
            "a TLS 1.2 server echoed the session ID sent only for middlebox compatibility"
                .to_owned(),
        ),
        (
            IllegalParameter::BindersDoNotMatchIdentities,
            "pre_shared_key does not have one binder per identity".to_owned(),
        ),
        (
            IllegalParameter::PskNotOffered { index: 3 },
            "server selected PSK 3, which the client did not offer".to_owned(),
        ),
        (
            IllegalParameter::PskHashMismatch,
            "server resumed with a suite whose hash is not the PSK's".to_owned(),
        ),
        (
            IllegalParameter::TicketLifetimeTooLong { seconds: 604_801 },
            "NewSessionTicket lifetime of 604801 s is over the 604800 s allowed".to_owned(),
        ),
    ];
    for (reason, words) in cases {
        assert_eq!(reason.to_string(), words);
        let err = HandshakeError::IllegalParameter { reason };
        assert_eq!(err.to_string(), format!("illegal parameter: {words}"));
        assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    }
    // The values are named as the registry names them, not as numbers.
    assert!(
        IllegalParameter::GroupNotOffered { group }
            .to_string()
            .contains("secp384r1"),
        "{}",
        IllegalParameter::GroupNotOffered { group }
    );
}

/// keel's own failures say what failed, and the peer is told only
/// internal_error.
#[test]
fn each_internal_reason_says_what_failed() {
    let cases = [
        (Internal::RandomSource, "the random source failed"),
        (
            Internal::KeyGeneration,
            "the crypto library could not make an ECDHE key",
        ),
        (
            Internal::Encoding,
            "a handshake message could not be encoded",
        ),
        (
            Internal::BrokenInvariant,
            "a handshake state is missing what it must hold",
        ),
    ];
    for (reason, words) in cases {
        assert_eq!(reason.to_string(), words);
        let err = HandshakeError::Internal { reason };
        assert_eq!(err.to_string(), format!("internal error: {words}"));
        assert_eq!(err.alert(), Some(AlertDescription::INTERNAL_ERROR));
    }
}

/// What a peer repeated too often, in "too many ... in a row".
#[test]
fn each_repeated_thing_is_named() {
    let cases = [
        (
            Repeated::RenegotiationAttempts,
            "too many renegotiation attempts in a row",
        ),
        (Repeated::WarningAlerts, "too many warning alerts in a row"),
        (
            Repeated::HelloRequests,
            "too many HelloRequests and warning alerts in a row",
        ),
        (
            Repeated::PostHandshakeMessages,
            "too many KeyUpdates and NewSessionTickets in a row",
        ),
    ];
    for (what, words) in cases {
        let err = HandshakeError::TooMany { what };
        assert_eq!(err.to_string(), words);
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    }
}
