#!/usr/bin/env python3
"""A plain-TCP echo server for `keel proxy`'s scale test (proxy/load.rs).

usage: echo_upstream.py

It is a process of its own because the test's connections do not fit in
one process's open-file limit: the test holds the client ends, the proxy
two descriptors per connection, and this server the upstream ends. It
raises its soft open-file limit to the hard one, listens on 127.0.0.1
with a port the kernel picks, prints "listening on PORT" and then echoes
every connection until its peer ends it. It exits when its stdin ends, so
that it cannot outlive the test that started it even if a kill is missed.
"""
import asyncio
import resource
import sys


async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # The backlog is capped by net.core.somaxconn; the proxy connects at
    # the pace its clients' handshakes complete, so a few thousand is
    # plenty.
    server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.buffer.read)


asyncio.run(main())
