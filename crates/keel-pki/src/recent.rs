//! A small, bounded, thread-safe memory of recent results, shared by the
//! verifiers' caches (leaves' verdicts, issuers' and peers' parsed keys).
//! Lookups compare whole keys (exact bytes), never hashes, so a value is
//! only ever reused for exactly what produced it.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many entries each memory keeps; the oldest leaves first.
const CAPACITY: usize = 32;

pub(crate) struct Recent<K, V> {
    entries: Mutex<VecDeque<(K, V)>>,
}

impl<K, V> Default for Recent<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(VecDeque::new()),
        }
    }
}

impl<K, V: Clone> Recent<K, V> {
    /// The value remembered under a key that `is` accepts, or else the one
    /// `make` produces, remembered with its key when it succeeds (a
    /// failure is never remembered). `make` runs outside the lock, so
    /// other threads do not wait for it; a poisoned lock only loses the
    /// remembering.
    pub(crate) fn get_or_make<E>(
        &self,
        is: impl Fn(&K) -> bool,
        make: impl FnOnce() -> Result<(K, V), E>,
    ) -> Result<V, E> {
        if let Ok(entries) = self.entries.lock()
            && let Some((_, value)) = entries.iter().find(|(key, _)| is(key))
        {
            return Ok(value.clone());
        }
        let (key, value) = make()?;
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.pop_front();
            }
            entries.push_back((key, value.clone()));
        }
        Ok(value)
    }

    /// How many entries are remembered.
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::cell::Cell;

    use super::{CAPACITY, Recent};

    #[test]
    fn remembers_successes_only_and_at_most_its_capacity() {
        let recent: Recent<u32, String> = Recent::default();
        let made = Cell::new(0);
        let get = |k: u32| {
            recent.get_or_make(
                |key| *key == k,
                || {
                    made.set(made.get() + 1);
                    if k == 999 {
                        Err("refused")
                    } else {
                        Ok((k, format!("v{k}")))
                    }
                },
            )
        };
        assert_eq!(get(1).unwrap(), "v1");
        assert_eq!(get(1).unwrap(), "v1");
        assert_eq!(get(999), Err("refused"));
        assert_eq!(get(999), Err("refused"));
        assert_eq!(made.get(), 3, "1 once, the refusal each time");
        for k in 0..100 {
            assert_eq!(get(k).unwrap(), format!("v{k}"));
        }
        assert_eq!(recent.len(), CAPACITY);
        // The oldest left: 1 is made again, 99 is not.
        let before = made.get();
        get(99).unwrap();
        assert_eq!(made.get(), before);
        get(1).unwrap();
        assert_eq!(made.get(), before + 1);
    }
}
