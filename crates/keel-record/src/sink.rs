//! Where a [`RecordWriter`](crate::RecordWriter) puts the records it
//! writes: a `Vec`, or a send buffer of the caller's own (a connection
//! keeps one that never zeroes room it already has).

/// A growable run of bytes that records are appended to.
pub trait RecordSink {
    /// How many bytes are written so far; [`truncate_to`](Self::truncate_to)
    /// that length undoes every later write.
    fn written(&self) -> usize;

    /// Appends `n` bytes and returns them for the writer to fill. Their
    /// contents are unspecified: the writer overwrites every one of them
    /// (a whole record's header, nonce, ciphertext and tag).
    fn extend(&mut self, n: usize) -> &mut [u8];

    /// Drops every byte after the first `len` written.
    fn truncate_to(&mut self, len: usize);

    /// A hint that about `additional` more bytes are coming.
    fn reserve(&mut self, additional: usize) {
        let _ = additional;
    }
}

impl RecordSink for Vec<u8> {
    fn written(&self) -> usize {
        self.len()
    }

    fn extend(&mut self, n: usize) -> &mut [u8] {
        let start = self.len();
        self.resize(start.saturating_add(n), 0);
        self.get_mut(start..).unwrap_or_default()
    }

    fn truncate_to(&mut self, len: usize) {
        self.truncate(len);
    }

    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
}
