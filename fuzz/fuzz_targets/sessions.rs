//! Session state that comes back from outside: serialised sessions (a
//! store exported to disk and imported again) and session tickets (a blob
//! the client holds and returns). Accepted sessions re-encode to their
//! input; a ticket that was not sealed with the keys never opens.
#![no_main]

use keel_fuzz::det::NOW_SECS;
use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache, StoredSession};
use keel_handshake::tickets::TicketKeys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 3 {
        0 => {
            if let Ok(session) = StoredSession::from_bytes(bytes) {
                assert_eq!(
                    session.to_bytes().expect("an accepted session encodes"),
                    bytes,
                    "an accepted session re-encodes differently"
                );
            }
        }
        1 => {
            let cache = ServerSessionCache::new(4, std::time::Duration::from_secs(3600));
            let accepted = cache.import(bytes).is_ok();
            assert_eq!(accepted, StoredSession::from_bytes(bytes).is_ok());
            if accepted {
                assert_eq!(
                    cache.export(),
                    vec![bytes.to_vec()],
                    "an imported session exports differently"
                );
            }
            let store = ClientSessionStore::new(4, std::time::Duration::from_secs(3600));
            assert_eq!(store.import("localhost", bytes).is_ok(), accepted);
        }
        _ => {
            // The seeds hold real tickets sealed under this master, so
            // they open; under another master nothing may.
            let keys = TicketKeys::new(
                &[0x42; 32],
                std::time::Duration::from_secs(7200),
                std::time::Duration::from_secs(3600),
            )
            .unwrap();
            if let Some(session) = keys.open(bytes, NOW_SECS) {
                let encoded = session.to_bytes().expect("an opened session encodes");
                let decoded = StoredSession::from_bytes(&encoded).expect("and decodes");
                assert_eq!(decoded.to_bytes().ok(), Some(encoded));
            }
            let other = TicketKeys::new(
                &[0x43; 32],
                std::time::Duration::from_secs(7200),
                std::time::Duration::from_secs(3600),
            )
            .unwrap();
            assert!(
                other.open(bytes, NOW_SECS).is_none(),
                "a ticket opened under the wrong keys"
            );
        }
    }
});
