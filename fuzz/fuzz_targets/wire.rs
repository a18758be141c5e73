//! Every keel-wire decoder. The first byte picks the structure; whatever
//! decodes must encode back to exactly the input (the codec's round-trip
//! promise) and decode again to the same value.
#![no_main]

use keel_fuzz::wire::{STRUCTURES, decode_roundtrip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let structure = STRUCTURES[usize::from(selector) % STRUCTURES.len()];
    decode_roundtrip(structure, bytes);
});
