//! The handshake stream is the concatenation of every handshake record's
//! fragment. A message, or an error inside it, has a position in that
//! stream; this map turns the position back into an offset in the input,
//! even when the message was split across records.

/// Where each pushed fragment of the handshake stream lies in the input.
#[derive(Debug, Default)]
pub(crate) struct StreamMap {
    /// In stream order; each starts where the previous one ended.
    segments: Vec<Segment>,
    /// Total bytes pushed.
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    stream_start: usize,
    input_start: usize,
}

impl StreamMap {
    /// Records that the next `len` stream bytes are the input bytes from
    /// `input_start` on. Empty fragments are never pushed (the walk refuses
    /// empty handshake records), so segments never overlap.
    pub(crate) fn push(&mut self, input_start: usize, len: usize) {
        self.segments.push(Segment {
            stream_start: self.len,
            input_start,
        });
        self.len += len;
    }

    /// Total bytes pushed.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The input offset of stream byte `pos`. A position at or past the end
    /// of the stream (an error "at the end of the message") maps to just
    /// after the last pushed byte, counted on from there.
    pub(crate) fn input_offset(&self, pos: usize) -> usize {
        // The last segment starting at or before `pos`.
        let index = self
            .segments
            .partition_point(|segment| segment.stream_start <= pos);
        match index.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(segment) => segment.input_start + (pos - segment.stream_start),
            None => pos,
        }
    }

    /// The stream byte at `pos`, read from `input`, if it has been pushed.
    pub(crate) fn byte(&self, input: &[u8], pos: usize) -> Option<u8> {
        if pos >= self.len {
            return None;
        }
        input.get(self.input_offset(pos)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_through_split_fragments() {
        let mut map = StreamMap::default();
        // Two records: fragment of 3 bytes at input 5, of 4 bytes at input 13.
        map.push(5, 3);
        map.push(13, 4);
        assert_eq!(map.len(), 7);
        assert_eq!(map.input_offset(0), 5);
        assert_eq!(map.input_offset(2), 7);
        assert_eq!(map.input_offset(3), 13);
        assert_eq!(map.input_offset(6), 16);
        assert_eq!(map.input_offset(7), 17);
        let input: Vec<u8> = (0..20).collect();
        assert_eq!(map.byte(&input, 3), Some(13));
        assert_eq!(map.byte(&input, 7), None);
    }
}
