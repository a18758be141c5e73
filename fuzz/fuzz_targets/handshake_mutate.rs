//! Structure-aware: a valid, repeatable keel handshake (variant from the
//! first byte: TLS 1.3 or TLS 1.2 only, client auth, ALPN, OCSP, tickets,
//! a HelloRetryRequest, resumption) in which one plaintext handshake
//! message is replaced (in TLS 1.3 the hellos; the rest is protected), or
//! one record slipped in, before the peer sees it. Whatever happens: no panic, errors sticky with
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
