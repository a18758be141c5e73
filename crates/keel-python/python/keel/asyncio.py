"""TLS over asyncio streams with keel, not the ``ssl`` module.

``open_connection`` and ``start_server`` mirror their ``asyncio``
namesakes and return the same ``StreamReader``/``StreamWriter`` pairs. A
protocol (``_TLSProtocol``) sits between the socket transport and asyncio's
own ``StreamReaderProtocol``: TLS bytes from the socket go into the keel
connection, plaintext comes out to the stream, and what the application
writes is sealed and sent. The application sees the connection only once
the handshake has completed.

``writer.get_extra_info("keel_session")`` is the ``keel.Session``;
``"peercert"`` the peer's leaf certificate (DER); ``"peername"``,
``"sockname"`` and ``"socket"`` come from the socket as usual.
"""

from __future__ import annotations

import asyncio as _asyncio
from typing import Any, Awaitable, Callable, Optional, Tuple, Union

import keel as _keel

__all__ = ["open_connection", "start_server"]

#: Stream buffer limit, as asyncio's default.
_LIMIT = 2**16
#: Plaintext taken from the connection per read call.
_READ_SIZE = 2**16
#: TLS bytes held unprocessed (while the application is not reading)
#: before the socket stops being read.
_BACKLOG_HIGH = 2**18


class _AppTransport(_asyncio.Transport):
    """The transport the application's protocol writes to: plaintext in,
    sealed by keel, out through the socket's transport."""

    def __init__(self, tls: "_TLSProtocol") -> None:
        super().__init__()
        self._tls = tls
        self._closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._tls._extra_info(name, default)

    def is_closing(self) -> bool:
        return self._closing or self._tls._transport is None or self._tls._transport.is_closing()

    def close(self) -> None:
        if not self._closing:
            self._closing = True
            self._tls._close()

    def abort(self) -> None:
        self._closing = True
        if self._tls._transport is not None:
            self._tls._transport.abort()

    def write(self, data: Union[bytes, bytearray, memoryview]) -> None:
        if self._closing:
            raise RuntimeError("write after close")
        self._tls._write(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def write_eof(self) -> None:
        # TLS ends a direction with close_notify; TLS 1.2 has no
        # half-close, so this is a close.
        self.close()

    def can_write_eof(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self._tls._app_paused = True
        self._tls._update_reading()

    def resume_reading(self) -> None:
        self._tls._app_paused = False
        # Later, as a socket transport would: StreamReader resumes reading
        # and only then waits for the data, which must not arrive before
        # it waits.
        _asyncio.get_running_loop().call_soon(self._tls._deliver)

    def is_reading(self) -> bool:
        return not self._tls._app_paused

    def set_write_buffer_limits(self, high: Optional[int] = None, low: Optional[int] = None) -> None:
        if self._tls._transport is not None:
            self._tls._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        if self._tls._transport is None:
            return 0
        return self._tls._transport.get_write_buffer_size()


class _TLSProtocol(_asyncio.Protocol):
    """Drives one keel connection between a socket transport and the
    application's protocol."""

    def __init__(
        self,
        conn: _keel.Connection,
        app: _asyncio.Protocol,
        handshake_done: Optional["_asyncio.Future[None]"],
        handshake_timeout: float,
    ) -> None:
        self._conn = conn
        self._app = app
        self._handshake_done = handshake_done
        self._handshake_timeout = handshake_timeout
        self._transport: Optional[_asyncio.Transport] = None
        self._app_transport = _AppTransport(self)
        self._started = False
        self._app_paused = False
        self._eof_delivered = False
        self._timer: Optional[_asyncio.TimerHandle] = None
        self._failed: Optional[BaseException] = None

    # -- socket side -------------------------------------------------------

    def connection_made(self, transport: _asyncio.BaseTransport) -> None:
        assert isinstance(transport, _asyncio.Transport)
        self._transport = transport
        loop = _asyncio.get_running_loop()
        self._timer = loop.call_later(self._handshake_timeout, self._handshake_timed_out)
        self._flush()

    def data_received(self, data: bytes) -> None:
        try:
            self._conn.receive_tls(data)
        except _keel.TLSError as exc:
            self._fail(exc)
            return
        self._flush()
        if not self._started and self._conn.handshake_complete:
            self._started = True
            if self._timer is not None:
                self._timer.cancel()
            self._app.connection_made(self._app_transport)
            if self._handshake_done is not None and not self._handshake_done.done():
                self._handshake_done.set_result(None)
        if self._started:
            self._deliver()
        self._update_reading()

    def eof_received(self) -> Optional[bool]:
        try:
            self._conn.transport_closed()
        except _keel.TLSError as exc:
            # Cut without close_notify: the data may be truncated.
            self._fail(exc)
            return False
        self._deliver()
        return False

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._transport = None
        if self._handshake_done is not None and not self._handshake_done.done():
            self._handshake_done.set_exception(
                self._failed or exc or ConnectionResetError("connection closed during the TLS handshake")
            )
        if self._started:
            self._app.connection_lost(self._failed or exc)

    def pause_writing(self) -> None:
        if self._started:
            self._app.pause_writing()

    def resume_writing(self) -> None:
        if self._started:
            self._app.resume_writing()

    # -- keel side ---------------------------------------------------------

    def _deliver(self) -> None:
        """Hands the application the plaintext waiting, unless it paused."""
        while not self._app_paused and not self._eof_delivered:
            try:
                chunk = self._conn.read(_READ_SIZE)
            except _keel.WantReadError:
                break
            except _keel.TLSError as exc:
                self._fail(exc)
                return
            if not chunk:
                self._eof_delivered = True
                keep_open = self._app.eof_received()
                self._flush()
                if not keep_open:
                    self._close()
                return
            self._app.data_received(chunk)
        self._flush()
        # Reading made room for TLS bytes held back: the socket may be
        # read again.
        self._update_reading()

    def _update_reading(self) -> None:
        """Stops reading the socket while unprocessed TLS bytes pile up
        behind plaintext the application has not read."""
        if self._transport is None or self._transport.is_closing():
            return
        if self._conn.tls_backlog > _BACKLOG_HIGH:
            self._transport.pause_reading()
        elif not self._transport.is_reading():
            self._transport.resume_reading()

    def _write(self, data: bytes) -> None:
        try:
            self._conn.write(data)
        except _keel.TLSError as exc:
            self._fail(exc)
            raise
        self._flush()

    def _flush(self) -> None:
        out = self._conn.data_to_send()
        if out and self._transport is not None and not self._transport.is_closing():
            self._transport.write(out)

    def _close(self) -> None:
        self._conn.close()
        self._flush()
        if self._transport is not None:
            self._transport.close()

    def _fail(self, exc: BaseException) -> None:
        """Sends the alert keel queued, then closes; the handshake waiter
        or the application gets the error."""
        self._failed = exc
        self._flush()
        if self._handshake_done is not None and not self._handshake_done.done():
            self._handshake_done.set_exception(exc)
        if self._transport is not None:
            self._transport.close()

    def _handshake_timed_out(self) -> None:
        if not self._started:
            self._failed = TimeoutError("TLS handshake timed out")
            if self._handshake_done is not None and not self._handshake_done.done():
                self._handshake_done.set_exception(self._failed)
            if self._transport is not None:
                self._transport.abort()

    def _extra_info(self, name: str, default: Any) -> Any:
        if name == "keel_session":
            return self._conn.session
        if name == "peercert":
            session = self._conn.session
            if session is None or not session.peer_certificates:
                return default
            return session.peer_certificates[0]
        if name == "keel_connection":
            return self._conn
        if self._transport is None:
            return default
        return self._transport.get_extra_info(name, default)


async def open_connection(
    host: str,
    port: int,
    config: _keel.ClientConfig,
    *,
    server_hostname: Optional[str] = None,
    limit: int = _LIMIT,
    handshake_timeout: float = 60.0,
    **kwargs: Any,
) -> Tuple[_asyncio.StreamReader, _asyncio.StreamWriter]:
    """Connects to ``host``:``port``, completes a TLS handshake with keel,
    and returns a (reader, writer) pair as ``asyncio.open_connection`` does.

    The certificate must be valid for ``server_hostname`` (default:
    ``host``). Raises ``keel.TLSError`` (a subclass saying why, with
    ``.alert``) if the handshake fails, ``TimeoutError`` if it takes longer
    than ``handshake_timeout`` seconds. Other keyword arguments go to
    ``loop.create_connection``.
    """
    loop = _asyncio.get_running_loop()
    conn = _keel.ClientConnection(config, server_hostname or host)
    reader = _asyncio.StreamReader(limit=limit, loop=loop)
    app = _asyncio.StreamReaderProtocol(reader, loop=loop)
    done: "_asyncio.Future[None]" = loop.create_future()
    _, tls = await loop.create_connection(
        lambda: _TLSProtocol(conn, app, done, handshake_timeout), host, port, **kwargs
    )
    await done
    writer = _asyncio.StreamWriter(tls._app_transport, app, reader, loop)
    return reader, writer


ClientConnectedCallback = Callable[
    [_asyncio.StreamReader, _asyncio.StreamWriter], Union[None, Awaitable[None]]
]


async def start_server(
    client_connected_cb: ClientConnectedCallback,
    host: Optional[str],
    port: int,
    config: _keel.ServerConfig,
    *,
    limit: int = _LIMIT,
    handshake_timeout: float = 60.0,
    **kwargs: Any,
) -> _asyncio.AbstractServer:
    """Starts a TLS server, as ``asyncio.start_server`` does:
    ``client_connected_cb(reader, writer)`` is called for each client once
    its handshake has completed. A client whose handshake fails gets the
    alert and is closed; the callback never sees it. Other keyword
    arguments go to ``loop.create_server``.
    """
    loop = _asyncio.get_running_loop()

    def factory() -> _TLSProtocol:
        reader = _asyncio.StreamReader(limit=limit, loop=loop)
        app = _asyncio.StreamReaderProtocol(reader, client_connected_cb, loop=loop)
        return _TLSProtocol(_keel.ServerConnection(config), app, None, handshake_timeout)

    return await loop.create_server(factory, host, port, **kwargs)
