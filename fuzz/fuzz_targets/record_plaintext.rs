//! keel-record's deframer and handshake reassembly on unprotected bytes,
//! through both receive levels (which must agree). First byte: bit 0 says
//! whether the version is negotiated; second: the piece size for the
//! buffered reader (0: all at once).
#![no_main]

use keel_fuzz::levels::both_levels;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [flags, chunk, stream @ ..] = data else {
        return;
    };
    both_levels(stream, flags & 1 != 0, None, usize::from(*chunk));
});
