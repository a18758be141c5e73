//! A keel server for clients that close as soon as the handshake is done
//! (`s_client -reconnect`, `gnutls-cli --resume`): it reports each
//! handshake the moment it completes, and what happens after it does not
//! count.

use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keel::{ServerConfig, ServerConnection, SessionInfo};

use crate::harness::IO_TIMEOUT;

/// A keel server on 127.0.0.1 that serves connections one after the
/// other: it runs each handshake and reports it as soon as it is done,
/// then reads the connection until the client closes it. What keel writes
/// after the handshake (its ticket, its close_notify) may meet a socket
/// the client has closed already; that is not an error here.
pub(crate) struct HandshakeServer {
    pub(crate) addr: SocketAddr,
    sessions: mpsc::Receiver<io::Result<SessionInfo>>,
}

impl HandshakeServer {
    pub(crate) fn start(config: ServerConfig, connections: usize, deadline: Instant) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let (tx, sessions) = mpsc::channel();
        std::thread::spawn(move || {
            for _ in 0..connections {
                let mut stream = match accept(&listener, &config, deadline) {
                    Ok(stream) => stream,
                    Err(err) => {
                        let _ = tx.send(Err(err));
                        return;
                    }
                };
                let result = stream
                    .handshake()
                    .map(|()| stream.connection().session().cloned().unwrap());
                let failed = result.is_err();
                if tx.send(result).is_err() || failed {
                    return;
                }
                let mut buf = [0u8; 1024];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                let _ = stream.close();
            }
        });
        Self { addr, sessions }
    }

    /// The session of the next handshake, or the error it failed with.
    pub(crate) fn next(&self, deadline: Instant) -> io::Result<SessionInfo> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.sessions
            .recv_timeout(left.max(Duration::from_millis(1)))
            .unwrap_or_else(|e| panic!("the keel server did not finish a handshake: {e}"))
    }
}

fn accept(
    listener: &TcpListener,
    config: &ServerConfig,
    deadline: Instant,
) -> io::Result<keel::Stream<ServerConnection, TcpStream>> {
    let tcp = loop {
        match listener.accept() {
            Ok((tcp, _)) => break tcp,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    };
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(keel::Stream::new(ServerConnection::new(config), tcp))
}
