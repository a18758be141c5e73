//! The listening socket and the accept loop of `keel serve` and `keel
//! proxy`: the kernel's backlog, the accept loop that never waits (each
//! connection enters the handshake budget of [`super::handshakes`]), and
//! the graceful shutdown on SIGTERM.
//!
//! On SIGTERM the listening socket is closed at once, so new connections
//! are refused, and the connections already open get `--shutdown-timeout`
//! to finish. Those still open then are told through their [`Deadline`] and
//! close themselves, with close_notify where TLS is up; those that do not
//! manage that within [`CLOSE_GRACE`] are dropped. The process then exits
//! with status 0: a stop that was asked for is not a failure.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use snafu::{ResultExt, Snafu};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::handshakes::{Budgets, Handshaking};

/// How long connections cut at the deadline have to send close_notify
/// before they are dropped without it.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// How long to wait after a failed accept (out of file descriptors and the
/// like) rather than spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The listening options both services take.
#[derive(Debug, clap::Args)]
pub(crate) struct ListenArgs {
    /// Connections the kernel completes and queues before keel accepts
    /// them; more are refused or dropped by the kernel. Linux caps it at
    /// net.core.somaxconn.
    #[arg(long, default_value_t = 1024, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    backlog: u32,
    /// On SIGTERM, stop accepting at once and give open connections this
    /// many seconds to finish; then close the rest (with close_notify) and
    /// exit with status 0.
    #[arg(long, default_value_t = 30, value_name = "S")]
    shutdown_timeout: u64,
    /// Most connections in their handshake at once, from accept until the
    /// handshake completes. When a connection arrives and all are taken,
    /// the oldest one whose client has sent nothing is closed to make
    /// room, or, when every client has spoken, the oldest one (a client
    /// that had started its handshake gets no answer, only the close), so
    /// clients that send nothing never keep another from being accepted.
    /// A client that has spoken is closed this way only if more than N
    /// connections that have spoken too arrive during its own handshake:
    /// with 256 an attacker must start over 2,560 handshakes a second to
    /// reach a client whose handshake takes 100 ms. Keep it below
    /// --max-connections: handshakes that stall after their first bytes
    /// hold one of those slots each, at most N of them. Raise it for
    /// bursts of more than N clients connecting at once.
    #[arg(long, default_value_t = 256, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_handshakes: u32,
}

/// Why the service could not listen, or stopped.
#[derive(Debug, Snafu)]
pub(crate) enum ListenError {
    /// The `--listen` address could not be bound.
    #[snafu(display("cannot listen on {address}: {source}"))]
    Bind {
        /// The address.
        address: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
    /// The bound socket's address could not be read.
    #[snafu(display("cannot read the address listened on: {source}"))]
    LocalAddress {
        /// What the system said.
        source: io::Error,
    },
    /// SIGTERM could not be caught.
    #[snafu(display("cannot watch for SIGTERM: {source}"))]
    Signal {
        /// What the system said.
        source: io::Error,
    },
}

/// A connection's view of the shutdown.
#[derive(Debug, Clone)]
pub(crate) struct Deadline(watch::Receiver<bool>);

impl Deadline {
    /// Waits until the shutdown deadline has passed; the connection then
    /// closes at once, with close_notify if its handshake is done.
    pub(crate) async fn passed(&mut self) {
        // An error means the accept loop has returned, and the runtime is
        // going down with every connection: the deadline has passed too.
        let _ = self.0.wait_for(|passed| *passed).await;
    }

    /// A deadline that passes when `shutdown` sends `true`, for tests
    /// without an accept loop.
    #[cfg(test)]
    pub(crate) fn from_channel(shutdown: watch::Receiver<bool>) -> Self {
        Self(shutdown)
    }
}

/// A bound socket, listening, and SIGTERM caught.
#[derive(Debug)]
pub(crate) struct Listener {
    tcp: TcpListener,
    terminate: Terminate,
    shutdown_timeout: Duration,
    max_handshakes: usize,
}

impl Listener {
    /// Binds `address` and listens with `--backlog`. SIGTERM is caught from
    /// here on, before the caller says it is listening, so that a signal
    /// sent as soon as it does is not the default one that kills.
    pub(crate) fn bind(address: SocketAddr, args: &ListenArgs) -> Result<Self, ListenError> {
        let tcp = listen(address, args.backlog).context(BindSnafu { address })?;
        let terminate = Terminate::new().context(SignalSnafu)?;
        Ok(Self {
            tcp,
            terminate,
            shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
            max_handshakes: usize::try_from(args.max_handshakes).unwrap_or(usize::MAX),
        })
    }

    /// The address listened on (with the port the system picked for 0).
    pub(crate) fn local_addr(&self) -> Result<SocketAddr, ListenError> {
        self.tcp.local_addr().context(LocalAddressSnafu)
    }

    /// Accepts connections until SIGTERM, each handed to `handle` in a
    /// task of its own with its place in the handshake budget, which also
    /// hands out the `max_connections` slots; then shuts down as the
    /// module says.
    pub(crate) async fn serve<H, F>(
        self,
        max_connections: usize,
        handle: H,
    ) -> Result<(), ListenError>
    where
        H: Fn(TcpStream, SocketAddr, Handshaking, Deadline) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let Self {
            tcp,
            mut terminate,
            shutdown_timeout,
            max_handshakes,
        } = self;
        let budgets = Budgets::new(max_handshakes, max_connections);
        let (deadline_tx, deadline_rx) = watch::channel(false);
        let mut open = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                () = terminate.recv() => break,
                Some(_) = open.join_next(), if !open.is_empty() => {}
                accepted = tcp.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(ACCEPT_RETRY).await;
                            continue;
                        }
                    };
                    let handshaking = budgets.admit();
                    // Boxed, the connection's future is allocated at its
                    // own size; awaited inline, a task would hold room for
                    // it twice (the captured future and the awaited one).
                    let conn = Box::pin(handle(stream, peer, handshaking, Deadline(deadline_rx.clone())));
                    open.spawn(conn);
                }
            }
        }
        drop(tcp);
        let at_signal = open.len();
        tracing::info!(
            open = at_signal,
            timeout_s = shutdown_timeout.as_secs(),
            "SIGTERM: no longer accepting, waiting for open connections"
        );
        if tokio::time::timeout(shutdown_timeout, finish(&mut open))
            .await
            .is_ok()
        {
            tracing::info!(open = at_signal, cut = 0, "shut down");
            return Ok(());
        }
        let cut = open.len();
        let _ = deadline_tx.send(true);
        if tokio::time::timeout(CLOSE_GRACE, finish(&mut open))
            .await
            .is_err()
        {
            open.abort_all();
        }
        tracing::warn!(
            open = at_signal,
            cut,
            "shut down, cutting connections still open at the deadline"
        );
        Ok(())
    }
}

/// A listening socket on `address` with `backlog`. SO_REUSEADDR, as
/// `TcpListener::bind` sets it on Unix, lets a restarted service bind
/// while its old connections are in TIME_WAIT; a port another socket
/// listens on is still refused.
fn listen(address: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(backlog)
}

/// Waits for every connection task to end.
async fn finish(open: &mut JoinSet<()>) {
    while open.join_next().await.is_some() {}
}

/// SIGTERM, caught.
#[derive(Debug)]
struct Terminate {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Terminate {
    fn new() -> io::Result<Self> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?,
        })
    }

    /// Waits for SIGTERM (for ever where there is none).
    async fn recv(&mut self) {
        #[cfg(unix)]
        if self.signal.recv().await.is_some() {
            return;
        }
        std::future::pending::<()>().await;
    }
}
