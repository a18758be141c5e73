//! The NSS key log line and the default key log. (`openssl_sessions.rs`
//! also checks `nss_line` against the lines OpenSSL wrote.)

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Mutex;

use keel_handshake::keylog::{CLIENT_RANDOM, KeyLog, NoKeyLog, nss_line};

#[test]
fn nss_line_format() {
    let client_random: [u8; 32] = core::array::from_fn(|i| i as u8 * 8);
    let secret: Vec<u8> = (0..48u8).map(|i| 0xff - i).collect();
    assert_eq!(
        nss_line(CLIENT_RANDOM, &client_random, &secret),
        "CLIENT_RANDOM \
         0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8 \
         fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0dfdedddcdbdad9d8d7d6d5d4d3d2d1d0"
    );
}

#[test]
fn nss_line_of_empty_secret_and_other_label() {
    assert_eq!(
        nss_line("LABEL", &[0; 32], &[]),
        format!("LABEL {} ", "0".repeat(64))
    );
}

#[test]
fn no_key_log_declines_everything() {
    let log = NoKeyLog;
    assert!(!log.will_log(CLIENT_RANDOM));
    log.log(CLIENT_RANDOM, &[0; 32], &[1; 48]);
}

/// A user's key log, as the facade will hold one: behind a trait object,
/// shared between threads.
#[derive(Debug, Default)]
struct Collect(Mutex<Vec<String>>);

impl KeyLog for Collect {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(nss_line(label, client_random, secret));
    }
}

#[test]
fn key_log_as_a_shared_trait_object() {
    let collect = std::sync::Arc::new(Collect::default());
    let log: std::sync::Arc<dyn KeyLog> = collect.clone();
    assert!(log.will_log(CLIENT_RANDOM), "the default is to log");
    let worker = {
        let log = log.clone();
        std::thread::spawn(move || log.log(CLIENT_RANDOM, &[0xaa; 32], &[0x11; 2]))
    };
    worker.join().unwrap();
    assert_eq!(
        *collect.0.lock().unwrap(),
        [format!("CLIENT_RANDOM {} 1111", "aa".repeat(32))]
    );
}
