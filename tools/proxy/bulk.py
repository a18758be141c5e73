#!/usr/bin/env python3
"""Bulk throughput through `keel proxy`, one connection, each direction.

usage: bulk.py KEEL MB

A Python `ssl` client (TLS 1.3, AES-128-GCM) sends MB MiB through the
proxy to an upstream that discards it ("up"), then reads MB MiB the
upstream sends ("down"); three rounds, MB/s each. The client is Python, so
the figures compare two proxy builds on one machine rather than measure
the proxy's ceiling.
"""
import socket, ssl, subprocess, sys, tempfile, threading, time
KEEL=sys.argv[1]; MB=int(sys.argv[2]); tmp=tempfile.mkdtemp()
subprocess.run(['openssl','req','-x509','-newkey','ec','-pkeyopt','ec_paramgen_curve:P-256','-nodes','-subj','/CN=localhost',
  '-addext','subjectAltName=DNS:localhost','-addext','basicConstraints=critical,CA:FALSE','-keyout',f'{tmp}/k.pem','-out',f'{tmp}/c.pem','-days','2'],check=True,capture_output=True)
ls=socket.socket(); ls.bind(('127.0.0.1',0)); ls.listen(16); up=ls.getsockname()[1]
chunk=b'x'*65536; total=MB*1024*1024
def upstream():
    while True:
        c,_=ls.accept()
        m=c.recv(1)
        if m==b'u':   # client uploads: discard
            n=0
            while True:
                d=c.recv(262144)
                if not d: break
                n+=len(d)
            c.close()
        else:         # download: send total bytes
            sent=0
            while sent<total:
                c.sendall(chunk); sent+=len(chunk)
            c.close()
threading.Thread(target=upstream,daemon=True).start()
p=subprocess.Popen([KEEL,'proxy','--listen','127.0.0.1:0','--upstream',f'127.0.0.1:{up}','--cert',f'{tmp}/c.pem','--key',f'{tmp}/k.pem','--log-level','warn'],stdout=subprocess.PIPE,text=True)
port=int(p.stdout.readline().strip().rsplit(':',1)[1])
ctx=ssl.create_default_context(cafile=f'{tmp}/c.pem')
def conn():
    s=ctx.wrap_socket(socket.create_connection(('127.0.0.1',port)),server_hostname='localhost'); return s
res=[]
for rep in range(3):
    s=conn(); s.sendall(b'u'); t=time.time(); sent=0
    while sent<total: s.sendall(chunk); sent+=len(chunk)
    s.close(); up_t=time.time()-t
    s=conn(); s.sendall(b'd'); t=time.time(); n=0
    while n<total:
        d=s.recv(262144)
        if not d: break
        n+=len(d)
    dn_t=time.time()-t; s.close()
    res.append((MB/up_t, MB/dn_t))
p.kill()
print(' '.join(f'up={u:.0f} down={d:.0f}' for u,d in res), 'MB/s')
