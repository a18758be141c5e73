//! What the RFC 8448 traces do not show: SHA-384, the refusals, KeyUpdate,
//! the exporter, and secrets kept out of `Debug`.

use aws_lc_rs::hkdf;

use crate::key_schedule::{ExportError, KeyScheduleError, MasterSecret as Tls12Master, PrfHash};
use crate::tls13::exporter::RESERVED_LABELS;
use crate::tls13::hkdf::MAX_LABEL_LEN;
use crate::tls13::{
    EarlySecret, ExporterSecret, MasterSecret, Psk, SuiteHash, Tls13Suite, TrafficSecret,
};
use keel_wire::registry::CipherSuite;

/// Distinct, recognisable bytes: `start`, `start + 1`, ...
fn counting(start: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| start.wrapping_add(i as u8)).collect()
}

/// A master secret under `hash`, from made-up inputs.
fn master(hash: SuiteHash) -> MasterSecret {
    EarlySecret::without_psk(hash)
        .unwrap()
        .into_handshake_secret(&counting(1, 32))
        .unwrap()
        .into_master_secret()
        .unwrap()
}

fn application_secret(hash: SuiteHash) -> TrafficSecret {
    master(hash)
        .client_application_traffic_secret(&counting(9, hash.hash_len()))
        .unwrap()
}

fn exporter(hash: SuiteHash) -> ExporterSecret {
    master(hash)
        .exporter_master_secret(&counting(9, hash.hash_len()))
        .unwrap()
}

/// HKDF-Expand-Label written out byte by byte from RFC 8446 §7.1, apart
/// from keel's encoder, to check it.
fn expand_label_by_hand(
    hash: SuiteHash,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: usize,
) -> Vec<u8> {
    struct Len(usize);
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    let full_label = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(full_label.len() as u8);
    info.extend_from_slice(full_label.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    let algorithm = match hash {
        SuiteHash::Sha256 => hkdf::HKDF_SHA256,
        SuiteHash::Sha384 => hkdf::HKDF_SHA384,
    };
    let mut out = vec![0; len];
    hkdf::Prk::new_less_safe(algorithm, secret)
        .expand(&[&info], Len(len))
        .unwrap()
        .fill(&mut out)
        .unwrap();
    out
}

#[test]
fn suites_and_their_hashes() {
    let table = [
        (CipherSuite::TLS_AES_128_GCM_SHA256, SuiteHash::Sha256, 16),
        (CipherSuite::TLS_AES_256_GCM_SHA384, SuiteHash::Sha384, 32),
        (
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            SuiteHash::Sha256,
            32,
        ),
    ];
    for (wire, hash, key_len) in table {
        let suite = Tls13Suite::from_cipher_suite(wire).unwrap();
        assert_eq!(suite.cipher_suite(), wire);
        assert_eq!(suite.hash(), hash, "{wire}");
        assert_eq!(SuiteHash::for_suite(wire), Some(hash), "{wire}");
        assert_eq!(suite.key_len(), key_len, "{wire}");
        assert!(Tls13Suite::ALL.contains(&suite));
    }
    // CCM suites and TLS 1.2 suites are not TLS 1.3 suites keel negotiates.
    for other in [
        CipherSuite::TLS_AES_128_CCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ] {
        assert_eq!(SuiteHash::for_suite(other), None, "{other}");
    }
    for hash in [SuiteHash::Sha256, SuiteHash::Sha384] {
        assert_eq!(hash.hash_len(), hash.digest_algorithm().output_len());
    }
}

#[test]
fn sha384_schedule_has_48_byte_secrets_and_32_byte_keys() {
    let hash = SuiteHash::Sha384;
    let secret = application_secret(hash);
    assert_eq!(secret.hash(), hash);
    assert_eq!(secret.as_bytes().len(), 48);
    let keys = secret.traffic_keys(Tls13Suite::Aes256GcmSha384).unwrap();
    assert_eq!(keys.key().len(), 32);
    assert_eq!(
        keys.key(),
        expand_label_by_hand(hash, secret.as_bytes(), "key", &[], 32)
    );
    assert_eq!(
        keys.iv().as_slice(),
        expand_label_by_hand(hash, secret.as_bytes(), "iv", &[], 12)
    );
    let verify = secret
        .finished_key()
        .unwrap()
        .verify_data(&[7; 48])
        .unwrap();
    assert_eq!(verify.as_bytes().len(), 48);
    // A ticket PSK under SHA-384 resumes under SHA-384.
    let psk = master(hash)
        .into_resumption_master_secret(&[3; 48])
        .unwrap()
        .ticket_psk(&[1, 2, 3])
        .unwrap();
    assert_eq!(psk.as_bytes().len(), 48);
    assert_eq!(EarlySecret::with_psk(&psk).unwrap().hash(), hash);
}

#[test]
fn chacha_keys_are_32_bytes_under_sha256() {
    let secret = application_secret(SuiteHash::Sha256);
    let keys = secret
        .traffic_keys(Tls13Suite::ChaCha20Poly1305Sha256)
        .unwrap();
    assert_eq!(
        keys.key(),
        expand_label_by_hand(SuiteHash::Sha256, secret.as_bytes(), "key", &[], 32)
    );
}

#[test]
fn keys_for_a_suite_of_another_hash_are_refused() {
    let secret = application_secret(SuiteHash::Sha256);
    let err = secret
        .traffic_keys(Tls13Suite::Aes256GcmSha384)
        .unwrap_err();
    assert!(matches!(
        err,
        KeyScheduleError::BadLength {
            what: "suite hash",
            ..
        }
    ));
}

#[test]
fn transcript_hash_of_another_length_is_refused() {
    let master = master(SuiteHash::Sha256);
    let wrong = [0u8; 48];
    let expected = KeyScheduleError::BadLength {
        what: "transcript hash",
        expected: 32,
        actual: 48,
    };
    assert_eq!(
        master
            .client_application_traffic_secret(&wrong)
            .unwrap_err(),
        expected
    );
    assert_eq!(master.exporter_master_secret(&wrong).unwrap_err(), expected);
    let hs = EarlySecret::without_psk(SuiteHash::Sha256)
        .unwrap()
        .into_handshake_secret(&[1; 32])
        .unwrap();
    assert_eq!(
        hs.server_handshake_traffic_secret(&wrong).unwrap_err(),
        expected
    );
    let finished = hs
        .client_handshake_traffic_secret(&[0; 32])
        .unwrap()
        .finished_key()
        .unwrap();
    assert_eq!(finished.verify_data(&wrong).unwrap_err(), expected);
    assert_eq!(finished.verify(&wrong, &[0; 32]).unwrap_err(), expected);
}

#[test]
fn a_wrong_finished_or_binder_does_not_verify() {
    let key = application_secret(SuiteHash::Sha256)
        .finished_key()
        .unwrap();
    let hash = [5u8; 32];
    let good = key.verify_data(&hash).unwrap();
    assert!(key.verify(&hash, good.as_bytes()).unwrap());
    let mut flipped = good.as_bytes().to_vec();
    flipped[31] ^= 1;
    assert!(!key.verify(&hash, &flipped).unwrap());
    assert!(!key.verify(&hash, &good.as_bytes()[..31]).unwrap());
    assert!(!key.verify(&[6; 32], good.as_bytes()).unwrap());
    assert!(!key.verify(&hash, &[]).unwrap());
}

#[test]
fn psk_of_another_length_is_refused() {
    assert_eq!(
        Psk::from_bytes(SuiteHash::Sha384, &[0; 32]).unwrap_err(),
        KeyScheduleError::BadLength {
            what: "resumption PSK",
            expected: 48,
            actual: 32
        }
    );
}

#[test]
fn ticket_nonce_over_255_bytes_is_refused() {
    let resumption = master(SuiteHash::Sha256)
        .into_resumption_master_secret(&[0; 32])
        .unwrap();
    assert!(resumption.ticket_psk(&[0; 255]).is_ok());
    assert!(matches!(
        resumption.ticket_psk(&[0; 256]),
        Err(KeyScheduleError::BadLength {
            what: "HkdfLabel context",
            ..
        })
    ));
    // Each nonce gives its own PSK (RFC 8446 §4.6.1: "a unique value").
    assert_ne!(
        resumption.ticket_psk(&[0]).unwrap().as_bytes(),
        resumption.ticket_psk(&[1]).unwrap().as_bytes()
    );
}

#[test]
fn key_update_derives_traffic_upd_from_the_current_secret() {
    // RFC 8446 §7.2; RFC 8448 has no KeyUpdate, so the expected value is
    // HKDF-Expand-Label built by hand.
    for hash in [SuiteHash::Sha256, SuiteHash::Sha384] {
        let secret = application_secret(hash);
        let expected =
            expand_label_by_hand(hash, secret.as_bytes(), "traffic upd", &[], hash.hash_len());
        let next = secret.into_next_generation().unwrap();
        assert_eq!(next.as_bytes(), expected);
        let after = next.into_next_generation().unwrap();
        assert_ne!(after.as_bytes(), expected);
    }
}

#[test]
fn exporter_matches_rfc8446_definition() {
    // TLS-Exporter(label, context, length) = HKDF-Expand-Label(
    //     Derive-Secret(Secret, label, ""), "exporter", Hash(context), length)
    for hash in [SuiteHash::Sha256, SuiteHash::Sha384] {
        let exporter = exporter(hash);
        let empty_hash = hash.hash(&[]);
        let per_label = expand_label_by_hand(
            hash,
            exporter.as_bytes(),
            "EXPERIMENTAL test",
            empty_hash.as_ref(),
            hash.hash_len(),
        );
        let context_hash = hash.hash(b"context");
        let expected =
            expand_label_by_hand(hash, &per_label, "exporter", context_hash.as_ref(), 40);
        let mut out = [0u8; 40];
        exporter
            .export(b"EXPERIMENTAL test", Some(b"context"), &mut out)
            .unwrap();
        assert_eq!(out.as_slice(), expected);
    }
}

#[test]
fn exporter_outputs_differ_by_label_context_and_length() {
    let exporter = exporter(SuiteHash::Sha256);
    let export = |label: &[u8], context: Option<&[u8]>, len: usize| {
        let mut out = vec![0; len];
        exporter.export(label, context, &mut out).unwrap();
        out
    };
    let base = export(b"EXPERIMENTAL a", Some(b"ctx"), 32);
    assert_ne!(base, export(b"EXPERIMENTAL b", Some(b"ctx"), 32));
    assert_ne!(base, export(b"EXPERIMENTAL a", Some(b"ctX"), 32));
    // The length is in the HkdfLabel: a shorter output is not a prefix.
    assert_ne!(base[..16], export(b"EXPERIMENTAL a", Some(b"ctx"), 16));
    // RFC 8446 §7.5: no context and an empty context are the same.
    assert_eq!(
        export(b"EXPERIMENTAL a", None, 32),
        export(b"EXPERIMENTAL a", Some(b""), 32)
    );
    assert_ne!(base, export(b"EXPERIMENTAL a", None, 32));
    // The same request twice gives the same bytes.
    assert_eq!(base, export(b"EXPERIMENTAL a", Some(b"ctx"), 32));
}

#[test]
fn exporter_refuses_what_tls12_refuses_and_what_hkdf_cannot_carry() {
    let exporter = exporter(SuiteHash::Sha256);
    let tls12 = Tls12Master::from_bytes(&[0; 48]).unwrap();
    let mut out = [0u8; 32];
    for label in RESERVED_LABELS {
        assert_eq!(
            exporter.export(label, None, &mut out),
            Err(ExportError::ReservedLabel),
            "{}",
            String::from_utf8_lossy(label)
        );
        // The same list as the TLS 1.2 exporter's.
        assert_eq!(
            crate::key_schedule::export_keying_material(
                &tls12,
                PrfHash::Sha256,
                &[0; 32],
                &[0; 32],
                label,
                None,
                &mut out
            ),
            Err(ExportError::ReservedLabel)
        );
    }
    // An empty label exports, as "tls13 " alone (as OpenSSL, BoringSSL
    // and rustls do), and differs from a one-byte one.
    let mut empty = [0u8; 32];
    assert!(exporter.export(b"", None, &mut empty).is_ok());
    let mut one = [0u8; 32];
    exporter.export(b"a", None, &mut one).unwrap();
    assert_ne!(empty, one);
    let longest = vec![b'a'; MAX_LABEL_LEN];
    assert!(exporter.export(&longest, None, &mut out).is_ok());
    assert_eq!(
        exporter.export(&[b'a'; MAX_LABEL_LEN + 1], None, &mut out),
        Err(ExportError::PrfFailed)
    );
    // HKDF stops at 255 * Hash.length bytes.
    let mut most = vec![0u8; 255 * 32];
    assert!(exporter.export(b"EXPERIMENTAL x", None, &mut most).is_ok());
    for len in [255 * 32 + 1, 70_000] {
        let mut too_many = vec![0u8; len];
        assert_eq!(
            exporter.export(b"EXPERIMENTAL x", None, &mut too_many),
            Err(ExportError::PrfFailed),
            "{len}"
        );
    }
}

#[test]
fn debug_shows_no_secret_bytes() {
    let hash = SuiteHash::Sha256;
    let secret = application_secret(hash);
    let hex = data_encoding::HEXLOWER.encode(secret.as_bytes());
    let keys = secret.traffic_keys(Tls13Suite::Aes128GcmSha256).unwrap();
    let key_hex = data_encoding::HEXLOWER.encode(keys.key());
    let early = EarlySecret::without_psk(hash).unwrap();
    let early_hex = data_encoding::HEXLOWER.encode(early.test_bytes());
    let printed = [
        format!("{secret:?}"),
        format!("{keys:?}"),
        format!("{early:?}"),
        format!("{:?}", secret.finished_key().unwrap()),
        format!("{:?}", exporter(hash)),
        format!("{:?}", early.resumption_binder_key().unwrap()),
    ];
    for text in &printed {
        assert!(!text.contains(&hex), "{text}");
        assert!(!text.contains(&key_hex), "{text}");
        assert!(!text.contains(&early_hex), "{text}");
        assert!(
            text.contains("Sha256") || text.contains("key_len"),
            "{text}"
        );
    }
    // verify_data is public once sent, and shown.
    let verify = secret
        .finished_key()
        .unwrap()
        .verify_data(&[0; 32])
        .unwrap();
    let verify_hex = data_encoding::HEXLOWER.encode(verify.as_bytes());
    assert!(format!("{verify:?}").contains(&verify_hex));
}
