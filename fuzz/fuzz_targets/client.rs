//! A keel client fed arbitrary bytes after sending its ClientHello. The
//! first byte picks the variant (TLS 1.3 or TLS 1.2 only, client auth,
//! ALPN, OCSP, tickets, a HelloRetryRequest, resumption: the client then
//! holds the session of a first handshake and offers it, in TLS 1.3 as a
//! PSK with its binder), the second the size of the pieces the rest
//! arrives in (0: all at once). Seeds are a deterministic keel server's
//! whole output for this client's ClientHello, so the fuzzer starts from
//! complete handshakes.
#![no_main]

use keel::ClientConnection;
use keel_fuzz::Variant;
use keel_fuzz::configs::{SERVER_NAME, client_config};
use keel_fuzz::invariants::{check_failed, feed};
use keel_fuzz::pair::stores_for;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [variant, chunk, bytes @ ..] = data else {
        return;
    };
    let variant = Variant::from_byte(*variant);
    let stores = stores_for(variant);
    let config = client_config(variant, &stores);
    let mut client = ClientConnection::new(config, SERVER_NAME).unwrap();
    let mut out = Vec::new();
    client.write_tls(&mut out);
    if let Some(error) = feed(&mut client, bytes, usize::from(*chunk), &mut out) {
        check_failed(&mut client, &error, &out);
    }
});
