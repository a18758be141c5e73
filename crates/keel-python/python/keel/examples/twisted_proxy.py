"""A TLS-terminating proxy in Twisted over keel: clients connect with TLS,
each connection is forwarded as plain TCP to an upstream.

    python -m keel.examples.twisted_proxy --listen 127.0.0.1:8443 \\
        --upstream 127.0.0.1:8080 --cert chain.pem --key key.pem

Prints "listening on HOST:PORT" once ready (port 0 picks a free one).
Twisted's own port forwarder does the forwarding; ``keel.twisted`` wraps
it in TLS — the use keel's Python design started from.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional, Tuple

from twisted.internet import reactor
from twisted.protocols.portforward import ProxyFactory

import keel
from keel.twisted import TLSFactory


def _address(value: str) -> Tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT")
    return host.strip("[]"), int(port)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keel.examples.twisted_proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=_address, required=True, help="HOST:PORT to accept TLS clients on")
    parser.add_argument("--upstream", type=_address, required=True, help="HOST:PORT to forward to, as plain TCP")
    parser.add_argument("--cert", required=True, help="certificate chain, PEM, leaf first")
    parser.add_argument("--key", required=True, help="private key, PEM")
    args = parser.parse_args(argv)

    with open(args.cert, "rb") as chain, open(args.key, "rb") as key:
        config = keel.ServerConfig(certificate_chain=chain.read(), private_key=key.read())
    upstream_host, upstream_port = args.upstream
    factory = TLSFactory(ProxyFactory(upstream_host, upstream_port), config)
    host, port = args.listen
    listening = reactor.listenTCP(port, factory, interface=host)  # type: ignore[attr-defined]
    bound = listening.getHost()
    print(f"listening on {bound.host}:{bound.port}", flush=True)
    reactor.run()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
