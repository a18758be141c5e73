"""A keel client and a keel server in memory: the handshake, the session
view, data both ways, closing, resumption, client authentication, the
exporter, back-pressure, and configurations that cannot work."""

from __future__ import annotations

import pytest

import keel
from conftest import Pki, connected_pair, pump, read_all


@pytest.mark.parametrize("versions, expected", [("1.3,1.2", "TLSv1.3"), ("1.3", "TLSv1.3"), ("1.2", "TLSv1.2")])
def test_handshake_and_session(pki: Pki, versions: str, expected: str) -> None:
    client, server = connected_pair(
        pki,
        client_kwargs={"versions": versions, "alpn_protocols": ["h2", "http/1.1"]},
        server_kwargs={"alpn_protocols": [b"http/1.1"]},
    )
    assert client.handshake_complete and server.handshake_complete
    for side in (client, server):
        session = side.session
        assert session is not None
        assert session.version == expected
        assert session.alpn_protocol == "http/1.1"
        assert session.server_name == "localhost"
        assert not session.resumed
    assert client.session.cipher == server.session.cipher
    assert client.session.cipher.startswith("TLS_")
    if expected == "TLSv1.3":
        # keel's first choice, a post-quantum hybrid, when both ends are keel.
        assert client.session.group == "X25519MLKEM768"
    # The client sees the server's certificate, as DER.
    assert client.session.peer_certificates == [_der(pki.server)]
    assert server.session.peer_certificates == []


def _der(leaf) -> bytes:
    import ssl

    return ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())


def test_data_both_ways_and_close(pki: Pki) -> None:
    client, server = connected_pair(pki)
    assert client.write(b"ping") == 4
    server.receive_tls(client.data_to_send())
    assert server.read() == b"ping"
    with pytest.raises(keel.WantReadError):
        server.read()
    server.write(b"pong" * 10000)
    client.receive_tls(server.data_to_send())
    assert read_all(client) == b"pong" * 10000

    client.close()
    server.receive_tls(client.data_to_send())
    assert server.peer_closed
    assert server.read() == b"", "close_notify is the end of the data"
    server.transport_closed()  # a clean close: no error


def test_writes_before_the_handshake_are_sent_after_it(pki: Pki) -> None:
    client = keel.ClientConnection(pki.client_config(), "localhost")
    server = keel.ServerConnection(pki.server_config())
    assert client.write(b"early") == 5
    pump(client, server)
    assert server.read() == b"early"


def test_a_cut_without_close_notify_is_truncation(pki: Pki) -> None:
    client, server = connected_pair(pki)
    client.write(b"partial")
    server.receive_tls(client.data_to_send())
    assert server.read() == b"partial"
    with pytest.raises(keel.ProtocolError, match="truncation"):
        server.transport_closed()


@pytest.mark.parametrize("versions", ["1.3", "1.2"])
def test_resumption(pki: Pki, versions: str) -> None:
    client_config = pki.client_config(versions=versions)
    server_config = pki.server_config()
    for expected in (False, True):
        client = keel.ClientConnection(client_config, "localhost")
        server = keel.ServerConnection(server_config)
        pump(client, server)
        # TLS 1.3 tickets come after the handshake: let them arrive.
        client.write(b"x")
        pump(client, server)
        assert client.session.resumed is expected
        assert server.session.resumed is expected


def test_resumption_off(pki: Pki) -> None:
    client_config = pki.client_config(session_resumption=False)
    server_config = pki.server_config()
    for _ in range(2):
        client, server = keel.ClientConnection(client_config, "localhost"), keel.ServerConnection(server_config)
        pump(client, server)
        client.write(b"x")
        pump(client, server)
        assert not client.session.resumed


def test_client_authentication(pki: Pki) -> None:
    server_kwargs = {"client_cadata": pki.ca_pem}
    client, server = connected_pair(
        pki,
        client_kwargs={
            "certificate_chain": pki.client.cert_chain_pems[0].bytes(),
            "private_key": pki.client.private_key_pem.bytes(),
        },
        server_kwargs=server_kwargs,
    )
    assert server.session.peer_certificates == [_der(pki.client)]

    # Required, and none sent: the server refuses with certificate_required.
    client = keel.ClientConnection(pki.client_config(), "localhost")
    server = keel.ServerConnection(pki.server_config(**server_kwargs))
    with pytest.raises(keel.CertificateError) as refused:
        pump(client, server)
    assert refused.value.alert == "certificate_required"
    with pytest.raises(keel.AlertReceived) as told:
        client.receive_tls(server.data_to_send())
    assert told.value.alert == "certificate_required"

    # Optional: served without an identity.
    client, server = connected_pair(pki, server_kwargs={**server_kwargs, "client_auth": "optional"})
    assert server.handshake_complete and server.session.peer_certificates == []


def test_exporter(pki: Pki) -> None:
    client, server = connected_pair(pki)
    a = client.export_keying_material(b"EXPERIMENTAL test", 32, b"context")
    b = server.export_keying_material(b"EXPERIMENTAL test", 32, b"context")
    assert a == b and len(a) == 32
    assert client.export_keying_material(b"EXPERIMENTAL test", 32) != a


def test_back_pressure_keeps_every_byte(pki: Pki) -> None:
    client, server = connected_pair(pki)
    payload = bytes(range(256)) * 8192  # 2 MiB
    server.write(payload)
    client.receive_tls(server.data_to_send())
    assert client.tls_backlog > 0, "2 MiB does not fit the plaintext buffer at once"
    assert read_all(client) == payload
    assert client.tls_backlog == 0


@pytest.mark.parametrize(
    "kwargs, what",
    [
        ({"cadata": b"not pem"}, "cadata"),
        ({"cadata": b"", "system_roots": True}, "cadata and system_roots"),
        ({"versions": "1.1"}, "versions"),
        ({"certificate_chain": b"x"}, "give both or neither"),
        ({"alpn_protocols": [b""]}, "ALPN"),
    ],
)
def test_client_config_refusals(kwargs: dict, what: str) -> None:
    with pytest.raises(keel.ConfigError, match=what):
        keel.ClientConfig(**kwargs)


def test_server_config_refusals(pki: Pki) -> None:
    chain = pki.server.cert_chain_pems[0].bytes()
    with pytest.raises(keel.ConfigError):
        keel.ServerConfig(certificate_chain=chain, private_key=pki.client.private_key_pem.bytes())
    with pytest.raises(keel.ConfigError, match="client_auth"):
        pki.server_config(client_cadata=pki.ca_pem, client_auth="sometimes")
    with pytest.raises(keel.ConfigError, match="ticket_key_file"):
        pki.server_config(session_tickets=False, ticket_key_file="/nonexistent")
    with pytest.raises(keel.ConfigError):
        pki.server_config(ticket_key_file="/nonexistent")
    with pytest.raises(TypeError):
        keel.ServerConfig(certificate_chain=chain)  # type: ignore[call-arg]


def test_invalid_server_name_is_a_config_error(pki: Pki) -> None:
    with pytest.raises(keel.ConfigError, match="neither a valid DNS name"):
        keel.ClientConnection(pki.client_config(), "not a host!")


def test_ticket_key_file_is_shared_by_a_fleet(pki: Pki, tmp_path) -> None:
    key = tmp_path / "ticket.key"
    key.write_bytes(bytes(range(48)))
    one, two = pki.server_config(ticket_key_file=str(key)), pki.server_config(ticket_key_file=str(key))
    client_config = pki.client_config(versions="1.2")
    client, server = keel.ClientConnection(client_config, "localhost"), keel.ServerConnection(one)
    pump(client, server)
    client, server = keel.ClientConnection(client_config, "localhost"), keel.ServerConnection(two)
    pump(client, server)
    assert server.session.resumed, "a ticket from one server resumes on another with the same key file"


def test_groups_narrow_the_key_exchange(pki: Pki) -> None:
    client, server = connected_pair(pki, client_kwargs={"groups": ["x25519"]})
    assert client.session.group == server.session.group == "x25519"
    assert not client.session.hello_retry_request
    # The client's first share is for a group the server does not take:
    # a HelloRetryRequest, then P-256.
    client, server = connected_pair(
        pki, client_kwargs={"groups": ["x25519", "P-256"]}, server_kwargs={"groups": ["secp256r1"]}
    )
    assert client.session.group == "secp256r1"
    assert client.session.hello_retry_request and server.session.hello_retry_request
    with pytest.raises(keel.ConfigError, match="not a group keel offers"):
        keel.ClientConfig(groups=["ffdhe2048"])
