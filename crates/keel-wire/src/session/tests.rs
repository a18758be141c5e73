use super::*;
use crate::{Codec, DecodeError};

fn full() -> SessionState {
    SessionState {
        protocol_version: ProtocolVersion::TLS_V1_2,
        context: [7; 32],
        session_id: Opaque(vec![1; 32]),
        cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        group: NamedGroup::X25519,
        signature_scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
        secret: SessionSecret(Opaque(vec![0x4d; 48])),
        extended_master_secret: true,
        created: 0x0102_0304_0506_0708,
        server_name: Some(Opaque(b"example.com".to_vec())),
        alpn: Some(Opaque(b"h2".to_vec())),
        certificates: vec![
            SessionCertificate(vec![0x30; 300]),
            SessionCertificate(vec![0x31; 2]),
        ],
        ticket: Opaque(vec![0xaa; 100]),
        ticket_expires: 9,
        ticket_age_add: 0x1122_3344,
        client_signature_scheme: Some(SignatureScheme::RSA_PSS_RSAE_SHA256),
        ocsp_response: Some(Opaque(vec![0x30; 5])),
    }
}

fn minimal() -> SessionState {
    SessionState {
        server_name: None,
        alpn: None,
        certificates: Vec::new(),
        ticket: Opaque(Vec::new()),
        client_signature_scheme: None,
        ocsp_response: None,
        ..full()
    }
}

fn decode_err(bytes: &[u8]) -> DecodeError {
    SessionState::decode(bytes).unwrap_err()
}

#[test]
fn layout_is_the_documented_one() {
    let bytes = minimal().encode().unwrap();
    let mut want = b"KEELSES\x06\x03\x03".to_vec();
    want.extend_from_slice(&[7; 32]);
    want.push(32);
    want.extend_from_slice(&[1; 32]);
    want.extend_from_slice(&[0xc0, 0x2b, 0x00, 0x1d, 0x04, 0x03]);
    want.push(48);
    want.extend_from_slice(&[0x4d; 48]);
    want.push(1);
    want.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
    // no server name, no ALPN, no certificates, empty ticket
    want.extend_from_slice(&[0, 0, 0, 0, 0]);
    want.extend_from_slice(&9u64.to_be_bytes());
    want.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]);
    // no client scheme, no OCSP response
    want.extend_from_slice(&[0, 0]);
    assert_eq!(bytes, want);
}

#[test]
fn round_trips_with_exact_length() {
    for state in [full(), minimal()] {
        let bytes = state.encode().unwrap();
        assert_eq!(bytes.len(), state.encoded_len());
        let decoded = SessionState::decode(&bytes).unwrap();
        assert_eq!(decoded, state);
        assert_eq!(decoded.encode().unwrap(), bytes);
    }
}

#[test]
fn every_truncation_is_refused_where_it_happens() {
    let bytes = full().encode().unwrap();
    for n in 0..bytes.len() {
        let err = decode_err(&bytes[..n]);
        assert!(
            matches!(
                err.kind,
                DecodeErrorKind::Truncated | DecodeErrorKind::LengthMismatch { .. }
            ),
            "cut at {n}: {err}"
        );
    }
}

#[test]
fn magic_version_and_flags_are_strict() {
    let bytes = minimal().encode().unwrap();
    let mut bad = bytes.clone();
    bad[3] = b'X';
    let err = decode_err(&bad);
    assert_eq!((err.field, err.offset), ("Session.magic", 0));
    let mut bad = bytes.clone();
    bad[7] = 5;
    let err = decode_err(&bad);
    assert_eq!(err.field, "Session.version");
    assert_eq!(err.kind, DecodeErrorKind::InvalidValue { value: 5 });
    // The extended-master-secret flag sits after the header, protocol
    // version, context, session ID, three u16s and the secret.
    let ems_at = 8 + 2 + 32 + 33 + 6 + 49;
    let mut bad = bytes.clone();
    bad[ems_at] = 2;
    let err = decode_err(&bad);
    assert_eq!(err.field, "Session.extended_master_secret");
    assert_eq!(err.offset, ems_at);
    // The server name's presence flag follows the creation time.
    let mut bad = bytes;
    bad[ems_at + 9] = 2;
    assert_eq!(decode_err(&bad).field, "Session.server_name");
}

#[test]
fn bounds_are_checked_both_ways() {
    let mut state = minimal();
    state.server_name = Some(Opaque(Vec::new()));
    assert_eq!(state.encode().unwrap_err().field, "Session.server_name");
    let mut state = minimal();
    state.session_id = Opaque(vec![0; 33]);
    assert_eq!(state.encode().unwrap_err().field, "Session.session_id");
    let mut state = minimal();
    state.certificates = vec![SessionCertificate(vec![1]); 256];
    let err = state.encode().unwrap_err();
    assert_eq!((err.field, err.len), ("Session.certificates", 256));

    let mut bytes = minimal().encode().unwrap();
    bytes[8 + 2 + 32] = 33;
    let err = decode_err(&bytes);
    assert_eq!(err.field, "Session.session_id");
    assert_eq!(err.kind, DecodeErrorKind::TooLong { len: 33, max: 32 });
}

#[test]
fn a_tls13_psk_is_hash_length() {
    // SHA-256 and SHA-384 PSKs both fit; anything outside 32..=48 does not.
    for len in [32, 48] {
        let mut state = minimal();
        state.protocol_version = ProtocolVersion::TLS_V1_3;
        state.secret = SessionSecret(Opaque(vec![9; len]));
        let bytes = state.encode().unwrap();
        assert_eq!(bytes.len(), state.encoded_len());
        assert_eq!(SessionState::decode(&bytes).unwrap(), state);
    }
    let mut state = minimal();
    state.secret = SessionSecret(Opaque(vec![9; 31]));
    assert_eq!(state.encode().unwrap_err().field, "Session.secret");
    let mut bytes = minimal().encode().unwrap();
    bytes[8 + 2 + 32 + 33 + 6] = 49;
    let err = decode_err(&bytes);
    assert_eq!(err.field, "Session.secret");
    assert_eq!(err.kind, DecodeErrorKind::TooLong { len: 49, max: 48 });
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = full().encode().unwrap();
    bytes.push(0);
    assert_eq!(
        decode_err(&bytes).kind,
        DecodeErrorKind::TrailingBytes { count: 1 }
    );
}

#[test]
fn master_secret_is_not_shown() {
    assert!(!format!("{:?}", full()).contains("4d"));
}
