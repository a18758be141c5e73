//! A keel server fed arbitrary bytes. The first byte picks the variant
//! (client auth, ALPN, OCSP, tickets), the second the size of the pieces
//! the rest arrives in (0: all at once). Seeds are a deterministic keel
//! client's whole output, so the fuzzer starts from complete handshakes.
#![no_main]

use keel::ServerConnection;
use keel_fuzz::Variant;
use keel_fuzz::configs::{Stores, server_config};
use keel_fuzz::invariants::{check_failed, feed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [variant, chunk, bytes @ ..] = data else {
        return;
    };
    let stores = Stores::new();
    let mut server = ServerConnection::new(server_config(Variant::from_byte(*variant), &stores));
    let mut out = Vec::new();
    if let Some(error) = feed(&mut server, bytes, usize::from(*chunk), &mut out) {
        check_failed(&mut server, &error, &out);
    }
});
