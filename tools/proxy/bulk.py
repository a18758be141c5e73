#!/usr/bin/env python3
"""Bulk throughput through a TLS-terminating proxy, each direction.

usage: bulk.py KEEL MB
       bulk.py --port PORT --ca CA.pem [--conns C] MB

The first form starts its own upstream and `KEEL proxy` with a throwaway
ECDSA P-256 certificate and runs three rounds over one connection,
printing MB/s each way per round. The second form measures a proxy
already listening on 127.0.0.1:PORT (`cargo xtask bench-proxy` starts
keel, HAProxy and stunnel in front of its own upstream), over C
connections at once (default 1) that together move MB MiB each way, and
prints one JSON line: {"up": MB/s, "down": MB/s}.

A Python `ssl` client (TLS 1.3, AES-128-GCM) asks the upstream, in
plaintext through the proxy, for "u" + an 8-byte big-endian length (it
reads that many bytes, then answers "k") or "d" + a length (it sends that
many bytes). An upload is timed until the "k", so bytes still in buffers
are not counted as delivered. The client is Python, so the figures compare
proxies (or proxy builds) on one machine rather than measure a ceiling.
"""
import argparse, json, socket, ssl, struct, subprocess, sys, tempfile, threading, time

CHUNK = b'x' * 65536


def upstream_loop(listener):
    """The upstream of the first form; `cargo xtask bench-proxy` has its own."""
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        more = conn.recv(n - len(data))
        if not more:
            raise ConnectionError('closed early')
        data += more
    return data


def serve(conn):
    request = recv_exact(conn, 9)
    length = struct.unpack('>Q', request[1:])[0]
    if request[:1] == b'u':
        got = 0
        while got < length:
            data = conn.recv(min(262144, length - got))
            if not data:
                break
            got += len(data)
        conn.sendall(b'k')
    else:
        sent = 0
        while sent < length:
            piece = CHUNK[:min(len(CHUNK), length - sent)]
            conn.sendall(piece)
            sent += len(piece)
    conn.close()


def connect(port, ctx):
    return ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)), server_hostname='localhost')


def upload(port, ctx, length):
    s = connect(port, ctx)
    s.sendall(b'u' + struct.pack('>Q', length))
    sent = 0
    chunk = memoryview(CHUNK)  # slices of a view do not copy
    while sent < length:
        piece = chunk[:min(len(CHUNK), length - sent)]
        s.sendall(piece)
        sent += len(piece)
    if s.recv(1) != b'k':
        raise ConnectionError('the upload was not acknowledged')
    s.close()


def download(port, ctx, length):
    s = connect(port, ctx)
    s.sendall(b'd' + struct.pack('>Q', length))
    # Into one buffer: recv(262144) would allocate (and, past malloc's
    # mmap threshold, map and unmap) 256 KiB per record read, which made
    # this client, not the proxy, the bottleneck.
    buf = memoryview(bytearray(262144))
    got = 0
    while got < length:
        n = s.recv_into(buf)
        if not n:
            raise ConnectionError(f'the download ended after {got} of {length} bytes')
        got += n
    s.close()


def timed(work, port, ctx, conns, total):
    """MB/s of `conns` threads at once, each moving total/conns bytes."""
    each = total // conns
    errors = []

    def run():
        try:
            work(port, ctx, each)
        except Exception as e:  # reported below, not lost in a thread
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(conns)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return each * conns / (1024 * 1024) / (time.time() - started)


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def standalone(keel, mb):
    tmp = tempfile.mkdtemp()
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
                    '-addext', 'basicConstraints=critical,CA:FALSE', '-keyout', f'{tmp}/k.pem',
                    '-out', f'{tmp}/c.pem', '-days', '2'], check=True, capture_output=True)
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(64)
    up = listener.getsockname()[1]
    threading.Thread(target=upstream_loop, args=(listener,), daemon=True).start()
    p = subprocess.Popen([keel, 'proxy', '--listen', '127.0.0.1:0', '--upstream', f'127.0.0.1:{up}',
                          '--cert', f'{tmp}/c.pem', '--key', f'{tmp}/k.pem', '--log-level', 'warn'],
                         stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline().strip().rsplit(':', 1)[1])
        ctx = context(f'{tmp}/c.pem')
        total = mb * 1024 * 1024
        res = [(timed(upload, port, ctx, 1, total), timed(download, port, ctx, 1, total)) for _ in range(3)]
        print(' '.join(f'up={u:.0f} down={d:.0f}' for u, d in res), 'MB/s')
    finally:
        p.kill()


def main():
    if len(sys.argv) == 3 and not sys.argv[1].startswith('--'):
        standalone(sys.argv[1], int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description='bulk MB/s through a running proxy')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--conns', type=int, default=1)
    parser.add_argument('mb', type=int)
    args = parser.parse_args()
    ctx = context(args.ca)
    total = args.mb * 1024 * 1024
    up = timed(upload, args.port, ctx, args.conns, total)
    down = timed(download, args.port, ctx, args.conns, total)
    print(json.dumps({'up': up, 'down': down}))


main()
