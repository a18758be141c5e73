"""Type stubs for keel's native module (re-exported by ``keel``)."""

import os
from typing import Iterable, Optional, Union

_Text = Union[str, bytes]

class TLSError(Exception):
    """A TLS connection failed; the connection stays failed."""

    alert: Optional[str]
    """The alert sent to the peer (received, for AlertReceived), or None."""

class CertificateError(TLSError):
    """The peer's certificate was refused."""

class AlertReceived(TLSError):
    """The peer sent a fatal alert; ``alert`` is its name."""

class ProtocolError(TLSError):
    """The peer broke the protocol or cannot meet keel's policy."""

class WantReadError(TLSError):
    """No application data yet: feed receive_tls first. Not a failure."""

class ConfigError(ValueError):
    """A configuration keel cannot build."""

class ClientConfig:
    """Settings for client connections."""

    def __init__(
        self,
        *,
        cadata: Optional[_Text] = None,
        system_roots: bool = False,
        certificate_chain: Optional[_Text] = None,
        private_key: Optional[_Text] = None,
        alpn_protocols: Optional[Iterable[_Text]] = None,
        versions: str = "1.3,1.2",
        groups: Optional[Iterable[str]] = None,
        session_resumption: bool = True,
    ) -> None: ...

class ServerConfig:
    """Settings for server connections."""

    def __init__(
        self,
        *,
        certificate_chain: _Text,
        private_key: _Text,
        alpn_protocols: Optional[Iterable[_Text]] = None,
        client_cadata: Optional[_Text] = None,
        client_auth: str = "required",
        session_tickets: bool = True,
        ticket_key_file: Optional[Union[str, os.PathLike[str]]] = None,
        versions: str = "1.3,1.2",
        groups: Optional[Iterable[str]] = None,
    ) -> None: ...

class Session:
    """What a completed handshake negotiated."""

    @property
    def version(self) -> str:
        """"TLSv1.3" or "TLSv1.2"."""
    @property
    def cipher(self) -> str:
        """The cipher suite's IANA name."""
    @property
    def group(self) -> str:
        """The key-exchange group's IANA name."""
    @property
    def alpn_protocol(self) -> Optional[str]:
        """The protocol ALPN agreed on, or None."""
    @property
    def server_name(self) -> Optional[str]:
        """The name the client sent (SNI), or None."""
    @property
    def peer_certificates(self) -> list[bytes]:
        """The peer's chain, DER, leaf first."""
    @property
    def resumed(self) -> bool:
        """Whether the session was resumed."""
    @property
    def hello_retry_request(self) -> bool:
        """Whether the handshake needed a HelloRetryRequest."""

class Connection:
    """What ClientConnection and ServerConnection share."""

    def receive_tls(self, data: bytes) -> None:
        """Processes bytes received from the peer."""
    def data_to_send(self) -> bytes:
        """TLS bytes to send to the peer now; b"" when there are none."""
    def read(self, max: int = 16384) -> bytes:
        """Plaintext; b"" at the end of the peer's data; WantReadError if none yet."""
    def write(self, data: bytes) -> int:
        """Sends plaintext; returns how many bytes were taken."""
    def close(self) -> None:
        """Sends close_notify."""
    def transport_closed(self) -> None:
        """The transport ended; raises ProtocolError on truncation."""
    def export_keying_material(
        self, label: bytes, length: int, context: Optional[bytes] = None
    ) -> bytes:
        """Keying material both ends derive alike (the TLS exporter)."""
    @property
    def handshake_complete(self) -> bool:
        """Whether the handshake has completed."""
    @property
    def session(self) -> Optional[Session]:
        """What the handshake negotiated, once complete."""
    @property
    def peer_closed(self) -> bool:
        """Whether the peer sent close_notify."""
    @property
    def tls_backlog(self) -> int:
        """TLS bytes received but not yet processed (back-pressure)."""

class ClientConnection(Connection):
    """A client connection to server_hostname."""

    def __init__(self, config: ClientConfig, server_hostname: str) -> None: ...

class ServerConnection(Connection):
    """A server connection."""

    def __init__(self, config: ServerConfig) -> None: ...
