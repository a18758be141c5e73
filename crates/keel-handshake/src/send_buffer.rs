//! The connection's outgoing TLS bytes.
//!
//! Records are written at the end and sent from the front. The buffer keeps
//! its length (its "high-water mark") when its bytes are sent, so that
//! application data can be sealed straight into room that is already
//! initialised: growing a `Vec` for each record would zero the room first,
//! a pass over every byte sent that the cipher then overwrites. Bytes
//! beyond the pending ones are records already handed out (ciphertext, or
//! the handshake's public plaintext records), never application plaintext:
//! application data is sealed from the caller's buffer, not copied here.

use keel_record::RecordSink;

/// TLS bytes waiting to be sent: `buf[start..end]`.
#[derive(Debug, Default)]
pub(crate) struct SendBuffer {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl SendBuffer {
    /// The bytes waiting to be sent.
    pub(crate) fn pending(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// How many bytes wait.
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Marks the first `n` pending bytes as sent (at most all of them).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Frees the buffer when nothing waits in it. Sealing into it later
    /// allocates and zeroes it again, once: call this when the connection
    /// goes quiet, not between records.
    pub(crate) fn release(&mut self) {
        if self.is_empty() {
            *self = Self::default();
        }
    }

    /// The buffer's allocated size.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Moves every pending byte to the end of `out`.
    pub(crate) fn take_into(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.pending());
        self.start = 0;
        self.end = 0;
    }

    /// Moves the pending bytes to the front once at least as many bytes
    /// before them have been sent, so that a caller that always leaves
    /// some bytes unsent cannot make the buffer grow without bound; each
    /// byte is moved at most once per byte sent before it.
    fn compact(&mut self) {
        if self.start > 0 && self.start >= self.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }
}

/// The record writer appends straight into the buffer. Lengths are of the
/// pending bytes, so they stay valid when the buffer compacts.
impl RecordSink for SendBuffer {
    fn written(&self) -> usize {
        self.len()
    }

    /// Room after the pending bytes, zeroed only where the buffer grows
    /// past its high-water mark; what is there already is old records.
    fn extend(&mut self, n: usize) -> &mut [u8] {
        self.compact();
        let from = self.end;
        let to = from.saturating_add(n);
        if self.buf.len() < to {
            self.buf.resize(to, 0);
        }
        self.end = to;
        self.buf.get_mut(from..to).unwrap_or_default()
    }

    fn truncate_to(&mut self, len: usize) {
        self.end = self.start + len.min(self.len());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use keel_record::RecordSink;

    use super::SendBuffer;

    /// One step a connection takes on its send buffer.
    #[derive(Debug, Clone)]
    enum Step {
        Write(Vec<u8>),
        Consume(usize),
        Take,
        FailedWrite(Vec<u8>, Vec<u8>),
    }

    fn step() -> impl Strategy<Value = Step> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..300);
        prop_oneof![
            bytes.clone().prop_map(Step::Write),
            (0usize..400).prop_map(Step::Consume),
            Just(Step::Take),
            (bytes.clone(), bytes).prop_map(|(a, b)| Step::FailedWrite(a, b)),
        ]
    }

    fn write(buffer: &mut SendBuffer, bytes: &[u8]) {
        buffer.extend(bytes.len()).copy_from_slice(bytes);
    }

    proptest! {
        /// Whatever the order of writes, sends and failed writes, the
        /// pending bytes are exactly those written and not yet sent, in
        /// order, and the buffer stays within twice the bytes it ever
        /// held at once plus one write.
        #[test]
        fn pending_bytes_are_what_was_written_and_not_sent(steps in proptest::collection::vec(step(), 0..60)) {
            let mut buffer = SendBuffer::default();
            let mut model: Vec<u8> = Vec::new();
            let mut most = 0usize;
            for step in steps {
                match step {
                    Step::Write(bytes) => {
                        write(&mut buffer, &bytes);
                        model.extend_from_slice(&bytes);
                    }
                    Step::Consume(n) => {
                        buffer.consume(n);
                        model.drain(..n.min(model.len()));
                    }
                    Step::Take => {
                        let mut out = vec![7u8];
                        buffer.take_into(&mut out);
                        prop_assert_eq!(&out[1..], &model[..]);
                        model.clear();
                    }
                    Step::FailedWrite(first, second) => {
                        // Two records, then the writer gives up: both go.
                        let mark = buffer.written();
                        write(&mut buffer, &first);
                        write(&mut buffer, &second);
                        buffer.truncate_to(mark);
                    }
                }
                prop_assert_eq!(buffer.pending(), &model[..]);
                prop_assert_eq!(buffer.written(), model.len());
                prop_assert_eq!(buffer.is_empty(), model.is_empty());
                most = most.max(model.len());
                prop_assert!(buffer.buf.len() <= 2 * most + 600, "{} bytes held for at most {}", buffer.buf.len(), most);
            }
        }
    }

    #[test]
    fn sending_all_keeps_the_room_for_the_next_records() {
        let mut buffer = SendBuffer::default();
        buffer.extend(1000).fill(1);
        buffer.consume(1000);
        assert!(buffer.is_empty());
        // The next record is sealed into the same, already initialised,
        // bytes: nothing grows.
        let capacity = buffer.buf.capacity();
        assert_eq!(buffer.extend(900).len(), 900);
        assert_eq!(buffer.buf.len(), 1000);
        assert_eq!(buffer.len(), 900);
        assert_eq!(buffer.buf.capacity(), capacity);
    }
}
