//! The differential check of issue 8: every input in the wire target's
//! corpus that is a whole handshake message, an alert or a
//! ChangeCipherSpec is given to keel-wire and to rustls's own parser
//! (through its hidden `internal` module, TLS 1.2 rules), and every
//! disagreement on accept/reject is counted by kind, with one example.
//! The judgement of each kind is in docs/SECURITY.md.
//!
//! Usage: `cargo run --release --manifest-path fuzz/Cargo.toml --bin
//! differential -- [DIR...]` (default: `fuzz/corpus/wire fuzz/seeds/wire`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use keel_fuzz::wire::{STRUCTURES, Structure, decode_roundtrip};
use keel_wire::registry::HandshakeType;
use keel_wire::{Alert, ChangeCipherSpec, Codec, HandshakeMessage};
use rustls::internal::msgs::message::MessagePayload;
use rustls::{ContentType, ProtocolVersion};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        dirs = vec![root.join("corpus/wire"), root.join("seeds/wire")];
    }
    let mut compared = 0usize;
    let mut agree_accept = 0usize;
    let mut agree_reject = 0usize;
    let mut kinds: BTreeMap<String, (usize, Vec<u8>)> = BTreeMap::new();
    for dir in &dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("skipping {}: not readable", dir.display());
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            let Some((&selector, bytes)) = data.split_first() else {
                continue;
            };
            let structure = STRUCTURES[usize::from(selector) % STRUCTURES.len()];
            let content_type = match structure {
                Structure::Handshake => ContentType::Handshake,
                Structure::Alert => ContentType::Alert,
                Structure::ChangeCipherSpec => ContentType::ChangeCipherSpec,
                _ => continue,
            };
            compared += 1;
            let keel = decode_roundtrip(structure, bytes);
            let rustls = MessagePayload::new(content_type, ProtocolVersion::TLSv1_2, bytes);
            match (keel, &rustls) {
                (true, Ok(_)) => agree_accept += 1,
                (false, Err(_)) => agree_reject += 1,
                (true, Err(e)) => {
                    let key = format!(
                        "{} | keel accepts, rustls rejects: {e:?}",
                        what(structure, bytes)
                    );
                    note(&mut kinds, key, bytes);
                }
                (false, Ok(_)) => {
                    let key = format!(
                        "{} | rustls accepts, keel rejects: {}",
                        what(structure, bytes),
                        keel_reason(structure, bytes)
                    );
                    note(&mut kinds, key, bytes);
                }
            }
        }
    }
    println!(
        "compared {compared} inputs: both accept {agree_accept}, both reject {agree_reject}, disagree {}",
        compared - agree_accept - agree_reject
    );
    for (kind, (count, example)) in &kinds {
        let hex: String = example
            .iter()
            .take(40)
            .map(|b| format!("{b:02x}"))
            .collect();
        println!(
            "{count:>6}  {kind}\n        e.g. {hex}{}",
            if example.len() > 40 { "..." } else { "" }
        );
    }
}

fn note(kinds: &mut BTreeMap<String, (usize, Vec<u8>)>, key: String, bytes: &[u8]) {
    let entry = kinds.entry(key).or_insert_with(|| (0, bytes.to_vec()));
    entry.0 += 1;
}

/// The structure, and for handshake messages the type.
fn what(structure: Structure, bytes: &[u8]) -> String {
    match (structure, bytes.first()) {
        (Structure::Handshake, Some(&t)) => format!("handshake {}", HandshakeType::new(t)),
        _ => format!("{structure:?}"),
    }
}

/// keel's error, without the offset and the values, so that inputs refused
/// for the same reason group together.
fn keel_reason(structure: Structure, bytes: &[u8]) -> String {
    let error = match structure {
        Structure::Handshake => HandshakeMessage::decode(bytes).err(),
        Structure::Alert => Alert::decode(bytes).err(),
        _ => ChangeCipherSpec::decode(bytes).err(),
    };
    error.map_or_else(String::new, |e| {
        let kind = format!("{:?}", e.kind);
        let kind = kind
            .split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_owned();
        format!("{} {kind}", e.field)
    })
}
