use super::*;

#[test]
fn known_values_print_their_registry_name() {
    assert_eq!(format!("{:?}", ContentType::HANDSHAKE), "handshake");
    assert_eq!(
        AlertDescription::BAD_RECORD_MAC.to_string(),
        "bad_record_mac"
    );
    assert_eq!(ProtocolVersion::TLS_V1_2.to_string(), "TLSv1.2");
}

#[test]
fn unknown_values_survive_and_print_as_hex() {
    let grease = ProtocolVersion::new(0x7a7a);
    assert!(!grease.is_known());
    assert_eq!(grease.get(), 0x7a7a);
    assert_eq!(grease.to_string(), "Unknown(0x7a7a)");
    assert_eq!(ContentType::new(0x42).to_string(), "Unknown(0x42)");
}

#[test]
fn known_lists_every_named_value_once() {
    fn check<T: Copy, R: Ord>(known: &[T], get: fn(T) -> R, is_known: fn(T) -> bool) {
        let mut values: Vec<R> = known.iter().map(|v| get(*v)).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), known.len());
        assert!(known.iter().all(|v| is_known(*v)));
    }
    check(ContentType::KNOWN, ContentType::get, ContentType::is_known);
    check(
        HandshakeType::KNOWN,
        HandshakeType::get,
        HandshakeType::is_known,
    );
    check(
        AlertDescription::KNOWN,
        AlertDescription::get,
        AlertDescription::is_known,
    );
    check(CipherSuite::KNOWN, CipherSuite::get, CipherSuite::is_known);
    check(NamedGroup::KNOWN, NamedGroup::get, NamedGroup::is_known);
    check(
        SignatureScheme::KNOWN,
        SignatureScheme::get,
        SignatureScheme::is_known,
    );
    check(
        ExtensionType::KNOWN,
        ExtensionType::get,
        ExtensionType::is_known,
    );
}

#[test]
fn version_bytes() {
    assert_eq!(ProtocolVersion::TLS_V1_2.major(), 3);
    assert_eq!(ProtocolVersion::TLS_V1_2.minor(), 3);
}

#[test]
fn large_registries_name_what_keel_negotiates() {
    assert_eq!(
        CipherSuite::new(0xc02b).to_string(),
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    );
    assert_eq!(
        CipherSuite::new(0xcca8).to_string(),
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    );
    assert_eq!(NamedGroup::new(29).to_string(), "x25519");
    assert_eq!(
        SignatureScheme::new(0x0804).to_string(),
        "rsa_pss_rsae_sha256"
    );
    assert_eq!(ExtensionType::new(23).to_string(), "extended_master_secret");
    assert_eq!(ExtensionType::new(0xff01).to_string(), "renegotiation_info");
    assert!(CipherSuite::KNOWN.len() > 300);
}
