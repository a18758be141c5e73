//! One test: `-resume-count` + 1 connections to the runner, each prefixed
//! with the shim id, each a handshake, the runner's checks, and the
//! exchange (BoringSSL `bssl_shim.cc`, DoConnection and DoExchange).

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;

use keel::hazmat::handshake::Connection;
use keel::hazmat::pki::ServerName;

use crate::checks::{self, Context};
use crate::configure::{self, Shared, Unimplemented};
use crate::flags::{Options, Settings};
use crate::io::{Failure, Tls};

/// How a test ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every connection met the runner's expectations.
    Passed,
    /// A connection failed: the text for stderr.
    Failed(String),
    /// Something asked for is not implemented (exit 89).
    Unimplemented(String),
}

/// The writes of `-write-different-record-sizes` (BoringSSL's list; it
/// exercises record splitting, so the sizes straddle 2^14).
const RECORD_SIZES: [usize; 11] = [
    0, 1, 255, 256, 257, 16383, 16384, 16385, 32767, 32768, 32769,
];

/// The name a client dials when `-host-name` gives none: an address, so
/// that no SNI is sent, as BoringSSL sends none.
const NO_NAME: &str = "127.0.0.1";

pub(crate) fn run(options: &Options) -> Outcome {
    let shared = match Shared::new() {
        Ok(shared) => shared,
        Err(Unimplemented(why)) => return Outcome::Unimplemented(why),
    };
    // Refuse what cannot be done before touching the network.
    for settings in [&options.initial, &options.resume] {
        if let Err(Unimplemented(why)) = validate(options, settings, &shared) {
            return Outcome::Unimplemented(why);
        }
    }
    for index in 0..=options.resume_count {
        let settings = if index == 0 {
            &options.initial
        } else {
            &options.resume
        };
        if index > 0 {
            shared.clock.advance(settings.resumption_delay);
        }
        if let Err(failure) = connection(options, settings, index, &shared) {
            return match failure {
                Ending::Unimplemented(why) => Outcome::Unimplemented(why),
                Ending::Failed(failure) => {
                    Outcome::Failed(describe(&failure, index, options.server))
                }
            };
        }
    }
    Outcome::Passed
}

fn validate(options: &Options, settings: &Settings, shared: &Shared) -> Result<(), Unimplemented> {
    if options.server {
        configure::server(settings, shared).map(|_| ())
    } else {
        configure::client(settings, shared).map(|_| ())
    }
}

enum Ending {
    Unimplemented(String),
    Failed(Failure),
}

impl From<Failure> for Ending {
    fn from(failure: Failure) -> Self {
        Self::Failed(failure)
    }
}

impl From<Unimplemented> for Ending {
    fn from(Unimplemented(why): Unimplemented) -> Self {
        Self::Unimplemented(why)
    }
}

fn connection(
    options: &Options,
    s: &Settings,
    index: usize,
    shared: &Shared,
) -> Result<(), Ending> {
    let conn = if options.server {
        Connection::server(Arc::new(configure::server(s, shared)?))
    } else {
        let config = configure::client(s, shared)?;
        let name = ServerName::parse(s.host_name.as_deref().unwrap_or(NO_NAME))
            .map_err(|e| Unimplemented(format!("-host-name: {e}")))?;
        Connection::client(Arc::new(config), name).map_err(Failure::Tls)?
    };
    let ip: SocketAddr = if options.ipv6 {
        (Ipv6Addr::LOCALHOST, options.port).into()
    } else {
        (Ipv4Addr::LOCALHOST, options.port).into()
    };
    let mut sock = TcpStream::connect(ip).map_err(Failure::Io)?;
    let _ = sock.set_nodelay(true);
    sock.write_all(&options.shim_id.to_le_bytes())
        .map_err(Failure::Io)?;
    let mut tls = Tls::new(conn, sock);
    let result = drive(&mut tls, s, index, options.server, shared);
    tls.finish();
    result.map_err(Ending::Failed)
}

/// Everything after the TCP connection is up.
fn drive(
    tls: &mut Tls,
    s: &Settings,
    index: usize,
    server: bool,
    shared: &Shared,
) -> Result<(), Failure> {
    let store_before = shared.client_store.export();
    let cache_before = shared.server_cache.len();
    if !s.implicit_handshake {
        tls.handshake()?;
        // BoringSSL skips these checks with -implicit-handshake.
        let session = tls
            .conn
            .session()
            .ok_or_else(|| Failure::Check("no session after the handshake".to_owned()))?;
        let cx = Context {
            settings: s,
            server,
            index,
            new_session: false,
        };
        checks::after_handshake(session, &cx).map_err(Failure::Check)?;
    }
    exchange(tls, s)?;
    if !s.implicit_handshake {
        let new_session = if server {
            shared.server_cache.len() > cache_before
        } else {
            shared.client_store.export() != store_before
        };
        let session = tls
            .conn
            .session()
            .ok_or_else(|| Failure::Check("no session after the connection".to_owned()))?;
        let cx = Context {
            settings: s,
            server,
            index,
            new_session,
        };
        checks::sessions(session, &cx).map_err(Failure::Check)?;
    }
    Ok(())
}

/// The exporter bytes, then the echo (or the record-size pattern), then
/// the shutdown the flags ask for.
fn exchange(tls: &mut Tls, s: &Settings) -> Result<(), Failure> {
    if s.export_keying_material > 0 {
        tls.handshake()?;
        let mut material = vec![0u8; s.export_keying_material];
        let context = s.use_export_context.then_some(s.export_context.as_slice());
        tls.conn
            .export_keying_material(&mut material, &s.export_label, context)
            .map_err(Failure::Tls)?;
        tls.write_all(&material)?;
    }
    if s.key_update {
        tls.update_keys()?;
    }
    if s.write_different_record_sizes {
        for size in RECORD_SIZES {
            tls.write_all(&vec![0x42; size])?;
        }
        return Ok(());
    }
    if s.shim_writes_first {
        tls.write_all(b"hello")?;
    }
    if !s.shim_shuts_down {
        let mut buf = vec![0u8; s.read_size];
        loop {
            let n = tls.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let reply: Vec<u8> = buf.iter().take(n).map(|b| b ^ 0xff).collect();
            tls.write_all(&reply)?;
        }
    }
    shutdown(tls, s)
}

/// Without `-check-close-notify` BoringSSL's shim neither sends nor needs
/// close_notify. With it, the shim that shuts down first sends its
/// close_notify and waits for the runner's (application data meanwhile is
/// an error); otherwise the runner's close_notify must have ended the echo.
fn shutdown(tls: &mut Tls, s: &Settings) -> Result<(), Failure> {
    if !s.check_close_notify {
        return Ok(());
    }
    if s.shim_shuts_down {
        tls.close()?;
        let mut buf = [0u8; 256];
        loop {
            if tls.read(&mut buf)? > 0 {
                return Err(Failure::Check(":APPLICATION_DATA_ON_SHUTDOWN:".to_owned()));
            }
            if tls.conn.peer_closed() {
                return Ok(());
            }
            if tls.eof {
                return Err(Failure::Check(
                    "Unexpected SSL_shutdown result: -1 != 1".to_owned(),
                ));
            }
        }
    }
    if tls.conn.peer_closed() {
        tls.flush().map_err(Failure::Io)?;
        Ok(())
    } else {
        Err(Failure::Check(
            "Unexpected SSL_shutdown result: -1 != 1".to_owned(),
        ))
    }
}

/// An error and each of its causes, `: `-separated, so that a failure in
/// the runner's log says which field of which message was wrong.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// The stderr text for a failure: the BoringSSL error name between colons
/// first, so that the runner's expected error matches.
fn describe(failure: &Failure, index: usize, server: bool) -> String {
    let what = match failure {
        Failure::Tls(error) => format!(
            ":{}: {}",
            crate::errors::name(error, server),
            with_causes(error)
        ),
        Failure::Io(error) => format!(":KEEL_IO_ERROR: {error}"),
        Failure::Check(message) => message.clone(),
    };
    format!("{what}\nConnection {index} failed.")
}
