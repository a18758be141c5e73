//! Tests of the TLS 1.3 building blocks: the RFC 8448 traces, the
//! properties the traces do not cover, and the refusals.

mod certificate_verify;
mod key_schedule;
mod key_share;
mod layers;
mod rfc8448;
mod transcript;
mod vectors;

use std::sync::Mutex;

use crate::random::{Rng, RngFailed};

/// An Rng that hands out given bytes, in order, and fails when they run
/// out: the RFC 8448 private keys come in through it.
#[derive(Debug)]
pub(super) struct FixedRng(Mutex<Vec<u8>>);

impl FixedRng {
    pub(super) fn new(bytes: &[u8]) -> Self {
        Self(Mutex::new(bytes.to_vec()))
    }
}

impl Rng for FixedRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        let mut left = self.0.lock().unwrap();
        if left.len() < buf.len() {
            return Err(RngFailed);
        }
        let rest = left.split_off(buf.len());
        buf.copy_from_slice(&left);
        *left = rest;
        Ok(())
    }
}
