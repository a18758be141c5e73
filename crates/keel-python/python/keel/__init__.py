"""keel: TLS 1.3 and 1.2 in Rust, as an in-memory TLS object for Python.

The connection objects never touch a socket: give them the bytes the peer
sent (``receive_tls``), send the peer what ``data_to_send`` returns, and
read and write plaintext with ``read`` and ``write`` — the shape of
``ssl.SSLObject`` with its two ``ssl.MemoryBIO`` objects folded in.
Certificate and host-name validation always run; there is no switch to
turn them off.

A client::

    import keel
    conn = keel.ClientConnection(keel.ClientConfig(), "example.com")
    sock.sendall(conn.data_to_send())

``keel.asyncio`` opens connections and starts servers on asyncio streams;
``keel.twisted`` wraps any Twisted protocol in TLS.
"""

from keel._keel import (
    AlertReceived,
    CertificateError,
    ClientConfig,
    ClientConnection,
    ConfigError,
    Connection,
    ProtocolError,
    ServerConfig,
    ServerConnection,
    Session,
    TLSError,
    WantReadError,
)

__all__ = [
    "AlertReceived",
    "CertificateError",
    "ClientConfig",
    "ClientConnection",
    "ConfigError",
    "Connection",
    "ProtocolError",
    "ServerConfig",
    "ServerConnection",
    "Session",
    "TLSError",
    "WantReadError",
]
