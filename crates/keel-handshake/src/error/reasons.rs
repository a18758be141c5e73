//! The typed reasons behind [`HandshakeError`](super::HandshakeError)'s
//! broad kinds: each refusal and each internal failure is a value, so that
//! the alert, the message a person reads and any other name for it (a test
//! runner's, a log's) come from one `match`.

use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

/// Why a value the peer chose or sent is illegal: every case is answered
/// with illegal_parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IllegalParameter {
    /// The server chose a cipher suite the client did not offer.
    SuiteNotOffered {
        /// The suite chosen.
        suite: CipherSuite,
    },
    /// The server chose compression (only null exists in TLS 1.2 here).
    CompressionChosen,
    /// The peer's ec_point_formats does not list uncompressed points
    /// (RFC 8422 §5.1.2, §5.2).
    NoUncompressedPoints,
    /// The server chose an ALPN protocol the client did not offer
    /// (RFC 7301 §3.2).
    AlpnNotOffered,
    /// The server resumed a session with another cipher suite than the
    /// session's (RFC 5246 §7.4.1.3).
    ResumedWithAnotherSuite,
    /// The server resumed a session with another ALPN protocol than the
    /// session's (a session must not move to another protocol: ALPACA).
    ResumedWithAnotherAlpn,
    /// The server chose a group the client did not offer.
    GroupNotOffered {
        /// The group chosen.
        group: NamedGroup,
    },
    /// The server signed its key exchange with a scheme the client did not
    /// offer.
    SchemeNotOffered {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// The client signed its CertificateVerify with a scheme the server's
    /// CertificateRequest did not list (RFC 5246 §7.4.8).
    SchemeNotListed {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// The key-exchange signature's scheme does not fit the suite: an
    /// ECDSA suite is signed with ECDSA or Ed25519, an RSA suite with RSA
    /// (RFC 8422 §5.4).
    SchemeDoesNotFitSuite {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// The server's ECDSA certificate is on a curve the client did not
    /// offer (RFC 8422 §5.3).
    CertificateCurveNotOffered {
        /// The certificate's curve.
        curve: NamedGroup,
    },
    /// An ECDHE public key that is not a valid point for the group, or not
    /// in the uncompressed form.
    BadKeySharePoint,
    /// record_size_limit below 64 (RFC 8449 §4).
    RecordSizeLimitTooSmall {
        /// The value sent.
        value: u16,
    },
    /// An alert whose level is neither warning nor fatal (RFC 5246 §7.2),
    /// answered with illegal_parameter (RFC 5246 §7.2.2: "This message is
    /// always fatal").
    UnknownAlertLevel {
        /// The level sent.
        level: u8,
    },
    /// The server's supported_versions names a version the client did not
    /// offer, or one below TLS 1.3 (RFC 8446 §4.2.1).
    VersionNotOffered {
        /// The version named.
        version: keel_wire::registry::ProtocolVersion,
    },
    /// A TLS 1.2 ServerHello to a client that offered TLS 1.3 carries a
    /// downgrade sentinel in its random (RFC 8446 §4.1.3): an attacker
    /// removed TLS 1.3 from the offer.
    DowngradeSentinel,
    /// The ServerHello's legacy_session_id_echo is not the client's
    /// session ID (RFC 8446 §4.1.3).
    SessionIdNotEchoed,
    /// A TLS 1.2 ServerHello echoes the session ID a client offering TLS
    /// 1.3 sent for middlebox compatibility (RFC 8446 Appendix D.4), which
    /// names no session to resume.
    CompatibilitySessionIdEchoed,
    /// The server's key share is for a group the client sent no share for
    /// (RFC 8446 §4.2.8), or after a HelloRetryRequest not for the group
    /// it asked for.
    KeyShareNotOffered {
        /// The group of the server's share.
        group: NamedGroup,
    },
    /// A HelloRetryRequest that would change nothing in the ClientHello
    /// (RFC 8446 §4.1.4), or a ClientHello2 that is not ClientHello1 with
    /// the changes RFC 8446 §4.1.2 allows.
    RetryChangesNothing,
    /// A HelloRetryRequest that asks for a group the client did not offer
    /// or already sent a share for (RFC 8446 §4.2.8, §4.1.4).
    RetryGroupNotUsable {
        /// The group asked for.
        group: NamedGroup,
    },
    /// The ServerHello after a HelloRetryRequest chose another suite than
    /// the HelloRetryRequest (RFC 8446 §4.1.4).
    SuiteChangedAfterRetry,
    /// A ClientHello after a HelloRetryRequest carries early_data (RFC
    /// 8446 §4.1.2: the client removes it, "Early data is not permitted
    /// after a HelloRetryRequest").
    EarlyDataAfterRetry,
    /// A certificate_request_context that must be empty in the handshake
    /// is not (RFC 8446 §4.3.2, §4.4.2).
    RequestContextNotEmpty,
    /// An extension the message may not carry (RFC 8446 §4.2's table: "If
    /// an implementation receives an extension which it recognizes and which
    /// is not specified for the message in which it appears").
    ExtensionNotPermitted {
        /// The extension.
        extension: keel_wire::registry::ExtensionType,
    },
    /// The peer's CertificateVerify uses a scheme this side did not offer
    /// or list (RFC 8446 §4.4.3).
    VerifySchemeNotOffered {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// A ClientHello's pre_shared_key has not one binder per identity
    /// (RFC 8446 §4.2.11).
    BindersDoNotMatchIdentities,
    /// The server selected a PSK identity the client did not offer (RFC
    /// 8446 §4.2.11: "Clients MUST verify that the server's
    /// selected_identity is within the range supplied by the client").
    PskNotOffered {
        /// The index selected.
        index: u16,
    },
    /// The server resumed with a suite whose hash is not the PSK's (RFC
    /// 8446 §4.2.11).
    PskHashMismatch,
    /// A NewSessionTicket lifetime over seven days (RFC 8446 §4.6.1:
    /// "Servers MUST NOT use any value greater than 604800 seconds").
    TicketLifetimeTooLong {
        /// The lifetime sent, in seconds.
        seconds: u32,
    },
}

impl core::fmt::Display for IllegalParameter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::SuiteNotOffered { suite } => {
                write!(f, "server chose {suite}, which the client did not offer")
            }
            Self::CompressionChosen => f.write_str("server chose compression"),
            Self::NoUncompressedPoints => f.write_str("peer does not support uncompressed points"),
            Self::AlpnNotOffered => {
                f.write_str("server chose an ALPN protocol the client did not offer")
            }
            Self::ResumedWithAnotherSuite => {
                f.write_str("server resumed a session with another cipher suite")
            }
            Self::ResumedWithAnotherAlpn => {
                f.write_str("server resumed a session with another ALPN protocol")
            }
            Self::GroupNotOffered { group } => {
                write!(f, "server chose {group}, which the client did not offer")
            }
            Self::SchemeNotOffered { scheme } => {
                write!(
                    f,
                    "server signed with {scheme}, which the client did not offer"
                )
            }
            Self::SchemeNotListed { scheme } => {
                write!(
                    f,
                    "client signed with {scheme}, which the server did not list"
                )
            }
            Self::SchemeDoesNotFitSuite { scheme } => {
                write!(
                    f,
                    "key exchange signed with {scheme}, which does not fit the suite"
                )
            }
            Self::CertificateCurveNotOffered { curve } => write!(
                f,
                "server certificate's key is on {curve}, which the client did not offer"
            ),
            Self::BadKeySharePoint => f.write_str("invalid ECDHE public key"),
            Self::RecordSizeLimitTooSmall { value } => {
                write!(f, "record_size_limit {value} is below 64")
            }
            Self::UnknownAlertLevel { level } => {
                write!(f, "alert level {level} is neither warning nor fatal")
            }
            Self::VersionNotOffered { version } => {
                write!(f, "server chose {version}, which the client did not offer")
            }
            Self::DowngradeSentinel => f.write_str(
                "server negotiated TLS 1.2 with a downgrade sentinel: TLS 1.3 was removed from the offer",
            ),
            Self::SessionIdNotEchoed => {
                f.write_str("server did not echo the client's legacy_session_id")
            }
            Self::CompatibilitySessionIdEchoed => f.write_str(
                "a TLS 1.2 server echoed the session ID sent only for middlebox compatibility",
            ),
            Self::KeyShareNotOffered { group } => write!(
                f,
                "server's key share is for {group}, for which the client sent none"
            ),
            Self::RetryChangesNothing => f.write_str(
                "HelloRetryRequest asks for no change, or ClientHello2 changes what it may not",
            ),
            Self::RetryGroupNotUsable { group } => write!(
                f,
                "HelloRetryRequest asks for {group}, which the client did not offer or already sent a share for"
            ),
            Self::EarlyDataAfterRetry => {
                f.write_str("the ClientHello after a HelloRetryRequest offers early data")
            }
            Self::SuiteChangedAfterRetry => {
                f.write_str("ServerHello chose another suite than the HelloRetryRequest")
            }
            Self::RequestContextNotEmpty => {
                f.write_str("certificate_request_context is not empty during the handshake")
            }
            Self::ExtensionNotPermitted { extension } => {
                write!(f, "{extension} may not appear in this message")
            }
            Self::VerifySchemeNotOffered { scheme } => write!(
                f,
                "CertificateVerify uses {scheme}, which this side did not offer"
            ),
            Self::BindersDoNotMatchIdentities => {
                f.write_str("pre_shared_key does not have one binder per identity")
            }
            Self::PskNotOffered { index } => {
                write!(f, "server selected PSK {index}, which the client did not offer")
            }
            Self::PskHashMismatch => {
                f.write_str("server resumed with a suite whose hash is not the PSK's")
            }
            Self::TicketLifetimeTooLong { seconds } => write!(
                f,
                "NewSessionTicket lifetime of {seconds} s is over the 604800 s allowed"
            ),
        }
    }
}

/// What keel itself failed at: nothing a peer's bytes can cause. The peer
/// is told internal_error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Internal {
    /// The configured random source failed.
    RandomSource,
    /// The crypto library refused to make an ECDHE key.
    KeyGeneration,
    /// A handshake message keel built could not be encoded.
    Encoding,
    /// A state held less than it must (a verified chain without a leaf, a
    /// transcript not kept for a CertificateVerify): a bug in keel or in a
    /// verifier given through `keel::hazmat`.
    BrokenInvariant,
}

impl core::fmt::Display for Internal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::RandomSource => "the random source failed",
            Self::KeyGeneration => "the crypto library could not make an ECDHE key",
            Self::Encoding => "a handshake message could not be encoded",
            Self::BrokenInvariant => "a handshake state is missing what it must hold",
        })
    }
}

/// What a peer repeated too many times in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repeated {
    /// Renegotiation attempts after the handshake (HelloRequest at a
    /// client, ClientHello at a server), each answered no_renegotiation.
    RenegotiationAttempts,
    /// Warning alerts.
    WarningAlerts,
    /// HelloRequests during the handshake, which a client ignores
    /// (RFC 5246 §7.4.1.1); they count together with warning alerts (that
    /// they SHOULD be ignored, RFC 5246 §7.4, is not without end).
    HelloRequests,
    /// TLS 1.3 post-handshake messages (KeyUpdate, NewSessionTicket)
    /// without application data between them.
    PostHandshakeMessages,
}

impl core::fmt::Display for Repeated {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::RenegotiationAttempts => "renegotiation attempts",
            Self::WarningAlerts => "warning alerts",
            Self::HelloRequests => "HelloRequests and warning alerts",
            Self::PostHandshakeMessages => "KeyUpdates and NewSessionTickets",
        })
    }
}
