#!/usr/bin/env python3
"""Resident memory per idle connection of `keel proxy`.

usage: idle_memory.py KEEL N [keel proxy options...]
       idle_memory.py --port PORT --pid PID --ca CA.pem N

Starts an asyncio echo upstream and `KEEL proxy` with a throwaway ECDSA
P-256 certificate, opens WARM connections (environment, default 0) that
each echo 100 bytes and close, waits, and reads the proxy's VmRSS as the
baseline; then opens N connections (CONC at a time, default 50), each
echoing 100 bytes and then staying open and silent, waits 2.5 s (past the
proxy's one-second quiet release) and prints (RSS - baseline) / N.

The second form measures a proxy already listening on 127.0.0.1:PORT as
process PID, in front of an echo upstream (`cargo xtask bench-proxy`
starts keel, HAProxy and stunnel in front of its own), trusting CA.pem,
and prints one JSON line: {"per_conn_kib": ...}.

The proxy needs two descriptors per connection and this script two (its
client end and the upstream's): N is bounded by the open-file limit.
"""
import asyncio, json, ssl, subprocess, sys, os, re, time, tempfile, socket

EXTERNAL = sys.argv[1] == '--port'
if EXTERNAL:
    PORT, PID, CA, N = int(sys.argv[2]), int(sys.argv[4]), sys.argv[6], int(sys.argv[7])
else:
    KEEL = sys.argv[1]; N = int(sys.argv[2]); tmp = tempfile.mkdtemp()

def rss(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) * 1024

async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data); await writer.drain()
    except Exception:
        pass
    writer.close()

async def main():
    if EXTERNAL:
        return await measure(PORT, PID, ssl.create_default_context(cafile=CA))
    server = await asyncio.start_server(echo, '127.0.0.1', 0, backlog=4096)
    up = server.sockets[0].getsockname()[1]
    # certificate: keel serve's throwaway? make one with openssl
    subprocess.run(['openssl','req','-x509','-newkey','ec','-pkeyopt','ec_paramgen_curve:P-256','-nodes','-subj','/CN=localhost',
                    '-addext','subjectAltName=DNS:localhost','-addext','basicConstraints=critical,CA:FALSE','-keyout',f'{tmp}/k.pem','-out',f'{tmp}/c.pem','-days','2'],check=True,capture_output=True)
    p = subprocess.Popen([KEEL,'proxy','--listen','127.0.0.1:0','--upstream',f'127.0.0.1:{up}','--cert',f'{tmp}/c.pem','--key',f'{tmp}/k.pem',
                          '--max-connections','20000','--log-level','warn'] + sys.argv[3:], stdout=subprocess.PIPE, text=True)
    line = await asyncio.get_running_loop().run_in_executor(None, p.stdout.readline)
    port = int(line.strip().rsplit(':',1)[1])
    ctx = ssl.create_default_context(cafile=f'{tmp}/c.pem')
    await measure(port, p.pid, ctx)
    p.kill(); p.wait()
    # Let the echo handlers see their connections end before asyncio.run
    # cancels them (which Python 3.11 reports as an error per handler).
    await asyncio.sleep(0.5)

async def measure(port, pid, ctx):
    conns = []
    sem = asyncio.Semaphore(int(os.environ.get("CONC","50")))
    async def one(i):
        async with sem:
            r, w = await asyncio.open_connection('127.0.0.1', port, ssl=ctx, server_hostname='localhost')
            msg = b'x' * 100
            w.write(msg); await w.drain()
            got = b''
            while len(got) < len(msg):
                more = await r.read(1000)
                if not more:
                    raise ConnectionError(f'connection {i} closed before its echo')
                got += more
            conns.append((r, w))
    # warm-up: lazily initialised state (keys, RNG, logging) is not per connection
    WARM = int(os.environ.get("WARM","0"))
    if WARM:
        await asyncio.gather(*[one(i) for i in range(WARM)])
        for r, w in conns: w.close()
        conns.clear()
        await asyncio.sleep(2.5)
    await asyncio.sleep(0.5)
    base = rss(pid)
    t = time.time()
    await asyncio.gather(*[one(i) for i in range(N)])
    await asyncio.sleep(2.5)
    after = rss(pid)
    if EXTERNAL:
        print(json.dumps({'per_conn_kib': (after - base) / N / 1024}))
    else:
        print(f'N={N} base={base/1024:.0f}KiB after={after/1024:.0f}KiB per_conn={(after-base)/N/1024:.2f}KiB ({time.time()-t:.1f}s)')
    for r, w in conns: w.close()
asyncio.run(main())
