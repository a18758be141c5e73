"""The Twisted TLS-terminating proxy example (keel.examples.twisted_proxy),
run as a real process: curl's HTTPS request goes through it to a plain
HTTP upstream and the answer comes back; and keel.twisted as a client."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading

import keel
from conftest import Pki, Processes, address, read_line, tool


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = f"upstream saw {self.path} from {self.client_address[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_twisted_proxy_carries_curls_request(pki: Pki, processes: Processes) -> None:
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        proxy = processes.start(
            [sys.executable, "-m", "keel.examples.twisted_proxy", "--listen", "127.0.0.1:0",
             "--upstream", f"127.0.0.1:{upstream.server_address[1]}",
             "--cert", pki.path("server.pem"), "--key", pki.path("server.key")]
        )
        _, port = address(read_line(proxy, "listening on"))
        for _ in range(3):
            result = subprocess.run(
                [tool("curl"), "-sS", "--max-time", "10", "--cacert", pki.path("ca.pem"),
                 "-w", "\n%{ssl_verify_result}", f"https://localhost:{port}/through/keel"],
                capture_output=True, timeout=20,
            )
            assert result.returncode == 0, result.stderr
            body, verify = result.stdout.rsplit(b"\n", 1)
            assert body == b"upstream saw /through/keel from 127.0.0.1\n"
            assert verify == b"0"
    finally:
        upstream.shutdown()


def test_twisted_client_and_server_over_keel(pki: Pki) -> None:
    """keel.twisted on both ends, in one reactor run in a subprocess (a
    reactor cannot be restarted within one process)."""
    script = r'''
import sys
from twisted.internet import reactor, protocol
import keel, keel.twisted
ca, cert, key = sys.argv[1:4]
server_config = keel.ServerConfig(certificate_chain=open(cert, "rb").read(), private_key=open(key, "rb").read())
client_config = keel.ClientConfig(cadata=open(ca, "rb").read())

class Upper(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data.upper())
        self.transport.loseConnection()

class Ask(protocol.Protocol):
    got = b""
    def connectionMade(self):
        self.transport.write(b"written before the handshake")
    def dataReceived(self, data):
        self.got += data
    def connectionLost(self, reason):
        print(self.got.decode(), self.transport.keel_session.version)
        reactor.stop()

port = reactor.listenTCP(0, keel.twisted.TLSFactory(protocol.Factory.forProtocol(Upper), server_config), interface="127.0.0.1")
reactor.connectTCP("127.0.0.1", port.getHost().port,
    keel.twisted.TLSFactory(protocol.ClientFactory.forProtocol(Ask), client_config, server_hostname="localhost"))
reactor.callLater(10, reactor.stop)
reactor.run()
'''
    result = subprocess.run(
        [sys.executable, "-c", script, pki.path("ca.pem"), pki.path("server.pem"), pki.path("server.key")],
        capture_output=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == b"WRITTEN BEFORE THE HANDSHAKE TLSv1.3"
