"""Arbitrary and mutated bytes fed to receive_tls on both sides: never a
crash, only keel.TLSError; and after the first error the connection is
failed for good — every later call raises the same kind of error."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import keel
from conftest import Pki

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Mutations = List[Tuple[int, int]]
mutations = st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8)


def mutate(data: bytes, changes: Mutations) -> bytes:
    out = bytearray(data)
    for index, value in changes:
        out[index % len(out)] = value
    return bytes(out)


def failed_for_good(conn: keel.Connection, data: bytes) -> None:
    try:
        conn.receive_tls(data)
        conn.data_to_send()
        while conn.read():
            pass
    except keel.WantReadError:
        return
    except keel.TLSError as first:
        kind = type(first)
        conn.data_to_send()  # the alert, if any, is there to send
        with pytest.raises(kind):
            conn.receive_tls(b"\x16\x03\x03\x00\x01\x00")
        with pytest.raises(kind):
            conn.read()
        with pytest.raises(kind):
            conn.write(b"after the failure")


@pytest.fixture(scope="module")
def flights(pki: Pki) -> Tuple[keel.ClientConfig, keel.ServerConfig, bytes, bytes]:
    client_config, server_config = pki.client_config(), pki.server_config()
    client = keel.ClientConnection(client_config, "localhost")
    hello = client.data_to_send()
    server = keel.ServerConnection(server_config)
    server.receive_tls(hello)
    return client_config, server_config, hello, server.data_to_send()


@FUZZ
@given(data=st.binary(max_size=2048))
def test_server_takes_arbitrary_bytes(flights, data: bytes) -> None:
    failed_for_good(keel.ServerConnection(flights[1]), data)


@FUZZ
@given(changes=mutations)
def test_server_takes_a_mutated_client_hello(flights, changes: Mutations) -> None:
    failed_for_good(keel.ServerConnection(flights[1]), mutate(flights[2], changes))


@FUZZ
@given(data=st.binary(max_size=2048))
def test_client_takes_arbitrary_bytes(flights, data: bytes) -> None:
    client = keel.ClientConnection(flights[0], "localhost")
    client.data_to_send()
    failed_for_good(client, data)


@FUZZ
@given(changes=mutations)
def test_client_takes_a_mutated_server_flight(flights, changes: Mutations) -> None:
    # A fresh client has a fresh random, so the real flight fails its
    # checks anyway; the mutations reach the codec and the record layer.
    client = keel.ClientConnection(flights[0], "localhost")
    client.data_to_send()
    failed_for_good(client, mutate(flights[3], changes))
