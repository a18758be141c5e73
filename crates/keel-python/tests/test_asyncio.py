"""keel.asyncio: `keel serve` (the real binary) answering a keel.asyncio
client; a keel.asyncio server answering Python's own asyncio TLS client;
a refused handshake raising before any stream exists."""

from __future__ import annotations

import asyncio
import ssl

import pytest

import keel
import keel.asyncio
from conftest import Pki, Processes, address, keel_binary, read_line


def test_keel_serve_answers_a_keel_asyncio_client(pki: Pki, processes: Processes, tmp_path) -> None:
    ca_out = tmp_path / "serve-ca.pem"
    serve = processes.start(
        [keel_binary(), "serve", "--listen", "127.0.0.1:0", "--ca-out", str(ca_out)]
    )
    host, port = address(read_line(serve, "keel serve: listening on"))

    async def main() -> bytes:
        config = keel.ClientConfig(cadata=ca_out.read_bytes())
        reader, writer = await keel.asyncio.open_connection(host, port, config, server_hostname="localhost")
        session = writer.get_extra_info("keel_session")
        assert session.version == "TLSv1.3"
        assert writer.get_extra_info("peercert") == session.peer_certificates[0]
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await writer.drain()
        body = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return body

    page = asyncio.run(main())
    assert page.startswith(b"HTTP/1.1 200")
    # keel serve's page describes the session it served.
    assert b"TLSv1.3" in page


def test_keel_asyncio_server_answers_python_asyncio_ssl(pki: Pki) -> None:
    async def main() -> None:
        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            assert writer.get_extra_info("keel_session").server_name == "localhost"
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        server = await keel.asyncio.start_server(echo, "127.0.0.1", 0, pki.server_config())
        port = server.sockets[0].getsockname()[1]
        context = ssl.create_default_context()
        pki.ca.configure_trust(context)
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost")
        assert writer.get_extra_info("ssl_object").version() == "TLSv1.3"
        payload = bytes(range(256)) * 4096  # 1 MiB: flow control both ways
        writer.write(payload)
        await writer.drain()
        assert await asyncio.wait_for(reader.readexactly(len(payload)), 10) == payload
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())


def test_keel_asyncio_client_with_keel_asyncio_server(pki: Pki) -> None:
    async def main() -> None:
        async def upper(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            line = await reader.readline()
            writer.write(line.upper())
            await writer.drain()
            writer.close()

        server = await keel.asyncio.start_server(upper, "127.0.0.1", 0, pki.server_config(versions="1.2"))
        port = server.sockets[0].getsockname()[1]
        reader, writer = await keel.asyncio.open_connection(
            "127.0.0.1", port, pki.client_config(), server_hostname="localhost"
        )
        assert writer.get_extra_info("keel_session").version == "TLSv1.2"
        writer.write(b"quiet words\n")
        assert await asyncio.wait_for(reader.read(), 10) == b"QUIET WORDS\n"
        writer.close()
        server.close()

    asyncio.run(main())


def test_a_refused_handshake_raises_from_open_connection(pki: Pki) -> None:
    async def main() -> keel.TLSError:
        server = await keel.asyncio.start_server(lambda r, w: None, "127.0.0.1", 0, pki.server_config())
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(keel.CertificateError) as refused:
                await keel.asyncio.open_connection(
                    "127.0.0.1", port, keel.ClientConfig(cadata=pki.other_ca.cert_pem.bytes()),
                    server_hostname="localhost",
                )
            return refused.value
        finally:
            server.close()

    assert asyncio.run(main()).alert == "unknown_ca"
