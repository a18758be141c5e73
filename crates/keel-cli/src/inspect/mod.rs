//! `keel inspect`: decode the plaintext start of one direction of a TLS 1.2
//! or TLS 1.3 connection, record by record and message by message.
//!
//! - `walk`: the record walk, on top of keel-record's deframer and handshake
//!   joiner and keel-wire's decoders; it reports what it finds to a `Sink`.
//! - `stream_map`: where each reassembled handshake byte lies in the input,
//!   so that errors point into the file.
//! - `fields`, `extensions`: every decoded message as a tree of named
//!   fields, shared by both output formats.
//! - `text`, `json`: the two sinks.
//! - `error`: the one error type, printed as the single `error:` line.

mod error;
mod extensions;
mod fields;
mod json;
mod stream_map;
mod text;
mod tls13;
mod walk;

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use snafu::ResultExt;

use self::error::{InspectError, ReadSnafu, WriteSnafu};

/// Arguments of `keel inspect`.
#[derive(Debug, Args)]
#[command(long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub(crate) struct InspectArgs {
    /// Re-encode every decoded message and check that it gives back exactly
    /// the bytes it was decoded from.
    #[arg(long)]
    roundtrip: bool,

    /// Print JSON Lines (one object per record and per message) instead of
    /// text.
    #[arg(long)]
    json: bool,

    /// The captured bytes; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
}

pub(crate) const LONG_ABOUT: &str = "\
Decode captured TLS 1.2 or TLS 1.3 bytes into records and handshake messages.

The input is the raw byte stream of ONE direction of a TLS connection (client
to server, or server to client), starting at a record boundary, with no other
framing. Records are deframed as keel's record layer does it (any {03,xx}
record version is accepted), handshake messages are reassembled across
records, and every message is decoded by keel's strict codec and printed with
all its fields: registry values by name, opaque bytes in hex.

Decoding stops at the first encrypted record. Every record after a
ChangeCipherSpec, and any application_data record (and every record after
it), is printed as one line marked encrypted, with its offset, type, version
and length; its contents are not decoded. In TLS 1.3 the ChangeCipherSpec is
a dummy for middleboxes: once a ServerHello or HelloRetryRequest has chosen
TLS 1.3, decoding goes on past it, and in a client's stream that offered TLS
1.3 a ClientHello right after it (the second one, after a HelloRetryRequest)
is decoded too. A HelloRetryRequest, a server_hello with RFC 8446's special
random, is named hello_retry_request.

Malformed or truncated input: everything decoded before the fault is printed
first, then ONE line starting with `error: ` goes to stderr and the exit
status is 1. Offsets in errors are byte offsets in the input.";

const AFTER_HELP: &str = "\
Text output: one line per record; under it, each message the record completes
(a message split across records appears under its last record), with its
fields indented below it.

JSON Lines (--json): one object per line, in input order; a message follows
the record that completes it.
  {\"record\":{\"offset\":N,\"type\":T,\"version\":V,\"length\":N,\"encrypted\":B}}
      offset: of the record header in the input; length: of the fragment,
      header excluded; encrypted: true for records that are not decoded.
  {\"message\":{\"type\":T,\"offset\":N,\"length\":N,\"fields\":{...}}}
      type: the handshake type (client_hello, ...), alert or
      change_cipher_spec; offset: of the message's first byte (for a
      handshake message, its 4-byte header) in the input; length: of the
      body (handshake: the header's length field; alert 2; CCS 1).
  Values, in records and in fields:
      registry values (types, versions, suites, groups, schemes, ...): the
        registry name as a string, or the number when keel knows no name;
      integers: numbers; opaque bytes: lowercase hex strings;
      host names and ALPN protocol names: {\"hex\":\"...\",\"text\":\"...\"},
        with \"text\" only when the bytes are printable ASCII;
      lists: arrays; structures: objects, fields named as in the RFCs;
      extensions: {\"type\":T, ...the extension's fields};
      an absent extensions block: null.

Exit status: 0 on success; 1 on unreadable, malformed or truncated input, or
when --roundtrip finds a message that does not rebuild to its bytes.";

/// Runs `keel inspect` and prints its one error line, if any.
pub(crate) fn run(args: &InspectArgs) -> ExitCode {
    match inspect(args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`keel inspect x | head`): it has what it
        // wanted, and an error line about it would only be noise.
        Err(InspectError::Write { source }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::FAILURE
        }
        Err(err) => {
            // Nothing sensible is left to do if stderr itself is gone.
            let _ = writeln!(io::stderr().lock(), "error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn inspect(args: &InspectArgs) -> Result<(), InspectError> {
    let input = read_input(args.input.as_deref())?;
    let mut out = BufWriter::new(io::stdout().lock());
    let walked = if args.json {
        walk::walk(&input, args.roundtrip, &mut json::JsonSink::new(&mut out))
    } else {
        walk::walk(&input, args.roundtrip, &mut text::TextSink::new(&mut out))
    };
    // What was decoded before an error still reaches stdout, before the
    // error line reaches stderr.
    let flushed = out.flush().context(WriteSnafu);
    walked.and(flushed)
}

/// Reads the whole input: a capture is small, and the walk needs random
/// access to map error offsets back into it.
fn read_input(path: Option<&Path>) -> Result<Vec<u8>, InspectError> {
    let mut bytes = Vec::new();
    match path {
        None => read_stdin(&mut bytes)?,
        Some(path) if path == Path::new("-") => read_stdin(&mut bytes)?,
        Some(path) => {
            bytes = std::fs::read(path).context(ReadSnafu {
                name: path.display().to_string(),
            })?;
        }
    }
    Ok(bytes)
}

fn read_stdin(bytes: &mut Vec<u8>) -> Result<(), InspectError> {
    io::stdin()
        .lock()
        .read_to_end(bytes)
        .map(drop)
        .context(ReadSnafu { name: "stdin" })
}
