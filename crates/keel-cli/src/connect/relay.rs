//! Copying stdin to the connection and the connection to stdout.
//!
//! `keel::Stream` is driven from one thread only. A helper thread reads
//! stdin into a channel; the main thread alternates between writing what
//! the channel holds to the connection and reading the connection, with a
//! short read timeout on the socket so that neither side waits on the
//! other. A read that times out has given the connection no bytes, and
//! the connection keeps a partial record between reads, so nothing is
//! lost: `Stream::read` passes the socket's `WouldBlock`/`TimedOut` on
//! without touching the connection, and the next read carries on.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::Duration;

use keel::{ClientConnection, Stream};
use snafu::ResultExt;

use super::error::{
    ConnectError, SocketSnafu, StdinSnafu, StdoutSnafu, connection_failed, is_timeout,
    is_truncation,
};

/// How long a read of the socket waits while stdin may still bring data:
/// the most that typed input waits before it is sent.
const POLL: Duration = Duration::from_millis(25);

/// How many chunks of stdin may wait for the connection.
const STDIN_BACKLOG: usize = 4;

/// Size of a read from stdin or from the connection.
const CHUNK: usize = 16 * 1024;

type TlsStream = Stream<ClientConnection, TcpStream>;

/// Copies until the server closes. When stdin ends, keeps reading; with
/// `close_on_eof`, sends close_notify first and then takes the end of the
/// transport as a proper end too.
pub(super) fn relay(mut stream: TlsStream, close_on_eof: bool) -> Result<(), ConnectError> {
    let stdin = spawn_stdin_reader().context(StdinSnafu)?;
    set_poll(&stream, Some(POLL))?;
    let mut stdin_open = true;
    let mut closed_by_us = false;
    let mut stdout = io::stdout().lock();
    let mut buf = vec![0u8; CHUNK];
    loop {
        while stdin_open {
            match stdin.try_recv() {
                Ok(Ok(chunk)) => stream.write_all(&chunk).map_err(connection_failed)?,
                Ok(Err(source)) => return Err(ConnectError::Stdin { source }),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    stdin_open = false;
                    if close_on_eof {
                        stream.close().map_err(connection_failed)?;
                        closed_by_us = true;
                    }
                    // Only the server is left to wait for.
                    set_poll(&stream, None)?;
                }
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => {
                // The server's close_notify: answer it (when not done yet)
                // and stop. Failing to answer loses nothing.
                if !closed_by_us {
                    let _ = stream.close();
                }
                return Ok(());
            }
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default();
                stdout.write_all(data).context(StdoutSnafu)?;
                stdout.flush().context(StdoutSnafu)?;
            }
            Err(err) if is_timeout(&err) => {}
            Err(err) if closed_by_us && is_truncation(&err) => return Ok(()),
            Err(err) => return Err(connection_failed(err)),
        }
    }
}

fn set_poll(stream: &TlsStream, timeout: Option<Duration>) -> Result<(), ConnectError> {
    stream
        .transport()
        .set_read_timeout(timeout)
        .context(SocketSnafu)
}

/// Starts the thread that reads stdin. The channel closes at the end of
/// stdin, after an error, or when the main thread stops listening.
fn spawn_stdin_reader() -> io::Result<Receiver<io::Result<Vec<u8>>>> {
    let (sender, receiver) = mpsc::sync_channel(STDIN_BACKLOG);
    thread::Builder::new()
        .name("stdin".to_owned())
        .spawn(move || {
            let mut stdin = io::stdin().lock();
            let mut buf = vec![0u8; CHUNK];
            loop {
                let chunk = match stdin.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => Ok(buf.get(..n).unwrap_or_default().to_vec()),
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                    Err(err) => Err(err),
                };
                let failed = chunk.is_err();
                if sender.send(chunk).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(receiver)
}
