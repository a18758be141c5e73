//! A keel server fed arbitrary bytes. The first byte picks the variant
//! (TLS 1.3 or TLS 1.2 only, client auth, ALPN, OCSP, tickets, a
//! HelloRetryRequest, resumption: the server then holds its ticket keys
//! and cache as a first handshake left them, so that a ClientHello with a
//! pre_shared_key reaches the ticket, binder and PSK paths), the second
//! the size of the pieces the rest arrives in (0: all at once). Seeds are
//! a deterministic keel client's whole output, so the fuzzer starts from
//! complete handshakes.
#![no_main]

use keel::ServerConnection;
use keel_fuzz::Variant;
use keel_fuzz::configs::server_config;
use keel_fuzz::invariants::{check_failed, feed};
use keel_fuzz::pair::stores_for;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [variant, chunk, bytes @ ..] = data else {
        return;
    };
    let variant = Variant::from_byte(*variant);
    let stores = stores_for(variant);
    let mut server = ServerConnection::new(server_config(variant, &stores));
    let mut out = Vec::new();
    if let Some(error) = feed(&mut server, bytes, usize::from(*chunk), &mut out) {
        check_failed(&mut server, &error, &out);
    }
});
