//! What a user sees when a chain is refused: the error, its message and its
//! alert; and that hooks can only add refusals.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Ca, now};
use keel_pki::{
    CertError, CertificateCheck, ClientAuth, ClientCertVerifier, ExpectedUsage, PolicyRejection,
    ServerCertVerifier, ServerName, UnixTime, VerifiedChain,
};
use keel_wire::registry::AlertDescription;
use rcgen::{CustomExtension, ExtendedKeyUsagePurpose, KeyUsagePurpose, date_time_ymd};

fn name() -> ServerName {
    ServerName::parse("keel.example").unwrap()
}

fn refused(ca: &Ca, chain: &[keel_pki::CertificateDer<'static>]) -> CertError {
    ServerCertVerifier::new(ca.store())
        .verify(chain, &name(), None, now())
        .unwrap_err()
}

#[test]
fn a_good_chain_through_an_intermediate_is_accepted_and_a_missing_intermediate_is_not() {
    let root = Ca::root("keel root");
    let intermediate = root.intermediate("keel intermediate");
    let leaf = intermediate.leaf(&["keel.example"]);
    let verified = ServerCertVerifier::new(root.store())
        .verify(
            &[leaf.clone(), intermediate.der.clone()],
            &name(),
            Some(b"ocsp"),
            now(),
        )
        .unwrap();
    assert_eq!(verified.path_len, 3);
    assert_eq!(verified.usage, ExpectedUsage::ServerAuth);
    assert_eq!(verified.ocsp_response.as_deref(), Some(&b"ocsp"[..]));
    assert_eq!(verified.leaf(), Some(&leaf));

    let err = refused(&root, &[leaf]);
    assert_eq!(err, CertError::UnknownIssuer);
    assert_eq!(err.alert(), AlertDescription::UNKNOWN_CA);
}

#[test]
fn an_expired_leaf_says_when() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["keel.example"], |p| {
        p.not_after = date_time_ymd(2026, 3, 1)
    });
    let err = refused(&ca, &[leaf]);
    assert_eq!(err.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    assert_eq!(
        err.to_string(),
        "certificate expired at 2026-03-01T00:00:00Z (checked at 2026-06-01T00:00:00Z)"
    );
}

#[test]
fn a_leaf_not_yet_valid() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["keel.example"], |p| {
        p.not_before = date_time_ymd(2026, 7, 1)
    });
    let err = refused(&ca, &[leaf]);
    // 2026-07-01T00:00:00Z, and the time of the check.
    let july = UnixTime::since_unix_epoch(Duration::from_secs(1_782_864_000));
    assert_eq!(
        err,
        CertError::NotYetValid {
            not_before: july,
            now: now(),
            subject: None,
        }
    );
    assert_eq!(
        err.to_string(),
        "certificate is not valid before 2026-07-01T00:00:00Z (checked at 2026-06-01T00:00:00Z)"
    );
    assert_eq!(err.alert(), AlertDescription::BAD_CERTIFICATE);
}

/// An issuer that is not valid yet is named, as an expired one is.
#[test]
fn an_intermediate_not_yet_valid_is_named() {
    let root = Ca::root("keel root");
    let mut intermediate = root.intermediate("keel early intermediate");
    intermediate.params.not_before = date_time_ymd(2026, 7, 1);
    intermediate.der = intermediate
        .params
        .signed_by(&intermediate.key, &root.issuer())
        .unwrap()
        .der()
        .clone();
    let leaf = intermediate.leaf(&["keel.example"]);
    let err = refused(&root, &[leaf, intermediate.der.clone()]);
    assert!(
        matches!(&err, CertError::NotYetValid { subject: Some(s), .. } if s.contains("keel early intermediate")),
        "{err:?}"
    );
    assert!(err.to_string().contains("keel early intermediate"), "{err}");
}

#[test]
fn a_chain_from_another_root_is_unknown() {
    let ca = Ca::root("keel root");
    let other = Ca::root("someone else");
    assert_eq!(
        refused(&ca, &[other.leaf(&["keel.example"])]),
        CertError::UnknownIssuer
    );
}

#[test]
fn wrong_extended_key_usage() {
    let ca = Ca::root("keel root");
    let client_only = ca.leaf_with(&["keel.example"], |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    });
    let err = refused(&ca, &[client_only]);
    assert!(
        matches!(
            err,
            CertError::WrongUsage {
                usage: ExpectedUsage::ServerAuth,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);

    // And the other way round, for a server checking a client.
    let server_only = ca.leaf(&["keel.example"]);
    let err = ClientCertVerifier::new(ca.store(), ClientAuth::Required)
        .verify(&[server_only], now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            CertError::WrongUsage {
                usage: ExpectedUsage::ClientAuth,
                ..
            }
        ),
        "{err:?}"
    );
}

/// A verifier remembers the verdicts of leaves it has checked; remembering
/// must change nothing a caller sees: the same chain gets the same answer
/// every time, a refused leaf stays refused, a leaf accepted for one usage
/// is still judged afresh for the other, and the path around a remembered
/// leaf is still checked (here: a root it does not chain to).
#[test]
fn remembered_leaf_verdicts_give_the_same_answers() {
    let ca = Ca::root("keel root");
    let verifier = ServerCertVerifier::new(ca.store());
    let good = ca.leaf(&["keel.example"]);
    let client_only = ca.leaf_with(&["keel.example"], |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    });
    for _ in 0..3 {
        assert!(
            verifier
                .verify(std::slice::from_ref(&good), &name(), None, now())
                .is_ok()
        );
        let err = verifier
            .verify(std::slice::from_ref(&client_only), &name(), None, now())
            .unwrap_err();
        assert!(matches!(err, CertError::WrongUsage { .. }), "{err:?}");
    }
    // More leaves than the cache holds: every verdict still right.
    for i in 0..40 {
        let leaf = ca.leaf(&["keel.example", &format!("n{i}.keel.example")]);
        assert!(
            verifier.verify(&[leaf], &name(), None, now()).is_ok(),
            "leaf {i}"
        );
    }
    assert!(
        verifier
            .verify(std::slice::from_ref(&good), &name(), None, now())
            .is_ok()
    );
    // The same leaf checked for client authentication: refused for usage.
    let clients = ClientCertVerifier::new(ca.store(), ClientAuth::Required);
    assert!(clients.verify(std::slice::from_ref(&good), now()).is_err());
    // A remembered leaf under a verifier that does not trust its root.
    let other = Ca::root("another root");
    let elsewhere = ServerCertVerifier::new(other.store());
    assert!(
        elsewhere
            .verify(std::slice::from_ref(&good), &name(), None, now())
            .is_err()
    );
    let shared = verifier.clone();
    assert!(shared.verify(&[good], &name(), None, now()).is_ok());
}

#[test]
fn a_leaf_whose_key_may_not_sign_is_refused() {
    // In TLS 1.2 with ECDHE the leaf's key signs the key exchange (or the
    // CertificateVerify), so a keyUsage without digitalSignature forbids it.
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["keel.example"], |p| {
        p.key_usages = vec![KeyUsagePurpose::KeyEncipherment]
    });
    let err = refused(&ca, &[leaf]);
    assert!(matches!(err, CertError::WrongUsage { .. }), "{err:?}");
}

#[test]
fn a_ca_certificate_as_leaf() {
    let root = Ca::root("keel root");
    let intermediate = root.intermediate("keel intermediate");
    let err = refused(&root, std::slice::from_ref(&intermediate.der));
    assert_eq!(err, CertError::CaUsedAsEndEntity);
    assert_eq!(err.alert(), AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn an_expired_trust_anchor_is_refused_though_webpki_ignores_anchor_dates() {
    let mut root = Ca::root("keel old root");
    root.params.not_after = date_time_ymd(2026, 1, 1);
    root.der = root.params.self_signed(&root.key).unwrap().der().clone();
    let err = refused(&root, &[root.leaf(&["keel.example"])]);
    assert_eq!(err.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    assert!(
        err.to_string().contains("2026-01-01T00:00:00Z")
            && err.to_string().contains("keel old root"),
        "{err}"
    );
}

/// Two roots with one subject and different keys (a re-keyed private
/// root): each path is judged by the anchor it really ends at, never by
/// the other one's verdicts.
#[test]
fn anchors_that_share_a_subject_are_judged_each_on_its_own() {
    let expired = |name: &str| {
        let mut root = Ca::root(name);
        root.params.not_after = date_time_ymd(2026, 1, 1);
        root.der = root.params.self_signed(&root.key).unwrap().der().clone();
        root
    };
    let (old, new) = (
        expired("keel re-keyed root"),
        Ca::root("keel re-keyed root"),
    );
    for (first, second) in [(&old, &new), (&new, &old)] {
        let mut roots = first.store();
        roots.add_der(second.der.clone()).unwrap();
        assert_eq!(roots.len(), 2);
        let verifier = ServerCertVerifier::new(roots);
        // Issued under the valid key: accepted, whichever root came first.
        verifier
            .verify(&[new.leaf(&["keel.example"])], &name(), None, now())
            .unwrap();
        // Issued under the expired key: refused, whichever came first.
        let err = verifier
            .verify(&[old.leaf(&["keel.example"])], &name(), None, now())
            .unwrap_err();
        assert_eq!(err.alert(), AlertDescription::CERTIFICATE_EXPIRED, "{err}");
    }
}

#[test]
fn a_trust_anchor_that_is_not_a_ca_is_refused() {
    let mut root = Ca::root("keel not-a-CA root");
    root.params.is_ca = rcgen::IsCa::NoCa;
    root.der = root.params.self_signed(&root.key).unwrap().der().clone();
    let err = refused(&root, &[root.leaf(&["keel.example"])]);
    assert!(
        matches!(&err, CertError::NotACa { subject, .. } if subject.contains("keel not-a-CA root")),
        "{err:?}"
    );
    assert_eq!(err.alert(), AlertDescription::UNKNOWN_CA);
}

#[test]
fn an_unknown_critical_extension_on_the_root_is_refused() {
    let mut root = Ca::root("keel root with a strange extension");
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 1], vec![0x05, 0x00]);
    ext.set_criticality(true);
    root.params.custom_extensions = vec![ext];
    root.der = root.params.self_signed(&root.key).unwrap().der().clone();
    let err = refused(&root, &[root.leaf(&["keel.example"])]);
    assert_eq!(
        err,
        CertError::UnknownCriticalExtension {
            subject: "CN=keel root with a strange extension".into(),
            oid: "1.3.6.1.4.1.55555.1".into()
        }
    );
    assert_eq!(err.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
}

#[derive(Debug, Default)]
struct Counting {
    calls: AtomicUsize,
    refuse: Option<PolicyRejection>,
}

impl CertificateCheck for Counting {
    fn check(&self, chain: &VerifiedChain) -> Result<(), PolicyRejection> {
        assert!(chain.leaf().is_some());
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.refuse.clone().map_or(Ok(()), Err)
    }
}

#[test]
fn hooks_can_refuse_a_good_chain() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf(&["keel.example"]);
    let pin = Arc::new(Counting {
        refuse: Some(PolicyRejection::new("not the pinned key")),
        ..Default::default()
    });
    let err = ServerCertVerifier::new(ca.store())
        .with_check(pin.clone())
        .verify(std::slice::from_ref(&leaf), &name(), None, now())
        .unwrap_err();
    assert_eq!(
        err,
        CertError::RejectedByPolicy {
            reason: "not the pinned key".into()
        }
    );
    // The application's refusal, not a fault in the certificate.
    assert_eq!(err.alert(), AlertDescription::HANDSHAKE_FAILURE);

    let crl = Arc::new(Counting {
        refuse: Some(PolicyRejection::revoked("serial 42 on the CRL")),
        ..Default::default()
    });
    let err = ServerCertVerifier::new(ca.store())
        .with_check(crl)
        .verify(&[leaf], &name(), None, now())
        .unwrap_err();
    assert_eq!(err.alert(), AlertDescription::CERTIFICATE_REVOKED);
}

#[test]
fn hooks_are_never_asked_about_a_chain_that_failed() {
    let ca = Ca::root("keel root");
    let accept_all = Arc::new(Counting::default());
    let verifier = ServerCertVerifier::new(ca.store()).with_check(accept_all.clone());
    let wrong_name = ca.leaf(&["other.example"]);
    assert!(
        verifier
            .verify(&[wrong_name], &name(), None, now())
            .is_err()
    );
    let untrusted = Ca::root("stranger").leaf(&["keel.example"]);
    assert!(verifier.verify(&[untrusted], &name(), None, now()).is_err());
    assert_eq!(accept_all.calls.load(Ordering::SeqCst), 0);
    verifier
        .verify(&[ca.leaf(&["keel.example"])], &name(), None, now())
        .unwrap();
    assert_eq!(accept_all.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn client_authentication_optional_and_required() {
    let ca = Ca::root("keel client root");
    let optional = ClientCertVerifier::new(ca.store(), ClientAuth::Optional);
    assert_eq!(optional.verify(&[], now()).unwrap(), None);
    let required = ClientCertVerifier::new(ca.store(), ClientAuth::Required);
    let err = required.verify(&[], now()).unwrap_err();
    assert_eq!(err, CertError::NoCertificate);
    assert_eq!(err.alert(), AlertDescription::HANDSHAKE_FAILURE);

    let client = ca.leaf_with(&[], |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]
    });
    for verifier in [&optional, &required] {
        let verified = verifier
            .verify(std::slice::from_ref(&client), now())
            .unwrap()
            .unwrap();
        assert_eq!(verified.usage, ExpectedUsage::ClientAuth);
        assert_eq!(verified.server_name, None);
    }
    // Optional does not mean "anything goes": a bad certificate is refused.
    let stranger = Ca::root("stranger").leaf_with(&[], |p| {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]
    });
    assert_eq!(
        optional.verify(&[stranger], now()).unwrap_err(),
        CertError::UnknownIssuer
    );
}

#[test]
fn an_empty_chain_for_a_server() {
    let ca = Ca::root("keel root");
    assert_eq!(refused(&ca, &[]), CertError::NoCertificate);
}

#[test]
fn garbage_instead_of_a_certificate() {
    let ca = Ca::root("keel root");
    let err = refused(
        &ca,
        &[keel_pki::CertificateDer::from(vec![
            0x30, 0x03, 0x02, 0x01, 0x00,
        ])],
    );
    assert!(
        matches!(err, CertError::Malformed { index: 0, .. }),
        "{err:?}"
    );
    // Not DER X.509: it could not be decoded.
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
}
