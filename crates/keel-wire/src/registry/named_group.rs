//! TLS named group values (IANA "TLS Supported Groups" registry).
//!
//! Source: IANA, "Transport Layer Security (TLS) Parameters" registry group,
//! "TLS Supported Groups" registry (formerly "EC Named Curve"), checked against
//! copies from 2025 and 2026. Names are the registry's descriptions. Left out:
//! value 0 and the other reserved or unassigned values, the GREASE values
//! 0x?A?A (RFC 8701), and the private-use blocks 0x01FC-0x01FF and
//! 0xFE00-0xFEFF.
//!
//! Not listed yet: SecP256r1MLKEM512 and MLKEM512X25519, which the newest copy
//! seen lists but whose values could not be confirmed from a second source.

open_enum! {
    /// A named group (RFC 8422 §5.1.1 `NamedCurve`, RFC 7919 FFDHE groups; renamed
    /// `NamedGroup` by RFC 8446 §4.2.7): the `supported_groups` extension lists them,
    /// and an ECDHE `ServerKeyExchange` names one (RFC 8422 §5.4).
    ///
    /// The type is open. Clients offer groups keel has never heard of, GREASE values
    /// among them (RFC 8701), and those lists must parse and rebuild byte for byte,
    /// so every `u16` is a valid `NamedGroup`. A name here says only that IANA
    /// assigned the value: whether a group is acceptable (a TLS 1.3-only hybrid, a
    /// deprecated binary curve) is the handshake's decision.
    pub struct NamedGroup(u16) {
        SECT163K1 = 0x0001 => "sect163k1",
        SECT163R1 = 0x0002 => "sect163r1",
        SECT163R2 = 0x0003 => "sect163r2",
        SECT193R1 = 0x0004 => "sect193r1",
        SECT193R2 = 0x0005 => "sect193r2",
        SECT233K1 = 0x0006 => "sect233k1",
        SECT233R1 = 0x0007 => "sect233r1",
        SECT239K1 = 0x0008 => "sect239k1",
        SECT283K1 = 0x0009 => "sect283k1",
        SECT283R1 = 0x000A => "sect283r1",
        SECT409K1 = 0x000B => "sect409k1",
        SECT409R1 = 0x000C => "sect409r1",
        SECT571K1 = 0x000D => "sect571k1",
        SECT571R1 = 0x000E => "sect571r1",
        SECP160K1 = 0x000F => "secp160k1",
        SECP160R1 = 0x0010 => "secp160r1",
        SECP160R2 = 0x0011 => "secp160r2",
        SECP192K1 = 0x0012 => "secp192k1",
        SECP192R1 = 0x0013 => "secp192r1",
        SECP224K1 = 0x0014 => "secp224k1",
        SECP224R1 = 0x0015 => "secp224r1",
        SECP256K1 = 0x0016 => "secp256k1",
        SECP256R1 = 0x0017 => "secp256r1",
        SECP384R1 = 0x0018 => "secp384r1",
        SECP521R1 = 0x0019 => "secp521r1",
        BRAINPOOLP256R1 = 0x001A => "brainpoolP256r1",
        BRAINPOOLP384R1 = 0x001B => "brainpoolP384r1",
        BRAINPOOLP512R1 = 0x001C => "brainpoolP512r1",
        X25519 = 0x001D => "x25519",
        X448 = 0x001E => "x448",
        /// TLS 1.3 only (RFC 8734).
        BRAINPOOLP256R1TLS13 = 0x001F => "brainpoolP256r1tls13",
        /// TLS 1.3 only (RFC 8734).
        BRAINPOOLP384R1TLS13 = 0x0020 => "brainpoolP384r1tls13",
        /// TLS 1.3 only (RFC 8734).
        BRAINPOOLP512R1TLS13 = 0x0021 => "brainpoolP512r1tls13",
        /// GOST curve (RFC 9189).
        GC256A = 0x0022 => "GC256A",
        /// GOST curve (RFC 9189).
        GC256B = 0x0023 => "GC256B",
        /// GOST curve (RFC 9189).
        GC256C = 0x0024 => "GC256C",
        /// GOST curve (RFC 9189).
        GC256D = 0x0025 => "GC256D",
        /// GOST curve (RFC 9189).
        GC512A = 0x0026 => "GC512A",
        /// GOST curve (RFC 9189).
        GC512B = 0x0027 => "GC512B",
        /// GOST curve (RFC 9189).
        GC512C = 0x0028 => "GC512C",
        /// SM2 curve (RFC 8998); TLS 1.3 only.
        CURVESM2 = 0x0029 => "curveSM2",
        /// Finite-field Diffie-Hellman group (RFC 7919).
        FFDHE2048 = 0x0100 => "ffdhe2048",
        /// Finite-field Diffie-Hellman group (RFC 7919).
        FFDHE3072 = 0x0101 => "ffdhe3072",
        /// Finite-field Diffie-Hellman group (RFC 7919).
        FFDHE4096 = 0x0102 => "ffdhe4096",
        /// Finite-field Diffie-Hellman group (RFC 7919).
        FFDHE6144 = 0x0103 => "ffdhe6144",
        /// Finite-field Diffie-Hellman group (RFC 7919).
        FFDHE8192 = 0x0104 => "ffdhe8192",
        /// ML-KEM-512 (FIPS 203) on its own; TLS 1.3 only.
        MLKEM512 = 0x0200 => "MLKEM512",
        /// ML-KEM-768 (FIPS 203) on its own; TLS 1.3 only.
        MLKEM768 = 0x0201 => "MLKEM768",
        /// ML-KEM-1024 (FIPS 203) on its own; TLS 1.3 only.
        MLKEM1024 = 0x0202 => "MLKEM1024",
        /// Hybrid: secp256r1 ECDH with ML-KEM-768; TLS 1.3 only.
        SECP256R1MLKEM768 = 0x11EB => "SecP256r1MLKEM768",
        /// Hybrid: X25519 ECDH with ML-KEM-768; TLS 1.3 only.
        X25519MLKEM768 = 0x11EC => "X25519MLKEM768",
        /// Hybrid: secp384r1 ECDH with ML-KEM-1024; TLS 1.3 only.
        SECP384R1MLKEM1024 = 0x11ED => "SecP384r1MLKEM1024",
        /// Hybrid: curveSM2 ECDH with ML-KEM-768; TLS 1.3 only.
        CURVESM2MLKEM768 = 0x11EE => "curveSM2MLKEM768",
        /// Obsolete pre-standard Kyber hybrid (the registry marks it OBSOLETE); still seen from
        /// older clients.
        X25519KYBER768DRAFT00 = 0x6399 => "X25519Kyber768Draft00",
        /// Obsolete pre-standard Kyber hybrid (the registry marks it OBSOLETE); still seen from
        /// older clients.
        SECP256R1KYBER768DRAFT00 = 0x639A => "SecP256r1Kyber768Draft00",
        /// Explicit curve parameters; deprecated by RFC 8422.
        ARBITRARY_EXPLICIT_PRIME_CURVES = 0xFF01 => "arbitrary_explicit_prime_curves",
        /// Explicit curve parameters; deprecated by RFC 8422.
        ARBITRARY_EXPLICIT_CHAR2_CURVES = 0xFF02 => "arbitrary_explicit_char2_curves",
    }
}
