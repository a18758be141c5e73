//! What must hold after any input, whatever it was.

use keel::{Connection, Error, HandshakeError};
use keel_wire::registry::ContentType;
use keel_wire::{Alert, Codec};

use crate::records::{content_type, split_records};

/// A TLS 1.3 protected alert record: header, alert, content type, tag.
const TLS13_ALERT_RECORD_LEN: usize = 5 + 2 + 1 + 16;

/// Feeds `bytes` in pieces of `chunk` bytes (all at once for 0), moving the
/// connection's output to `out` after each piece. Stops at the first error
/// and returns it.
pub fn feed(conn: &mut Connection, bytes: &[u8], chunk: usize, out: &mut Vec<u8>) -> Option<Error> {
    let size = if chunk == 0 {
        bytes.len().max(1)
    } else {
        chunk
    };
    for piece in bytes.chunks(size) {
        let mut rest = piece;
        while !rest.is_empty() {
            match conn.read_tls(rest) {
                Ok(0) => {
                    // Full: read the plaintext out, as an application would.
                    let mut buf = [0u8; 4096];
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e) => {
                    conn.write_tls(out);
                    return Some(e);
                }
            }
            drain_plaintext(conn);
        }
        conn.write_tls(out);
    }
    None
}

/// Reads and drops whatever plaintext is waiting.
pub fn drain_plaintext(conn: &mut Connection) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = conn.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// After `error` (returned by `conn`, whose whole output is `out`): the
/// error is sticky, it is not an internal error (peer bytes must never
/// reach a "cannot happen" path), and the alert it names was the last
/// record sent (read when plaintext; in TLS 1.3 under keys, a protected
/// record the size of one alert).
pub fn check_failed(conn: &mut Connection, error: &Error, out: &[u8]) {
    let Error::Tls { source } = error else {
        panic!("a connection fed bytes failed outside TLS: {error}");
    };
    if matches!(
        source,
        HandshakeError::Internal { .. } | HandshakeError::KeySchedule { .. }
    ) {
        panic!("peer bytes reached an internal error: {source}");
    }
    let again = conn.read_tls(&[23, 3, 3, 0, 1, 0]);
    assert!(again.is_err(), "error not sticky on read_tls after {error}");
    assert!(
        conn.write(b"x").is_err(),
        "error not sticky on write after {error}"
    );
    assert_eq!(
        conn.error().map(|e| e.to_string()),
        Some(error.to_string()),
        "error() forgot the error"
    );
    if let Some(alert) = source.alert() {
        let records = split_records(out);
        let last = records.last().copied().unwrap_or_default();
        // RFC 8446 §5.2: a TLS 1.3 record under keys says
        // application_data outside; an alert in one is its 2 bytes, the
        // inner content type and the 16-byte tag (keel pads nothing).
        let protected13 = content_type(last) == Some(ContentType::APPLICATION_DATA)
            && last.len() == TLS13_ALERT_RECORD_LEN;
        assert!(
            content_type(last) == Some(ContentType::ALERT) || protected13,
            "{error}: the last record sent is not the {alert} alert"
        );
        // A plaintext alert (2 bytes) can be read; a protected one cannot.
        if let Some(body) = last.get(5..).filter(|b| b.len() == 2) {
            let sent = Alert::decode(body).unwrap();
            assert_eq!(sent.description, alert, "{error}: wrong alert sent");
        }
    }
    // Nothing more goes out once failed.
    let mut more = Vec::new();
    conn.write_tls(&mut more);
    assert!(more.is_empty(), "{error}: bytes written after the alert");
}
