//! TLS signature scheme values (IANA "TLS SignatureScheme" registry), plus the
//! TLS 1.2 `SignatureAndHashAlgorithm` pairs that the registry only reserves.
//!
//! Source: IANA, "Transport Layer Security (TLS) Parameters" registry group,
//! "TLS SignatureScheme" registry, checked against copies from 2025 and 2026;
//! names are the registry's descriptions. Left out: the private-use block
//! 0xFE00-0xFFFF, the GREASE values 0x?A?A (RFC 8701), and the GOST TLS 1.2
//! pairs 0x0840/0x0841 (RFC 9189), which the registry reserves without a name.
//!
//! The registry reserves 0x0000-0x0703 (apart from the values it names) and
//! 0xXX00-0xXX03 in every higher block "for backward compatibility": that is
//! where the TLS 1.2 `SignatureAndHashAlgorithm` pairs live (RFC 5246
//! §7.4.1.4.1), hash byte first, signature byte second, with
//! hash md5(1), sha1(2), sha224(3), sha256(4), sha384(5), sha512(6) and
//! signature rsa(1), dsa(2), ecdsa(3). The pairs that real TLS 1.2 clients
//! still send but that have no registry name are listed too, named
//! `<signature>_<hash>` (for example `dsa_sha1`); each says so in its doc.
//! Pairs with the `anonymous(0)` signature are not listed: RFC 5246
//! §7.4.1.4.1 forbids them in this extension.

open_enum! {
    /// A signature scheme (RFC 8446 §4.2.3), or a TLS 1.2 signature and hash pair
    /// (RFC 5246 §7.4.1.4.1): the two share one 16-bit encoding on the wire. TLS
    /// 1.2 uses it in the `signature_algorithms` extension, in `CertificateRequest`
    /// and in the `digitally-signed` struct of `ServerKeyExchange` and
    /// `CertificateVerify`.
    ///
    /// The type is open. Peers send schemes keel has never heard of, GREASE values
    /// among them (RFC 8701), and those lists must parse and rebuild byte for byte,
    /// so every `u16` is a valid `SignatureScheme`. A name here says only what the
    /// value means: whether a scheme is acceptable (SHA-1, MD5, a TLS 1.3-only
    /// scheme) is the handshake's decision.
    pub struct SignatureScheme(u16) {
        /// Not a registry name: the TLS 1.2 pair `{md5, rsa}` (hash 1, signature 1).
        RSA_MD5 = 0x0101 => "rsa_md5",
        /// Not a registry name: the TLS 1.2 pair `{md5, dsa}` (hash 1, signature 2).
        DSA_MD5 = 0x0102 => "dsa_md5",
        /// Not a registry name: the TLS 1.2 pair `{md5, ecdsa}` (hash 1, signature 3).
        ECDSA_MD5 = 0x0103 => "ecdsa_md5",
        /// TLS 1.2 `{sha1, rsa}`; RFC 9155 deprecates SHA-1 signatures.
        RSA_PKCS1_SHA1 = 0x0201 => "rsa_pkcs1_sha1",
        /// Not a registry name: the TLS 1.2 pair `{sha1, dsa}` (hash 2, signature 2).
        DSA_SHA1 = 0x0202 => "dsa_sha1",
        /// TLS 1.2 `{sha1, ecdsa}`; RFC 9155 deprecates SHA-1 signatures.
        ECDSA_SHA1 = 0x0203 => "ecdsa_sha1",
        /// Not a registry name: the TLS 1.2 pair `{sha224, rsa}` (hash 3, signature 1).
        RSA_SHA224 = 0x0301 => "rsa_sha224",
        /// Not a registry name: the TLS 1.2 pair `{sha224, dsa}` (hash 3, signature 2).
        DSA_SHA224 = 0x0302 => "dsa_sha224",
        /// Not a registry name: the TLS 1.2 pair `{sha224, ecdsa}` (hash 3, signature 3).
        ECDSA_SHA224 = 0x0303 => "ecdsa_sha224",
        /// TLS 1.2 `{sha256, rsa}`.
        RSA_PKCS1_SHA256 = 0x0401 => "rsa_pkcs1_sha256",
        /// Not a registry name: the TLS 1.2 pair `{sha256, dsa}` (hash 4, signature 2).
        DSA_SHA256 = 0x0402 => "dsa_sha256",
        /// TLS 1.2 `{sha256, ecdsa}`; in TLS 1.2 the curve is not fixed by this value.
        ECDSA_SECP256R1_SHA256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// RSASSA-PKCS1-v1_5 in TLS 1.3 `CertificateVerify`, for legacy keys only
        /// (draft-davidben-tls13-pkcs1).
        RSA_PKCS1_SHA256_LEGACY = 0x0420 => "rsa_pkcs1_sha256_legacy",
        /// TLS 1.2 `{sha384, rsa}`.
        RSA_PKCS1_SHA384 = 0x0501 => "rsa_pkcs1_sha384",
        /// Not a registry name: the TLS 1.2 pair `{sha384, dsa}` (hash 5, signature 2).
        DSA_SHA384 = 0x0502 => "dsa_sha384",
        /// TLS 1.2 `{sha384, ecdsa}`; in TLS 1.2 the curve is not fixed by this value.
        ECDSA_SECP384R1_SHA384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// RSASSA-PKCS1-v1_5 in TLS 1.3 `CertificateVerify`, for legacy keys only
        /// (draft-davidben-tls13-pkcs1).
        RSA_PKCS1_SHA384_LEGACY = 0x0520 => "rsa_pkcs1_sha384_legacy",
        /// TLS 1.2 `{sha512, rsa}`.
        RSA_PKCS1_SHA512 = 0x0601 => "rsa_pkcs1_sha512",
        /// Not a registry name: the TLS 1.2 pair `{sha512, dsa}` (hash 6, signature 2).
        DSA_SHA512 = 0x0602 => "dsa_sha512",
        /// TLS 1.2 `{sha512, ecdsa}`; in TLS 1.2 the curve is not fixed by this value.
        ECDSA_SECP521R1_SHA512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// RSASSA-PKCS1-v1_5 in TLS 1.3 `CertificateVerify`, for legacy keys only
        /// (draft-davidben-tls13-pkcs1).
        RSA_PKCS1_SHA512_LEGACY = 0x0620 => "rsa_pkcs1_sha512_legacy",
        /// Identity-based signature (draft-wang-tls-raw-public-key-with-ibc).
        ECCSI_SHA256 = 0x0704 => "eccsi_sha256",
        /// Identity-based signature (draft-wang-tls-raw-public-key-with-ibc).
        ISO_IBS1 = 0x0705 => "iso_ibs1",
        /// Identity-based signature (draft-wang-tls-raw-public-key-with-ibc).
        ISO_IBS2 = 0x0706 => "iso_ibs2",
        /// Identity-based signature (draft-wang-tls-raw-public-key-with-ibc).
        ISO_CHINESE_IBS = 0x0707 => "iso_chinese_ibs",
        /// SM2 signature with SM3 (RFC 8998); TLS 1.3 only.
        SM2SIG_SM3 = 0x0708 => "sm2sig_sm3",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_256A = 0x0709 => "gostr34102012_256a",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_256B = 0x070A => "gostr34102012_256b",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_256C = 0x070B => "gostr34102012_256c",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_256D = 0x070C => "gostr34102012_256d",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_512A = 0x070D => "gostr34102012_512a",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_512B = 0x070E => "gostr34102012_512b",
        /// GOST R 34.10-2012 (RFC 9367); TLS 1.3 only.
        GOSTR34102012_512C = 0x070F => "gostr34102012_512c",
        RSA_PSS_RSAE_SHA256 = 0x0804 => "rsa_pss_rsae_sha256",
        RSA_PSS_RSAE_SHA384 = 0x0805 => "rsa_pss_rsae_sha384",
        RSA_PSS_RSAE_SHA512 = 0x0806 => "rsa_pss_rsae_sha512",
        /// TLS 1.2 `{intrinsic, ed25519}` as well (RFC 8422 §5.1.3): RFC 8422 §5.10
        /// gives EdDSA signatures HashAlgorithm 8 (Intrinsic).
        ED25519 = 0x0807 => "ed25519",
        /// TLS 1.2 `{intrinsic, ed448}` as well (RFC 8422 §5.1.3).
        ED448 = 0x0808 => "ed448",
        RSA_PSS_PSS_SHA256 = 0x0809 => "rsa_pss_pss_sha256",
        RSA_PSS_PSS_SHA384 = 0x080A => "rsa_pss_pss_sha384",
        RSA_PSS_PSS_SHA512 = 0x080B => "rsa_pss_pss_sha512",
        /// TLS 1.3 only (RFC 8734).
        ECDSA_BRAINPOOLP256R1TLS13_SHA256 = 0x081A => "ecdsa_brainpoolP256r1tls13_sha256",
        /// TLS 1.3 only (RFC 8734).
        ECDSA_BRAINPOOLP384R1TLS13_SHA384 = 0x081B => "ecdsa_brainpoolP384r1tls13_sha384",
        /// TLS 1.3 only (RFC 8734).
        ECDSA_BRAINPOOLP512R1TLS13_SHA512 = 0x081C => "ecdsa_brainpoolP512r1tls13_sha512",
        /// ML-DSA (FIPS 204); TLS 1.3 only.
        MLDSA44 = 0x0904 => "mldsa44",
        /// ML-DSA (FIPS 204); TLS 1.3 only.
        MLDSA65 = 0x0905 => "mldsa65",
        /// ML-DSA (FIPS 204); TLS 1.3 only.
        MLDSA87 = 0x0906 => "mldsa87",
    }
}
