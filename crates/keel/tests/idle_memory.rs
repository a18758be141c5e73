//! `Connection::release_buffers`: after a full-size record each way, a
//! connection holds its receive and send buffers; releasing
//! them gives that memory back (counted by dhat as the global allocator),
//! and the connection goes on working, in both versions. One test in this
//! binary on purpose: dhat counts for the whole process.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod conn_support;
mod pki_support;

use conn_support::{handshake, pair, send};
use keel::Versions;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn held_bytes() -> usize {
    dhat::HeapStats::get().curr_bytes
}

#[test]
fn released_buffers_give_their_memory_back_and_the_connection_goes_on() {
    let _profiler = dhat::Profiler::builder().testing().build();
    for versions in [Versions::Tls13Only, Versions::Tls12Only] {
        let (mut client, mut server) = pair(versions);
        handshake(&mut client, &mut server);
        let record = vec![0x5a; 16 * 1024];
        send(&mut client, &mut server, &record);
        send(&mut server, &mut client, &record);

        let before = held_bytes();
        client.release_buffers();
        server.release_buffers();
        let freed = before - held_bytes();
        // Each side held a record's worth of received TLS bytes (its
        // plaintext is read from where it was decrypted) and of bytes to
        // send: four buffers of 16 KiB or more.
        assert!(
            freed >= 4 * 16 * 1024,
            "{versions:?}: only {freed} bytes freed"
        );

        // Nothing lost: data goes both ways again, and the buffers come
        // back as needed.
        send(&mut client, &mut server, b"after the quiet");
        send(&mut server, &mut client, &record);
        let before = held_bytes();
        server.release_buffers();
        assert!(before - held_bytes() >= 16 * 1024, "{versions:?}");
    }
}
