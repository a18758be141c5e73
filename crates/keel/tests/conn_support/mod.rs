//! A facade client and server over in-memory buffers, for the tests
//! that drive both ends by hand (`mod conn_support;` beside
//! `mod pki_support;`).

use keel::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection, Versions};

use crate::pki_support::{KeyType, Usage, ca};

/// A client for `localhost` and a server with an ECDSA P-256 certificate,
/// both held to `versions`.
pub(crate) fn pair(versions: Versions) -> (ClientConnection, ServerConnection) {
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_versions(versions)
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
        .with_versions(versions)
        .build()
        .unwrap();
    (
        ClientConnection::new(client, "localhost").unwrap(),
        ServerConnection::new(server),
    )
}

/// Moves every pending byte from `from` to `to`; returns how many.
pub(crate) fn transfer(from: &mut Connection, to: &mut Connection) -> usize {
    let mut bytes = Vec::new();
    from.write_tls(&mut bytes);
    let mut offered = &bytes[..];
    while !offered.is_empty() {
        let taken = to.read_tls(offered).unwrap();
        assert!(taken > 0, "the receiver is full");
        offered = &offered[taken..];
    }
    bytes.len()
}

pub(crate) fn handshake(client: &mut Connection, server: &mut Connection) {
    while client.is_handshaking() || server.is_handshaking() {
        let moved = transfer(client, server) + transfer(server, client);
        assert!(moved > 0, "the handshake stalled");
    }
}

/// Writes `data` at `from` and reads it at `to`.
pub(crate) fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) {
    from.write(data).unwrap();
    transfer(from, to);
    let mut buf = vec![0; data.len()];
    assert_eq!(to.read(&mut buf), Ok(data.len()));
    assert_eq!(buf, data);
}
