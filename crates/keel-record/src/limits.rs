//! Sizes fixed by the protocol.

/// Record header: type (1), version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// The largest plaintext fragment: 2^14 bytes (RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;

/// The largest protected fragment: 2^14 + 2048 bytes (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

/// The largest protected fragment in TLS 1.3: 2^14 + 256 bytes
/// (RFC 8446 §5.2: "The length MUST NOT exceed 2^14 + 256 bytes").
pub const MAX_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 256;

/// The largest TLSInnerPlaintext (content, type byte and padding) in TLS
/// 1.3: 2^14 + 1 bytes (RFC 8446 §5.2, §5.4).
pub const MAX_INNER_PLAINTEXT: usize = MAX_PLAINTEXT + 1;

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

/// How many unencrypted change_cipher_spec records in a row a TLS 1.3
/// receiver drops (RFC 8446 §5: the receiver "MUST simply drop it without
/// further processing").
/// A compliant peer sends one per handshake (RFC 8446 Appendix D.4); the
/// bound leaves room for a few more and stops a peer that would keep a
/// receiver busy with nothing else. Records that carry something reset the
/// count.
pub const MAX_CONSECUTIVE_MIDDLEBOX_CCS: usize = 4;

/// How many records before a TLS 1.3 key's limit
/// [`RecordSealer::key_update_due`](crate::RecordSealer::key_update_due)
/// starts saying yes: 2^16 records, about 1 GiB of full-size records, so
/// that a KeyUpdate (RFC 8446 §4.6.3) goes out long before any one write
/// could reach the limit itself (RFC 8446 §5.5).
pub const KEY_UPDATE_MARGIN: u64 = 1 << 16;

/// How many bytes of rejected 0-RTT records a server drops before it stops
/// skipping them: 16,645, the longest record a TLS 1.3 header may announce
/// (5 bytes of header and 2^14 + 256 of ciphertext), counted as records
/// arrive on the wire, header included.
///
/// RFC 8446 §4.2.10 has a server skip rejected early data "up to the
/// configured max_early_data_size". keel accepts no early data and so has
/// no such setting; a client that sends some holds a ticket from another
/// server (one that advertised a max_early_data_size), or misbehaves. The
/// bound is a work ceiling: each record skipped after a ServerHello costs
/// a failed decryption, and without a bound a peer could keep a server
/// busy with them for free. BoringSSL skips 16,384 bytes of whole records
/// (`kMaxEarlyDataSkipped`, a little above the 14,336 bytes of plaintext it
/// accepts); rustls, rejecting without a configured size, 16,384 bytes of
/// record bodies ("a single maximum-sized message"). Servers advertise at
/// most 2^14 bytes in practice, and max_early_data_size counts content
/// only (RFC 8446 §4.6.1), so the bound is 2^14 bytes of early data with
/// room for what records add to it: one record of 2^14 bytes sealed by any
/// AEAD TLS 1.3 allows, padding included, or with 16-byte tags the same
/// 2^14 bytes in up to eleven records (5 + 1 + 16 bytes each).
pub const MAX_SKIPPED_EARLY_DATA: usize = HEADER_LEN + MAX_CIPHERTEXT_TLS13;
