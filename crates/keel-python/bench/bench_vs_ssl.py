"""keel against Python's `ssl` module (OpenSSL underneath), both in memory
(ssl: SSLObject over two MemoryBIOs), in one process on one machine.

    python crates/keel-python/bench/bench_vs_ssl.py [--rounds 5] [--seconds 1.0]

Lines: full TLS 1.3 handshakes per second with an ECDSA P-256 certificate
over X25519 (client side and server side timed apart; no resumption), and
bulk MB/s with TLS_AES_128_GCM_SHA256 in 16 KiB writes, sending and
receiving timed apart. Both libraries are held to the same suite and group:
keel through its config, OpenSSL through an OPENSSL_CONF written here (the
ssl module has no TLS 1.3 suite setting); each line checks what was
negotiated. Rounds alternate the order of the two libraries; the figures
are medians over the rounds, and the ratio is keel / ssl (> 1: keel is
faster).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

_CONF = tempfile.NamedTemporaryFile("w", suffix=".cnf", delete=False)
_CONF.write(
    "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
    "[ssl_sect]\nsystem_default = system_default_sect\n"
    "[system_default_sect]\nCiphersuites = TLS_AES_128_GCM_SHA256\nGroups = X25519\n"
)
_CONF.close()
# Read by OpenSSL when `ssl` is imported, so set first.
os.environ["OPENSSL_CONF"] = _CONF.name

import ssl  # noqa: E402

import trustme  # noqa: E402

import keel  # noqa: E402

CHUNK = 16 * 1024
SUITE = "TLS_AES_128_GCM_SHA256"

ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
leaf = ca.issue_cert("localhost", key_type=trustme.KeyType.ECDSA)


class Clock:
    """Time spent in each side's calls."""

    def __init__(self) -> None:
        self.client = 0.0
        self.server = 0.0


# -- keel --------------------------------------------------------------------

keel_client_config = keel.ClientConfig(cadata=ca.cert_pem.bytes(), groups=["x25519"], session_resumption=False)
keel_server_config = keel.ServerConfig(
    certificate_chain=leaf.cert_chain_pems[0].bytes(),
    private_key=leaf.private_key_pem.bytes(),
    groups=["x25519"],
    session_tickets=False,
)


def keel_handshake(clock: Clock) -> None:
    t0 = time.perf_counter()
    client = keel.ClientConnection(keel_client_config, "localhost")
    hello = client.data_to_send()
    t1 = time.perf_counter()
    server = keel.ServerConnection(keel_server_config)
    server.receive_tls(hello)
    flight = server.data_to_send()
    t2 = time.perf_counter()
    client.receive_tls(flight)
    finished = client.data_to_send()
    assert client.handshake_complete
    t3 = time.perf_counter()
    server.receive_tls(finished)
    assert server.handshake_complete
    t4 = time.perf_counter()
    clock.client += (t1 - t0) + (t3 - t2)
    clock.server += (t2 - t1) + (t4 - t3)


def keel_pair() -> Tuple[keel.Connection, keel.Connection]:
    client = keel.ClientConnection(keel_client_config, "localhost")
    server = keel.ServerConnection(keel_server_config)
    for _ in range(4):
        server.receive_tls(client.data_to_send())
        client.receive_tls(server.data_to_send())
    assert client.session.cipher == SUITE and client.session.group == "x25519"
    return client, server


def keel_bulk(clock: Clock, total: int) -> None:
    sender, receiver = keel_pair()
    data = b"\x5a" * CHUNK
    received = 0
    for _ in range(total // CHUNK):
        t0 = time.perf_counter()
        sender.write(data)
        wire = sender.data_to_send()
        t1 = time.perf_counter()
        receiver.receive_tls(wire)
        received += len(receiver.read(CHUNK))
        t2 = time.perf_counter()
        clock.client += t1 - t0
        clock.server += t2 - t1
    assert received == total // CHUNK * CHUNK


# -- ssl ---------------------------------------------------------------------

ssl_client_context = ssl.create_default_context()
ca.configure_trust(ssl_client_context)
ssl_client_context.minimum_version = ssl.TLSVersion.TLSv1_3
ssl_server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
leaf.configure_cert(ssl_server_context)
ssl_server_context.options |= ssl.OP_NO_TICKET
ssl_server_context.minimum_version = ssl.TLSVersion.TLSv1_3


class SslEnd:
    def __init__(self, server: bool) -> None:
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        if server:
            self.obj = ssl_server_context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        else:
            self.obj = ssl_client_context.wrap_bio(self.incoming, self.outgoing, server_hostname="localhost")

    def step(self) -> bool:
        try:
            self.obj.do_handshake()
            return True
        except ssl.SSLWantReadError:
            return False


def ssl_handshake(clock: Clock) -> None:
    t0 = time.perf_counter()
    client = SslEnd(server=False)
    client.step()
    hello = client.outgoing.read()
    t1 = time.perf_counter()
    server = SslEnd(server=True)
    server.incoming.write(hello)
    server.step()
    flight = server.outgoing.read()
    t2 = time.perf_counter()
    client.incoming.write(flight)
    assert client.step()
    finished = client.outgoing.read()
    t3 = time.perf_counter()
    server.incoming.write(finished)
    assert server.step()
    t4 = time.perf_counter()
    clock.client += (t1 - t0) + (t3 - t2)
    clock.server += (t2 - t1) + (t4 - t3)


def ssl_pair() -> Tuple[SslEnd, SslEnd]:
    client, server = SslEnd(server=False), SslEnd(server=True)
    for _ in range(4):
        client.step()
        server.incoming.write(client.outgoing.read())
        server.step()
        client.incoming.write(server.outgoing.read())
    assert client.step() and server.step()
    assert client.obj.cipher()[0] == SUITE, client.obj.cipher()
    return client, server


def ssl_bulk(clock: Clock, total: int) -> None:
    sender, receiver = ssl_pair()
    data = b"\x5a" * CHUNK
    received = 0
    for _ in range(total // CHUNK):
        t0 = time.perf_counter()
        sender.obj.write(data)
        wire = sender.outgoing.read()
        t1 = time.perf_counter()
        receiver.incoming.write(wire)
        received += len(receiver.obj.read(CHUNK))
        t2 = time.perf_counter()
        clock.client += t1 - t0
        clock.server += t2 - t1
    assert received == total // CHUNK * CHUNK


# -- the comparison ------------------------------------------------------------


def handshakes(run: Callable[[Clock], None], seconds: float) -> Tuple[float, float]:
    clock, n = Clock(), 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        run(clock)
        n += 1
    return n / clock.client, n / clock.server


def bulk(run: Callable[[Clock, int], None], seconds: float) -> Tuple[float, float]:
    total = 64 * 1024 * 1024
    clock = Clock()
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        run(clock, total)
        done += total
    return done / clock.client / 1e6, done / clock.server / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="per library, per line, per round")
    args = parser.parse_args()
    keel_handshake(Clock()), ssl_handshake(Clock())  # warm up, and check both work
    results: Dict[str, Dict[str, List[float]]] = {}
    lines = [
        ("full handshake, client (handshakes/s)", "full handshake, server (handshakes/s)", handshakes,
         keel_handshake, ssl_handshake),
        ("bulk send, 16 KiB writes (MB/s)", "bulk receive, 16 KiB reads (MB/s)", bulk, keel_bulk, ssl_bulk),
    ]
    for r in range(args.rounds):
        for first, second, measure, keel_run, ssl_run in lines:
            order = [("keel", keel_run), ("ssl", ssl_run)]
            if r % 2:
                order.reverse()
            for lib, run in order:
                a, b = measure(run, args.seconds)
                results.setdefault(first, {}).setdefault(lib, []).append(a)
                results.setdefault(second, {}).setdefault(lib, []).append(b)
    print(f"# keel vs ssl ({ssl.OPENSSL_VERSION}), Python {sys.version.split()[0]}, "
          f"{args.rounds} rounds of {args.seconds} s, medians")
    print("| line | keel | ssl | keel / ssl |")
    print("|---|---:|---:|---:|")
    for line, libs in results.items():
        k, s = statistics.median(libs["keel"]), statistics.median(libs["ssl"])
        print(f"| {line} | {k:,.0f} | {s:,.0f} | {k / s:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
