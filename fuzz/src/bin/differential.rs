//! The differential check of keel-wire against rustls: every input in the
//! wire target's corpus that is a whole handshake message, an alert or a
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
    let mut kinds: BTreeMap<String, (usize, Vec<u8>, String)> = BTreeMap::new();
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
            // A message body is given to rustls as a whole message of its
            // type (rustls parses bodies only inside messages).
            let (content_type, wrapped) = match (structure, body_type(structure)) {
                (Structure::Handshake, _) => (ContentType::Handshake, bytes.to_vec()),
                (Structure::Alert, _) => (ContentType::Alert, bytes.to_vec()),
                (Structure::ChangeCipherSpec, _) => (ContentType::ChangeCipherSpec, bytes.to_vec()),
                (_, Some(t)) if bytes.len() < 1 << 24 => {
                    let len = u32::try_from(bytes.len()).unwrap().to_be_bytes();
                    (
                        ContentType::Handshake,
                        [&[t, len[1], len[2], len[3]][..], bytes].concat(),
                    )
                }
                _ => continue,
            };
            compared += 1;
            let keel = decode_roundtrip(structure, bytes);
            let rustls = MessagePayload::new(content_type, ProtocolVersion::TLSv1_2, &wrapped);
            let bytes = &wrapped[..];
            let as_message = if content_type == ContentType::Handshake {
                Structure::Handshake
            } else {
                structure
            };
            match (keel, &rustls) {
                (true, Ok(_)) => agree_accept += 1,
                (false, Err(_)) => agree_reject += 1,
                (true, Err(e)) => {
                    let key = format!(
                        "{} | keel accepts, rustls rejects: {e:?}",
                        what(as_message, bytes)
                    );
                    note(&mut kinds, key, bytes, &entry.path());
                }
                (false, Ok(_)) => {
                    let key = format!(
                        "{} | rustls accepts, keel rejects: {}",
                        what(as_message, bytes),
                        keel_reason(as_message, bytes)
                    );
                    note(&mut kinds, key, bytes, &entry.path());
                }
            }
        }
    }
    println!(
        "compared {compared} inputs: both accept {agree_accept}, both reject {agree_reject}, disagree {}",
        compared - agree_accept - agree_reject
    );
    for (kind, (count, example, path)) in &kinds {
        let hex = data_encoding::HEXLOWER.encode(&example[..example.len().min(40)]);
        println!(
            "{count:>6}  {kind}\n        e.g. {hex}{} ({path})",
            if example.len() > 40 { "..." } else { "" }
        );
    }
}

/// The handshake type whose body a structure is.
fn body_type(structure: Structure) -> Option<u8> {
    Some(match structure {
        Structure::ClientHello => 1,
        Structure::ServerHello => 2,
        Structure::NewSessionTicket => 4,
        Structure::Certificate => 11,
        Structure::ServerKeyExchange => 12,
        Structure::CertificateRequest => 13,
        Structure::CertificateVerify => 15,
        Structure::ClientKeyExchange => 16,
        Structure::Finished => 20,
        Structure::CertificateStatus => 22,
        _ => return None,
    })
}

fn note(
    kinds: &mut BTreeMap<String, (usize, Vec<u8>, String)>,
    key: String,
    bytes: &[u8],
    path: &std::path::Path,
) {
    let entry = kinds
        .entry(key)
        .or_insert_with(|| (0, bytes.to_vec(), path.display().to_string()));
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
