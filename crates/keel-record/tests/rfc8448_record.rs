//! Known answers for TLS 1.3 record protection: the records of RFC 8448 §3
//! ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256), with the traffic
//! keys and IVs the RFC derives for them (`tests/data/rfc8448`, see its
//! README). Sealing each plaintext gives the RFC's record byte for byte;
//! opening each record gives the RFC's plaintext; and the decoder and the
//! writer, driven as a client would drive them, read and write the trace's
//! records.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;

use common::*;
use keel_record::limits::HEADER_LEN;
use keel_record::{
    AeadAlgorithm, RecordDecoder, RecordOpener, RecordProtection, RecordSealer, RecordWriter,
    TrafficKeys,
};
use keel_wire::Alert;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType, ProtocolVersion};

/// One record of the trace.
struct TraceRecord {
    name: String,
    key: Vec<u8>,
    iv: Vec<u8>,
    sequence: u64,
    content_type: ContentType,
    plaintext: Vec<u8>,
    record: Vec<u8>,
}

impl TraceRecord {
    fn keys(&self) -> TrafficKeys {
        TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, &self.key, &self.iv).unwrap()
    }
}

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap()
}

fn trace() -> Vec<TraceRecord> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc8448/simple_1rtt.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    json["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| TraceRecord {
            name: r["name"].as_str().unwrap().to_owned(),
            key: hex(r["key"].as_str().unwrap()),
            iv: hex(r["iv"].as_str().unwrap()),
            sequence: r["sequence"].as_u64().unwrap(),
            content_type: ContentType::new(
                u8::try_from(r["content_type"].as_u64().unwrap()).unwrap(),
            ),
            plaintext: hex(r["plaintext"].as_str().unwrap()),
            record: hex(r["record"].as_str().unwrap()),
        })
        .collect()
}

fn find<'a>(trace: &'a [TraceRecord], name: &str) -> &'a TraceRecord {
    trace.iter().find(|r| r.name == name).unwrap()
}

/// The records under each key, in the order they were sent, so that a
/// fresh sealer or opener per key reaches each record at its sequence
/// number.
fn by_key(trace: &[TraceRecord]) -> Vec<Vec<&TraceRecord>> {
    let mut groups: Vec<Vec<&TraceRecord>> = Vec::new();
    for record in trace {
        match groups.iter_mut().find(|g| g[0].key == record.key) {
            Some(group) => group.push(record),
            None => groups.push(vec![record]),
        }
    }
    groups
}

/// RFC 8448 §3: every record, sealed from its plaintext with its key and IV
/// at its sequence number, is the RFC's record byte for byte: nonce (IV XOR
/// sequence number), additional data (the header) and TLSInnerPlaintext
/// (content, then the type) as RFC 8446 §5.2 and §5.3 define them.
#[test]
fn sealing_the_rfc_8448_plaintexts_gives_the_rfc_8448_records() {
    let trace = trace();
    assert_eq!(trace.len(), 7);
    for group in by_key(&trace) {
        let mut sealer = RecordSealer::new(&group[0].keys()).unwrap();
        assert_eq!(sealer.protection(), RecordProtection::Tls13);
        for r in group {
            assert_eq!(sealer.sequence(), r.sequence, "{}", r.name);
            let mut buf = vec![0u8; r.plaintext.len() + sealer.overhead()];
            let prefix = sealer.prefix_len();
            assert_eq!(prefix, HEADER_LEN, "no explicit nonce in TLS 1.3");
            buf[prefix..prefix + r.plaintext.len()].copy_from_slice(&r.plaintext);
            let len = sealer
                .seal_in_place(
                    r.content_type,
                    ProtocolVersion::TLS_V1_2,
                    &mut buf,
                    r.plaintext.len(),
                )
                .unwrap();
            assert_eq!(buf[..len], r.record[..], "{}", r.name);

            // The same from the caller's buffer, under a sealer at the same
            // sequence number.
            let mut again = RecordSealer::new(&r.keys()).unwrap();
            for _ in 0..r.sequence {
                let mut scratch = vec![0u8; again.overhead()];
                again
                    .seal_in_place(
                        ContentType::APPLICATION_DATA,
                        ProtocolVersion::TLS_V1_2,
                        &mut scratch,
                        0,
                    )
                    .unwrap();
            }
            let mut out = vec![0u8; r.record.len()];
            again
                .seal_from(
                    r.content_type,
                    ProtocolVersion::TLS_V1_2,
                    &r.plaintext,
                    &mut out,
                )
                .unwrap();
            assert_eq!(out, r.record, "{} (seal_from)", r.name);
        }
    }
}

/// RFC 8448 §3: every record opens, under its key at its sequence number,
/// to the RFC's plaintext and inner content type.
#[test]
fn opening_the_rfc_8448_records_gives_the_rfc_8448_plaintexts() {
    let trace = trace();
    for group in by_key(&trace) {
        let mut opener = RecordOpener::new(&group[0].keys()).unwrap();
        for r in group {
            assert_eq!(opener.sequence(), r.sequence, "{}", r.name);
            let mut body = r.record[HEADER_LEN..].to_vec();
            let (content_type, plaintext) = opener
                .open_record_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS_V1_2,
                    &mut body,
                )
                .unwrap();
            assert_eq!(content_type, r.content_type, "{}", r.name);
            assert_eq!(plaintext, &r.plaintext[..], "{}", r.name);
        }
    }
}

/// The client's side of RFC 8448 §3 through the in-place decoder: the
/// server's encrypted flight (preceded here by the middlebox
/// change_cipher_spec a compatible server sends, RFC 8446 Appendix D.4)
/// gives EncryptedExtensions, Certificate, CertificateVerify and Finished;
/// then, under the server's application keys installed on that record
/// boundary, the NewSessionTicket, the echoed data and the close_notify.
#[test]
fn a_client_decoder_reads_the_servers_records_of_rfc_8448() {
    let trace = trace();
    let flight = find(&trace, "server_handshake_flight");
    let mut decoder = RecordDecoder::new();
    decoder.set_version_negotiated();
    decoder.set_middlebox_ccs_allowed(true);
    decoder
        .install_opener(RecordOpener::new(&flight.keys()).unwrap())
        .unwrap();
    let mut stream = record(20, [3, 3], &[1]);
    stream.extend_from_slice(&flight.record);
    let got = decode_all(&mut decoder, &stream).unwrap();
    // The four messages, each whole, in order: EncryptedExtensions (8),
    // Certificate (11), CertificateVerify (15), Finished (20).
    let types: Vec<u8> = got
        .iter()
        .map(|g| match g {
            Got::Handshake(m) => m[0],
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(types, [8, 11, 15, 20]);
    let joined: Vec<u8> = got
        .iter()
        .flat_map(|g| match g {
            Got::Handshake(m) => m.clone(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(joined, flight.plaintext);
    assert!(!decoder.has_buffered_handshake());

    // The server's Finished is in: no more middlebox CCS, and the
    // application keys come in on a record boundary.
    decoder.set_middlebox_ccs_allowed(false);
    let ticket = find(&trace, "server_new_session_ticket");
    decoder
        .install_opener(RecordOpener::new(&ticket.keys()).unwrap())
        .unwrap();
    let mut stream = ticket.record.clone();
    stream.extend_from_slice(&find(&trace, "server_application_data").record);
    stream.extend_from_slice(&find(&trace, "server_close_notify").record);
    let got = decode_all(&mut decoder, &stream).unwrap();
    assert_eq!(
        got,
        [
            Got::Handshake(ticket.plaintext.clone()),
            Got::Data((0u8..0x32).collect()),
            Got::Alert(Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::CLOSE_NOTIFY,
            }),
        ]
    );
}

/// The client's side of RFC 8448 §3 through the buffered writer: under the
/// client's handshake keys its Finished is the RFC's record (outer type
/// application_data, inner type handshake), the middlebox change_cipher_spec
/// before it goes out unencrypted even with those keys installed; under the
/// application keys, the data and the close_notify are the RFC's records.
#[test]
fn a_client_writer_writes_the_clients_records_of_rfc_8448() {
    let trace = trace();
    let finished = find(&trace, "client_finished");
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(&finished.keys()).unwrap());
    let mut out = Vec::new();
    writer.write_change_cipher_spec(&mut out).unwrap();
    assert_eq!(out, [20, 3, 3, 0, 1, 1]);
    assert_eq!(
        writer.sealer().unwrap().sequence(),
        0,
        "the CCS used no sequence number"
    );
    out.clear();
    writer
        .write_handshake(&finished.plaintext, &mut out)
        .unwrap();
    assert_eq!(out, finished.record);

    let data = find(&trace, "client_application_data");
    writer.install_sealer(RecordSealer::new(&data.keys()).unwrap());
    out.clear();
    writer
        .write_application_data(&data.plaintext, &mut out)
        .unwrap();
    assert_eq!(out, data.record);
    out.clear();
    writer
        .write_alert(
            Alert {
                level: AlertLevel::WARNING,
                description: AlertDescription::CLOSE_NOTIFY,
            },
            &mut out,
        )
        .unwrap();
    assert_eq!(out, find(&trace, "client_close_notify").record);
}
