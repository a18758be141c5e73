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

    /// Moves every pending byte to the end of `out`.
    pub(crate) fn take_into(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.pending());
        self.start = 0;
        self.end = 0;
    }

    /// Runs a writer that appends records to a `Vec` (handshake messages,
    /// ChangeCipherSpec, alerts): these are few and small, so the room
    /// beyond the pending bytes is given up for them.
    pub(crate) fn append<T, E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.compact();
        self.buf.truncate(self.end);
        let result = write(&mut self.buf);
        self.end = self.buf.len();
        result
    }

    /// Where the pending bytes end; [`rewind`](Self::rewind) returns to it.
    pub(crate) fn mark(&mut self) -> usize {
        self.compact();
        self.end
    }

    /// Drops everything written since `mark` (a write that failed half-way
    /// leaves nothing behind).
    pub(crate) fn rewind(&mut self, mark: usize) {
        self.end = mark.clamp(self.start, self.end);
    }

    /// `n` bytes of room after the pending ones, for the caller to fill
    /// and then [`commit`](Self::commit). Zeroed only where the buffer
    /// grows past its high-water mark.
    pub(crate) fn room(&mut self, n: usize) -> &mut [u8] {
        self.compact();
        let needed = self.end.saturating_add(n);
        if self.buf.len() < needed {
            self.buf.resize(needed, 0);
        }
        self.buf.get_mut(self.end..needed).unwrap_or_default()
    }

    /// Adds the first `n` bytes of the last [`room`](Self::room) to the
    /// pending bytes.
    pub(crate) fn commit(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.buf.len());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::SendBuffer;

    /// One step a connection takes on its send buffer.
    #[derive(Debug, Clone)]
    enum Step {
        Append(Vec<u8>),
        Room(Vec<u8>, usize),
        Consume(usize),
        Take,
        FailedWrite(Vec<u8>),
    }

    fn step() -> impl Strategy<Value = Step> {
        let bytes = proptest::collection::vec(any::<u8>(), 0..300);
        prop_oneof![
            bytes.clone().prop_map(Step::Append),
            (bytes.clone(), 0usize..20).prop_map(|(b, extra)| Step::Room(b, extra)),
            (0usize..400).prop_map(Step::Consume),
            Just(Step::Take),
            bytes.prop_map(Step::FailedWrite),
        ]
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
                    Step::Append(bytes) => {
                        buffer.append(|v| { v.extend_from_slice(&bytes); Ok::<(), ()>(()) }).unwrap();
                        model.extend_from_slice(&bytes);
                    }
                    Step::Room(bytes, extra) => {
                        let room = buffer.room(bytes.len() + extra);
                        prop_assert_eq!(room.len(), bytes.len() + extra);
                        room[..bytes.len()].copy_from_slice(&bytes);
                        buffer.commit(bytes.len());
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
                    Step::FailedWrite(bytes) => {
                        let mark = buffer.mark();
                        let room = buffer.room(bytes.len());
                        room.copy_from_slice(&bytes);
                        buffer.commit(bytes.len());
                        buffer.rewind(mark);
                    }
                }
                prop_assert_eq!(buffer.pending(), &model[..]);
                prop_assert_eq!(buffer.len(), model.len());
                prop_assert_eq!(buffer.is_empty(), model.is_empty());
                most = most.max(model.len());
                prop_assert!(buffer.buf.len() <= 2 * most + 320, "{} bytes held for at most {}", buffer.buf.len(), most);
            }
        }
    }

    #[test]
    fn sending_all_keeps_the_room_for_the_next_records() {
        let mut buffer = SendBuffer::default();
        let room = buffer.room(1000);
        room.fill(1);
        buffer.commit(1000);
        buffer.consume(1000);
        assert!(buffer.is_empty());
        // The next record is sealed into the same, already initialised,
        // bytes: nothing grows.
        let capacity = buffer.buf.capacity();
        assert_eq!(buffer.room(900).len(), 900);
        assert_eq!(buffer.buf.len(), 1000);
        assert_eq!(buffer.buf.capacity(), capacity);
    }
}
