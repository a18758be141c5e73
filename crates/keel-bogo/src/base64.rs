//! Standard base64 (RFC 4648 §4, with padding) decoding, for the runner's
//! base64 flags (`-ocsp-response`, `-ticket-key`, ...). A dozen lines do
//! not justify a dependency.

/// Decodes `text`, or `None` if it is not valid padded base64.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return None;
        }
        let mut bits: u32 = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let value = if i >= 4 - pad { 0 } else { sextet(c)? };
            bits = bits << 6 | value;
        }
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(bytes.get(1..4 - pad)?);
    }
    // Padding only at the very end.
    let padded_inside = text
        .iter()
        .take(text.len().saturating_sub(4))
        .any(|&c| c == b'=');
    (!padded_inside).then_some(out)
}

fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn rfc_4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                decode(encoded.as_bytes()).unwrap(),
                plain.as_bytes(),
                "{encoded}"
            );
        }
    }

    #[test]
    fn invalid_text_is_refused() {
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm9*", "Zm9v\n"] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad}");
        }
    }
}
