//! The content a TLS 1.3 CertificateVerify signs, against RFC 8446 §4.4.3's
//! own example, and signed and checked with keel-pki's TLS 1.3 rules.

use keel_pki::{CertificateDer, SigningKey};
use keel_wire::registry::SignatureScheme;

use crate::tls13::{Signer, signed_content};

/// RFC 8446 §4.4.3: "if the transcript hash was 32 bytes of 01 ... the
/// content covered by the digital signature for a server CertificateVerify
/// would be" 64 bytes of 20, "TLS 1.3, server CertificateVerify", 00 and
/// the 32 bytes of 01.
#[test]
fn the_server_content_is_rfc_8446s_example() {
    let hex = concat!(
        "2020202020202020202020202020202020202020202020202020202020202020",
        "2020202020202020202020202020202020202020202020202020202020202020",
        "544c5320312e332c207365727665722043657274696669636174655665726966",
        "79",
        "00",
        "0101010101010101010101010101010101010101010101010101010101010101",
    );
    let expected = data_encoding::HEXLOWER.decode(hex.as_bytes()).unwrap();
    assert_eq!(signed_content(Signer::Server, &[1; 32]), expected);
}

#[test]
fn the_roles_differ_only_in_their_context_string() {
    let hash = [7u8; 48];
    let server = signed_content(Signer::Server, &hash);
    let client = signed_content(Signer::Client, &hash);
    assert_eq!(server.len(), 64 + 33 + 1 + 48);
    assert_eq!(client.len(), server.len());
    assert_eq!(&client[64..97], b"TLS 1.3, client CertificateVerify");
    assert_ne!(server, client);
    assert_eq!(server[..64], client[..64]);
    assert_eq!(server[97..], client[97..]);
}

/// A signature over the server's content does not verify as the client's:
/// the context string binds the role.
#[test]
fn a_server_signature_is_no_client_signature() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf: CertificateDer<'static> = rcgen::CertificateParams::new(vec!["a.example".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap()
        .der()
        .clone();
    let signing =
        SigningKey::from_der(&keel_pki::PrivateKeyDer::Pkcs8(key.serialize_der().into())).unwrap();
    let scheme = SignatureScheme::ECDSA_SECP256R1_SHA256;
    let hash = [9u8; 32];
    let signature = signing
        .sign(scheme, &signed_content(Signer::Server, &hash))
        .unwrap();
    keel_pki::verify_signature_tls13(
        &leaf,
        scheme,
        &signed_content(Signer::Server, &hash),
        &signature,
    )
    .unwrap();
    assert!(
        keel_pki::verify_signature_tls13(
            &leaf,
            scheme,
            &signed_content(Signer::Client, &hash),
            &signature
        )
        .is_err()
    );
}
