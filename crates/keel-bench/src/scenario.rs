//! What is measured: the scenarios of `keel-bench compare`, the same for
//! both libraries. Every scenario names its protocol version, and both
//! libraries are held to it: neither may negotiate its default instead.

use clap::ValueEnum;

use crate::pki::KeyKind;

/// The protocol version of a scenario, set on both libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Version {
    /// TLS 1.2 only.
    #[value(name = "tls12")]
    Tls12,
    /// TLS 1.3 only.
    #[value(name = "tls13")]
    Tls13,
}

impl Version {
    /// Both, in the order the scenario lines list them.
    pub const ALL: [Version; 2] = [Version::Tls12, Version::Tls13];

    /// The prefix of its scenario lines.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Tls12 => "tls12",
            Self::Tls13 => "tls13",
        }
    }

    /// Its code on the wire.
    #[must_use]
    pub fn code(self) -> u16 {
        match self {
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }
}

/// The key exchange group a handshake negotiates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// X25519: what both libraries choose first for TLS 1.2.
    X25519,
    /// X25519 with ML-KEM-768 (TLS 1.3 only).
    X25519MlKem768,
}

impl Group {
    /// A short name for scenario lines.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X25519 => "x25519",
            Self::X25519MlKem768 => "x25519mlkem768",
        }
    }

    /// Its code on the wire.
    #[must_use]
    pub fn code(self) -> u16 {
        match self {
            Self::X25519 => 0x001d,
            Self::X25519MlKem768 => 0x11ec,
        }
    }
}

/// How a resumed handshake finds its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumption {
    /// The server's session cache (RFC 5246 §7.3). TLS 1.2 only.
    SessionId,
    /// A ticket the server sealed; the server caches nothing. In TLS 1.2
    /// an RFC 5077 ticket; in TLS 1.3 the identity of a PSK, from a
    /// NewSessionTicket, resumed with a fresh (EC)DHE exchange.
    Ticket,
}

/// The AEAD of a bulk transfer: ECDHE-ECDSA suites in TLS 1.2, the
/// TLS 1.3 suites of the same cipher in TLS 1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 / TLS_AES_128_GCM_SHA256.
    Aes128Gcm,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 / TLS_AES_256_GCM_SHA384.
    Aes256Gcm,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 /
    /// TLS_CHACHA20_POLY1305_SHA256.
    ChaCha20Poly1305,
}

impl Aead {
    /// All three.
    pub const ALL: [Aead; 3] = [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305];

    /// A short name for scenario lines.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "aes128gcm",
            Self::Aes256Gcm => "aes256gcm",
            Self::ChaCha20Poly1305 => "chacha20",
        }
    }
}

/// How both libraries are configured for one scenario: one version, one
/// server key, one suite, one group (TLS 1.3; TLS 1.2 keeps each library's
/// default list, whose first choice is X25519 in both), and optionally
/// resumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// The only version either side enables.
    pub version: Version,
    /// The server's key.
    pub key: KeyKind,
    /// The cipher of the only suite either side enables.
    pub aead: Aead,
    /// The group the handshake must negotiate.
    pub group: Group,
    /// Resumption, or none: then neither side keeps sessions.
    pub resumption: Option<Resumption>,
}

impl Setup {
    /// A full handshake with `key`, AES-128-GCM and X25519.
    #[must_use]
    pub const fn full(version: Version, key: KeyKind) -> Self {
        Self {
            version,
            key,
            aead: Aead::Aes128Gcm,
            group: Group::X25519,
            resumption: None,
        }
    }

    /// The same with another group.
    #[must_use]
    pub const fn with_group(mut self, group: Group) -> Self {
        self.group = group;
        self
    }

    /// The same with another cipher.
    #[must_use]
    pub const fn with_aead(mut self, aead: Aead) -> Self {
        self.aead = aead;
        self
    }

    /// The same, resuming.
    #[must_use]
    pub const fn resumed_by(mut self, by: Resumption) -> Self {
        self.resumption = Some(by);
        self
    }

    /// The pair a bulk scenario moves data over: an ECDSA P-256 server
    /// key, X25519, no resumption.
    #[must_use]
    pub const fn bulk(version: Version, aead: Aead) -> Self {
        Self::full(version, KeyKind::EcdsaP256).with_aead(aead)
    }

    /// What a handshake under this setup must negotiate, `resumed` or not.
    #[must_use]
    pub fn expected(self, resumed: bool) -> Negotiated {
        Negotiated {
            version: self.version.code(),
            suite: self.suite_code(),
            group: self.group.code(),
            resumed,
        }
    }

    /// The code of the one suite both sides enable.
    #[must_use]
    pub fn suite_code(self) -> u16 {
        match (self.version, self.key, self.aead) {
            (Version::Tls13, _, Aead::Aes128Gcm) => 0x1301,
            (Version::Tls13, _, Aead::Aes256Gcm) => 0x1302,
            (Version::Tls13, _, Aead::ChaCha20Poly1305) => 0x1303,
            (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes128Gcm) => 0xc02b,
            (Version::Tls12, KeyKind::EcdsaP256, Aead::Aes256Gcm) => 0xc02c,
            (Version::Tls12, KeyKind::EcdsaP256, Aead::ChaCha20Poly1305) => 0xcca9,
            (Version::Tls12, KeyKind::Rsa2048, Aead::Aes128Gcm) => 0xc02f,
            (Version::Tls12, KeyKind::Rsa2048, Aead::Aes256Gcm) => 0xc030,
            (Version::Tls12, KeyKind::Rsa2048, Aead::ChaCha20Poly1305) => 0xcca8,
        }
    }
}

/// What a completed handshake negotiated, as wire codes, so that both
/// libraries' answers compare with each other and with
/// [`Setup::expected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The protocol version.
    pub version: u16,
    /// The cipher suite.
    pub suite: u16,
    /// The key exchange group.
    pub group: u16,
    /// Whether the handshake resumed a session.
    pub resumed: bool,
}

/// The handshake scenarios, by their names in `keel-bench compare`'s
/// lines (each line adds `/client` or `/server`) and on `keel-bench
/// profile`'s command line. The TLS 1.2 ones also answer to the names they
/// had before TLS 1.3 was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HandshakeScenario {
    /// TLS 1.2, a full handshake, ECDSA P-256 certificate.
    #[value(
        name = "tls12/full_handshake/ecdsa_p256",
        alias = "full_handshake/ecdsa_p256"
    )]
    Tls12FullEcdsaP256,
    /// TLS 1.2, a full handshake, RSA-2048 certificate.
    #[value(
        name = "tls12/full_handshake/rsa2048",
        alias = "full_handshake/rsa2048"
    )]
    Tls12FullRsa2048,
    /// TLS 1.2, a handshake resumed by session ID.
    #[value(name = "tls12/resumed/session_id", alias = "resumed/session_id")]
    Tls12ResumedSessionId,
    /// TLS 1.2, a handshake resumed by session ticket.
    #[value(name = "tls12/resumed/ticket", alias = "resumed/ticket")]
    Tls12ResumedTicket,
    /// TLS 1.3, a full handshake, ECDSA P-256 certificate, X25519.
    #[value(name = "tls13/full_handshake/ecdsa_p256/x25519")]
    Tls13FullEcdsaP256X25519,
    /// TLS 1.3, a full handshake, ECDSA P-256 certificate, X25519MLKEM768.
    #[value(name = "tls13/full_handshake/ecdsa_p256/x25519mlkem768")]
    Tls13FullEcdsaP256X25519MlKem768,
    /// TLS 1.3, a full handshake, RSA-2048 certificate, X25519.
    #[value(name = "tls13/full_handshake/rsa2048/x25519")]
    Tls13FullRsa2048X25519,
    /// TLS 1.3, a handshake resumed with a PSK from a ticket (ECDSA P-256
    /// certificate in the full handshake before, X25519).
    #[value(name = "tls13/resumed/ticket")]
    Tls13ResumedTicket,
}

impl HandshakeScenario {
    /// Every one, in the order of `compare`'s lines.
    pub const ALL: [HandshakeScenario; 8] = [
        Self::Tls12FullEcdsaP256,
        Self::Tls12FullRsa2048,
        Self::Tls12ResumedSessionId,
        Self::Tls12ResumedTicket,
        Self::Tls13FullEcdsaP256X25519,
        Self::Tls13FullEcdsaP256X25519MlKem768,
        Self::Tls13FullRsa2048X25519,
        Self::Tls13ResumedTicket,
    ];

    /// Its name on the command line and in output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Tls12FullEcdsaP256 => "tls12/full_handshake/ecdsa_p256",
            Self::Tls12FullRsa2048 => "tls12/full_handshake/rsa2048",
            Self::Tls12ResumedSessionId => "tls12/resumed/session_id",
            Self::Tls12ResumedTicket => "tls12/resumed/ticket",
            Self::Tls13FullEcdsaP256X25519 => "tls13/full_handshake/ecdsa_p256/x25519",
            Self::Tls13FullEcdsaP256X25519MlKem768 => {
                "tls13/full_handshake/ecdsa_p256/x25519mlkem768"
            }
            Self::Tls13FullRsa2048X25519 => "tls13/full_handshake/rsa2048/x25519",
            Self::Tls13ResumedTicket => "tls13/resumed/ticket",
        }
    }

    /// How both libraries are configured for it.
    #[must_use]
    pub fn setup(self) -> Setup {
        use {KeyKind::*, Version::*};
        match self {
            Self::Tls12FullEcdsaP256 => Setup::full(Tls12, EcdsaP256),
            Self::Tls12FullRsa2048 => Setup::full(Tls12, Rsa2048),
            Self::Tls12ResumedSessionId => {
                Setup::full(Tls12, EcdsaP256).resumed_by(Resumption::SessionId)
            }
            Self::Tls12ResumedTicket => {
                Setup::full(Tls12, EcdsaP256).resumed_by(Resumption::Ticket)
            }
            Self::Tls13FullEcdsaP256X25519 => Setup::full(Tls13, EcdsaP256),
            Self::Tls13FullEcdsaP256X25519MlKem768 => {
                Setup::full(Tls13, EcdsaP256).with_group(Group::X25519MlKem768)
            }
            Self::Tls13FullRsa2048X25519 => Setup::full(Tls13, Rsa2048),
            Self::Tls13ResumedTicket => {
                Setup::full(Tls13, EcdsaP256).resumed_by(Resumption::Ticket)
            }
        }
    }

    /// Whether the measured handshakes resume (a full one fills the
    /// stores first).
    #[must_use]
    pub fn resumes(self) -> bool {
        self.setup().resumption.is_some()
    }
}

/// Which of keel's APIs moves the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `write`/`write_tls` and `read_tls`/`read` (rustls has only this).
    Buffered,
    /// `seal_from` and `read_tls_in_place`: keel's zero-copy level.
    ZeroCopy,
}

/// The size of one bulk write, and of one read.
pub const WRITE_SIZE: usize = 1 << 20;
/// See [`WRITE_SIZE`].
pub const READ_SIZE: usize = 16 * 1024;
