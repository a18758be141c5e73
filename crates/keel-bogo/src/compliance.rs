//! BoringSSL's compliance policies (`SSL_set_compliance_policy`), which
//! the runner turns on with `-fips-202205`, `-wpa-202304`,
//! `-cnsa1-202603` and `-cnsa-202407`: each narrows the versions, suites,
//! groups and signature schemes a connection may use. keel has these as
//! ordinary configuration, so the shim narrows the lists it would have
//! used anyway, keeping their order. What each policy allows is read from
//! the runner's compliance tests (`compliance_policy_tests.go`), which say
//! for every suite, group and scheme whether a handshake must succeed.
//!
//! `-cnsa2-202603` is not here: it allows ML-KEM-1024 as its only group,
//! which keel does not have, so its tests are unimplemented.

use keel::hazmat::wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

/// A compliance policy keel can configure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// `-fips-202205`: AES-GCM with ECDHE, P-256 and P-384, RSA and ECDSA
    /// with SHA-2.
    Fips202205,
    /// `-wpa-202304`: AES-256-GCM, P-384, SHA-384 or SHA-512 signatures.
    Wpa202304,
    /// `-cnsa1-202603`: AES-256-GCM, P-384 (ML-KEM-1024 too, which keel
    /// lacks), SHA-384 signatures.
    Cnsa1_202603,
    /// `-cnsa-202407`: only an order: a server prefers TLS 1.3's
    /// AES-256-GCM, then AES-128-GCM, then ChaCha20-Poly1305, whatever the
    /// client prefers.
    Cnsa202407,
}

impl Policy {
    /// The policy a runner flag names.
    pub(crate) fn from_flag(flag: &str) -> Option<Self> {
        Some(match flag {
            "-fips-202205" => Self::Fips202205,
            "-wpa-202304" => Self::Wpa202304,
            "-cnsa1-202603" => Self::Cnsa1_202603,
            "-cnsa-202407" => Self::Cnsa202407,
            _ => return None,
        })
    }

    /// `suites` (TLS 1.3's and TLS 1.2's) as the policy allows and orders
    /// them.
    pub(crate) fn suites(self, suites: Vec<CipherSuite>) -> Vec<CipherSuite> {
        use CipherSuite as S;
        match self {
            Self::Fips202205 => keep(
                suites,
                &[
                    S::TLS_AES_128_GCM_SHA256,
                    S::TLS_AES_256_GCM_SHA384,
                    S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                    S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                    S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                    S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                ],
            ),
            Self::Wpa202304 | Self::Cnsa1_202603 => keep(
                suites,
                &[
                    S::TLS_AES_256_GCM_SHA384,
                    S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                    S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                ],
            ),
            Self::Cnsa202407 => {
                let order = [
                    S::TLS_AES_256_GCM_SHA384,
                    S::TLS_AES_128_GCM_SHA256,
                    S::TLS_CHACHA20_POLY1305_SHA256,
                ];
                let mut out: Vec<_> = order.into_iter().filter(|s| suites.contains(s)).collect();
                out.extend(suites.into_iter().filter(|s| !order.contains(s)));
                out
            }
        }
    }

    /// `groups` as the policy allows them.
    pub(crate) fn groups(self, groups: Vec<NamedGroup>) -> Vec<NamedGroup> {
        match self {
            Self::Fips202205 => keep(groups, &[NamedGroup::SECP256R1, NamedGroup::SECP384R1]),
            Self::Wpa202304 | Self::Cnsa1_202603 => keep(groups, &[NamedGroup::SECP384R1]),
            Self::Cnsa202407 => groups,
        }
    }

    /// Signature `schemes` (to sign with or to accept) as the policy
    /// allows them.
    pub(crate) fn schemes(self, schemes: Vec<SignatureScheme>) -> Vec<SignatureScheme> {
        use SignatureScheme as S;
        match self {
            Self::Fips202205 => keep(
                schemes,
                &[
                    S::RSA_PKCS1_SHA256,
                    S::RSA_PKCS1_SHA384,
                    S::RSA_PKCS1_SHA512,
                    S::ECDSA_SECP256R1_SHA256,
                    S::ECDSA_SECP384R1_SHA384,
                    S::RSA_PSS_RSAE_SHA256,
                    S::RSA_PSS_RSAE_SHA384,
                    S::RSA_PSS_RSAE_SHA512,
                ],
            ),
            Self::Wpa202304 => keep(
                schemes,
                &[
                    S::RSA_PKCS1_SHA384,
                    S::RSA_PKCS1_SHA512,
                    S::ECDSA_SECP384R1_SHA384,
                    S::RSA_PSS_RSAE_SHA384,
                    S::RSA_PSS_RSAE_SHA512,
                ],
            ),
            Self::Cnsa1_202603 => keep(
                schemes,
                &[
                    S::RSA_PKCS1_SHA384,
                    S::ECDSA_SECP384R1_SHA384,
                    S::RSA_PSS_RSAE_SHA384,
                ],
            ),
            Self::Cnsa202407 => schemes,
        }
    }
}

/// The policies of a connection applied one after another, as BoringSSL
/// applies each flag in turn.
pub(crate) fn apply<T>(
    policies: &[Policy],
    list: Vec<T>,
    step: fn(Policy, Vec<T>) -> Vec<T>,
) -> Vec<T> {
    policies
        .iter()
        .fold(list, |list, &policy| step(policy, list))
}

fn keep<T: PartialEq>(list: Vec<T>, allowed: &[T]) -> Vec<T> {
    list.into_iter().filter(|x| allowed.contains(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel::hazmat::handshake::policy::{SIGNATURE_SCHEMES, SUITES, TLS13_SUITES};

    fn all_suites() -> Vec<CipherSuite> {
        TLS13_SUITES.iter().chain(&SUITES).copied().collect()
    }

    #[test]
    fn fips_keeps_aes_gcm_and_drops_chacha_in_both_versions() {
        let suites = Policy::Fips202205.suites(all_suites());
        assert_eq!(suites.len(), 6);
        assert!(suites.iter().all(|s| !s.name().unwrap().contains("CHACHA")));
    }

    #[test]
    fn wpa_and_cnsa1_keep_aes_256_p384_and_sha384() {
        for policy in [Policy::Wpa202304, Policy::Cnsa1_202603] {
            assert_eq!(
                policy.suites(all_suites()),
                [
                    CipherSuite::TLS_AES_256_GCM_SHA384,
                    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                ]
            );
            assert_eq!(
                policy.groups(vec![NamedGroup::X25519, NamedGroup::SECP384R1]),
                [NamedGroup::SECP384R1]
            );
            let schemes = policy.schemes(SIGNATURE_SCHEMES.to_vec());
            assert!(schemes.contains(&SignatureScheme::ECDSA_SECP384R1_SHA384));
            assert!(!schemes.contains(&SignatureScheme::ED25519));
        }
        // WPA also allows SHA-512; CNSA does not.
        let with = |p: Policy| p.schemes(vec![SignatureScheme::RSA_PSS_RSAE_SHA512]);
        assert_eq!(with(Policy::Wpa202304).len(), 1);
        assert!(with(Policy::Cnsa1_202603).is_empty());
    }

    #[test]
    fn cnsa_202407_only_reorders_tls13() {
        let suites = Policy::Cnsa202407.suites(all_suites());
        assert_eq!(suites.len(), all_suites().len());
        assert_eq!(suites[0], CipherSuite::TLS_AES_256_GCM_SHA384);
        assert_eq!(suites[1], CipherSuite::TLS_AES_128_GCM_SHA256);
    }

    #[test]
    fn policies_compose() {
        let groups = apply(
            &[Policy::Fips202205, Policy::Wpa202304],
            vec![NamedGroup::SECP256R1, NamedGroup::SECP384R1],
            Policy::groups,
        );
        assert_eq!(groups, [NamedGroup::SECP384R1]);
    }
}
