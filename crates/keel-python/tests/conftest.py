"""Shared fixtures: certificates made per session (trustme), the two ends
of an in-memory connection, real peers found on PATH or given by
`cargo xtask test` (KEEL_BIN), and processes killed when a test ends."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import pytest
import trustme

import keel


@dataclass
class Pki:
    """A CA, a server certificate for localhost and 127.0.0.1, a client
    certificate, and their PEM files in a temporary directory."""

    ca: trustme.CA
    server: trustme.LeafCert
    client: trustme.LeafCert
    other_ca: trustme.CA
    dir: Path

    @property
    def ca_pem(self) -> bytes:
        return self.ca.cert_pem.bytes()

    def server_config(self, **kwargs) -> keel.ServerConfig:
        return keel.ServerConfig(
            certificate_chain=self.server.cert_chain_pems[0].bytes(),
            private_key=self.server.private_key_pem.bytes(),
            **kwargs,
        )

    def client_config(self, **kwargs) -> keel.ClientConfig:
        kwargs.setdefault("cadata", self.ca_pem)
        return keel.ClientConfig(**kwargs)

    def path(self, name: str) -> str:
        return str(self.dir / name)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    client = ca.issue_cert("client@example.com")
    directory = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(directory / "ca.pem"))
    server.cert_chain_pems[0].write_to_path(str(directory / "server.pem"))
    server.private_key_pem.write_to_path(str(directory / "server.key"))
    client.cert_chain_pems[0].write_to_path(str(directory / "client.pem"))
    client.private_key_pem.write_to_path(str(directory / "client.key"))
    return Pki(ca, server, client, trustme.CA(), directory)


def pump(client: keel.Connection, server: keel.Connection, rounds: int = 8) -> None:
    """Moves TLS bytes both ways until neither side has any to send."""
    for _ in range(rounds):
        to_server = client.data_to_send()
        if to_server:
            server.receive_tls(to_server)
        to_client = server.data_to_send()
        if to_client:
            client.receive_tls(to_client)
        if not to_server and not to_client:
            return
    raise AssertionError("the connections kept talking")


def read_all(conn: keel.Connection) -> bytes:
    """Every byte of plaintext waiting."""
    out = []
    while True:
        try:
            chunk = conn.read(65536)
        except keel.WantReadError:
            break
        if not chunk:
            break
        out.append(chunk)
    return b"".join(out)


def tool(name: str) -> str:
    """A real peer's executable; fails the test (never skips) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the interop tests need it")
    return path


def keel_binary() -> str:
    """The `keel` CLI that `cargo xtask test` built (KEEL_BIN)."""
    path = os.environ.get("KEEL_BIN")
    if not path or not os.path.exists(path):
        pytest.fail("KEEL_BIN must name the keel binary (cargo xtask test sets it)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, deadline: float = 15.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {deadline} s")


class Processes:
    """Starts processes and kills every one when the test ends."""

    def __init__(self) -> None:
        self._procs: List[subprocess.Popen] = []

    def start(self, args: List[str], **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        proc = subprocess.Popen(args, **kwargs)
        self._procs.append(proc)
        return proc

    def kill_all(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            for stream in (proc.stdout, proc.stderr, proc.stdin):
                if stream is not None:
                    stream.close()


@pytest.fixture
def processes() -> Iterator[Processes]:
    procs = Processes()
    try:
        yield procs
    finally:
        procs.kill_all()


def read_line(proc: subprocess.Popen, startswith: str, deadline: float = 15.0) -> str:
    """The first stdout line starting with `startswith` (the process must
    print it within `deadline` seconds). Read in a thread: a buffered
    pipe cannot be waited on with select once it has read ahead."""
    import threading

    assert proc.stdout is not None
    found: List[str] = []

    def scan() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            text = line.decode(errors="replace") if isinstance(line, bytes) else line
            if text.startswith(startswith):
                found.append(text.strip())
                return

    reader = threading.Thread(target=scan, daemon=True)
    reader.start()
    reader.join(deadline)
    if not found:
        raise AssertionError(f"no line starting with {startswith!r} within {deadline} s")
    return found[0]


def address(line: str) -> Tuple[str, int]:
    host, _, port = line.rsplit(" ", 1)[-1].rpartition(":")
    return host, int(port)


def connected_pair(
    pki: Pki, client_kwargs: Optional[dict] = None, server_kwargs: Optional[dict] = None, name: str = "localhost"
) -> Tuple[keel.ClientConnection, keel.ServerConnection]:
    client = keel.ClientConnection(pki.client_config(**(client_kwargs or {})), name)
    server = keel.ServerConnection(pki.server_config(**(server_kwargs or {})))
    pump(client, server)
    return client, server
