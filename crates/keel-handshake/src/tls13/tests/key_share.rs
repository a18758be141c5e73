//! Key shares: RFC 8448 §3's x25519 exchange through keel's own share
//! types, agreement and lengths for every group, and the refusals.
//! draft-ietf-tls-ecdhe-mlkem publishes no known-answer test for
//! X25519MLKEM768, and aws-lc-rs cannot be made to generate or encapsulate
//! from fixed randomness, so the hybrid is checked by agreement, lengths
//! and refusals only.

use aws_lc_rs::kem::{DecapsulationKey, ML_KEM_768};
use keel_wire::registry::NamedGroup;

use super::vectors::Section;
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::random::SystemRng;
use crate::tls13::key_share::{
    HYBRID_CLIENT_SHARE_LEN, HYBRID_SERVER_SHARE_LEN, MLKEM768_CIPHERTEXT_LEN,
    MLKEM768_ENCAPSULATION_KEY_LEN,
};
use crate::tls13::{ClientKeyShare, KEY_SHARE_GROUPS, server_key_share};

use super::FixedRng;

fn bad_share() -> HandshakeError {
    HandshakeError::IllegalParameter {
        reason: IllegalParameter::BadKeySharePoint,
    }
}

/// (client share, server share) lengths for each group.
fn share_lengths(group: NamedGroup) -> (usize, usize) {
    match group {
        NamedGroup::X25519MLKEM768 => (1216, 1120),
        NamedGroup::X25519 => (32, 32),
        NamedGroup::SECP256R1 => (65, 65),
        NamedGroup::SECP384R1 => (97, 97),
        other => panic!("{other}"),
    }
}

#[test]
fn rfc8448_x25519_exchange_from_the_configured_rng() {
    let v = Section::load("simple");
    let client_rng = FixedRng::new(v.get("client_x25519_private"));
    let client = ClientKeyShare::generate(NamedGroup::X25519, &client_rng).unwrap();
    assert_eq!(client.group(), NamedGroup::X25519);
    assert_eq!(client.public(), v.get("client_x25519_public"));

    let server_rng = FixedRng::new(v.get("server_x25519_private"));
    let (server_share, server_secret) =
        server_key_share(NamedGroup::X25519, client.public(), &server_rng).unwrap();
    assert_eq!(server_share, v.get("server_x25519_public"));
    assert_eq!(server_secret.as_bytes(), v.get("shared_secret"));

    let client_secret = client.complete(&server_share).unwrap();
    assert_eq!(client_secret.as_bytes(), v.get("shared_secret"));
}

#[test]
fn every_group_agrees_with_the_lengths_of_its_shares() {
    for group in KEY_SHARE_GROUPS {
        let (client_len, server_len) = share_lengths(group);
        let client = ClientKeyShare::generate(group, &SystemRng).unwrap();
        assert_eq!(client.public().len(), client_len, "{group}");
        let (server_share, server_secret) =
            server_key_share(group, client.public(), &SystemRng).unwrap();
        assert_eq!(server_share.len(), server_len, "{group}");
        let client_secret = client.complete(&server_share).unwrap();
        assert_eq!(
            client_secret.as_bytes(),
            server_secret.as_bytes(),
            "{group}"
        );
        let secret_len = match group {
            NamedGroup::X25519MLKEM768 => 64,
            NamedGroup::SECP384R1 => 48,
            _ => 32,
        };
        assert_eq!(client_secret.as_bytes().len(), secret_len, "{group}");
    }
    assert_eq!(HYBRID_CLIENT_SHARE_LEN, MLKEM768_ENCAPSULATION_KEY_LEN + 32);
    assert_eq!(HYBRID_SERVER_SHARE_LEN, MLKEM768_CIPHERTEXT_LEN + 32);
}

#[test]
fn hybrid_shares_put_mlkem_first_and_secrets_too() {
    // With the X25519 halves from fixed keys, the X25519 part of the
    // hybrid share and secret is known, and must come second.
    let v = Section::load("simple");
    let client = ClientKeyShare::generate(
        NamedGroup::X25519MLKEM768,
        &FixedRng::new(v.get("client_x25519_private")),
    )
    .unwrap();
    let (encapsulation_key, x25519) = client.public().split_at(MLKEM768_ENCAPSULATION_KEY_LEN);
    assert_eq!(x25519, v.get("client_x25519_public"));
    // The first part is an ML-KEM-768 key aws-lc-rs accepts.
    aws_lc_rs::kem::EncapsulationKey::new(&ML_KEM_768, encapsulation_key).unwrap();

    let (server_share, server_secret) = server_key_share(
        NamedGroup::X25519MLKEM768,
        client.public(),
        &FixedRng::new(v.get("server_x25519_private")),
    )
    .unwrap();
    assert_eq!(
        &server_share[MLKEM768_CIPHERTEXT_LEN..],
        v.get("server_x25519_public")
    );
    assert_eq!(&server_secret.as_bytes()[32..], v.get("shared_secret"));
    let client_secret = client.complete(&server_share).unwrap();
    assert_eq!(client_secret.as_bytes(), server_secret.as_bytes());
}

#[test]
fn shares_of_the_wrong_length_are_refused_on_both_sides() {
    for group in KEY_SHARE_GROUPS {
        let (client_len, server_len) = share_lengths(group);
        let good = ClientKeyShare::generate(group, &SystemRng).unwrap();
        let mut long = good.public().to_vec();
        long.push(0);
        for share in [&good.public()[..client_len - 1], &long, &[][..]] {
            assert_eq!(
                server_key_share(group, share, &SystemRng).unwrap_err(),
                bad_share(),
                "{group}: client share of {} bytes",
                share.len()
            );
        }
        let (server_share, _) = server_key_share(group, good.public(), &SystemRng).unwrap();
        let mut long = server_share.clone();
        long.push(0);
        for share in [&server_share[..server_len - 1], &long, &[][..]] {
            let client = ClientKeyShare::generate(group, &SystemRng).unwrap();
            assert_eq!(
                client.complete(share).unwrap_err(),
                bad_share(),
                "{group}: server share of {} bytes",
                share.len()
            );
        }
    }
}

#[test]
fn a_malformed_mlkem_encapsulation_key_is_refused() {
    // FIPS 203 §7.2: each 12-bit coefficient must be below q = 3329; all
    // ones encodes 4095.
    let mut share = vec![0xff; MLKEM768_ENCAPSULATION_KEY_LEN];
    share.extend_from_slice(
        ClientKeyShare::generate(NamedGroup::X25519, &SystemRng)
            .unwrap()
            .public(),
    );
    assert_eq!(
        server_key_share(NamedGroup::X25519MLKEM768, &share, &SystemRng).unwrap_err(),
        bad_share()
    );
}

#[test]
fn a_tampered_hybrid_share_gives_no_shared_secret() {
    let client = ClientKeyShare::generate(NamedGroup::X25519MLKEM768, &SystemRng).unwrap();
    let (mut server_share, server_secret) =
        server_key_share(NamedGroup::X25519MLKEM768, client.public(), &SystemRng).unwrap();
    // A flipped ciphertext bit: ML-KEM's implicit rejection gives the
    // client another secret, so the handshake cannot complete.
    server_share[10] ^= 1;
    let client_secret = client.complete(&server_share).unwrap();
    assert_ne!(client_secret.as_bytes(), server_secret.as_bytes());
    assert_eq!(
        client_secret.as_bytes()[32..],
        server_secret.as_bytes()[32..]
    );
}

#[test]
fn an_all_zero_x25519_result_is_refused() {
    // RFC 7748 §6.1: a low-order point (here 0) makes the result all zeros,
    // which must be refused; in the hybrid's X25519 half too.
    let zero_point = [0u8; 32];
    let client = ClientKeyShare::generate(NamedGroup::X25519, &SystemRng).unwrap();
    assert_eq!(client.complete(&zero_point).unwrap_err(), bad_share());
    assert_eq!(
        server_key_share(NamedGroup::X25519, &zero_point, &SystemRng).unwrap_err(),
        bad_share()
    );

    let hybrid = ClientKeyShare::generate(NamedGroup::X25519MLKEM768, &SystemRng).unwrap();
    let mut client_share = hybrid.public()[..MLKEM768_ENCAPSULATION_KEY_LEN].to_vec();
    client_share.extend_from_slice(&zero_point);
    assert_eq!(
        server_key_share(NamedGroup::X25519MLKEM768, &client_share, &SystemRng).unwrap_err(),
        bad_share()
    );
    let (server_share, _) =
        server_key_share(NamedGroup::X25519MLKEM768, hybrid.public(), &SystemRng).unwrap();
    let mut tampered = server_share[..MLKEM768_CIPHERTEXT_LEN].to_vec();
    tampered.extend_from_slice(&zero_point);
    assert_eq!(hybrid.complete(&tampered).unwrap_err(), bad_share());
}

/// RFC 8446 §7.4.2: the NIST-curve shared secret is the x-coordinate at
/// the field's length, and "leading zeros found in this octet string MUST
/// NOT be truncated". Client keys from fixed scalars are tried until the
/// secret, computed here with aws-lc-rs alone, starts with a zero byte
/// (about one in 256); both ends' secrets must be that whole octet string.
/// Trimmed alike on both ends they would still agree, so agreement alone
/// proves nothing; the comparison with the independent value does.
#[test]
fn nist_curve_shared_secrets_keep_their_leading_zeros() {
    use aws_lc_rs::agreement::{self, ECDH_P256, ECDH_P384, PrivateKey, UnparsedPublicKey};

    for (group, algorithm, len) in [
        (NamedGroup::SECP256R1, &ECDH_P256, 32),
        (NamedGroup::SECP384R1, &ECDH_P384, 48),
    ] {
        let server_scalar = vec![0x02; len];
        let server_private = PrivateKey::from_private_key(algorithm, &server_scalar).unwrap();
        let found = (1..5000u64).find_map(|seed| {
            let mut client_scalar = vec![0x01; len];
            client_scalar[len - 8..].copy_from_slice(&seed.to_be_bytes());
            let client = ClientKeyShare::generate(group, &FixedRng::new(&client_scalar)).unwrap();
            let expected = agreement::agree(
                &server_private,
                UnparsedPublicKey::new(algorithm, client.public()),
                (),
                |secret| Ok(secret.to_vec()),
            )
            .unwrap();
            (expected[0] == 0).then_some((client, expected))
        });
        let (client, expected) = found.expect("a secret with a leading zero byte");
        assert_eq!(expected.len(), len);
        let (server_share, server_secret) =
            server_key_share(group, client.public(), &FixedRng::new(&server_scalar)).unwrap();
        assert_eq!(server_secret.as_bytes(), expected, "{group}");
        let client_secret = client.complete(&server_share).unwrap();
        assert_eq!(client_secret.as_bytes(), expected, "{group}");
    }
}

#[test]
fn nist_curves_refuse_compressed_and_off_curve_points() {
    for group in [NamedGroup::SECP256R1, NamedGroup::SECP384R1] {
        let client = ClientKeyShare::generate(group, &SystemRng).unwrap();
        let mut compressed = client.public().to_vec();
        compressed[0] = 0x02;
        assert_eq!(
            server_key_share(group, &compressed, &SystemRng).unwrap_err(),
            bad_share(),
            "{group}"
        );
        let mut off_curve = client.public().to_vec();
        *off_curve.last_mut().unwrap() ^= 1;
        assert_eq!(
            client.complete(&off_curve).unwrap_err(),
            bad_share(),
            "{group}"
        );
    }
}

#[test]
fn other_groups_and_a_failed_rng_are_refused() {
    let ffdhe2048 = NamedGroup::new(0x0100);
    assert_eq!(
        ClientKeyShare::generate(ffdhe2048, &SystemRng).unwrap_err(),
        HandshakeError::NoSharedGroup
    );
    assert_eq!(
        server_key_share(ffdhe2048, &[0; 256], &SystemRng).unwrap_err(),
        HandshakeError::NoSharedGroup
    );
    let empty = FixedRng::new(&[]);
    let rng_failed = HandshakeError::Internal {
        reason: Internal::RandomSource,
    };
    for group in KEY_SHARE_GROUPS {
        assert_eq!(
            ClientKeyShare::generate(group, &empty).unwrap_err(),
            rng_failed,
            "{group}"
        );
    }
    let client = ClientKeyShare::generate(NamedGroup::X25519MLKEM768, &SystemRng).unwrap();
    assert_eq!(
        server_key_share(NamedGroup::X25519MLKEM768, client.public(), &empty).unwrap_err(),
        rng_failed
    );
}

#[test]
fn debug_shows_no_private_or_shared_bytes() {
    let client = ClientKeyShare::generate(NamedGroup::X25519MLKEM768, &SystemRng).unwrap();
    let (server_share, secret) =
        server_key_share(NamedGroup::X25519MLKEM768, client.public(), &SystemRng).unwrap();
    let printed = format!("{client:?} {secret:?}");
    let secret_hex = data_encoding::HEXLOWER.encode(&secret.as_bytes()[..8]);
    assert!(!printed.contains(&secret_hex), "{printed}");
    assert!(printed.contains("X25519MLKEM768"), "{printed}");
    assert!(printed.contains("len: 64"), "{printed}");
    drop(client.complete(&server_share).unwrap());
    // An ML-KEM key restored from bytes cannot give its public key back:
    // why keel cannot fix the ML-KEM half of a share for tests.
    let key = DecapsulationKey::generate(&ML_KEM_768).unwrap();
    let bytes = key.key_bytes().unwrap();
    let restored = DecapsulationKey::new(&ML_KEM_768, bytes.as_ref()).unwrap();
    assert!(restored.encapsulation_key().is_err());
}
