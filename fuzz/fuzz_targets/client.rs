//! A keel client fed arbitrary bytes after sending its ClientHello. The
//! first byte picks the variant (client auth, ALPN, OCSP, tickets), the
//! second the size of the pieces the rest arrives in (0: all at once).
//! Seeds are a deterministic keel server's whole output for this client's
//! ClientHello, so the fuzzer starts from complete handshakes.
#![no_main]

use keel::ClientConnection;
use keel_fuzz::Variant;
use keel_fuzz::configs::{SERVER_NAME, Stores, client_config};
use keel_fuzz::invariants::{check_failed, feed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [variant, chunk, bytes @ ..] = data else {
        return;
    };
    let stores = Stores::new();
    let config = client_config(Variant::from_byte(*variant), &stores);
    let mut client = ClientConnection::new(config, SERVER_NAME).unwrap();
    let mut out = Vec::new();
    client.write_tls(&mut out);
    if let Some(error) = feed(&mut client, bytes, usize::from(*chunk), &mut out) {
        check_failed(&mut client, &error, &out);
    }
});
