//! Structure-aware: a valid, repeatable keel handshake (variant from the
//! first byte: client auth, ALPN, OCSP, tickets, resumption) in which one
//! plaintext handshake message is replaced, or one record slipped in,
//! before the peer sees it. Whatever happens: no panic, errors sticky with
//! their alert sent, and never both sides completing a handshake whose
//! messages were changed.
#![no_main]

use keel_fuzz::Variant;
use keel_fuzz::pair::{Tamper, run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&variant, rest)) = data.split_first() else {
        return;
    };
    run(Variant::from_byte(variant), Tamper::from_input(rest));
});
