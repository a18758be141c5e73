//! The handshake phase of a `keel serve` or `keel proxy` connection, from
//! accept until its handshake completes, and the two budgets it is held
//! to.
//!
//! `--max-handshakes` bounds the connections in this phase. The accept
//! loop never waits for it: when a connection arrives and the budget is
//! full, the oldest connection whose client has sent nothing yet is
//! evicted (told to close its socket at once) to make room; only when
//! every client in the budget has spoken is the oldest of those evicted. A connection that has sent
//! nothing costs a socket and a small task, so a flood of silent
//! connections holds at most `--max-handshakes` of them, and a real
//! client is accepted at once however many there are.
//!
//! Eviction is silent first, then oldest first, which is what makes it
//! fair to real clients against an attacker who opens connections faster
//! than they do: a real client speaks at once, so a flood of silent
//! connections evicts only its own; and a client mid-handshake is evicted
//! only if more than `--max-handshakes` connections that have spoken too
//! arrive during its handshake, a round trip or two (a few ms nearby, 100
//! ms or so across the world). Newest first would let a flood evict every
//! real client the moment it arrived.
//!
//! `--max-connections` bounds the connections whose client has spoken: a
//! connection takes a slot once its client's first bytes arrive and holds
//! it to its end. The slot thus bounds handshakes being computed as well
//! as established connections, and a client that sends nothing never
//! takes one. When every slot is taken, a connection whose client has
//! spoken waits for one, within the handshake timeout and still in the
//! handshake budget; its client's handshake makes no progress meanwhile.
//! A client that sends part of a handshake and stalls holds a slot until
//! it times out or is evicted; since such connections are in the
//! handshake budget, they hold at most `--max-handshakes` slots.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::listen::Deadline;

/// The outcome in the log line of a connection evicted in its handshake.
pub(crate) const HANDSHAKE_EVICTED: &str = "handshake evicted";

/// The two budgets of one listener.
#[derive(Debug)]
pub(crate) struct Budgets {
    handshakes: Arc<Mutex<Queue>>,
    max_handshakes: usize,
    slots: Arc<Semaphore>,
}

impl Budgets {
    /// Budgets of `max_handshakes` connections in their handshake and
    /// `max_connections` slots (each at least 1, the slots at most what
    /// tokio's semaphore holds).
    pub(crate) fn new(max_handshakes: usize, max_connections: usize) -> Self {
        Self {
            handshakes: Arc::default(),
            max_handshakes: max_handshakes.max(1),
            // Semaphore::new panics above MAX_PERMITS (2^61 - 1), a number
            // no one needs but `--max-connections` would take.
            slots: Arc::new(Semaphore::new(
                max_connections.clamp(1, Semaphore::MAX_PERMITS),
            )),
        }
    }

    /// Enters a connection just accepted into the handshake budget,
    /// evicting the oldest ones while it is full.
    pub(crate) fn admit(&self) -> Handshaking {
        let (evict, evicted) = oneshot::channel();
        let mut queue = self
            .handshakes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while queue.entries.len() >= self.max_handshakes {
            // The oldest silent one, else the oldest; at most
            // `--max-handshakes` entries, so a linear search is cheap.
            let at = queue
                .entries
                .iter()
                .position(|e| !e.spoken.load(Ordering::Relaxed))
                .unwrap_or(0);
            let Some(victim) = queue.entries.remove(at) else {
                break;
            };
            // A connection whose task has already ended has dropped its
            // receiver; there is nothing left to close.
            let _ = victim.evict.send(());
        }
        let id = queue.next_id;
        queue.next_id = queue.next_id.wrapping_add(1);
        let spoken = Arc::new(AtomicBool::new(false));
        queue.entries.push_back(Entry {
            id,
            evict,
            spoken: Arc::clone(&spoken),
        });
        Handshaking {
            id,
            queue: Arc::clone(&self.handshakes),
            evicted,
            slots: Arc::clone(&self.slots),
            spoken,
        }
    }
}

/// The connections in their handshake, oldest first.
#[derive(Debug, Default)]
struct Queue {
    next_id: u64,
    entries: VecDeque<Entry>,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    evict: oneshot::Sender<()>,
    /// Whether the client has sent its first bytes.
    spoken: Arc<AtomicBool>,
}

/// A connection's place in the handshake budget, handed to it at accept;
/// it leaves the budget when this is dropped.
#[derive(Debug)]
pub(crate) struct Handshaking {
    id: u64,
    queue: Arc<Mutex<Queue>>,
    evicted: oneshot::Receiver<()>,
    slots: Arc<Semaphore>,
    /// Set once the client's first bytes arrive: evicted after the silent.
    spoken: Arc<AtomicBool>,
}

/// How a connection's handshake phase ended.
#[derive(Debug)]
pub(crate) enum HandshakeEnd<T> {
    /// The handshake ran to its result; the connection holds `Slot` until
    /// it ends.
    Done(T, Slot),
    /// The phase took longer than its limit.
    TimedOut,
    /// A newer connection needed the place in the handshake budget.
    Evicted,
    /// The shutdown deadline passed.
    Cut,
}

/// One of `--max-connections` slots, held until dropped.
#[derive(Debug)]
pub(crate) struct Slot {
    /// `None` only if the semaphore were closed, which it never is; the
    /// connection would then go on without a slot rather than fail.
    _permit: Option<OwnedSemaphorePermit>,
}

impl Handshaking {
    /// Runs the handshake phase of `tcp` within `limit`: waits for the
    /// client's first bytes, then for a slot, then runs `handshake`. Ends
    /// early when the connection is evicted or `deadline` passes.
    pub(crate) async fn run<T, F>(
        mut self,
        tcp: TcpStream,
        limit: Duration,
        deadline: &mut Deadline,
        handshake: impl FnOnce(TcpStream) -> F,
    ) -> HandshakeEnd<T>
    where
        F: Future<Output = T>,
    {
        let slots = Arc::clone(&self.slots);
        let spoken = Arc::clone(&self.spoken);
        let phase = async move {
            // Peeking waits for a byte itself: tokio's `readable` may
            // report a fresh socket readable before anything arrives. A
            // client that closed, or a socket that failed, ends the wait
            // too; the handshake then says so.
            let _ = tcp.peek(&mut [0u8; 1]).await;
            spoken.store(true, Ordering::Relaxed);
            let permit = slots.acquire_owned().await.ok();
            (handshake(tcp).await, Slot { _permit: permit })
        };
        // A handshake that has completed wins over an eviction that
        // arrives at the same moment: the connection no longer needs its
        // place in the budget.
        tokio::select! {
            biased;
            ended = tokio::time::timeout(limit, phase) => match ended {
                Ok((result, slot)) => HandshakeEnd::Done(result, slot),
                Err(_) => HandshakeEnd::TimedOut,
            },
            () = deadline.passed() => HandshakeEnd::Cut,
            () = evicted(&mut self.evicted) => HandshakeEnd::Evicted,
        }
    }
}

impl Drop for Handshaking {
    fn drop(&mut self) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        // At most `--max-handshakes` entries: a linear search is cheap.
        if let Some(at) = queue.entries.iter().position(|e| e.id == self.id) {
            queue.entries.remove(at);
        }
    }
}

/// Resolves when the connection is evicted; never when its sender is
/// dropped without a word (the connection left the budget, or the
/// listener is gone with the whole process).
async fn evicted(signal: &mut oneshot::Receiver<()>) {
    if signal.await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::watch;
    use tokio::task::JoinHandle;

    use super::{Budgets, HandshakeEnd};
    use crate::service::listen::Deadline;

    /// Long enough that no test here waits it out.
    const LIMIT: Duration = Duration::from_secs(30);
    /// How long a phase that should end may take.
    const PROMPTLY: Duration = Duration::from_secs(5);

    #[test]
    fn a_full_budget_evicts_the_oldest_first() {
        let budgets = Budgets::new(2, 1);
        let mut first = budgets.admit();
        let mut second = budgets.admit();
        assert!(
            first.evicted.try_recv().is_err(),
            "evicted while room was left"
        );
        let _third = budgets.admit();
        assert!(first.evicted.try_recv().is_ok(), "the oldest stayed");
        assert!(second.evicted.try_recv().is_err(), "a newer one went");
    }

    #[tokio::test]
    async fn silent_connections_are_evicted_before_those_that_spoke() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_shutdown, shutdown_rx) = watch::channel(false);
        // No slot: a client that speaks waits, still in the budget.
        let budgets = Budgets::new(2, 1);
        let _held = budgets.slots.clone().try_acquire_owned().unwrap();
        let (_spoke, spoke) = phase(&listener, &budgets, &shutdown_rx, b"hello").await;
        // Let its task see the bytes.
        let spoke_entry = budgets.handshakes.lock().unwrap().entries[0].spoken.clone();
        let started = std::time::Instant::now();
        while !spoke_entry.load(std::sync::atomic::Ordering::Relaxed) {
            assert!(started.elapsed() < PROMPTLY, "the first bytes went unseen");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (_silent, silent) = phase(&listener, &budgets, &shutdown_rx, b"").await;
        // Full: the newcomer evicts the silent one, though it is newer.
        let _third = budgets.admit();
        let silent = tokio::time::timeout(PROMPTLY, silent)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(silent, HandshakeEnd::Evicted), "{silent:?}");
        assert!(!spoke.is_finished(), "the client that spoke was evicted");
        // With only clients that spoke left, the oldest goes.
        _third
            .spoken
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let _fourth = budgets.admit();
        let spoke = tokio::time::timeout(PROMPTLY, spoke)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(spoke, HandshakeEnd::Evicted), "{spoke:?}");
    }

    #[test]
    fn a_connection_that_leaves_makes_room() {
        let budgets = Budgets::new(2, 1);
        let mut first = budgets.admit();
        drop(budgets.admit());
        let _third = budgets.admit();
        assert!(
            first.evicted.try_recv().is_err(),
            "evicted though one had left"
        );
    }

    /// A client connected to `listener`, and its connection's handshake
    /// phase running in a task whose "handshake" only hands the socket
    /// back; the client sends `first` unless it is empty.
    async fn phase(
        listener: &TcpListener,
        budgets: &Budgets,
        shutdown: &watch::Receiver<bool>,
        first: &[u8],
    ) -> (TcpStream, JoinHandle<HandshakeEnd<TcpStream>>) {
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        if !first.is_empty() {
            client.write_all(first).await.unwrap();
        }
        let (tcp, _) = listener.accept().await.unwrap();
        let handshaking = budgets.admit();
        let mut deadline = Deadline::from_channel(shutdown.clone());
        let task = tokio::spawn(async move {
            handshaking
                .run(tcp, LIMIT, &mut deadline, |tcp| async move { tcp })
                .await
        });
        (client, task)
    }

    #[tokio::test]
    async fn a_silent_client_takes_no_slot_and_a_speaking_one_does() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_shutdown, shutdown_rx) = watch::channel(false);
        let budgets = Budgets::new(8, 1);
        let (_silent, silent) = phase(&listener, &budgets, &shutdown_rx, b"").await;
        let (_first, first) = phase(&listener, &budgets, &shutdown_rx, b"hello").await;
        let first = tokio::time::timeout(PROMPTLY, first)
            .await
            .expect("the silent client took the only slot")
            .unwrap();
        let HandshakeEnd::Done(_tcp, _slot) = first else {
            panic!("{first:?}");
        };
        // The one slot is held now: the next client to speak waits.
        let (_second, mut second) = phase(&listener, &budgets, &shutdown_rx, b"hello").await;
        let waited = tokio::time::timeout(Duration::from_millis(300), &mut second).await;
        assert!(waited.is_err(), "served beyond the slots: {waited:?}");
        assert!(!silent.is_finished(), "the silent client's phase ended");
        drop(_slot);
        let second = tokio::time::timeout(PROMPTLY, second)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(second, HandshakeEnd::Done(..)), "{second:?}");
    }

    #[tokio::test]
    async fn eviction_and_the_shutdown_deadline_end_the_phase() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let budgets = Budgets::new(1, 1);
        let (_oldest, oldest) = phase(&listener, &budgets, &shutdown_rx, b"").await;
        let (_newer, newer) = phase(&listener, &budgets, &shutdown_rx, b"").await;
        let oldest = tokio::time::timeout(PROMPTLY, oldest)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(oldest, HandshakeEnd::Evicted), "{oldest:?}");
        shutdown.send(true).unwrap();
        let newer = tokio::time::timeout(PROMPTLY, newer)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(newer, HandshakeEnd::Cut), "{newer:?}");
    }
}
