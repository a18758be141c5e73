//! The header's exact bytes, checked by hand for each shape, and read back
//! by a parser written here from the specification alone.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

fn facts_all() -> TlsFacts {
    TlsFacts::new(
        Some(b"h2"),
        Some("localhost"),
        Some("TLSv1.3"),
        Some("TLS_AES_128_GCM_SHA256"),
        ClientCertificate::ThisConnection,
    )
}

// ---------------------------------------------------------------------
// Version 1
// ---------------------------------------------------------------------

/// Each family, and the two mixed cases: IPv4-mapped addresses are IPv4,
/// and one IPv6 side makes both IPv6.
#[test]
fn v1_is_one_line_in_the_clients_family() {
    for (source, destination, line) in [
        (
            "192.0.2.7:51234",
            "198.51.100.1:8443",
            "PROXY TCP4 192.0.2.7 198.51.100.1 51234 8443\r\n",
        ),
        (
            "[2001:db8::7]:1",
            "[::1]:65535",
            "PROXY TCP6 2001:db8::7 ::1 1 65535\r\n",
        ),
        (
            "[::ffff:192.0.2.7]:4000",
            "[::ffff:127.0.0.1]:443",
            "PROXY TCP4 192.0.2.7 127.0.0.1 4000 443\r\n",
        ),
        (
            "192.0.2.7:4000",
            "[2001:db8::1]:443",
            "PROXY TCP6 ::ffff:192.0.2.7 2001:db8::1 4000 443\r\n",
        ),
    ] {
        let addresses = Addresses::new(addr(source), addr(destination));
        // The TLS facts are version 2's only.
        for facts in [TlsFacts::default(), facts_all()] {
            let bytes = header(Version::V1, addresses, &facts);
            assert_eq!(String::from_utf8(bytes).unwrap(), line);
        }
    }
}

/// The specification's worst case is 107 bytes with the CRLF; keel's
/// longest lines stay within it.
#[test]
fn v1_lines_stay_within_107_bytes() {
    let v4 = Addresses::new(addr("255.255.255.255:65535"), addr("255.255.255.255:65535"));
    let v6 = Addresses::new(
        addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
        addr("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
    );
    assert_eq!(header(Version::V1, v4, &TlsFacts::default()).len(), 56);
    assert_eq!(header(Version::V1, v6, &TlsFacts::default()).len(), 104);
}

// ---------------------------------------------------------------------
// Version 2, byte by byte
// ---------------------------------------------------------------------

#[test]
fn v2_ipv4_without_session_facts_has_only_the_ssl_tlv() {
    let addresses = Addresses::new(addr("192.0.2.7:51234"), addr("198.51.100.1:8443"));
    let mut expected = SIGNATURE.to_vec();
    expected.extend_from_slice(&[0x21, 0x11, 0x00, 12 + 8]);
    expected.extend_from_slice(&[192, 0, 2, 7, 198, 51, 100, 1]);
    expected.extend_from_slice(&[0xc8, 0x22, 0x20, 0xfb]); // 51234, 8443
    // SSL: type, length 5, client PP2_CLIENT_SSL, verify 0, no sub-TLVs.
    expected.extend_from_slice(&[0x20, 0x00, 0x05, 0x01, 0, 0, 0, 0]);
    assert_eq!(
        header(Version::V2, addresses, &TlsFacts::default()),
        expected
    );
}

#[test]
fn v2_ipv6_with_every_tlv() {
    let addresses = Addresses::new(addr("[2001:db8::7]:1"), addr("[::1]:65535"));
    let mut expected = SIGNATURE.to_vec();
    let tlvs_len = (3 + 2) + (3 + 9) + (3 + 5 + (3 + 7) + (3 + 22));
    expected.extend_from_slice(&[0x21, 0x21, 0x00, 36 + tlvs_len]);
    expected.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expected.extend_from_slice(&[0x00, 0x01, 0xff, 0xff]);
    expected.extend_from_slice(b"\x01\x00\x02h2");
    expected.extend_from_slice(b"\x02\x00\x09localhost");
    // SSL: client SSL | CERT_CONN | CERT_SESS, verify 0.
    expected.extend_from_slice(&[0x20, 0x00, 5 + 10 + 25, 0x07, 0, 0, 0, 0]);
    expected.extend_from_slice(b"\x21\x00\x07TLSv1.3");
    expected.extend_from_slice(b"\x23\x00\x16TLS_AES_128_GCM_SHA256");
    assert_eq!(header(Version::V2, addresses, &facts_all()), expected);
}

#[test]
fn v2_ipv4_mapped_addresses_are_tcp_over_ipv4() {
    let addresses = Addresses::new(addr("[::ffff:10.0.0.1]:80"), addr("[::ffff:10.0.0.2]:81"));
    let bytes = header(Version::V2, addresses, &TlsFacts::default());
    assert_eq!(bytes.get(13), Some(&0x11));
    assert_eq!(bytes.get(16..24), Some(&[10, 0, 0, 1, 10, 0, 0, 2][..]));
}

#[test]
fn v2_client_flags_say_whether_and_when_a_certificate_was_given() {
    let addresses = Addresses::new(addr("192.0.2.7:1"), addr("192.0.2.8:2"));
    for (certificate, flags) in [
        (ClientCertificate::None, 0x01),
        (ClientCertificate::ThisConnection, 0x07),
        (ClientCertificate::EarlierConnection, 0x05),
    ] {
        let facts = TlsFacts::new(None, None, None, None, certificate);
        let bytes = header(Version::V2, addresses, &facts);
        // Signature, 4 bytes, 12 address bytes, then the SSL TLV.
        assert_eq!(
            bytes.get(28..36),
            Some(&[0x20, 0, 5, flags, 0, 0, 0, 0][..]),
            "{certificate:?}"
        );
    }
}

#[test]
fn v2_leaves_out_a_value_longer_than_255_bytes() {
    let long = "a".repeat(256);
    let facts = TlsFacts::new(None, Some(&long), None, None, ClientCertificate::None);
    assert_eq!(facts, TlsFacts::default());
    let just_fits = "a".repeat(255);
    let facts = TlsFacts::new(None, Some(&just_fits), None, None, ClientCertificate::None);
    let addresses = Addresses::new(addr("192.0.2.7:1"), addr("192.0.2.8:2"));
    let parsed = parse(&header(Version::V2, addresses, &facts)).unwrap();
    assert_eq!(parsed.tlv(PP2_TYPE_AUTHORITY), Some(just_fits.as_bytes()));
}

#[test]
fn cipher_suites_get_openssl_names() {
    for (suite, name) in [
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            "ECDHE-ECDSA-AES128-GCM-SHA256",
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            "ECDHE-ECDSA-CHACHA20-POLY1305",
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            "ECDHE-RSA-AES256-GCM-SHA384",
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            "ECDHE-RSA-CHACHA20-POLY1305",
        ),
        (
            CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
            "AES128-GCM-SHA256",
        ),
        (
            CipherSuite::TLS_AES_128_GCM_SHA256,
            "TLS_AES_128_GCM_SHA256",
        ),
        (
            CipherSuite::TLS_AES_256_GCM_SHA384,
            "TLS_AES_256_GCM_SHA384",
        ),
        (
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
    ] {
        assert_eq!(openssl_cipher_name(suite), Some(name));
    }
    assert_eq!(openssl_cipher_name(CipherSuite::new(0xfefe)), None);
}

// ---------------------------------------------------------------------
// Version 2, read back
// ---------------------------------------------------------------------

/// A version 2 header as a receiver reads it.
#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    source: SocketAddr,
    destination: SocketAddr,
    tlvs: Vec<(u8, Vec<u8>)>,
}

impl Parsed {
    fn tlv(&self, kind: u8) -> Option<&[u8]> {
        self.tlvs
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_slice())
    }
}

/// Reads a complete version 2 PROXY header, refusing trailing bytes and
/// TLVs that overrun the length.
fn parse(bytes: &[u8]) -> Result<Parsed, &'static str> {
    let rest = bytes.strip_prefix(&SIGNATURE[..]).ok_or("signature")?;
    let [ver_cmd, family, hi, lo, rest @ ..] = rest else {
        return Err("short fixed part");
    };
    if *ver_cmd != 0x21 {
        return Err("not version 2 PROXY");
    }
    let length = usize::from(u16::from_be_bytes([*hi, *lo]));
    if rest.len() != length {
        return Err("length field disagrees with the bytes");
    }
    let (source, destination, mut rest) = match family {
        0x11 => {
            let (a, rest) = rest.split_first_chunk::<12>().ok_or("short IPv4 block")?;
            let ip = |i: usize| Ipv4Addr::new(a[i], a[i + 1], a[i + 2], a[i + 3]);
            let port = |i: usize| u16::from_be_bytes([a[i], a[i + 1]]);
            (
                SocketAddr::from((ip(0), port(8))),
                SocketAddr::from((ip(4), port(10))),
                rest,
            )
        }
        0x21 => {
            let (a, rest) = rest.split_first_chunk::<36>().ok_or("short IPv6 block")?;
            let ip = |i: usize| Ipv6Addr::from(<[u8; 16]>::try_from(&a[i..i + 16]).unwrap());
            let port = |i: usize| u16::from_be_bytes([a[i], a[i + 1]]);
            (
                SocketAddr::from((ip(0), port(32))),
                SocketAddr::from((ip(16), port(34))),
                rest,
            )
        }
        _ => return Err("family"),
    };
    let mut tlvs = Vec::new();
    while !rest.is_empty() {
        let (kind, value, after) = read_tlv(rest)?;
        tlvs.push((kind, value.to_vec()));
        rest = after;
    }
    Ok(Parsed {
        source,
        destination,
        tlvs,
    })
}

fn read_tlv(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), &'static str> {
    let [kind, hi, lo, rest @ ..] = bytes else {
        return Err("short TLV header");
    };
    let len = usize::from(u16::from_be_bytes([*hi, *lo]));
    if rest.len() < len {
        return Err("TLV overruns the header");
    }
    let (value, after) = rest.split_at(len);
    Ok((*kind, value, after))
}

/// The SSL TLV's value: client flags, verify, sub-TLVs.
fn parse_ssl(value: &[u8]) -> (u8, u32, Vec<(u8, Vec<u8>)>) {
    let [client, a, b, c, d, subs_bytes @ ..] = value else {
        panic!("short SSL TLV");
    };
    let mut rest = subs_bytes;
    let mut subs = Vec::new();
    while !rest.is_empty() {
        let (kind, value, after) = read_tlv(rest).unwrap();
        subs.push((kind, value.to_vec()));
        rest = after;
    }
    (*client, u32::from_be_bytes([*a, *b, *c, *d]), subs)
}

#[test]
fn v2_reads_back_as_written_in_every_combination() {
    let pairs = [
        ("192.0.2.7:51234", "198.51.100.1:8443"),
        ("[2001:db8::7]:1", "[::1]:65535"),
        ("192.0.2.7:4000", "[2001:db8::1]:443"),
    ];
    let alpns: [Option<&[u8]>; 2] = [None, Some(b"http/1.1")];
    let snis = [None, Some("example.com")];
    let certificates = [
        ClientCertificate::None,
        ClientCertificate::ThisConnection,
        ClientCertificate::EarlierConnection,
    ];
    for (source, destination) in pairs {
        for alpn in alpns {
            for sni in snis {
                for certificate in certificates {
                    let facts = TlsFacts::new(
                        alpn,
                        sni,
                        Some("TLSv1.2"),
                        Some("ECDHE-RSA-AES128-GCM-SHA256"),
                        certificate,
                    );
                    let (source, destination) = (addr(source), addr(destination));
                    let bytes = header(Version::V2, Addresses::new(source, destination), &facts);
                    let case = format!("{source} {destination} {alpn:?} {sni:?} {certificate:?}");
                    let parsed = parse(&bytes).expect(&case);
                    let canonical =
                        |a: SocketAddr| match (a, source.is_ipv4() && destination.is_ipv4()) {
                            (SocketAddr::V4(v4), false) => {
                                SocketAddr::from((v4.ip().to_ipv6_mapped(), v4.port()))
                            }
                            (other, _) => other,
                        };
                    assert_eq!(parsed.source, canonical(source), "{case}");
                    assert_eq!(parsed.destination, canonical(destination), "{case}");
                    assert_eq!(parsed.tlv(PP2_TYPE_ALPN), alpn, "{case}");
                    assert_eq!(
                        parsed.tlv(PP2_TYPE_AUTHORITY),
                        sni.map(str::as_bytes),
                        "{case}"
                    );
                    let (client, verify, subs) = parse_ssl(parsed.tlv(PP2_TYPE_SSL).expect(&case));
                    assert_eq!(client & PP2_CLIENT_SSL, PP2_CLIENT_SSL, "{case}");
                    assert_eq!(
                        client & PP2_CLIENT_CERT_SESS != 0,
                        certificate != ClientCertificate::None,
                        "{case}"
                    );
                    assert_eq!(
                        client & PP2_CLIENT_CERT_CONN != 0,
                        certificate == ClientCertificate::ThisConnection,
                        "{case}"
                    );
                    assert_eq!(verify, 0, "{case}");
                    assert_eq!(
                        subs,
                        vec![
                            (PP2_SUBTYPE_SSL_VERSION, b"TLSv1.2".to_vec()),
                            (
                                PP2_SUBTYPE_SSL_CIPHER,
                                b"ECDHE-RSA-AES128-GCM-SHA256".to_vec()
                            ),
                        ],
                        "{case}"
                    );
                }
            }
        }
    }
}

/// The parser is strict enough to notice a wrong length field.
#[test]
fn the_test_parser_refuses_a_wrong_length() {
    let addresses = Addresses::new(addr("192.0.2.7:1"), addr("192.0.2.8:2"));
    let mut bytes = header(Version::V2, addresses, &facts_all());
    assert!(parse(&bytes).is_ok());
    bytes.push(0);
    assert_eq!(parse(&bytes), Err("length field disagrees with the bytes"));
    bytes.pop();
    bytes[15] -= 1;
    bytes.pop();
    assert_eq!(parse(&bytes), Err("TLV overruns the header"));
}
