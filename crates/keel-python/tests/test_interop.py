"""keel against real peers over loopback sockets: Python's own `ssl`
module and OpenSSL's s_server/s_client, both ways and both versions; and
the refusals a user meets (wrong host, untrusted root, a TLS 1.1-only
peer), each raising the documented exception with its alert."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Optional

import pytest

import keel
from conftest import Pki, Processes, free_port, read_all, tool, wait_for_port

VERSIONS = [("1.3", ssl.TLSVersion.TLSv1_3, "TLSv1.3"), ("1.2", ssl.TLSVersion.TLSv1_2, "TLSv1.2")]


def drive(conn: keel.Connection, sock: socket.socket, want: Optional[int] = None) -> bytes:
    """Runs `conn` over `sock` until the handshake is done (and `want`
    bytes of plaintext have arrived, if given); returns the plaintext."""
    got = b""
    sock.settimeout(10)
    while True:
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
        if conn.handshake_complete:
            got += read_all(conn)
            if want is None or len(got) >= want:
                return got
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("peer closed early")
        conn.receive_tls(data)


def ssl_echo_server(context: ssl.SSLContext, listener: socket.socket) -> threading.Thread:
    """Python ssl: accepts one client, echoes until it closes."""

    def run() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                while True:
                    data = tls.recv(65536)
                    if not data:
                        break
                    tls.sendall(data)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("versions, ssl_version, name", VERSIONS)
def test_keel_client_with_python_ssl_server(pki: Pki, versions: str, ssl_version, name: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.server.configure_cert(context)
    context.maximum_version = ssl_version
    with socket.create_server(("127.0.0.1", 0)) as listener:
        thread = ssl_echo_server(context, listener)
        with socket.create_connection(listener.getsockname()) as sock:
            conn = keel.ClientConnection(pki.client_config(versions=versions), "localhost")
            drive(conn, sock)
            assert conn.session.version == name
            payload = bytes(range(256)) * 1024
            conn.write(payload)
            assert drive(conn, sock, len(payload)) == payload
            conn.close()
            sock.sendall(conn.data_to_send())
        thread.join(10)


@pytest.mark.parametrize("versions, ssl_version, name", VERSIONS)
def test_python_ssl_client_with_keel_server(pki: Pki, versions: str, ssl_version, name: str) -> None:
    config = pki.server_config(versions=versions)
    result = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def serve() -> None:
            sock, _ = listener.accept()
            with sock:
                conn = keel.ServerConnection(config)
                data = drive(conn, sock, 5)
                conn.write(data.upper())
                sock.sendall(conn.data_to_send())
                result["session"] = conn.session

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        context = ssl.create_default_context()
        pki.ca.configure_trust(context)
        context.maximum_version = ssl_version
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version() == name
                tls.sendall(b"hello")
                assert tls.recv(100) == b"HELLO"
        thread.join(10)
    assert result["session"].version == name


@pytest.mark.parametrize("flag, name", [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")])
def test_keel_client_with_openssl_s_server(pki: Pki, processes: Processes, flag: str, name: str) -> None:
    port = free_port()
    processes.start(
        [tool("openssl"), "s_server", "-accept", f"127.0.0.1:{port}", "-cert", pki.path("server.pem"),
         "-key", pki.path("server.key"), flag, "-rev", "-quiet"],
        stdin=__import__("subprocess").DEVNULL,
    )
    wait_for_port(port)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        conn = keel.ClientConnection(pki.client_config(), "localhost")
        drive(conn, sock)
        assert conn.session.version == name
        conn.write(b"keel\n")  # -rev answers each line reversed
        assert drive(conn, sock, 5).strip() == b"leek"


@pytest.mark.parametrize("flag, name", [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")])
def test_openssl_s_client_with_keel_server(pki: Pki, processes: Processes, flag: str, name: str) -> None:
    config = pki.server_config()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = processes.start(
            [tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
             "-CAfile", pki.path("ca.pem"), "-verify_return_error", flag, "-quiet"],
            stdin=__import__("subprocess").PIPE,
        )
        sock, _ = listener.accept()
        with sock:
            conn = keel.ServerConnection(config)
            assert client.stdin is not None
            client.stdin.write(b"from openssl\n")
            client.stdin.flush()
            assert drive(conn, sock, 13) == b"from openssl\n"
            assert conn.session.version == name
            conn.write(b"from keel\n")
            conn.close()
            sock.sendall(conn.data_to_send())
        out, _ = client.communicate(timeout=10)
        assert b"from keel" in out


def refused_client(pki: Pki, config: keel.ClientConfig, name: str, context: ssl.SSLContext) -> keel.TLSError:
    """A keel client's handshake with a Python ssl server, which must fail."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        thread = ssl_echo_server(context, listener)
        with socket.create_connection(listener.getsockname()) as sock:
            conn = keel.ClientConnection(config, name)
            with pytest.raises(keel.TLSError) as refused:
                drive(conn, sock)
            # The alert reached the wire, and the failure is for good.
            sock.sendall(conn.data_to_send())
            with pytest.raises(type(refused.value)):
                conn.receive_tls(b"\x17\x03\x03\x00\x01x")
        thread.join(10)
    return refused.value


def test_wrong_host_is_a_certificate_error(pki: Pki) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.server.configure_cert(context)
    err = refused_client(pki, pki.client_config(), "www.example.com", context)
    assert isinstance(err, keel.CertificateError)
    assert err.alert == "bad_certificate"
    assert "www.example.com" in str(err)


def test_untrusted_root_is_a_certificate_error(pki: Pki) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.server.configure_cert(context)
    config = keel.ClientConfig(cadata=pki.other_ca.cert_pem.bytes())
    err = refused_client(pki, config, "localhost", context)
    assert isinstance(err, keel.CertificateError)
    assert err.alert == "unknown_ca"


def test_a_tls_1_1_only_server_is_refused(pki: Pki, processes: Processes) -> None:
    port = free_port()
    processes.start(
        [tool("openssl"), "s_server", "-accept", f"127.0.0.1:{port}", "-cert", pki.path("server.pem"),
         "-key", pki.path("server.key"), "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", "-quiet"],
        stdin=__import__("subprocess").DEVNULL,
    )
    wait_for_port(port)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        conn = keel.ClientConnection(pki.client_config(), "localhost")
        with pytest.raises(keel.TLSError) as refused:
            drive(conn, sock)
    # OpenSSL answers a ClientHello without TLS 1.1 in it with
    # protocol_version; keel names what it received.
    assert isinstance(refused.value, (keel.AlertReceived, keel.ProtocolError))
    assert refused.value.alert == "protocol_version"


def test_a_tls_1_1_only_client_is_refused(pki: Pki, processes: Processes) -> None:
    config = pki.server_config()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        processes.start(
            [tool("openssl"), "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_1",
             "-cipher", "DEFAULT:@SECLEVEL=0", "-quiet"],
            stdin=__import__("subprocess").PIPE,
        )
        sock, _ = listener.accept()
        with sock:
            conn = keel.ServerConnection(config)
            with pytest.raises(keel.ProtocolError) as refused:
                drive(conn, sock)
            assert refused.value.alert == "protocol_version"
            sock.sendall(conn.data_to_send())
