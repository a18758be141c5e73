"""10,000 connections — handshake, data both ways, close — leave nothing
behind: the Python memory traced after them is what it was after the
first 1,000 (tracemalloc), and no keel object outlives its connection."""

from __future__ import annotations

import gc
import tracemalloc

import keel
from conftest import Pki, pump, read_all


def one_connection(client_config: keel.ClientConfig, server_config: keel.ServerConfig) -> None:
    client = keel.ClientConnection(client_config, "localhost")
    server = keel.ServerConnection(server_config)
    pump(client, server)
    assert client.session is not None and server.session is not None
    client.write(b"request")
    server.receive_tls(client.data_to_send())
    assert server.read() == b"request"
    server.write(b"response")
    client.receive_tls(server.data_to_send())
    assert read_all(client) == b"response"
    client.close()
    server.receive_tls(client.data_to_send())
    assert server.read() == b""


def keel_objects() -> int:
    return sum(1 for o in gc.get_objects() if type(o).__module__ == "keel")


def test_ten_thousand_connections_leak_nothing(pki: Pki) -> None:
    client_config, server_config = pki.client_config(), pki.server_config()
    for _ in range(1000):
        one_connection(client_config, server_config)
    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        objects = keel_objects()
        for _ in range(10_000):
            one_connection(client_config, server_config)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One leaked bytes object or Session per connection would be 300 kB
    # or more.
    assert after - baseline < 64 * 1024, f"{after - baseline} bytes more after 10,000 connections"
    assert keel_objects() == objects
