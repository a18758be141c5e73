//! The plain-TCP upstream every proxy of `cargo xtask bench-proxy` forwards
//! to: one server, in this process, so that the three proxies meet the
//! same backend. A thread per connection (std only: the xtask has no
//! async runtime), with small stacks, since the idle-memory line holds a
//! thousand connections open.
//!
//! What a connection gets is decided by its first byte:
//! - `G`: an HTTP request (`openssl s_time -www /`): read to the blank
//!   line, answer a short `200 OK`, close;
//! - `u` + an 8-byte big-endian length: read that many bytes, answer `k`
//!   (the upload of `tools/proxy/bulkgo` and `tools/proxy/bulk.py`);
//! - `d` + a length: send that many bytes (its download);
//! - anything else: echo, that byte included (`tools/proxy/idle_memory.py`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;

/// The answer to an HTTP request: small, so that a handshake line measures
/// the handshake and the connection set-up, not the transfer.
const HTTP_ANSWER: &[u8] = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// A connection's thread needs little stack: one 64 KiB buffer, on the heap.
const STACK: usize = 128 * 1024;

/// The upstream, listening on 127.0.0.1 with a port the kernel picked. Its
/// threads are detached: the xtask exits when the benchmark ends.
#[derive(Debug)]
pub(crate) struct Upstream {
    pub(crate) addr: SocketAddr,
}

impl Upstream {
    pub(crate) fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        thread::Builder::new()
            .name("upstream".to_owned())
            .spawn(move || {
                for conn in listener.incoming().flatten() {
                    // A connection that cannot get a thread is dropped: the
                    // proxy in front of it reports that as a failure, which
                    // the measuring client then sees.
                    let _ = thread::Builder::new()
                        .stack_size(STACK)
                        .spawn(move || serve(conn));
                }
            })?;
        Ok(Self { addr })
    }
}

/// One connection, as its first byte asks. Errors end the connection: a
/// client that went away is not the upstream's concern.
fn serve(mut conn: TcpStream) {
    let _ = conn.set_nodelay(true);
    let mut first = [0u8; 1];
    if !matches!(conn.read(&mut first), Ok(1)) {
        return;
    }
    let _ = match first {
        [b'G'] => answer_http(&mut conn),
        [b'u'] => read_length(&mut conn).and_then(|length| sink(&mut conn, length)),
        [b'd'] => read_length(&mut conn).and_then(|length| source(&mut conn, length)),
        _ => echo(&mut conn, &first),
    };
}

fn answer_http(conn: &mut TcpStream) -> io::Result<()> {
    let mut seen: Vec<u8> = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        seen.extend(buf.iter().take(n));
    }
    conn.write_all(HTTP_ANSWER)?;
    conn.shutdown(Shutdown::Write)
}

fn read_length(conn: &mut TcpStream) -> io::Result<u64> {
    let mut length = [0u8; 8];
    conn.read_exact(&mut length)?;
    Ok(u64::from_be_bytes(length))
}

fn sink(conn: &mut TcpStream, length: u64) -> io::Result<()> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = length;
    while left > 0 {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        left = left.saturating_sub(n as u64);
    }
    conn.write_all(b"k")
}

fn source(conn: &mut TcpStream, length: u64) -> io::Result<()> {
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = length;
    while left > 0 {
        let n = usize::try_from(left).map_or(chunk.len(), |left| left.min(chunk.len()));
        conn.write_all(chunk.get(..n).unwrap_or(&chunk))?;
        left -= n as u64;
    }
    conn.shutdown(Shutdown::Write)
}

fn echo(conn: &mut TcpStream, first: &[u8]) -> io::Result<()> {
    conn.write_all(first)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return conn.shutdown(Shutdown::Write);
        }
        conn.write_all(buf.get(..n).unwrap_or(&buf))?;
    }
}
