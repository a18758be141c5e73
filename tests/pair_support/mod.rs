//! A keel client and server joined in memory through the facade: moving
//! bytes until both are quiet, and asserting how a handshake ended.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use keel::{
    ClientConfig, ClientConnection, Connection, Error, HandshakeError, ServerConfig,
    ServerConnection,
};

// --- Moving bytes ------------------------------------------------------------

/// Offers `from`'s pending bytes to `to`; returns whether anything moved.
/// Bytes for a connection that has failed are dropped, as a peer that
/// closed its socket would.
pub(crate) fn transfer(from: &mut Connection, to: &mut Connection) -> bool {
    let pending = from.pending_tls().len();
    if pending == 0 {
        return false;
    }
    if to.error().is_some() {
        from.consume_tls(pending);
        return true;
    }
    match to.read_tls(from.pending_tls()) {
        Ok(taken) => {
            from.consume_tls(taken);
            taken > 0
        }
        // The error stays in `to`; its alert is now pending there.
        Err(_) => {
            from.consume_tls(pending);
            true
        }
    }
}

/// Moves bytes both ways until neither side has anything to say (or the
/// receiver holds all it may).
pub(crate) fn pump(client: &mut Connection, server: &mut Connection) {
    for _ in 0..1000 {
        let to_server = transfer(client, server);
        let to_client = transfer(server, client);
        if !to_server && !to_client {
            return;
        }
    }
    panic!("the connections were still talking after 1000 rounds");
}

/// The two ends after a handshake attempt.
pub(crate) struct Pair {
    pub(crate) client: ClientConnection,
    pub(crate) server: ServerConnection,
}

impl Pair {
    pub(crate) fn new(client: ClientConfig, server: ServerConfig, name: &str) -> Self {
        Self {
            client: ClientConnection::new(client, name).unwrap(),
            server: ServerConnection::new(server),
        }
    }

    /// Runs the handshake as far as it goes.
    pub(crate) fn handshake(mut self) -> Self {
        pump(&mut self.client, &mut self.server);
        self
    }

    /// Asserts that both sides completed the handshake.
    pub(crate) fn established(self) -> Self {
        assert_eq!(self.client.error(), None, "client failed");
        assert_eq!(self.server.error(), None, "server failed");
        assert!(!self.client.is_handshaking(), "client still handshaking");
        assert!(!self.server.is_handshaking(), "server still handshaking");
        self
    }

    /// Asserts that the handshake failed: the server with `server_error`,
    /// the client by receiving the matching alert.
    pub(crate) fn server_refused(self, server_error: HandshakeError) {
        let alert = server_error.alert().expect("an error with an alert");
        assert_eq!(
            self.server.error(),
            Some(Error::Tls {
                source: server_error
            })
        );
        assert_eq!(
            self.client.error(),
            Some(Error::Tls {
                source: HandshakeError::AlertReceived { description: alert }
            })
        );
        // A TLS 1.3 client has finished its handshake when the server
        // judges its certificate (RFC 8446 §4.4.2.4): only a TLS 1.2 client
        // has no session.
        assert!(
            self.client
                .session()
                .is_none_or(|s| s.version == keel::registry::ProtocolVersion::TLS_V1_3)
        );
        assert!(self.server.session().is_none());
    }

    /// Asserts that the client refused the server with `client_error`, and
    /// that the server received the matching alert.
    pub(crate) fn client_refused(self, client_error: HandshakeError) {
        let alert = client_error.alert().expect("an error with an alert");
        assert_eq!(
            self.client.error(),
            Some(Error::Tls {
                source: client_error
            })
        );
        assert_eq!(
            self.server.error(),
            Some(Error::Tls {
                source: HandshakeError::AlertReceived { description: alert }
            })
        );
    }

    /// Sends `len` bytes each way and checks they arrive intact.
    pub(crate) fn exchange(mut self, len: usize) -> Self {
        let upstream: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let downstream: Vec<u8> = (0..len * 2).map(|i| (i % 253) as u8).collect();
        send(&mut self.client, &mut self.server, &upstream);
        send(&mut self.server, &mut self.client, &downstream);
        self
    }

    /// `closer` sends close_notify; the other side answers with its own
    /// (TLS 1.2, at once, RFC 5246 §7.2.1; TLS 1.3, when its application
    /// closes, having been free to write until then, RFC 8446 §6.1); both
    /// then see the end of the peer's data and can write no more.
    pub(crate) fn close(mut self, client_first: bool) {
        let tls13 = self
            .client
            .session()
            .is_some_and(|s| s.version == keel::registry::ProtocolVersion::TLS_V1_3);
        let (closer, other) = if client_first {
            (&mut *self.client, &mut *self.server)
        } else {
            (&mut *self.server, &mut *self.client)
        };
        closer.close();
        if tls13 {
            let mut bytes = Vec::new();
            closer.write_tls(&mut bytes);
            other.read_tls(&bytes).unwrap();
            assert!(other.peer_closed());
            // Half-closed: the other side still writes, then closes.
            assert_eq!(other.write(b"last").unwrap(), 4);
            other.close();
            let mut bytes = Vec::new();
            other.write_tls(&mut bytes);
            closer.read_tls(&bytes).unwrap();
            let mut last = [0u8; 4];
            assert_eq!(closer.read(&mut last).unwrap(), 4);
            assert_eq!(&last, b"last");
        }
        pump(&mut self.client, &mut self.server);
        for (side, connection) in [("client", &mut *self.client), ("server", &mut *self.server)] {
            assert!(connection.peer_closed(), "{side} did not see close_notify");
            assert_eq!(connection.error(), None, "{side} failed");
            // The end of the peer's data: Ok(0), as std::io::Read says it.
            assert_eq!(connection.read(&mut [0; 16]).unwrap(), 0);
            assert_eq!(
                connection.write(b"late"),
                Err(Error::Tls {
                    source: HandshakeError::Closed
                }),
                "{side} could write after close_notify"
            );
            connection.transport_closed().unwrap();
        }
    }
}

/// Writes `data` at `from`, moving bytes until `to` has read all of it.
pub(crate) fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) {
    let mut sent = 0;
    let mut received = Vec::with_capacity(data.len());
    let mut buf = vec![0; 8192];
    for _ in 0..1000 {
        if sent < data.len() {
            sent += from.write(&data[sent..]).unwrap();
        }
        // `pump` takes a client and a server but moves bytes both ways
        // alike, so the direction does not matter here.
        pump(from, to);
        loop {
            match to.read(&mut buf) {
                Ok(0) | Err(Error::WouldBlock) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) => panic!("{e}"),
            }
        }
        if received.len() == data.len() {
            break;
        }
    }
    assert!(received == data, "data arrived damaged or incomplete");
}
