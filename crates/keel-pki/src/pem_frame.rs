//! The framing of PEM input: where each `-----BEGIN label-----` ...
//! `-----END label-----` block (RFC 7468 §2) starts and ends, and its label.
//!
//! Decoding a block is rustls-pki-types' `PemObject`. The framing stays
//! hand-written because keel's errors need what that reader does not give:
//! the line a broken block starts at (its errors carry no position), and
//! the blocks it does not read, which keel must see to refuse by name a
//! private key in a trust store, an encrypted key or a key of a kind it
//! cannot use: blocks with labels it does not know, which it skips without
//! a word (`ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`), and a legacy
//! encrypted key's `Proc-Type: 4,ENCRYPTED` header, which it would report
//! as bad base64.

use rustls_pki_types::pem::{self, PemObject};

use crate::load_error::{InvalidPemSnafu, LoadError};

/// Whether the input is PEM rather than DER: DER never contains the text
/// `-----BEGIN`, since a DER certificate or key starts with a SEQUENCE tag.
pub(crate) fn looks_like_pem(input: &[u8]) -> bool {
    input
        .windows(PEM_BEGIN.len())
        .any(|window| window == PEM_BEGIN)
}

/// One `-----BEGIN label-----` ... `-----END label-----` block of a PEM
/// input (RFC 7468 §2), found by its framing lines only.
pub(crate) struct PemBlock<'a> {
    /// The label between `BEGIN ` and the five dashes.
    pub(crate) label: &'a [u8],
    /// The 1-based line number of the BEGIN line.
    pub(crate) begin_line: usize,
    /// The block from its BEGIN line to its END line, both included.
    text: &'a [u8],
    /// Whether the block carries the RFC 1421 header of a legacy encrypted
    /// key (`Proc-Type: 4,ENCRYPTED`).
    pub(crate) encrypted: bool,
}

impl PemBlock<'_> {
    /// Decodes the block through rustls-pki-types, as `T` (a certificate,
    /// a private key): the caller has matched the label to `T` already. A
    /// decoding error names the block's BEGIN line.
    pub(crate) fn decode<T: PemObject>(&self) -> Result<T, LoadError> {
        T::from_pem_slice(self.text).map_err(|error| {
            let reason = match error {
                pem::Error::Base64Decode(_) => "the base64 body of the block does not decode",
                pem::Error::SectionTooLarge => "the block is larger than 256 MiB",
                pem::Error::IllegalSectionStart { .. } => "the BEGIN line is malformed",
                _ => "the block cannot be read",
            };
            LoadError::InvalidPem {
                line: self.begin_line,
                reason,
            }
        })
    }

    /// Whether the label names a private key of any kind (`PRIVATE KEY`,
    /// `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `OPENSSH PRIVATE KEY`,
    /// ...).
    pub(crate) fn is_private_key(&self) -> bool {
        self.label.ends_with(b"PRIVATE KEY")
    }
}

/// Splits a PEM input into its blocks, checking the framing: every BEGIN
/// line has a matching END line, blocks do not nest. Text outside blocks is
/// allowed, as RFC 7468 §2 allows it.
pub(crate) fn pem_blocks(input: &[u8]) -> Result<Vec<PemBlock<'_>>, LoadError> {
    struct Open<'a> {
        label: &'a [u8],
        begin_line: usize,
        start: usize,
        encrypted: bool,
    }

    let mut blocks = Vec::new();
    let mut open: Option<Open<'_>> = None;
    let mut offset: usize = 0;
    for (index, raw_line) in input.split_inclusive(|&byte| byte == b'\n').enumerate() {
        let line_number = index.saturating_add(1);
        let line = raw_line.trim_ascii_end();
        let end_offset = offset.saturating_add(raw_line.len());
        if let Some(rest) = line.strip_prefix(b"-----BEGIN ") {
            if let Some(previous) = &open {
                return InvalidPemSnafu {
                    line: previous.begin_line,
                    reason: "the block has no END line before the next BEGIN line",
                }
                .fail();
            }
            let Some(label) = rest.strip_suffix(PEM_DASHES) else {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "the BEGIN line does not end with five dashes",
                }
                .fail();
            };
            open = Some(Open {
                label,
                begin_line: line_number,
                start: offset,
                encrypted: false,
            });
        } else if let Some(rest) = line.strip_prefix(b"-----END ") {
            let Some(block) = open.take() else {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "an END line without a BEGIN line",
                }
                .fail();
            };
            if rest.strip_suffix(PEM_DASHES) != Some(block.label) {
                return InvalidPemSnafu {
                    line: line_number,
                    reason: "the END line's label differs from its BEGIN line's",
                }
                .fail();
            }
            // Both offsets are line boundaries inside `input`.
            let text = input.get(block.start..end_offset).unwrap_or_default();
            blocks.push(PemBlock {
                label: block.label,
                begin_line: block.begin_line,
                text,
                encrypted: block.encrypted,
            });
        } else if let Some(block) = &mut open {
            // RFC 1421 §4.6.1.1: "Proc-Type: 4,ENCRYPTED" marks a legacy
            // OpenSSL encrypted key ("RSA PRIVATE KEY" with a DEK-Info line).
            if line.starts_with(b"Proc-Type:") && line.ends_with(b"ENCRYPTED") {
                block.encrypted = true;
            }
        }
        offset = end_offset;
    }
    if let Some(block) = open {
        return InvalidPemSnafu {
            line: block.begin_line,
            reason: "the block has no END line (is the input truncated?)",
        }
        .fail();
    }
    Ok(blocks)
}

const PEM_BEGIN: &[u8] = b"-----BEGIN";
const PEM_DASHES: &[u8] = b"-----";
