//! keel-pki's loading and chain validation on arbitrary bytes. The first
//! byte picks what the rest is: certificates (PEM or DER) to load and then
//! validate as a server chain and as a client chain under the committed CA
//! at a fixed time; a private key (PEM or DER) to load and pair with the
//! committed server certificate; or a trust store.
#![no_main]

use keel_fuzz::configs::{SERVER_NAME, pki};
use keel_fuzz::det::NOW_SECS;
use keel_pki::{
    CertifiedKey, ClientAuth, ClientCertVerifier, ServerCertVerifier, ServerName, TrustStore,
    UnixTime, load_certificates, load_private_key,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let fixture = pki();
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(NOW_SECS));
    match selector % 4 {
        0 => {
            let Ok(chain) = load_certificates(bytes) else {
                return;
            };
            let name = ServerName::parse(SERVER_NAME).unwrap();
            let server = ServerCertVerifier::new(fixture.roots.clone());
            if server.verify(&chain, &name, None, now).is_ok() {
                // Only the committed leaf can verify under the committed CA.
                assert_eq!(
                    chain.first(),
                    Some(fixture.server.leaf()),
                    "a forged chain verified"
                );
            }
            let client = ClientCertVerifier::new(fixture.roots.clone(), ClientAuth::Required);
            if client.verify(&chain, now).is_ok() {
                assert_eq!(
                    chain.first(),
                    Some(fixture.client.leaf()),
                    "a forged client chain verified"
                );
            }
        }
        1 => {
            if let Ok(key) = load_private_key(bytes) {
                let _ = CertifiedKey::new(fixture.server.chain().to_vec(), &key);
            }
        }
        2 => {
            if let Ok(chain) = load_certificates(bytes) {
                if let Ok(key) = keel_pki::load_private_key(include_bytes!("../data/server.key")) {
                    let _ = CertifiedKey::new(chain, &key);
                }
            }
        }
        _ => {
            if let Ok(store) = TrustStore::from_pem(bytes) {
                let _ = store.subject_names();
            }
        }
    }
});
