//! The text output: a record per line, the messages a record completes
//! under it, their fields indented below them.
//!
//! ```text
//! record at 0: handshake, TLSv1.0, length 267
//!   client_hello at 5, length 263
//!     client_version: TLSv1.2 (0x0303)
//!     cipher_suites (28):
//!       TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)
//! ```
//!
//! Registry values show their name and number, opaque bytes their hex
//! (wrapped at 32 bytes a line), host and protocol names their text.

use std::io::{self, Write};

use data_encoding::HEXLOWER;

use super::fields::{Code, Field, Value};
use super::walk::{MessageEvent, RecordEvent, Sink};

/// Bytes shown on one line of hex.
const HEX_LINE: usize = 32;

/// Writes text to `out`.
pub(crate) struct TextSink<W> {
    out: W,
}

impl<W: Write> TextSink<W> {
    pub(crate) fn new(out: W) -> Self {
        Self { out }
    }

    fn field(&mut self, depth: usize, key: &str, value: &Value<'_>) -> io::Result<()> {
        let pad = indent(depth);
        match value {
            Value::Bytes(bytes) => self.bytes(depth, &format!("{pad}{key}"), bytes),
            Value::Text(bytes) if !is_printable(bytes) => {
                self.bytes(depth, &format!("{pad}{key}"), bytes)
            }
            Value::List(items) if items.is_empty() => writeln!(self.out, "{pad}{key}: (none)"),
            Value::List(items) => {
                writeln!(self.out, "{pad}{key} ({}):", items.len())?;
                for (index, item) in items.iter().enumerate() {
                    self.item(depth + 1, index, item)?;
                }
                Ok(())
            }
            Value::Struct(fields) => {
                writeln!(self.out, "{pad}{key}:")?;
                self.fields(depth + 1, fields)
            }
            Value::Extension(code, fields) => {
                writeln!(self.out, "{pad}{key}: {}", format_code(*code))?;
                self.fields(depth + 1, fields)
            }
            scalar => writeln!(self.out, "{pad}{key}: {}", format_scalar(scalar)),
        }
    }

    fn fields(&mut self, depth: usize, fields: &[Field<'_>]) -> io::Result<()> {
        for (key, value) in fields {
            self.field(depth, key, value)?;
        }
        Ok(())
    }

    /// One item of a list, which has no name of its own.
    fn item(&mut self, depth: usize, index: usize, value: &Value<'_>) -> io::Result<()> {
        let pad = indent(depth);
        match value {
            Value::Bytes(bytes) => self.bytes(depth, &format!("{pad}[{index}]"), bytes),
            Value::Text(bytes) if !is_printable(bytes) => {
                self.bytes(depth, &format!("{pad}[{index}]"), bytes)
            }
            Value::Extension(code, fields) if fields.is_empty() => {
                writeln!(self.out, "{pad}{}: (empty)", format_code(*code))
            }
            Value::Extension(code, fields) => {
                writeln!(self.out, "{pad}{}:", format_code(*code))?;
                self.fields(depth + 1, fields)
            }
            Value::Struct(fields) => {
                writeln!(self.out, "{pad}[{index}]:")?;
                self.fields(depth + 1, fields)
            }
            Value::List(items) => {
                writeln!(self.out, "{pad}[{index}] ({}):", items.len())?;
                for (inner, item) in items.iter().enumerate() {
                    self.item(depth + 1, inner, item)?;
                }
                Ok(())
            }
            scalar => writeln!(self.out, "{pad}{}", format_scalar(scalar)),
        }
    }

    /// Short byte strings on the label's line; long ones below it, wrapped.
    fn bytes(&mut self, depth: usize, label: &str, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return writeln!(self.out, "{label}: (empty)");
        }
        if bytes.len() <= HEX_LINE {
            return writeln!(self.out, "{label}: {}", HEXLOWER.encode_display(bytes));
        }
        writeln!(self.out, "{label} ({} bytes):", bytes.len())?;
        let pad = indent(depth + 1);
        for line in bytes.chunks(HEX_LINE) {
            writeln!(self.out, "{pad}{}", HEXLOWER.encode_display(line))?;
        }
        Ok(())
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn record(&mut self, record: &RecordEvent) -> io::Result<()> {
        let header = record.header;
        write!(
            self.out,
            "record at {}: {}, {}, length {}",
            record.offset,
            name_or_number(
                header.content_type.name(),
                header.content_type.get().into(),
                1
            ),
            name_or_number(header.version.name(), header.version.get(), 2),
            header.length
        )?;
        if record.encrypted {
            write!(self.out, ", encrypted (not decoded)")?;
        }
        writeln!(self.out)
    }

    fn message(&mut self, message: &MessageEvent<'_>) -> io::Result<()> {
        let kind = message.kind;
        writeln!(
            self.out,
            "{}{} at {}, length {}",
            indent(1),
            name_or_number(kind.name, kind.value, kind.width),
            message.offset,
            message.length
        )?;
        self.fields(2, &message.fields)
    }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

fn format_scalar(value: &Value<'_>) -> String {
    match value {
        Value::Code(code) => format_code(*code),
        Value::Uint(number) => number.to_string(),
        Value::Text(bytes) => format!("\"{}\"", String::from_utf8_lossy(bytes)),
        Value::Bytes(bytes) => HEXLOWER.encode(bytes),
        Value::Absent => "(absent)".to_owned(),
        Value::Other(debug) => debug.clone(),
        Value::Struct(_) | Value::List(_) | Value::Extension(..) => String::new(),
    }
}

/// `name (0x..)`, or `unknown (0x..)`.
fn format_code(code: Code) -> String {
    format!(
        "{} ({})",
        code.name.unwrap_or("unknown"),
        hex_number(code.value, code.width)
    )
}

/// The name alone when there is one (record headers, message lines).
fn name_or_number(name: Option<&str>, value: u16, width: usize) -> String {
    name.map_or_else(
        || format!("unknown ({})", hex_number(value, width)),
        str::to_owned,
    )
}

fn hex_number(value: u16, width: usize) -> String {
    format!("{value:#0digits$x}", digits = 2 + 2 * width)
}

/// Whether the bytes can be shown as they are: printable ASCII, no quotes
/// or backslashes to escape.
fn is_printable(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&byte| (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\')
}
