"""TLS for any Twisted protocol, with keel instead of pyOpenSSL.

``TLSFactory`` wraps a protocol factory the way Twisted's
``TLSMemoryBIOFactory`` does: every protocol it builds talks plaintext
through a ``TLSProtocol``, which drives a keel connection over the real
transport. With a ``keel.ClientConfig`` the connections are clients (give
``server_hostname``), with a ``keel.ServerConfig`` servers::

    from twisted.internet import reactor
    from twisted.protocols.portforward import ProxyFactory
    import keel, keel.twisted

    config = keel.ServerConfig(certificate_chain=chain, private_key=key)
    reactor.listenTCP(8443, keel.twisted.TLSFactory(ProxyFactory("127.0.0.1", 8080), config))

The wrapped protocol is connected at once, as with Twisted's own TLS;
what it writes before the handshake completes is held and sent after.
If the handshake or the connection fails, ``connectionLost`` gets a
``Failure`` wrapping the ``keel.TLSError`` (with its ``.alert``).
``python -m keel.examples.twisted_proxy`` is a TLS-terminating proxy
built this way.
"""

from __future__ import annotations

from typing import Any, List, Optional, Union

from twisted.internet.interfaces import IProtocolFactory
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.python.failure import Failure

import keel as _keel

__all__ = ["TLSFactory", "TLSProtocol"]

#: Plaintext taken from the connection per read call.
_READ_SIZE = 2**16


class TLSProtocol(ProtocolWrapper):
    """Runs one keel connection between the transport and the wrapped
    protocol. To the wrapped protocol it is the transport: ``write``
    sends plaintext, ``loseConnection`` sends close_notify and closes."""

    factory: "TLSFactory"

    def __init__(self, factory: "TLSFactory", wrappedProtocol: Any) -> None:
        super().__init__(factory, wrappedProtocol)
        self._conn: _keel.Connection = factory._new_connection()
        self._held: List[bytes] = []
        self._lose_when_ready = False
        self._failure: Optional[Failure] = None
        self._eof = False

    # -- from the transport ---------------------------------------------------

    def makeConnection(self, transport: Any) -> None:
        """Connects the wrapped protocol and sends the client's hello."""
        super().makeConnection(transport)
        self._flush()

    def dataReceived(self, data: bytes) -> None:
        """TLS bytes from the transport: handshake, then plaintext to the
        wrapped protocol."""
        try:
            self._conn.receive_tls(data)
        except _keel.TLSError as exc:
            self._fail(exc)
            return
        self._flush()
        if self._conn.handshake_complete and self._held:
            held, self._held = self._held, []
            self._send(b"".join(held))
        if self._conn.handshake_complete and self._lose_when_ready and not self._held:
            self.loseConnection()
            return
        self._deliver()

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        """Tells the wrapped protocol, with the TLS error if there was one
        (a close without close_notify is a truncation)."""
        if self._failure is None and not self._eof:
            try:
                self._conn.transport_closed()
            except _keel.TLSError as exc:
                # Cut without close_notify: the data may be truncated.
                self._failure = Failure(exc)
        super().connectionLost(self._failure or reason)

    # -- from the wrapped protocol ------------------------------------------

    def write(self, data: bytes) -> None:
        """Sends plaintext (held until the handshake completes)."""
        if not data or self._failure is not None:
            return
        if not self._conn.handshake_complete:
            self._held.append(bytes(data))
            return
        self._send(bytes(data))

    def writeSequence(self, data: Any) -> None:
        """Sends several pieces of plaintext."""
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Sends close_notify (after any held data) and closes."""
        if self._failure is not None or self.disconnecting:
            return
        if not self._conn.handshake_complete:
            # Held data goes out first, once the handshake completes.
            self._lose_when_ready = True
            if not self._held:
                self.disconnecting = True
                self.transport.loseConnection()
            return
        self.disconnecting = True
        self._conn.close()
        self._flush()
        self.transport.loseConnection()

    def getPeerCertificate(self) -> Optional[bytes]:
        """The peer's leaf certificate, DER, once the handshake is done."""
        session = self._conn.session
        if session is None or not session.peer_certificates:
            return None
        return session.peer_certificates[0]

    @property
    def keel_session(self) -> Optional[_keel.Session]:
        """What the handshake negotiated, once it has completed."""
        return self._conn.session

    # -- inside ----------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        try:
            self._conn.write(data)
        except _keel.TLSError as exc:
            self._fail(exc)
            return
        self._flush()

    def _deliver(self) -> None:
        while not self._eof:
            try:
                chunk = self._conn.read(_READ_SIZE)
            except _keel.WantReadError:
                return
            except _keel.TLSError as exc:
                self._fail(exc)
                return
            if not chunk:
                # close_notify: the end of the peer's data, and of the
                # connection (TLS 1.2 has no half-close).
                self._eof = True
                self.loseConnection()
                return
            self.wrappedProtocol.dataReceived(chunk)

    def _flush(self) -> None:
        out = self._conn.data_to_send()
        if out and self.transport is not None:
            self.transport.write(out)

    def _fail(self, exc: _keel.TLSError) -> None:
        """Sends the alert keel queued and closes; the wrapped protocol
        learns why in connectionLost."""
        self._failure = Failure(exc)
        self._flush()
        self.disconnecting = True
        self.transport.loseConnection()


class TLSFactory(WrappingFactory):
    """Wraps ``wrappedFactory``'s protocols in TLS: clients with a
    ``keel.ClientConfig`` (the server's certificate must be valid for
    ``server_hostname``), servers with a ``keel.ServerConfig``."""

    protocol = TLSProtocol

    def __init__(
        self,
        wrappedFactory: IProtocolFactory,
        config: Union[_keel.ClientConfig, _keel.ServerConfig],
        server_hostname: Optional[str] = None,
    ) -> None:
        super().__init__(wrappedFactory)
        if isinstance(config, _keel.ClientConfig):
            if not server_hostname:
                raise ValueError("a client needs server_hostname: its certificate is checked against it")
        elif not isinstance(config, _keel.ServerConfig):
            raise TypeError("config must be a keel.ClientConfig or a keel.ServerConfig")
        self._config = config
        self._server_hostname = server_hostname

    def _new_connection(self) -> _keel.Connection:
        if isinstance(self._config, _keel.ClientConfig):
            assert self._server_hostname is not None
            return _keel.ClientConnection(self._config, self._server_hostname)
        return _keel.ServerConnection(self._config)
