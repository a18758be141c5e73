//! The `--json` output: JSON Lines, one object per record and one per
//! message. The schema is in `keel inspect --help` (`AFTER_HELP` in
//! `mod.rs`); the rules in short: registry values are their name, or their
//! number when keel knows no name; opaque bytes are lowercase hex strings.

use std::io::{self, Write};

use data_encoding::HEXLOWER;
use serde_json::{Map, Value as Json, json};

use super::fields::{Code, Field, Value};
use super::walk::{MessageEvent, RecordEvent, Sink};

/// Writes JSON Lines to `out`.
pub(crate) struct JsonSink<W> {
    out: W,
}

impl<W: Write> JsonSink<W> {
    pub(crate) fn new(out: W) -> Self {
        Self { out }
    }

    fn line(&mut self, value: &Json) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        writeln!(self.out)
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn record(&mut self, record: &RecordEvent) -> io::Result<()> {
        let header = record.header;
        self.line(&json!({
            "record": {
                "offset": record.offset,
                "type": name_or_number(header.content_type.name(), header.content_type.get().into()),
                "version": name_or_number(header.version.name(), header.version.get()),
                "length": header.length,
                "encrypted": record.encrypted,
            }
        }))
    }

    fn message(&mut self, message: &MessageEvent<'_>) -> io::Result<()> {
        self.line(&json!({
            "message": {
                "type": code(message.kind),
                "offset": message.offset,
                "length": message.length,
                "fields": object(&message.fields),
            }
        }))
    }
}

fn object(fields: &[Field<'_>]) -> Json {
    Json::Object(
        fields
            .iter()
            .map(|(key, value)| ((*key).to_owned(), value_json(value)))
            .collect(),
    )
}

fn value_json(value: &Value<'_>) -> Json {
    match value {
        Value::Code(c) => code(*c),
        Value::Uint(number) => json!(number),
        Value::Bytes(bytes) => Json::String(HEXLOWER.encode(bytes)),
        Value::Text(bytes) => {
            let mut text = Map::new();
            text.insert("hex".to_owned(), Json::String(HEXLOWER.encode(bytes)));
            if bytes.iter().all(|byte| (0x20..0x7f).contains(byte)) {
                text.insert(
                    "text".to_owned(),
                    Json::String(String::from_utf8_lossy(bytes).into_owned()),
                );
            }
            Json::Object(text)
        }
        Value::List(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Struct(fields) => object(fields),
        Value::Extension(c, fields) => {
            // No extension body has a field called "type", so the
            // extension's own type can sit beside its fields.
            let mut map = Map::new();
            map.insert("type".to_owned(), code(*c));
            for (key, value) in fields {
                map.insert((*key).to_owned(), value_json(value));
            }
            Json::Object(map)
        }
        Value::Absent => Json::Null,
        Value::Other(debug) => Json::String(debug.clone()),
    }
}

fn code(code: Code) -> Json {
    name_or_number(code.name, code.value)
}

/// The one rule for registry values: the name, or the number.
fn name_or_number(name: Option<&str>, value: u16) -> Json {
    name.map_or_else(|| json!(value), |name| json!(name))
}
