//! Wire paths no other test reached: hello extensions keel itself never
//! sends or never receives (but a peer may, and a user of this crate may
//! build), the conversions that build vectors and registry values, the
//! Debug forms of the byte fields, and a fixed-size list item of a
//! caller's own whose list length is not a multiple of its size.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{ProtocolName, SignedCertificateTimestamp};
use keel_wire::handshake::{ClientHello, Finished, Random, ServerHello};
use keel_wire::registry::{
    CipherSuite, CompressionMethod, ExtensionType, NamedGroup, ProtocolVersion,
};
use keel_wire::vec::{FixedSize, List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, ServerExtension};

/// The extensions block at the end of an encoded hello: its 2-byte length
/// and then each extension as `type(2) length(2) body`.
fn block(extensions: &[&[u8]]) -> Vec<u8> {
    let body: Vec<u8> = extensions.concat();
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn server_hello(extensions: Vec<ServerExtension>) -> ServerHello {
    ServerHello {
        server_version: ProtocolVersion::TLS_V1_2,
        random: Random([0x22; 32]),
        session_id: Opaque::from(&[0x01, 0x02][..]),
        cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        compression_method: CompressionMethod::NULL,
        extensions: Extensions::from(extensions),
    }
}

fn client_hello(extensions: Vec<ClientExtension>) -> ClientHello {
    ClientHello {
        client_version: ProtocolVersion::TLS_V1_2,
        random: Random([0x11; 32]),
        session_id: Opaque::from(Vec::new()),
        cipher_suites: List::from(vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]),
        compression_methods: List::from(vec![CompressionMethod::NULL]),
        extensions: Extensions::from(extensions),
    }
}

/// RFC 6066 §3 and §8, RFC 7366 §2, RFC 7627 §5.1: a server acknowledges
/// server_name, status_request, encrypt_then_mac and
/// extended_master_secret with an empty extension; RFC 6962 §3.3.1: a
/// ServerHello may carry SCTs; RFC 7301 §3.1: one protocol name; RFC 5746
/// §3.2: an empty renegotiation_info; an unknown type is kept as it came.
/// Each encodes to exactly its RFC bytes and decodes back to itself.
#[test]
fn server_hello_extensions_keel_never_sends_encode_to_their_rfc_bytes() {
    let hello = server_hello(vec![
        ServerExtension::ServerName,
        ServerExtension::StatusRequest,
        ServerExtension::EncryptThenMac,
        ServerExtension::ExtendedMasterSecret,
        ServerExtension::SignedCertificateTimestamp(List::from(vec![
            SignedCertificateTimestamp::from(&b"abc"[..]),
        ])),
        ServerExtension::Alpn(ProtocolName::from(b"h2".to_vec())),
        ServerExtension::RenegotiationInfo(Opaque::from(Vec::new())),
        ServerExtension::Unknown(RawExtension {
            ext_type: ExtensionType::new(0x1234),
            data: vec![0xaa],
        }),
    ]);
    let bytes = hello.encode().unwrap();
    let expected = block(&[
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x05, 0x00, 0x00],
        &[0x00, 0x16, 0x00, 0x00],
        &[0x00, 0x17, 0x00, 0x00],
        &[
            0x00, 0x12, 0x00, 0x07, 0x00, 0x05, 0x00, 0x03, b'a', b'b', b'c',
        ],
        &[0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, b'h', b'2'],
        &[0xff, 0x01, 0x00, 0x01, 0x00],
        &[0x12, 0x34, 0x00, 0x01, 0xaa],
    ]);
    assert!(
        bytes.ends_with(&expected),
        "{bytes:02x?}\nexpected to end with {expected:02x?}"
    );
    assert_eq!(ServerHello::decode(&bytes).unwrap(), hello);
}

/// RFC 6962 §3.3.1: a client asks for SCTs with an empty
/// signed_certificate_timestamp; RFC 7366 §2: encrypt_then_mac is empty
/// too; RFC 7301 §3.1: ALPN lists the protocols in order; an unknown type
/// is kept as it came. Each encodes to exactly its RFC bytes and decodes
/// back to itself.
#[test]
fn client_hello_extensions_keel_never_sends_encode_to_their_rfc_bytes() {
    let hello = client_hello(vec![
        ClientExtension::SignedCertificateTimestamp,
        ClientExtension::EncryptThenMac,
        ClientExtension::Alpn(List::from(vec![
            ProtocolName::from(&b"h2"[..]),
            ProtocolName::from(&b"http/1.1"[..]),
        ])),
        ClientExtension::RenegotiationInfo(Opaque::from(&[][..])),
        ClientExtension::Unknown(RawExtension {
            ext_type: ExtensionType::new(0x1234),
            data: vec![0xaa, 0xbb],
        }),
    ]);
    let bytes = hello.encode().unwrap();
    let mut alpn = vec![0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, b'h', b'2', 0x08];
    alpn.extend_from_slice(b"http/1.1");
    let expected = block(&[
        &[0x00, 0x12, 0x00, 0x00],
        &[0x00, 0x16, 0x00, 0x00],
        &alpn,
        &[0xff, 0x01, 0x00, 0x01, 0x00],
        &[0x12, 0x34, 0x00, 0x02, 0xaa, 0xbb],
    ]);
    assert!(
        bytes.ends_with(&expected),
        "{bytes:02x?}\nexpected to end with {expected:02x?}"
    );
    assert_eq!(ClientHello::decode(&bytes).unwrap(), hello);
}

/// A registry value is built from its wire number, and known numbers are
/// the named constants.
#[test]
fn registry_values_come_from_their_wire_numbers() {
    assert_eq!(NamedGroup::from(0x001d), NamedGroup::X25519);
    assert_eq!(NamedGroup::from(0x0017), NamedGroup::SECP256R1);
    assert_eq!(
        CipherSuite::from(0xc02b),
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    assert_eq!(
        NamedGroup::from(0x001d).to_string(),
        NamedGroup::X25519.to_string()
    );
}

/// Byte fields show as lowercase hex in Debug output (readable in a log,
/// and the same bytes as on the wire); lists show as lists of their items.
#[test]
fn byte_fields_show_as_hex_and_lists_as_lists() {
    let mut verify_data = [0u8; 12];
    verify_data[0] = 0xab;
    verify_data[11] = 0x01;
    assert_eq!(
        format!("{:?}", Finished { verify_data }),
        "Finished { verify_data: 0xab0000000000000000000001 }"
    );
    assert_eq!(
        format!("{:?}", Random([0x0f; 32])),
        format!("0x{}", "0f".repeat(32))
    );
    let groups: List<NamedGroup, 2, 2, 0xffff> =
        List::from(vec![NamedGroup::X25519, NamedGroup::SECP256R1]);
    assert_eq!(
        format!("{groups:?}"),
        format!("[{:?}, {:?}]", NamedGroup::X25519, NamedGroup::SECP256R1)
    );
}

/// A caller's own 3-byte item.
#[binrw::binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb([u8; 3]);

impl FixedSize for Rgb {
    const SIZE: usize = 3;
}

/// A list of fixed-size items must have a byte length that is a multiple
/// of the item size; for items other than 2 bytes the message gives both.
#[test]
fn a_list_of_three_byte_items_with_a_misaligned_length_says_so() {
    use binrw::BinRead;
    type Colours = List<Rgb, 1, 0, 0xff>;
    let read = |bytes: &[u8]| {
        Colours::read_options(
            &mut std::io::Cursor::new(bytes),
            binrw::Endian::Big,
            keel_wire::vec::Field("colours"),
        )
    };
    let ok = read(&[6, 1, 2, 3, 4, 5, 6]).unwrap();
    assert_eq!(ok.0, [Rgb([1, 2, 3]), Rgb([4, 5, 6])]);
    let err = read(&[7, 1, 2, 3, 4, 5, 6, 7]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("length 7 is not a multiple of 3"), "{text}");
    assert!(text.contains("colours"), "{text}");
}

/// A reader that hands out `ok` bytes of `bytes` and then fails with an
/// I/O error that is not an end of file (a socket reset, say).
struct FailsAfter {
    inner: std::io::Cursor<Vec<u8>>,
    ok: u64,
}

impl std::io::Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.ok.saturating_sub(self.inner.position());
        if left == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            ));
        }
        let n = buf.len().min(usize::try_from(left).unwrap());
        self.inner.read(&mut buf[..n])
    }
}

impl std::io::Seek for FailsAfter {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Decoding straight from a caller's reader: an I/O failure comes back as
/// that I/O error, not as a truncated or malformed message, whether it
/// strikes in a length prefix or in an extension's header.
#[test]
fn an_io_error_from_the_callers_reader_is_passed_on_as_it_is() {
    use binrw::BinRead;
    let is_reset = |err: &binrw::Error| matches!(err, binrw::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset);
    // A 1-byte length prefix, then nothing more to be had.
    let mut reader = FailsAfter {
        inner: std::io::Cursor::new(vec![0x02, 0x00, 0x17]),
        ok: 0,
    };
    let err = List::<NamedGroup, 2, 2, 0xffff>::read_options(
        &mut reader,
        binrw::Endian::Big,
        keel_wire::vec::Field("groups"),
    )
    .unwrap_err();
    assert!(is_reset(&err), "{err:?}");
    // An extensions block of 4 bytes whose first header cannot be read.
    let mut reader = FailsAfter {
        inner: std::io::Cursor::new(vec![0x00, 0x04, 0x00, 0x17, 0x00, 0x00]),
        ok: 3,
    };
    let err = Extensions::<ServerExtension>::read_options(&mut reader, binrw::Endian::Big, ())
        .unwrap_err();
    assert!(is_reset(&err), "{err:?}");
}
