//! Sizes fixed by the protocol.

/// Record header: type (1), version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// The largest plaintext fragment: 2^14 bytes (RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;

/// The largest protected fragment: 2^14 + 2048 bytes (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

/// The largest record on the wire: header and the largest protected
/// fragment, 18,437 bytes. A receive buffer of this size holds any record
/// the record layer accepts.
pub const MAX_RECORD_LEN: usize = HEADER_LEN + MAX_CIPHERTEXT;

/// The smallest record size limit a peer may ask for (RFC 8449 §4).
pub const MIN_RECORD_SIZE_LIMIT: usize = 64;

/// The largest handshake message accepted by default. Certificate chains are
/// the large messages; OpenSSL's default cap on a certificate list is
/// 100 KiB, and this leaves room above it.
pub const DEFAULT_MAX_HANDSHAKE_MESSAGE: usize = 128 * 1024;

/// How many empty application-data records in a row are tolerated.
/// RFC 5246 §6.2.1 allows them as a traffic-analysis countermeasure; an unbounded run
/// lets a peer keep a receiver busy for free.
pub const MAX_CONSECUTIVE_EMPTY_RECORDS: usize = 32;
