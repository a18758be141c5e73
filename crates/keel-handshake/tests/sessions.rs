// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Stored sessions: the serialised form and the bounded stores.

use keel_handshake::policy::{SIGNATURE_SCHEMES, SUITES};
use keel_handshake::sessions::{
    ClientSessionStore, ServerSessionCache, SessionDecodeError, SessionEncodeError, StoredSession,
};
use keel_handshake::{GROUPS, ResumptionContext, Side};
use keel_pki::CertificateDer;
use keel_wire::Codec;
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};
use keel_wire::session::{SessionCertificate, SessionState};
use keel_wire::vec::Opaque;

/// A byte that appears nowhere but in the master secret, so that its
/// absence from `Debug` output means something.
const SECRET_BYTE: u8 = 0xA7;

/// Offsets in the encoding of `full(..)` (fixed-size fields come first).
const MAGIC_LEN: usize = 7;
const VERSION_AT: usize = 7;
const SESSION_ID_LEN_AT: usize = 8 + 2 + ResumptionContext::LEN;

/// The context `full(..)` sessions carry.
fn context() -> ResumptionContext {
    ResumptionContext::builder(Side::Client)
        .field("roots", b"test")
        .build()
}

/// Another policy's context.
fn other_context() -> ResumptionContext {
    ResumptionContext::builder(Side::Client)
        .field("roots", b"other")
        .build()
}

fn full(id: u8, created: u64) -> StoredSession {
    StoredSession {
        version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
        context: context(),
        session_id: vec![id; 32],
        cipher_suite: SUITES[2],
        group: GROUPS[1],
        signature_scheme: SIGNATURE_SCHEMES[0],
        secret: vec![SECRET_BYTE; 48],
        extended_master_secret: true,
        server_name: Some("example.com".to_owned()),
        alpn: Some(b"h2".to_vec()),
        peer_certificates: vec![
            CertificateDer::from(vec![0x30, 0x82, 0x01, 0x02, 0x03]),
            CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
        ],
        created,
        ticket: vec![0xEE; 40],
        ticket_expires: created + 7200,
        ticket_age_add: 0,
        client_signature_scheme: Some(SIGNATURE_SCHEMES[1]),
        ocsp_response: Some(vec![0x30, 0x03, 0x0a, 0x01, 0x00]),
    }
}

fn minimal() -> StoredSession {
    StoredSession {
        version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
        context: ResumptionContext::from_bytes([0; 32]),
        session_id: vec![9],
        cipher_suite: SUITES[5],
        group: GROUPS[0],
        signature_scheme: SIGNATURE_SCHEMES[8],
        secret: vec![SECRET_BYTE; 48],
        extended_master_secret: false,
        server_name: None,
        alpn: None,
        peer_certificates: Vec::new(),
        created: 0,
        ticket: Vec::new(),
        ticket_expires: 0,
        ticket_age_add: 0,
        client_signature_scheme: None,
        ocsp_response: None,
    }
}

fn assert_same(a: &StoredSession, b: &StoredSession) {
    assert_eq!(a.context, b.context);
    assert_eq!(a.session_id, b.session_id);
    assert_eq!(a.cipher_suite, b.cipher_suite);
    assert_eq!(a.group, b.group);
    assert_eq!(a.signature_scheme, b.signature_scheme);
    assert_eq!(a.secret, b.secret);
    assert_eq!(a.extended_master_secret, b.extended_master_secret);
    assert_eq!(a.server_name, b.server_name);
    assert_eq!(a.alpn, b.alpn);
    assert_eq!(a.peer_certificates, b.peer_certificates);
    assert_eq!(a.created, b.created);
    assert_eq!(a.client_signature_scheme, b.client_signature_scheme);
    assert_eq!(a.ocsp_response, b.ocsp_response);
    assert_eq!(a.to_bytes().unwrap(), b.to_bytes().unwrap());
}

fn round_trip(session: &StoredSession) {
    let bytes = session.to_bytes().unwrap();
    let decoded = StoredSession::from_bytes(&bytes).unwrap();
    assert_same(session, &decoded);
    assert_eq!(decoded.to_bytes().unwrap(), bytes);
}

fn with(change: impl FnOnce(&mut StoredSession)) -> StoredSession {
    let mut s = minimal();
    change(&mut s);
    s
}

fn invalid(field: &'static str) -> SessionDecodeError {
    SessionDecodeError::Invalid { field }
}

#[test]
fn round_trips() {
    round_trip(&full(1, 1_700_000_000));
    round_trip(&minimal());
    let mut s = minimal();
    s.created = u64::MAX;
    s.alpn = Some(vec![0]);
    round_trip(&s);
    for suite in SUITES {
        for group in GROUPS {
            for scheme in SIGNATURE_SCHEMES {
                let mut s = full(2, 5);
                s.cipher_suite = suite;
                s.group = group;
                s.signature_scheme = scheme;
                round_trip(&s);
            }
        }
    }
}

#[test]
fn round_trips_at_every_limit() {
    let mut s = full(3, 7);
    s.server_name = Some("a".repeat(255));
    s.alpn = Some(vec![b'x'; 255]);
    s.peer_certificates = (0..10)
        .map(|i| CertificateDer::from(vec![i; 64 * 1024]))
        .collect();
    round_trip(&s);
    s.server_name = Some("é".repeat(127));
    round_trip(&s);
}

#[test]
fn clone_is_a_full_copy() {
    let s = full(4, 8);
    assert_same(&s, &s.clone());
}

#[test]
fn every_truncation_is_refused() {
    for session in [full(1, 2), minimal()] {
        let bytes = session.to_bytes().unwrap();
        for n in 0..bytes.len() {
            let err = StoredSession::from_bytes(&bytes[..n]).unwrap_err();
            assert!(
                matches!(err, SessionDecodeError::Truncated { .. }),
                "cut at {n}: {err}"
            );
        }
    }
}

#[test]
fn every_change_of_magic_or_version_is_refused() {
    let bytes = full(1, 2).to_bytes().unwrap();
    for at in 0..=VERSION_AT {
        for value in 0..=u8::MAX {
            if value == bytes[at] {
                continue;
            }
            let mut changed = bytes.clone();
            changed[at] = value;
            let err = StoredSession::from_bytes(&changed).unwrap_err();
            if at < MAGIC_LEN {
                assert_eq!(err, SessionDecodeError::BadMagic, "byte {at} = {value}");
            } else {
                assert_eq!(
                    err,
                    SessionDecodeError::UnsupportedVersion,
                    "version {value}"
                );
            }
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    for extra in [&[0u8][..], &[1, 2, 3], &full(1, 2).to_bytes().unwrap()] {
        let mut bytes = full(1, 2).to_bytes().unwrap();
        bytes.extend_from_slice(extra);
        assert_eq!(
            StoredSession::from_bytes(&bytes).unwrap_err(),
            SessionDecodeError::TrailingBytes
        );
    }
}

#[test]
fn out_of_range_fields_are_neither_written_nor_kept() {
    let cases: Vec<(&'static str, StoredSession)> = vec![
        ("session_id", with(|s| s.session_id = Vec::new())),
        ("session_id", with(|s| s.session_id = vec![1; 33])),
        (
            "cipher_suite",
            with(|s| s.cipher_suite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA),
        ),
        (
            "cipher_suite",
            with(|s| s.cipher_suite = CipherSuite::new(0xFAFA)),
        ),
        ("group", with(|s| s.group = NamedGroup::new(0x0019))),
        (
            "signature_scheme",
            with(|s| s.signature_scheme = SignatureScheme::new(0x0201)),
        ),
        ("server_name", with(|s| s.server_name = Some(String::new()))),
        (
            "server_name",
            with(|s| s.server_name = Some("a".repeat(256))),
        ),
        ("alpn", with(|s| s.alpn = Some(Vec::new()))),
        ("alpn", with(|s| s.alpn = Some(vec![b'x'; 256]))),
        (
            "certificates",
            with(|s| s.peer_certificates = vec![CertificateDer::from(vec![1]); 11]),
        ),
        (
            "certificates",
            with(|s| s.peer_certificates = vec![CertificateDer::from(Vec::new())]),
        ),
        (
            "certificates",
            with(|s| s.peer_certificates = vec![CertificateDer::from(vec![0; 64 * 1024 + 1])]),
        ),
        ("ticket", with(|s| s.ticket = vec![0; 0x1_0000])),
        (
            "client_signature_scheme",
            with(|s| s.client_signature_scheme = Some(SignatureScheme::new(0x0201))),
        ),
        // RFC 6066 §8: OCSPResponse<1..2^24-1>, never empty.
        (
            "ocsp_response",
            with(|s| s.ocsp_response = Some(Vec::new())),
        ),
    ];
    for (field, session) in cases {
        assert_eq!(
            session.to_bytes().unwrap_err(),
            SessionEncodeError { field },
            "{session:?}"
        );
        // Neither store keeps what it could not export.
        let cache = ServerSessionCache::new(4, std::time::Duration::from_secs(100));
        cache.insert(session.clone());
        assert!(cache.is_empty(), "{session:?}");
        let store = ClientSessionStore::new(4, std::time::Duration::from_secs(100));
        store.insert("example.com", session);
        assert!(store.is_empty());
    }
}

/// `minimal()`'s encoding changed through the codec's own structure,
/// which checks the format's bounds but none of keel's limits.
fn encode_unchecked(change: impl FnOnce(&mut SessionState)) -> Vec<u8> {
    let mut state = SessionState::decode(&minimal().to_bytes().unwrap()).unwrap();
    change(&mut state);
    state.encode().unwrap()
}

#[test]
fn well_formed_sessions_outside_keels_limits_are_refused() {
    let cases: Vec<(&'static str, Vec<u8>)> = vec![
        (
            "session_id",
            encode_unchecked(|s| s.session_id = Opaque(Vec::new())),
        ),
        (
            "cipher_suite",
            encode_unchecked(|s| s.cipher_suite = CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA),
        ),
        (
            "group",
            encode_unchecked(|s| s.group = NamedGroup::new(0x0019)),
        ),
        (
            "signature_scheme",
            encode_unchecked(|s| s.signature_scheme = SignatureScheme::new(0x0201)),
        ),
        (
            "server_name",
            encode_unchecked(|s| s.server_name = Some(Opaque(vec![0xFF, 0xFE]))),
        ),
        (
            "certificates",
            encode_unchecked(|s| s.certificates = vec![SessionCertificate(vec![1]); 11]),
        ),
        (
            "certificates",
            encode_unchecked(|s| s.certificates = vec![SessionCertificate(vec![0; 64 * 1024 + 1])]),
        ),
        (
            "client_signature_scheme",
            encode_unchecked(|s| s.client_signature_scheme = Some(SignatureScheme::new(0x0201))),
        ),
    ];
    for (field, bytes) in cases {
        assert_eq!(
            StoredSession::from_bytes(&bytes).unwrap_err(),
            invalid(field),
            "{field}"
        );
        let cache = ServerSessionCache::new(4, std::time::Duration::from_secs(100));
        assert_eq!(cache.import(&bytes).unwrap_err(), invalid(field));
        assert!(cache.is_empty());
    }
}

#[test]
fn bad_flags_lengths_and_utf8_are_refused() {
    let s = with(|s| s.server_name = Some("ab".to_owned()));
    let bytes = s.to_bytes().unwrap();
    // Layout: magic 8, protocol version 2, context 32, id 1 + 1,
    // suite/group/scheme 6, secret 1 + 48, then the flag, created 8, the
    // name's presence flag, its length 1, the name.
    let ems_at = 8 + 2 + 32 + 2 + 6 + 49;
    let name_flag_at = ems_at + 1 + 8;
    let name_at = name_flag_at + 1 + 1;
    assert_eq!(&bytes[name_at..name_at + 2], b"ab");

    let mut b = bytes.clone();
    b[ems_at] = 2;
    assert_eq!(
        StoredSession::from_bytes(&b).unwrap_err(),
        invalid("extended_master_secret")
    );
    let mut b = bytes.clone();
    b[name_flag_at] = 2;
    assert_eq!(
        StoredSession::from_bytes(&b).unwrap_err(),
        invalid("server_name")
    );
    let mut b = bytes.clone();
    b[name_at] = 0xFF;
    assert_eq!(
        StoredSession::from_bytes(&b).unwrap_err(),
        invalid("server_name")
    );
    // An empty name: below the format's minimum.
    let mut b = bytes.clone();
    b[name_at - 1] = 0;
    b.drain(name_at..name_at + 2);
    assert_eq!(
        StoredSession::from_bytes(&b).unwrap_err(),
        invalid("server_name")
    );
    // A length past the format's maximum is judged against it, not read.
    let mut b = bytes.clone();
    b[SESSION_ID_LEN_AT] = 33;
    assert_eq!(
        StoredSession::from_bytes(&b).unwrap_err(),
        invalid("session_id")
    );
}

#[test]
fn the_kept_client_scheme_and_staple_round_trip() {
    round_trip(&with(|s| {
        s.client_signature_scheme = Some(SIGNATURE_SCHEMES[3]);
        s.ocsp_response = Some(vec![7; 300]);
    }));
}

/// Every accepted input re-encodes to the same bytes.
fn decode_without_panic(bytes: &[u8]) {
    if let Ok(session) = StoredSession::from_bytes(bytes) {
        assert_eq!(session.to_bytes().unwrap(), bytes);
    }
}

#[test]
fn every_single_byte_change_is_refused_or_round_trips() {
    for session in [full(1, 1_700_000_000), minimal()] {
        let bytes = session.to_bytes().unwrap();
        for at in 0..bytes.len() {
            for mask in [0x01, 0x02, 0x10, 0x80, 0xFF] {
                let mut changed = bytes.clone();
                changed[at] ^= mask;
                decode_without_panic(&changed);
            }
        }
    }
}

/// xorshift64*: a fixed, dependency-free source of test bytes.
struct TestRng(u64);

impl TestRng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = TestRng(0x9E37_79B9_7F4A_7C15);
    let header = b"KEELSES\x06";
    for _ in 0..20_000 {
        let len = (rng.next() % 200) as usize;
        let random = rng.bytes(len);
        decode_without_panic(&random);
        // The same behind a valid header, to get past the magic.
        let mut framed = header.to_vec();
        framed.extend_from_slice(&random);
        decode_without_panic(&framed);
        // And with small lengths, so that some fields parse.
        let mut small = framed.clone();
        for b in small.iter_mut().skip(header.len()) {
            *b %= 3;
        }
        decode_without_panic(&small);
    }
}

#[test]
fn server_cache_evicts_the_oldest_when_full() {
    let cache = ServerSessionCache::new(3, std::time::Duration::from_secs(1_000));
    assert!(cache.is_empty());
    for i in 0..4u8 {
        cache.insert(full(i, 100 + u64::from(i)));
    }
    assert_eq!(cache.len(), 3);
    assert!(cache.get(&[0; 32], 104).is_none());
    for i in 1..4u8 {
        assert_same(
            &cache.get(&[i; 32], 104).unwrap(),
            &full(i, 100 + u64::from(i)),
        );
    }
    // Replacing an ID neither grows the cache nor evicts another entry.
    cache.insert(full(2, 200));
    assert_eq!(cache.len(), 3);
    assert_eq!(cache.get(&[2; 32], 200).unwrap().created, 200);
    // Entry 1 is now the oldest.
    cache.insert(full(9, 201));
    assert!(cache.get(&[1; 32], 201).is_none());
    assert!(cache.get(&[3; 32], 201).is_some());
    cache.remove(&[3; 32]);
    assert!(cache.get(&[3; 32], 201).is_none());
    assert_eq!(cache.len(), 2);
}

#[test]
fn a_zero_sized_store_keeps_nothing() {
    let cache = ServerSessionCache::new(0, std::time::Duration::from_secs(1_000));
    cache.insert(full(1, 1));
    assert!(cache.is_empty());
    let store = ClientSessionStore::new(0, std::time::Duration::from_secs(1_000));
    store.insert("a.example", full(1, 1));
    assert!(store.is_empty());
}

#[test]
fn server_cache_expires_entries() {
    let lifetime = 3_600;
    let cache = ServerSessionCache::new(8, std::time::Duration::from_secs(lifetime));
    cache.insert(full(1, 1_000));
    assert!(cache.get(&[1; 32], 1_000 + lifetime).is_some());
    assert_eq!(cache.len(), 1);
    assert!(cache.get(&[1; 32], 1_000 + lifetime + 1).is_none());
    assert_eq!(cache.len(), 0, "an expired entry is removed");
    // A session stamped too far in the future is not trusted either.
    cache.insert(full(2, 10_000));
    assert!(cache.get(&[2; 32], 10_000 - lifetime - 1).is_none());
    assert!(cache.is_empty());
    assert!(cache.get(&[7; 32], 0).is_none());
}

#[test]
fn client_store_keeps_one_session_per_name() {
    let store = ClientSessionStore::new(2, std::time::Duration::from_secs(1_000));
    store.insert("a.example", full(1, 10));
    store.insert("a.example", full(2, 11));
    assert_eq!(store.len(), 1);
    assert_eq!(
        store.get(&context(), "a.example", 11).unwrap().session_id,
        vec![2; 32]
    );
    store.insert("b.example", full(3, 12));
    store.insert("c.example", full(4, 13));
    assert_eq!(store.len(), 2);
    assert!(store.get(&context(), "a.example", 13).is_none());
    assert!(store.get(&context(), "b.example", 13).is_some());
    assert!(store.get(&context(), "c.example", 13).is_some());
    assert!(store.get(&context(), "c.example", 13 + 1_000 + 1).is_none());
    assert_eq!(store.len(), 1);
    store.remove("b.example");
    assert!(store.is_empty());
}

#[test]
fn export_and_import_restore_a_cache() {
    let cache = ServerSessionCache::new(8, std::time::Duration::from_secs(1_000));
    for i in 0..5u8 {
        cache.insert(full(i, 50 - u64::from(i)));
    }
    cache.insert(minimal());
    let exported = cache.export();
    assert_eq!(exported.len(), 6);
    // Oldest first.
    assert_eq!(StoredSession::from_bytes(&exported[0]).unwrap().created, 0);

    let restored = ServerSessionCache::new(8, std::time::Duration::from_secs(1_000));
    for entry in &exported {
        restored.import(entry).unwrap();
    }
    assert_eq!(restored.len(), 6);
    for i in 0..5u8 {
        assert_same(
            &restored.get(&[i; 32], 50).unwrap(),
            &full(i, 50 - u64::from(i)),
        );
    }
    assert_same(&restored.get(&[9], 50).unwrap(), &minimal());
    assert_eq!(restored.export(), cache.export());

    assert_eq!(
        restored.import(b"not a session").unwrap_err(),
        SessionDecodeError::BadMagic
    );
    assert_eq!(restored.len(), 6);
}

#[test]
fn export_and_import_restore_a_client_store() {
    let store = ClientSessionStore::new(8, std::time::Duration::from_secs(1_000));
    store.insert("a.example", full(1, 10));
    store.insert("b.example", minimal());
    let exported = store.export();
    assert_eq!(exported.len(), 2);

    let restored = ClientSessionStore::new(8, std::time::Duration::from_secs(1_000));
    for (name, entry) in &exported {
        restored.import(name, entry).unwrap();
    }
    assert_same(
        &restored.get(&context(), "a.example", 10).unwrap(),
        &full(1, 10),
    );
    assert_same(
        &restored.get(&minimal().context, "b.example", 10).unwrap(),
        &minimal(),
    );
    assert_eq!(restored.export(), exported);
    assert!(restored.import("c.example", &exported[0].1[..10]).is_err());
    assert_eq!(restored.len(), 2);
}

#[test]
fn debug_never_shows_the_master_secret() {
    let session = full(1, 1_700_000_000);
    let cache = ServerSessionCache::new(4, std::time::Duration::from_secs(100));
    cache.insert(session.clone());
    let store = ClientSessionStore::new(4, std::time::Duration::from_secs(100));
    store.insert("example.com", session.clone());
    for text in [
        format!("{session:?}"),
        format!("{session:#?}"),
        format!("{cache:?}"),
        format!("{store:?}"),
    ] {
        let lower = text.to_lowercase();
        assert!(!lower.contains("a7"), "{text}");
        assert!(!lower.contains("167"), "{text}");
    }
    assert!(format!("{cache:?}").contains("entries: 1"));
}

#[test]
fn stores_are_shareable_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ServerSessionCache>();
    shareable::<ClientSessionStore>();

    let cache = std::sync::Arc::new(ServerSessionCache::new(
        64,
        std::time::Duration::from_secs(1_000),
    ));
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            let cache = std::sync::Arc::clone(&cache);
            std::thread::spawn(move || {
                for i in 0..32u8 {
                    cache.insert(full(t * 32 + i, u64::from(i)));
                    let _ = cache.get(&[t * 32 + i; 32], u64::from(i));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(cache.len(), 64);
}

#[test]
fn a_client_store_keeps_each_policys_session_apart() {
    let store = ClientSessionStore::new(8, std::time::Duration::from_secs(1_000));
    store.insert("a.example", full(1, 10));
    let mut other = full(2, 11);
    other.context = other_context();
    store.insert("a.example", other);
    assert_eq!(store.len(), 2, "one session per name and context");
    assert_eq!(
        store.get(&context(), "a.example", 11).unwrap().session_id,
        vec![1; 32]
    );
    assert_eq!(
        store
            .get(&other_context(), "a.example", 11)
            .unwrap()
            .session_id,
        vec![2; 32]
    );
    let third = ResumptionContext::builder(Side::Client).build();
    assert!(
        store.get(&third, "a.example", 11).is_none(),
        "a configuration with another policy is offered nothing"
    );
    // Exported and imported, each keeps its context.
    let restored = ClientSessionStore::new(8, std::time::Duration::from_secs(1_000));
    for (name, entry) in store.export() {
        restored.import(&name, &entry).unwrap();
    }
    assert!(restored.get(&other_context(), "a.example", 11).is_some());
    store.remove("a.example");
    assert!(
        store.is_empty(),
        "remove forgets the name under every context"
    );
}

#[test]
fn stores_are_bounded_in_bytes_too() {
    // A session holding a client's long chain is about 128 KiB.
    let big = |id: u8, created: u64| {
        let mut s = full(id, created);
        s.peer_certificates = vec![CertificateDer::from(vec![id; 32 * 1024]); 4];
        s
    };
    let one = big(1, 1).to_bytes().unwrap().len();
    let cache = ServerSessionCache::new(100, std::time::Duration::from_secs(1_000))
        .with_max_bytes(2 * one + 100);
    for i in 0..3u8 {
        cache.insert(big(i, u64::from(i)));
    }
    assert_eq!(cache.len(), 2, "the oldest went to keep the bytes bounded");
    assert!(cache.get(&[0; 32], 5).is_none());
    assert!(cache.get(&[2; 32], 5).is_some());
    // Small sessions still fit beside them until the budget is reached.
    cache.insert(full(7, 10));
    assert_eq!(cache.len(), 2);
    assert!(cache.get(&[7; 32], 10).is_some());

    // A session larger than the whole budget is never kept.
    let tight =
        ClientSessionStore::new(100, std::time::Duration::from_secs(1_000)).with_max_bytes(one - 1);
    tight.insert("a.example", big(1, 1));
    assert!(tight.is_empty());

    // By default, 8 KiB per entry: 16 entries hold at most 128 KiB.
    let default = ServerSessionCache::new(16, std::time::Duration::from_secs(1_000));
    default.insert(big(1, 1));
    assert!(default.len() <= 1);
    for i in 2..20u8 {
        default.insert(big(i, u64::from(i)));
    }
    let held: usize = default.export().iter().map(Vec::len).sum();
    assert!(held <= 16 * 8 * 1024, "{held} bytes held");
}
