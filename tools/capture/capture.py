#!/usr/bin/env python3
"""Capture real TLS 1.2 and TLS 1.3 sessions on loopback, as test data for keel.

The script has two modes.

Handshake captures (the default), for keel-wire.  For every entry in
CAPTURES this script starts a real TLS server on an ephemeral 127.0.0.1
port, puts a recording TCP relay in front of it, points a real TLS client at
the relay and records the bytes that cross it in each direction.  Of each
direction only the plaintext prefix is kept: the complete TLS records from
the start of the stream up to and including the first ChangeCipherSpec
record.  The results are written to crates/keel-wire/tests/data/captures/
as NAME.c2s.bin (client to server) and NAME.s2c.bin (server to client).
Every file is then checked by a small independent parser (records are well
formed, handshake messages reassembled across records add up exactly, the
message bodies parse) and the handshake message sequence is compared with
what the capture is expected to contain.

The captures named tls13_* are TLS 1.3 handshakes.  Their plaintext prefix
is every record before the first application_data record (the dummy
ChangeCipherSpec records kept), and the checker parses the TLS 1.3 hellos
and checks the two directions against each other (see check_prefix13 and
verify_capture13).

Whole sessions (--sessions), for keel-record.  For every entry in SESSIONS
(one per cipher suite keel supports) openssl s_client talks to openssl
s_server through the same relay, with -keylogfile on both sides.  The
script drives both programs through their standard input so that each
direction carries several application-data records of different sizes, and
the client then closes with close_notify, answered by the server's.  Each
direction's whole byte stream is kept, from the first byte to the end of
the connection, together with the NSS key log that holds the (extended)
master secret.  The results are written to
crates/keel-record/tests/data/sessions/ as NAME.c2s.bin, NAME.s2c.bin and
NAME.keylog.  The checker parses the plaintext handshake, requires the
negotiated suite and the extended_master_secret extension, matches the key
log to the ClientHello random, and walks the encrypted records (it does not
decrypt them: the standard library has no AEAD).

Requirements: Python 3.11 (standard library only), the openssl CLI, curl,
gnutls-cli and gnutls-serv (the sessions mode needs only openssl).  Linux
is assumed for the readiness check (/proc/net/tcp); elsewhere a plain
connect probe is used instead.

Usage:
    python3 capture.py                  # capture everything, write the files
    python3 capture.py --only NAME ...  # capture a subset
    python3 capture.py --check FILE...  # only run the checker on files
    python3 capture.py --list           # list capture and session names
    python3 capture.py --sessions [--only NAME ...]   # whole sessions
    python3 capture.py --check-sessions [DIR]         # re-check session files
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CAPTURES_OUT = REPO / "crates" / "keel-wire" / "tests" / "data" / "captures"
SESSIONS_OUT = REPO / "crates" / "keel-record" / "tests" / "data" / "sessions"
LOOPBACK = "127.0.0.1"
CAPTURE_TIMEOUT = 15.0  # seconds, for one whole capture
HTTP_GET = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"

# ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only.
OPENSSL_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"
GNUTLS_PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.2"
GNUTLS_CLIENT_PRIORITY = (
    GNUTLS_PRIORITY
    + ":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA"
    + ":-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"
)


class CaptureError(Exception):
    pass


# --------------------------------------------------------------------------
# Names used in the summary output
# --------------------------------------------------------------------------

HANDSHAKE_TYPES = {
    0: "HelloRequest",
    1: "ClientHello",
    2: "ServerHello",
    4: "NewSessionTicket",
    11: "Certificate",
    12: "ServerKeyExchange",
    13: "CertificateRequest",
    14: "ServerHelloDone",
    15: "CertificateVerify",
    16: "ClientKeyExchange",
    20: "Finished",
    22: "CertificateStatus",
}

EXTENSIONS = {
    0: "server_name",
    1: "max_fragment_length",
    5: "status_request",
    10: "supported_groups",
    11: "ec_point_formats",
    13: "signature_algorithms",
    15: "heartbeat",
    16: "application_layer_protocol_negotiation",
    17: "status_request_v2",
    18: "signed_certificate_timestamp",
    21: "padding",
    22: "encrypt_then_mac",
    23: "extended_master_secret",
    27: "compress_certificate",
    28: "record_size_limit",
    35: "session_ticket",
    41: "pre_shared_key",
    42: "early_data",
    43: "supported_versions",
    44: "cookie",
    45: "psk_key_exchange_modes",
    49: "post_handshake_auth",
    50: "signature_algorithms_cert",
    51: "key_share",
    0xFF01: "renegotiation_info",
}

CIPHER_SUITES = {
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
}
ALLOWED_SUITES = set(CIPHER_SUITES)

NAMED_GROUPS = {
    23: "secp256r1",
    24: "secp384r1",
    25: "secp521r1",
    29: "x25519",
    30: "x448",
    256: "ffdhe2048",
    257: "ffdhe3072",
    258: "ffdhe4096",
    259: "ffdhe6144",
    260: "ffdhe8192",
}

SIGNATURE_SCHEMES = {
    0x0401: "rsa_pkcs1_sha256",
    0x0501: "rsa_pkcs1_sha384",
    0x0601: "rsa_pkcs1_sha512",
    0x0403: "ecdsa_secp256r1_sha256",
    0x0503: "ecdsa_secp384r1_sha384",
    0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256",
    0x0805: "rsa_pss_rsae_sha384",
    0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519",
    0x0808: "ed448",
    0x0809: "rsa_pss_pss_sha256",
}


def _name(table: dict[int, str], value: int, width: int = 4) -> str:
    return table.get(value, f"0x{value:0{width}x}")


# --------------------------------------------------------------------------
# Record layer: cutting the plaintext prefix
# --------------------------------------------------------------------------

CT_CHANGE_CIPHER_SPEC = 20
CT_ALERT = 21
CT_HANDSHAKE = 22
CT_APPLICATION_DATA = 23


def plaintext_prefix(stream: bytes) -> bytes:
    """Complete records up to and including the first ChangeCipherSpec."""
    off = 0
    while off + 5 <= len(stream):
        ctype = stream[off]
        length = int.from_bytes(stream[off + 3 : off + 5], "big")
        end = off + 5 + length
        if end > len(stream):
            break
        off = end
        if ctype == CT_CHANGE_CIPHER_SPEC:
            return bytes(stream[:off])
    raise CaptureError(
        f"stream of {len(stream)} bytes has no complete ChangeCipherSpec record"
    )


# --------------------------------------------------------------------------
# Checker: an independent parser for the captured prefixes
# --------------------------------------------------------------------------


class Reader:
    """Strict big-endian reader over a bytes object."""

    def __init__(self, data: bytes, what: str):
        self.data = data
        self.pos = 0
        self.what = what

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        if n > self.remaining():
            raise CaptureError(
                f"{self.what}: wanted {n} bytes at offset {self.pos}, "
                f"only {self.remaining()} left"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def vec(self, len_bytes: int, minimum: int = 0) -> bytes:
        n = self.uint(len_bytes)
        if n < minimum:
            raise CaptureError(f"{self.what}: vector of {n} bytes, minimum {minimum}")
        return self.take(n)

    def done(self) -> None:
        if self.remaining():
            raise CaptureError(f"{self.what}: {self.remaining()} trailing bytes")


@dataclass
class Message:
    type: int
    body: bytes
    notes: list[str] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    # What the TLS 1.3 checker read from the body, for the cross-checks
    # between messages (versions, key shares, cookie, PSK offer).
    info: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.type == CCS_MARK:
            return "ChangeCipherSpec"
        if self.type == 2 and self.body[2:34] == HRR_RANDOM:
            return "HelloRetryRequest"
        return HANDSHAKE_TYPES.get(self.type, f"type{self.type}")


@dataclass
class FileReport:
    path: Path
    size: int
    records: list[tuple[int, int, int]]  # (content type, version, length)
    messages: list[Message]


def parse_extensions(r: Reader, what: str) -> list[tuple[int, bytes]]:
    if r.remaining() == 0:
        return []
    block = Reader(r.vec(2), f"{what} extensions")
    out = []
    seen = set()
    while block.remaining():
        etype = block.uint(2)
        data = block.vec(2)
        if etype in seen:
            raise CaptureError(f"{what}: duplicate extension {etype}")
        seen.add(etype)
        out.append((etype, data))
    return out


def describe_extension(etype: int, data: bytes, sender: str) -> str | None:
    r = Reader(data, _name(EXTENSIONS, etype))
    if etype == 0 and sender == "client":
        names = Reader(r.vec(2, 1), "server_name list")
        out = []
        while names.remaining():
            kind = names.uint(1)
            host = names.vec(2, 1)
            out.append(host.decode("ascii") if kind == 0 else f"type{kind}")
        r.done()
        return "SNI=" + ",".join(out)
    if etype == 16:
        protos = Reader(r.vec(2, 2), "ALPN list")
        out = []
        while protos.remaining():
            out.append(protos.vec(1, 1).decode("ascii"))
        r.done()
        return "ALPN=" + ",".join(out)
    if etype == 10:
        groups = Reader(r.vec(2, 2), "supported_groups")
        out = []
        while groups.remaining():
            out.append(_name(NAMED_GROUPS, groups.uint(2)))
        r.done()
        return "groups=" + ",".join(out)
    if etype == 35 and data:
        return f"session_ticket({len(data)} bytes)"
    return None


def parse_handshake_body(msg: Message, sender: str) -> None:
    """Parse one handshake body strictly enough to catch framing errors."""
    what = f"{msg.name}"
    r = Reader(msg.body, what)
    t = msg.type
    if t == 1:  # ClientHello
        version = r.uint(2)
        r.take(32)
        r.vec(1)  # session_id
        suites = r.vec(2, 2)
        if len(suites) % 2:
            raise CaptureError("odd cipher_suites length")
        r.vec(1, 1)  # compression methods
        exts = parse_extensions(r, what)
        r.done()
        msg.notes.append(f"legacy_version=0x{version:04x}")
        msg.notes.append(f"{len(suites) // 2} suites")
        msg.extensions = [e for e, _ in exts]
        for etype, data in exts:
            d = describe_extension(etype, data, sender)
            if d:
                msg.notes.append(d)
    elif t == 2:  # ServerHello
        version = r.uint(2)
        r.take(32)
        r.vec(1)
        suite = r.uint(2)
        compression = r.uint(1)
        exts = parse_extensions(r, what)
        r.done()
        if version != 0x0303:
            raise CaptureError(f"ServerHello version 0x{version:04x}, want 0x0303")
        if suite not in ALLOWED_SUITES:
            raise CaptureError(f"negotiated suite 0x{suite:04x} is not ECDHE+AEAD")
        if compression != 0:
            raise CaptureError("compression negotiated")
        msg.notes.append(_name(CIPHER_SUITES, suite))
        msg.extensions = [e for e, _ in exts]
        for etype, data in exts:
            d = describe_extension(etype, data, sender)
            if d:
                msg.notes.append(d)
    elif t == 11:  # Certificate
        certs = Reader(r.vec(3), "certificate_list")
        n = 0
        while certs.remaining():
            der = certs.vec(3, 1)
            if der[0] != 0x30:
                raise CaptureError("certificate entry is not a DER SEQUENCE")
            n += 1
        r.done()
        msg.notes.append(f"{n} certs")
    elif t == 12:  # ServerKeyExchange, ECDHE only
        curve_type = r.uint(1)
        if curve_type != 3:
            raise CaptureError(f"ServerKeyExchange curve_type {curve_type}, want 3")
        group = r.uint(2)
        r.vec(1, 1)  # public point
        scheme = r.uint(2)
        r.vec(2, 1)  # signature
        r.done()
        msg.notes.append(_name(NAMED_GROUPS, group))
        msg.notes.append(_name(SIGNATURE_SCHEMES, scheme))
    elif t == 13:  # CertificateRequest
        r.vec(1, 1)  # certificate_types
        schemes = r.vec(2, 2)
        cas = Reader(r.vec(2), "certificate_authorities")
        n = 0
        while cas.remaining():
            cas.vec(2, 1)
            n += 1
        r.done()
        msg.notes.append(f"{len(schemes) // 2} sigalgs, {n} CA names")
    elif t == 14:  # ServerHelloDone
        r.done()
    elif t == 15:  # CertificateVerify
        scheme = r.uint(2)
        r.vec(2, 1)
        r.done()
        msg.notes.append(_name(SIGNATURE_SCHEMES, scheme))
    elif t == 16:  # ClientKeyExchange, ECDHE only
        r.vec(1, 1)
        r.done()
    elif t == 22:  # CertificateStatus
        status_type = r.uint(1)
        if status_type != 1:
            raise CaptureError(f"CertificateStatus type {status_type}, want ocsp(1)")
        der = r.vec(3, 1)
        r.done()
        if der[0] != 0x30:
            raise CaptureError("OCSP response is not a DER SEQUENCE")
        msg.notes.append(f"OCSP response {len(der)} bytes")
    elif t == 4:  # NewSessionTicket
        lifetime = r.uint(4)
        ticket = r.vec(2)
        r.done()
        msg.notes.append(f"lifetime {lifetime}s, ticket {len(ticket)} bytes")
    else:
        raise CaptureError(f"unexpected handshake message type {t} before CCS")


def check_prefix(data: bytes, sender: str, what: str) -> tuple[list, list[Message]]:
    """Check one direction's plaintext prefix; return records and messages."""
    records = []
    messages: list[Message] = []
    hs_buf = b""
    off = 0
    saw_ccs = False
    while off < len(data):
        if saw_ccs:
            raise CaptureError(f"{what}: bytes after ChangeCipherSpec")
        if off + 5 > len(data):
            raise CaptureError(f"{what}: truncated record header at {off}")
        ctype = data[off]
        version = int.from_bytes(data[off + 1 : off + 3], "big")
        length = int.from_bytes(data[off + 3 : off + 5], "big")
        if ctype not in (CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE):
            raise CaptureError(f"{what}: content type {ctype} at {off} before CCS")
        if version not in (0x0301, 0x0302, 0x0303):
            raise CaptureError(f"{what}: record version 0x{version:04x} at {off}")
        if not 1 <= length <= 16384:
            raise CaptureError(f"{what}: record length {length} at {off}")
        if off + 5 + length > len(data):
            raise CaptureError(f"{what}: truncated record at {off}")
        fragment = data[off + 5 : off + 5 + length]
        records.append((ctype, version, length))
        off += 5 + length
        if ctype == CT_CHANGE_CIPHER_SPEC:
            if fragment != b"\x01":
                raise CaptureError(f"{what}: ChangeCipherSpec body {fragment.hex()}")
            if hs_buf:
                raise CaptureError(
                    f"{what}: {len(hs_buf)} bytes of an unfinished handshake "
                    "message before ChangeCipherSpec"
                )
            saw_ccs = True
            continue
        hs_buf += fragment
        while len(hs_buf) >= 4:
            mlen = int.from_bytes(hs_buf[1:4], "big")
            if len(hs_buf) < 4 + mlen:
                break
            messages.append(Message(hs_buf[0], hs_buf[4 : 4 + mlen]))
            hs_buf = hs_buf[4 + mlen :]
    if not saw_ccs:
        raise CaptureError(f"{what}: no ChangeCipherSpec record")
    for msg in messages:
        try:
            parse_handshake_body(msg, sender)
        except CaptureError as e:
            raise CaptureError(f"{what}: {e}") from None
    return records, messages


def check_file(path: Path) -> FileReport:
    data = path.read_bytes()
    if path.name.endswith(".c2s.bin"):
        sender = "client"
    elif path.name.endswith(".s2c.bin"):
        sender = "server"
    else:
        raise CaptureError(f"{path.name}: name must end in .c2s.bin or .s2c.bin")
    if path.name.startswith(TLS13_PREFIX):
        records, messages = check_prefix13(data, sender, path.name)
    else:
        records, messages = check_prefix(data, sender, path.name)
    first = messages[0].type if messages else None
    if sender == "client" and first != 1:
        raise CaptureError(f"{path.name}: does not start with ClientHello")
    if sender == "server" and first != 2:
        raise CaptureError(f"{path.name}: does not start with ServerHello")
    return FileReport(path, len(data), records, messages)


def print_report(rep: FileReport) -> None:
    print(f"{rep.path.name}: {rep.size} bytes, {len(rep.records)} records")
    for msg in rep.messages:
        if msg.type == CCS_MARK:
            print("    ChangeCipherSpec")
            continue
        extra = ""
        if msg.notes:
            extra = "  [" + "; ".join(msg.notes) + "]"
        print(f"    {msg.name} ({len(msg.body)} bytes){extra}")
        if msg.extensions:
            names = ", ".join(_name(EXTENSIONS, e) for e in msg.extensions)
            print(f"        extensions: {names}")
    if not rep.path.name.startswith(TLS13_PREFIX):
        print("    ChangeCipherSpec")


# --------------------------------------------------------------------------
# TLS 1.3: cutting and checking the plaintext prefix
# --------------------------------------------------------------------------
#
# In TLS 1.3 (RFC 8446) only the hellos are plaintext.  The client's
# direction holds its ClientHello, and after a HelloRetryRequest a second
# ClientHello; the server's holds its ServerHello, or a HelloRetryRequest
# followed (after the client's second hello) by the real ServerHello.  Each
# side may also send one dummy ChangeCipherSpec record for middlebox
# compatibility (Appendix D.4): the server right after its first hello, the
# client before its second hello or its second flight.  Every record after
# that is protected and has the outer type application_data (§5.2).
#
# The kept prefix of a 1.3 capture is therefore: every complete record from
# the start of the stream up to, not including, the first application_data
# record, with the CCS records kept.  The capture must contain such an
# application_data record, which shows that the handshake went on past the
# prefix.  The file names of 1.3 captures start with "tls13_"; that prefix
# tells the checker which rules a file follows, and the checker then
# confirms from the content that TLS 1.3 was offered and selected.

TLS13_PREFIX = "tls13_"
TLS13 = 0x0304
# RFC 8446 §4.1.3: SHA-256("HelloRetryRequest").
HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
)
CCS_MARK = -CT_CHANGE_CIPHER_SPEC  # Message.type of a CCS in a 1.3 sequence

TLS13_SUITES = {
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
}

PSK_MODES = {0: "psk_ke", 1: "psk_dhe_ke"}

# Public key sizes of the groups the peers here use (RFC 8446 §4.2.8.2:
# uncompressed points for the NIST curves).
KEY_SHARE_SIZES = {23: 65, 24: 97, 25: 133, 29: 32, 30: 56}

# RFC 8446 §4.1.3 and §4.1.4: what a ServerHello and a HelloRetryRequest
# may carry in TLS 1.3.
SERVER_HELLO13_EXTENSIONS = {41, 43, 51}
HRR_EXTENSIONS = {43, 44, 51}


def plaintext_prefix13(stream: bytes) -> bytes:
    """Complete records before the first application_data record."""
    off = 0
    while off + 5 <= len(stream):
        ctype = stream[off]
        length = int.from_bytes(stream[off + 3 : off + 5], "big")
        if ctype == CT_APPLICATION_DATA:
            return bytes(stream[:off])
        if ctype not in (CT_HANDSHAKE, CT_CHANGE_CIPHER_SPEC):
            raise CaptureError(f"plaintext record of type {ctype} at {off} "
                               "before any application_data record")
        end = off + 5 + length
        if end > len(stream):
            break
        off = end
    raise CaptureError(
        f"stream of {len(stream)} bytes has no application_data record"
    )


def check_prefix13(data: bytes, sender: str, what: str) -> tuple[list, list[Message]]:
    """Check one direction's TLS 1.3 plaintext prefix.

    Returns the records and the sequence of messages, in which each CCS is
    a Message of type CCS_MARK."""
    records = []
    messages: list[Message] = []
    hs_buf = b""
    off = 0
    while off < len(data):
        if off + 5 > len(data):
            raise CaptureError(f"{what}: truncated record header at {off}")
        ctype = data[off]
        version = int.from_bytes(data[off + 1 : off + 3], "big")
        length = int.from_bytes(data[off + 3 : off + 5], "big")
        if ctype not in (CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE):
            raise CaptureError(f"{what}: content type {ctype} at {off} in the "
                               "plaintext prefix")
        # RFC 8446 §5.1: legacy_record_version is 0x0303, except that a
        # first ClientHello may use 0x0301.
        allowed = (0x0301, 0x0303) if not records and sender == "client" else (0x0303,)
        if version not in allowed:
            raise CaptureError(f"{what}: record version 0x{version:04x} at {off}")
        if not 1 <= length <= 16384:
            raise CaptureError(f"{what}: record length {length} at {off}")
        if off + 5 + length > len(data):
            raise CaptureError(f"{what}: truncated record at {off}")
        fragment = data[off + 5 : off + 5 + length]
        records.append((ctype, version, length))
        off += 5 + length
        if ctype == CT_CHANGE_CIPHER_SPEC:
            # RFC 8446 §5: the dummy CCS is the single byte 0x01, and it
            # cannot sit inside a handshake message.
            if fragment != b"\x01":
                raise CaptureError(f"{what}: ChangeCipherSpec body {fragment.hex()}")
            if hs_buf:
                raise CaptureError(f"{what}: ChangeCipherSpec inside a handshake "
                                   "message")
            if any(m.type == CCS_MARK for m in messages):
                raise CaptureError(f"{what}: a second ChangeCipherSpec")
            messages.append(Message(CCS_MARK, fragment))
            continue
        hs_buf += fragment
        while len(hs_buf) >= 4:
            mlen = int.from_bytes(hs_buf[1:4], "big")
            if len(hs_buf) < 4 + mlen:
                break
            messages.append(Message(hs_buf[0], hs_buf[4 : 4 + mlen]))
            hs_buf = hs_buf[4 + mlen :]
    if hs_buf:
        raise CaptureError(f"{what}: {len(hs_buf)} bytes of an unfinished "
                           "handshake message at the end")
    for msg in messages:
        if msg.type == CCS_MARK:
            continue
        try:
            parse_hello13(msg, sender)
        except CaptureError as e:
            raise CaptureError(f"{what}: {e}") from None
    return records, messages


def _u16_list(data: bytes, len_bytes: int, minimum: int, what: str) -> list[int]:
    r = Reader(data, what)
    items = Reader(r.vec(len_bytes, minimum), what)
    out = []
    while items.remaining():
        out.append(items.uint(2))
    r.done()
    return out


def parse_hello13(msg: Message, sender: str) -> None:
    """Parse a ClientHello, ServerHello or HelloRetryRequest (RFC 8446 §4.1)."""
    what = msg.name
    r = Reader(msg.body, what)
    if msg.type == 1 and sender == "client":
        version = r.uint(2)
        msg.info["random"] = r.take(32)
        msg.info["session_id"] = r.vec(1)
        raw_suites = r.vec(2, 2)
        if len(raw_suites) % 2:
            raise CaptureError("odd cipher_suites length")
        suites = [int.from_bytes(raw_suites[i : i + 2], "big")
                  for i in range(0, len(raw_suites), 2)]
        compression = r.vec(1, 1)
        if compression != b"\x00":
            raise CaptureError(f"ClientHello compression methods {compression.hex()}")
        exts = parse_extensions(r, what)
        r.done()
        if version != 0x0303:
            raise CaptureError(f"ClientHello legacy_version 0x{version:04x}")
        msg.info["suites"] = suites
        msg.info["ext_data"] = dict(exts)
        msg.extensions = [e for e, _ in exts]
        msg.notes.append(f"{len(suites)} suites, "
                         f"{sum(s in TLS13_SUITES for s in suites)} of them TLS 1.3")
        for index, (etype, data) in enumerate(exts):
            parse_client_extension13(msg, etype, data, last=index == len(exts) - 1)
    elif msg.type == 2 and sender == "server":
        version = r.uint(2)
        msg.info["random"] = r.take(32)
        msg.info["session_id"] = r.vec(1)
        suite = r.uint(2)
        compression = r.uint(1)
        exts = parse_extensions(r, what)
        r.done()
        if version != 0x0303:
            raise CaptureError(f"{what} legacy_version 0x{version:04x}")
        if suite not in TLS13_SUITES:
            raise CaptureError(f"{what} suite 0x{suite:04x} is not a TLS 1.3 suite")
        if compression != 0:
            raise CaptureError(f"{what} compression {compression}")
        msg.info["suite"] = suite
        msg.extensions = [e for e, _ in exts]
        msg.notes.append(TLS13_SUITES[suite])
        hrr = msg.name == "HelloRetryRequest"
        allowed = HRR_EXTENSIONS if hrr else SERVER_HELLO13_EXTENSIONS
        extra = [e for e in msg.extensions if e not in allowed]
        if extra:
            raise CaptureError(f"{what} carries "
                               + ", ".join(_name(EXTENSIONS, e) for e in extra))
        for etype, data in exts:
            parse_server_extension13(msg, etype, data, hrr)
        if msg.info.get("version") != TLS13:
            raise CaptureError(f"{what} does not select TLS 1.3 in supported_versions")
    else:
        raise CaptureError(f"{msg.name} from the {sender} in a TLS 1.3 plaintext prefix")


def parse_client_extension13(msg: Message, etype: int, data: bytes, last: bool) -> None:
    r = Reader(data, _name(EXTENSIONS, etype))
    info = msg.info
    if etype == 43:  # supported_versions: ProtocolVersion versions<2..254>
        info["versions"] = _u16_list(data, 1, 2, "supported_versions")
        msg.notes.append("versions=" + ",".join(f"0x{v:04x}" for v in info["versions"]))
    elif etype == 51:  # key_share: KeyShareEntry client_shares<0..2^16-1>
        shares = Reader(r.vec(2), "client_shares")
        out = []
        while shares.remaining():
            group = shares.uint(2)
            key = shares.vec(2, 1)
            want = KEY_SHARE_SIZES.get(group)
            if want is not None and len(key) != want:
                raise CaptureError(f"key_share {_name(NAMED_GROUPS, group)} of "
                                   f"{len(key)} bytes, want {want}")
            if group in [g for g, _ in out]:
                raise CaptureError(f"two key shares for group {group}")
            out.append((group, len(key)))
        r.done()
        info["key_shares"] = out
        msg.notes.append("key_share=" + ",".join(
            f"{_name(NAMED_GROUPS, g)}({n})" for g, n in out))
    elif etype == 45:  # psk_key_exchange_modes: PskKeyExchangeMode ke_modes<1..255>
        info["psk_modes"] = list(r.vec(1, 1))
        r.done()
        msg.notes.append("psk_modes=" + ",".join(
            PSK_MODES.get(m, str(m)) for m in info["psk_modes"]))
    elif etype == 44:  # cookie: opaque cookie<1..2^16-1>
        info["cookie"] = r.vec(2, 1)
        r.done()
        msg.notes.append(f"cookie({len(info['cookie'])} bytes)")
    elif etype == 41:  # pre_shared_key: OfferedPsks
        # RFC 8446 §4.2.11: it MUST be the last extension.
        if not last:
            raise CaptureError("pre_shared_key is not the last extension")
        identities = Reader(r.vec(2, 7), "identities")
        ids = []
        while identities.remaining():
            ids.append((len(identities.vec(2, 1)), identities.uint(4)))
        binders_start = r.pos
        binders = Reader(r.vec(2, 33), "binders")
        lengths = []
        while binders.remaining():
            lengths.append(len(binders.vec(1, 32)))
        r.done()
        if len(ids) != len(lengths):
            raise CaptureError(f"{len(ids)} PSK identities, {len(lengths)} binders")
        info["psk_identities"] = ids
        info["binders_len"] = len(data) - binders_start
        msg.notes.append(f"pre_shared_key({len(ids)} identity of "
                         f"{ids[0][0]} bytes, binders {lengths})")
    elif etype == 42:  # early_data: empty in a ClientHello
        r.done()
    elif etype == 10:
        info["groups"] = _u16_list(data, 2, 2, "supported_groups")
        msg.notes.append("groups=" + ",".join(_name(NAMED_GROUPS, g)
                                              for g in info["groups"]))
    elif etype == 13:
        _u16_list(data, 2, 2, "signature_algorithms")
    else:
        d = describe_extension(etype, data, "client")
        if d:
            msg.notes.append(d)


def parse_server_extension13(msg: Message, etype: int, data: bytes, hrr: bool) -> None:
    r = Reader(data, _name(EXTENSIONS, etype))
    info = msg.info
    if etype == 43:  # supported_versions: ProtocolVersion selected_version
        info["version"] = r.uint(2)
    elif etype == 51 and hrr:  # key_share: NamedGroup selected_group
        info["group"] = r.uint(2)
        msg.notes.append(f"selected_group={_name(NAMED_GROUPS, info['group'])}")
    elif etype == 51:  # key_share: KeyShareEntry server_share
        info["group"] = r.uint(2)
        key = r.vec(2, 1)
        want = KEY_SHARE_SIZES.get(info["group"])
        if want is not None and len(key) != want:
            raise CaptureError(f"server key_share of {len(key)} bytes, want {want}")
        msg.notes.append(f"key_share={_name(NAMED_GROUPS, info['group'])}({len(key)})")
    elif etype == 44:  # cookie: opaque cookie<1..2^16-1>
        info["cookie"] = r.vec(2, 1)
        msg.notes.append(f"cookie({len(info['cookie'])} bytes)")
    elif etype == 41:  # pre_shared_key: uint16 selected_identity
        info["selected_identity"] = r.uint(2)
        msg.notes.append(f"selected_identity={info['selected_identity']}")
    r.done()


def verify_capture13(cap: "Capture", reports: dict[str, "FileReport"]) -> None:
    """The cross-checks between the two directions of a TLS 1.3 capture."""
    c2s, s2c = reports["c2s"], reports["s2c"]
    for rep, want in ((c2s, cap.c2s), (s2c, cap.s2c)):
        got = [m.name for m in rep.messages]
        if got != want:
            raise CaptureError(f"{rep.path.name}: messages {got}, expected {want}")
    hellos = [m for m in c2s.messages if m.type == 1]
    first = hellos[0]
    missing = [e for e in cap.c2s_ext if e not in first.extensions]
    if missing:
        raise CaptureError(f"{c2s.path.name}: ClientHello lacks extensions "
                           + ", ".join(_name(EXTENSIONS, e) for e in missing))
    for hello in hellos:
        if TLS13 not in hello.info.get("versions", []):
            raise CaptureError(f"{c2s.path.name}: a ClientHello does not offer TLS 1.3")
        if 1 not in hello.info.get("psk_modes", []):
            raise CaptureError(f"{c2s.path.name}: psk_key_exchange_modes lacks psk_dhe_ke")
        if "key_shares" not in hello.info:
            raise CaptureError(f"{c2s.path.name}: a ClientHello has no key_share")
    server_hellos = [m for m in s2c.messages if m.type == 2]
    hrr = next((m for m in server_hellos if m.name == "HelloRetryRequest"), None)
    server_hello = server_hellos[-1]
    last_hello = hellos[-1]
    if hrr is not None:
        second = hellos[1]
        group = hrr.info.get("group")
        # RFC 8446 §4.1.4: the HRR's group is one the client supports but
        # did not share; §4.2.8: the second hello shares exactly that group.
        if group not in first.info.get("groups", []):
            raise CaptureError("HelloRetryRequest selects a group the client "
                               "did not offer")
        if group in [g for g, _ in first.info["key_shares"]]:
            raise CaptureError("HelloRetryRequest selects a group the client "
                               "had already shared")
        if [g for g, _ in second.info["key_shares"]] != [group]:
            raise CaptureError("the second ClientHello does not share exactly "
                               "the HelloRetryRequest's group")
        if cap.hrr_group is not None and group != cap.hrr_group:
            raise CaptureError(f"HelloRetryRequest selects {_name(NAMED_GROUPS, group)}")
        # §4.1.2: the second hello echoes the cookie.
        if second.info.get("cookie") != hrr.info.get("cookie"):
            raise CaptureError("the second ClientHello does not echo the cookie")
        if cap.hrr_cookie is not None and ("cookie" in hrr.info) != cap.hrr_cookie:
            raise CaptureError("HelloRetryRequest cookie: expected "
                               f"{'one' if cap.hrr_cookie else 'none'}")
        # §4.1.2: otherwise the same hello, random included.
        for key in ("random", "session_id", "suites"):
            if second.info[key] != first.info[key]:
                raise CaptureError(f"the second ClientHello changes its {key}")
        if server_hello.info["suite"] != hrr.info["suite"]:
            raise CaptureError("ServerHello suite differs from the HelloRetryRequest's")
    elif cap.hrr_group is not None:
        raise CaptureError("no HelloRetryRequest")
    if server_hello.name != "ServerHello":
        raise CaptureError("the server's last hello is not a ServerHello")
    # §4.1.3: the session ID is echoed and the suite is one offered.
    for msg in server_hellos:
        if msg.info["session_id"] != first.info["session_id"]:
            raise CaptureError(f"{msg.name} does not echo the session ID")
        if msg.info["suite"] not in last_hello.info["suites"]:
            raise CaptureError(f"{msg.name} selects a suite not offered")
    if server_hello.info.get("group") not in [g for g, _ in last_hello.info["key_shares"]]:
        raise CaptureError("ServerHello key_share is not for a group the client shared")
    offered = last_hello.info.get("psk_identities")
    selected = server_hello.info.get("selected_identity")
    if cap.resumption:
        if offered is None:
            raise CaptureError("the ClientHello offers no pre_shared_key")
        if selected is None or selected >= len(offered):
            raise CaptureError("the ServerHello does not accept an offered PSK")
    elif offered is not None or selected is not None:
        raise CaptureError("unexpected pre_shared_key")


# --------------------------------------------------------------------------
# Throwaway PKI
# --------------------------------------------------------------------------

OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

# (name, genpkey arguments, serial)
SERVER_KEYS = [
    ("ecdsa", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], 0x1001),
    ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], 0x1002),
    ("ed25519", ["-algorithm", "ED25519"], 0x1003),
]


def run(argv: list[str], cwd: Path, timeout: float = 30.0, stdin: bytes = b"") -> bytes:
    try:
        res = subprocess.run(
            argv,
            cwd=cwd,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
            env=child_env(),
        )
    except subprocess.TimeoutExpired:
        raise CaptureError(f"timed out: {' '.join(argv)}") from None
    if res.returncode != 0:
        raise CaptureError(
            f"failed ({res.returncode}): {' '.join(argv)}\n"
            + res.stderr.decode(errors="replace")
        )
    return res.stdout


def make_pki(d: Path) -> dict[str, Path]:
    """Generate a CA, three server leaves, a client leaf and an OCSP response."""
    (d / "openssl.cnf").write_text(OPENSSL_CNF)
    cnf = ["-config", "openssl.cnf"]
    ossl = "openssl"
    p: dict[str, Path] = {}

    run([ossl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", "ca.key"], d)
    run([ossl, "req", *cnf, "-x509", "-new", "-key", "ca.key", "-sha256",
         "-days", "2", "-set_serial", "0x1000", "-subj", "/CN=keel throwaway test CA",
         "-extensions", "v3_ca", "-out", "ca.pem"], d)
    p["ca"] = d / "ca.pem"
    p["ca.key"] = d / "ca.key"

    def leaf(name: str, genpkey: list[str], serial: int, cn: str, ext: str) -> None:
        run([ossl, "genpkey", *genpkey, "-out", f"{name}.key"], d)
        run([ossl, "req", *cnf, "-new", "-key", f"{name}.key", "-subj", f"/CN={cn}",
             "-out", f"{name}.csr"], d)
        run([ossl, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-set_serial", hex(serial), "-days", "2",
             "-sha256", "-extfile", "openssl.cnf", "-extensions", ext,
             "-out", f"{name}.pem"], d)
        # leaf followed by the CA: servers send a two-certificate chain
        chain = (d / f"{name}.pem").read_text() + (d / "ca.pem").read_text()
        (d / f"{name}.chain.pem").write_text(chain)
        p[name] = d / f"{name}.pem"
        p[f"{name}.key"] = d / f"{name}.key"
        p[f"{name}.chain"] = d / f"{name}.chain.pem"

    for name, genpkey, serial in SERVER_KEYS:
        leaf(name, genpkey, serial, "localhost", "server")
    leaf("client", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
         0x2001, "keel test client", "client")

    # OCSP response (status "good") for the ECDSA server leaf, signed by the CA.
    expiry = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%y%m%d%H%M%SZ")
    (d / "index.txt").write_text(f"V\t{expiry}\t\t1001\tunknown\t/CN=localhost\n")
    run([ossl, "ocsp", "-issuer", "ca.pem", "-cert", "ecdsa.pem", "-no_nonce",
         "-reqout", "ocsp-req.der"], d)
    run([ossl, "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", "ca.pem",
         "-rkey", "ca.key", "-reqin", "ocsp-req.der", "-ndays", "1",
         "-respout", "ocsp-resp.der"], d)
    text = run([ossl, "ocsp", "-respin", "ocsp-resp.der", "-resp_text", "-noverify"], d)
    if b"Cert Status: good" not in text:
        raise CaptureError("OCSP response does not say 'good':\n" + text.decode())
    p["ocsp"] = d / "ocsp-resp.der"
    return p


# --------------------------------------------------------------------------
# Processes, ports, relay
# --------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment for children, without proxy or key-log settings."""
    drop = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "sslkeylogfile"}
    return {k: v for k, v in os.environ.items() if k.lower() not in drop}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _listening_inodes(port: int) -> set[str] | None:
    """Inodes of sockets in LISTEN state on `port` (None if /proc is absent)."""
    found = set()
    seen_any = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        seen_any = True
        for line in lines:
            cols = line.split()
            if len(cols) < 10:
                continue
            local, state, inode = cols[1], cols[3], cols[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(inode)
    return found if seen_any else None


def _process_socket_inodes(pid: int) -> set[str]:
    out = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                out.add(target[8:-1])
    except OSError:
        pass
    return out


def wait_listening(proc: subprocess.Popen, port: int, deadline: float) -> bool:
    """True once `proc` itself listens on `port`; False if it exited."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        inodes = _listening_inodes(port)
        if inodes is None:
            # No /proc: fall back to a connect probe.
            try:
                with socket.create_connection((LOOPBACK, port), timeout=0.5):
                    return True
            except OSError:
                pass
        elif inodes & _process_socket_inodes(proc.pid):
            return True
        time.sleep(0.05)
    raise CaptureError(f"server did not start listening on port {port} in time")


class Relay:
    """One-connection TCP relay on 127.0.0.1 that records both directions."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.c2s = bytearray()
        self.s2c = bytearray()
        self.error: BaseException | None = None
        self.finished = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socks: list[socket.socket] = []

    def start(self, server_port: int, deadline: float) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(server_port, deadline), daemon=True
        )
        self._thread.start()

    def _run(self, server_port: int, deadline: float) -> None:
        try:
            self._relay(server_port, deadline)
            self.finished = True
        except BaseException as e:  # reported by the main thread
            self.error = e

    def _relay(self, server_port: int, deadline: float) -> None:
        left = deadline - time.monotonic()
        self.listener.settimeout(max(left, 0.01))
        client, _ = self.listener.accept()
        self._socks.append(client)
        left = deadline - time.monotonic()
        upstream = socket.create_connection(
            (LOOPBACK, server_port), timeout=max(left, 0.01)
        )
        self._socks.append(upstream)
        for s in (client, upstream):
            s.settimeout(5.0)  # for sendall
        peer = {client: upstream, upstream: client}
        record = {client: self.c2s, upstream: self.s2c}
        open_for_read = {client, upstream}
        while open_for_read and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                raise CaptureError("relay: capture deadline reached")
            readable, _, _ = select.select(list(open_for_read), [], [], min(left, 0.1))
            for s in readable:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, TimeoutError):
                    chunk = b""
                if chunk:
                    record[s] += chunk
                    try:
                        peer[s].sendall(chunk)
                    except OSError:
                        pass  # the other side went away; keep recording
                else:
                    open_for_read.discard(s)
                    try:
                        peer[s].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

    def stop(self, wait: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout=max(wait, 0))
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def close(self) -> None:
        self._stop.set()
        for s in self._socks + [self.listener]:
            try:
                s.close()
            except OSError:
                pass


def kill(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


# --------------------------------------------------------------------------
# The capture matrix
# --------------------------------------------------------------------------

Argv = Callable[[int, dict[str, Path]], list[str]]


@dataclass
class Capture:
    name: str
    description: str
    server: Argv  # (server port, pki) -> argv
    client: Argv  # (relay port, pki) -> argv
    c2s: list[str]  # expected handshake messages, client to server
    s2c: list[str]  # expected handshake messages, server to client
    client_stdin: bytes = HTTP_GET
    c2s_ext: list[int] = field(default_factory=list)  # required in ClientHello
    s2c_ext: list[int] = field(default_factory=list)  # required in ServerHello
    # TLS 1.3 captures (names start with "tls13_"): c2s and s2c then list
    # "ChangeCipherSpec" where the dummy CCS record sits.
    tls13: bool = False
    hrr_group: int | None = None  # the group a HelloRetryRequest must select
    hrr_cookie: bool | None = None  # whether it carries a cookie (None: either)
    resumption: bool = False  # the ClientHello offers a PSK the server accepts
    # Run once against the server itself, not through the relay, before
    # the recorded client (for example to obtain a session to resume).
    setup: Argv | None = None


def expand(args: tuple[str, ...], p: dict[str, Path]) -> list[str]:
    """Replace "@name" arguments with the path of PKI file `name`."""
    return [str(p[a[1:]]) if a.startswith("@") else a for a in args]


def s_server(*extra: str, cert: str = "ecdsa") -> Argv:
    def argv(port: int, p: dict[str, Path]) -> list[str]:
        return [
            "openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", "-tls1_2",
            "-cert", str(p[cert]), "-key", str(p[f"{cert}.key"]),
            "-cert_chain", str(p["ca"]), "-cipher", OPENSSL_CIPHERS, "-www",
            *expand(extra, p),
        ]
    return argv


def s_client(*extra: str) -> Argv:
    def argv(port: int, p: dict[str, Path]) -> list[str]:
        return [
            "openssl", "s_client", "-connect", f"{LOOPBACK}:{port}", "-tls1_2",
            "-servername", "localhost", "-CAfile", str(p["ca"]),
            "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof",
            *expand(extra, p),
        ]
    return argv


def python_side(role: str, tls13: bool = False) -> Argv:
    def argv(port: int, p: dict[str, Path]) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), f"--py-{role}",
                str(port), str(p["ca"]), str(p["ecdsa.chain"]), str(p["ecdsa.key"]),
                *(["--py-tls13"] if tls13 else [])]
    return argv


def gnutls_serv(port: int, p: dict[str, Path]) -> list[str]:
    return [
        "gnutls-serv", "--http", "--port", str(port), "--priority", GNUTLS_PRIORITY,
        "--x509certfile", str(p["rsa.chain"]), "--x509keyfile", str(p["rsa.key"]),
    ]


def gnutls_cli(port: int, p: dict[str, Path]) -> list[str]:
    return [
        "gnutls-cli", "--priority", GNUTLS_CLIENT_PRIORITY,
        "--x509cafile", str(p["ca"]), "--sni-hostname", "localhost",
        "--verify-hostname", "localhost", "--port", str(port), LOOPBACK,
    ]


def curl(port: int, p: dict[str, Path]) -> list[str]:
    return [
        "curl", "-q", "--silent", "--show-error", "--output", "/dev/null",
        "--noproxy", "*", "--max-time", "10",
        "--tlsv1.2", "--tls-max", "1.2", "-k", f"https://{LOOPBACK}:{port}/",
    ]


def s_server13(*extra: str, cert: str = "ecdsa") -> Argv:
    """openssl s_server limited to TLS 1.3, with its default suites and
    groups."""
    def argv(port: int, p: dict[str, Path]) -> list[str]:
        return [
            "openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", "-tls1_3",
            "-cert", str(p[cert]), "-key", str(p[f"{cert}.key"]),
            "-cert_chain", str(p["ca"]), "-www", *expand(extra, p),
        ]
    return argv


def s_client13(*extra: str) -> Argv:
    def argv(port: int, p: dict[str, Path]) -> list[str]:
        return [
            "openssl", "s_client", "-connect", f"{LOOPBACK}:{port}", "-tls1_3",
            "-servername", "localhost", "-CAfile", str(p["ca"]),
            "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof",
            *expand(extra, p),
        ]
    return argv


GNUTLS13_PRIORITY = "NORMAL:-VERS-ALL:+VERS-TLS1.3"


def gnutls_serv13(port: int, p: dict[str, Path]) -> list[str]:
    return [
        "gnutls-serv", "--http", "--port", str(port), "--priority", GNUTLS13_PRIORITY,
        "--x509certfile", str(p["ecdsa.chain"]), "--x509keyfile", str(p["ecdsa.key"]),
    ]


def gnutls_cli13(port: int, p: dict[str, Path]) -> list[str]:
    return [
        "gnutls-cli", "--priority", GNUTLS13_PRIORITY,
        "--x509cafile", str(p["ca"]), "--sni-hostname", "localhost",
        "--verify-hostname", "localhost", "--port", str(port), LOOPBACK,
    ]


def curl13(port: int, p: dict[str, Path]) -> list[str]:
    # No version options: curl's defaults, which include TLS 1.3.
    return [
        "curl", "-q", "--silent", "--show-error", "--output", "/dev/null",
        "--noproxy", "*", "--max-time", "10", "-k", f"https://{LOOPBACK}:{port}/",
    ]


# The session file is relative to the capture's working directory, which
# the setup run and the recorded client share.
RESUME_SESSION = "session.pem"

FULL_C2S = ["ClientHello", "ClientKeyExchange"]
FULL_S2C = ["ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone",
            "NewSessionTicket"]
# TLS 1.3 without a HelloRetryRequest: each side's hello, then its dummy CCS.
TLS13_C2S = ["ClientHello", "ChangeCipherSpec"]
TLS13_S2C = ["ServerHello", "ChangeCipherSpec"]

CAPTURES = [
    Capture(
        "openssl_ecdsa_sni_alpn",
        "openssl s_client -> s_server, ECDSA P-256 certificate, SNI and ALPN",
        s_server("-alpn", "h2,http/1.1"),
        s_client("-alpn", "h2,http/1.1"),
        FULL_C2S, FULL_S2C, c2s_ext=[0, 16, 35], s2c_ext=[16],
    ),
    Capture(
        "openssl_rsa_chacha20",
        "openssl s_client -> s_server, RSA-2048 certificate, "
        "ECDHE-RSA-CHACHA20-POLY1305 forced by the client",
        s_server(cert="rsa"),
        s_client("-cipher", "ECDHE-RSA-CHACHA20-POLY1305"),
        FULL_C2S, FULL_S2C,
    ),
    Capture(
        "openssl_ed25519",
        "openssl s_client -> s_server, Ed25519 certificate",
        s_server(cert="ed25519"),
        s_client(),
        FULL_C2S, FULL_S2C,
    ),
    Capture(
        "openssl_client_auth",
        "openssl s_client -> s_server, client certificate required (-Verify 1)",
        s_server("-Verify", "1", "-CAfile", "@ca"),
        s_client("-cert", "@client", "-key", "@client.key"),
        ["ClientHello", "Certificate", "ClientKeyExchange", "CertificateVerify"],
        ["ServerHello", "Certificate", "ServerKeyExchange", "CertificateRequest",
         "ServerHelloDone", "NewSessionTicket"],
    ),
    Capture(
        "openssl_ocsp_stapling",
        "openssl s_client -status -> s_server -status_file, stapled OCSP response",
        s_server("-status_file", "@ocsp"),
        s_client("-status"),
        FULL_C2S,
        ["ServerHello", "Certificate", "CertificateStatus", "ServerKeyExchange",
         "ServerHelloDone", "NewSessionTicket"],
        c2s_ext=[5], s2c_ext=[5],
    ),
    Capture(
        "curl_openssl",
        "curl -> openssl s_server -www",
        s_server(),
        curl,
        # curl does not offer session_ticket, so no NewSessionTicket here.
        FULL_C2S, FULL_S2C[:-1],
    ),
    Capture(
        "python_ssl",
        "Python ssl client -> Python ssl server (separate processes)",
        python_side("server"),
        python_side("client"),
        FULL_C2S, FULL_S2C, c2s_ext=[0],
    ),
    Capture(
        "gnutls",
        "gnutls-cli -> gnutls-serv --http, RSA-2048 certificate; gnutls-serv "
        "asks for an optional client certificate by default",
        gnutls_serv,
        gnutls_cli,
        ["ClientHello", "Certificate", "ClientKeyExchange"],
        ["ServerHello", "Certificate", "ServerKeyExchange", "CertificateRequest",
         "ServerHelloDone", "NewSessionTicket"],
        c2s_ext=[0],
    ),
    Capture(
        "tls13_openssl",
        "TLS 1.3: openssl s_client -> s_server, ECDSA P-256 certificate, "
        "default groups (x25519 share)",
        s_server13(),
        s_client13(),
        TLS13_C2S, TLS13_S2C, c2s_ext=[0, 10, 13, 43, 45, 51], tls13=True,
    ),
    Capture(
        "tls13_openssl_hrr",
        "TLS 1.3: openssl s_client offering X25519:P-256 with an x25519 share "
        "-> s_server -groups P-256: HelloRetryRequest",
        s_server13("-groups", "P-256"),
        s_client13("-groups", "X25519:P-256"),
        ["ClientHello", "ChangeCipherSpec", "ClientHello"],
        ["HelloRetryRequest", "ChangeCipherSpec", "ServerHello"],
        tls13=True, hrr_group=23, hrr_cookie=False,
    ),
    Capture(
        "tls13_openssl_resumption",
        "TLS 1.3: openssl s_client -sess_in resuming a session of an earlier "
        "connection to the same s_server: pre_shared_key with psk_dhe_ke",
        s_server13(),
        s_client13("-sess_in", RESUME_SESSION),
        TLS13_C2S, TLS13_S2C, c2s_ext=[41], tls13=True, resumption=True,
        setup=s_client13("-sess_out", RESUME_SESSION),
    ),
    Capture(
        "tls13_curl",
        "TLS 1.3: curl (default versions) -> openssl s_server -tls1_3 -www",
        s_server13(),
        curl13,
        TLS13_C2S, TLS13_S2C, tls13=True,
    ),
    Capture(
        "tls13_python_ssl",
        "TLS 1.3: Python ssl client (default versions) -> openssl s_server -tls1_3",
        s_server13(),
        python_side("client", tls13=True),
        TLS13_C2S, TLS13_S2C, c2s_ext=[0], tls13=True,
    ),
    Capture(
        "tls13_gnutls",
        "TLS 1.3: gnutls-cli -> gnutls-serv --http, ECDSA P-256 certificate, "
        f"priority {GNUTLS13_PRIORITY}",
        gnutls_serv13,
        gnutls_cli13,
        TLS13_C2S, TLS13_S2C, c2s_ext=[0], tls13=True,
    ),
]


def capture_one(cap: Capture, pki: dict[str, Path], work: Path) -> tuple[bytes, bytes]:
    deadline = time.monotonic() + CAPTURE_TIMEOUT
    logs = work / cap.name
    logs.mkdir()
    server = client = None
    relay = Relay()
    try:
        # Start the server on a free port; retry with a new port if it dies
        # (for example because something else took the port meanwhile).
        for attempt in range(5):
            port = free_port()
            with open(logs / f"server{attempt}.out", "wb") as out:
                server = subprocess.Popen(
                    cap.server(port, pki), stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, cwd=logs, env=child_env(),
                )
            if wait_listening(server, port, deadline):
                break
            kill(server)
            server = None
        else:
            raise CaptureError(
                "server failed to start:\n" + tail(logs / f"server{attempt}.out")
            )

        if cap.setup is not None:
            with open(logs / "setup.out", "wb") as out:
                try:
                    setup = subprocess.run(
                        cap.setup(port, pki), input=cap.client_stdin, stdout=out,
                        stderr=subprocess.STDOUT, cwd=logs, env=child_env(),
                        timeout=max(deadline - time.monotonic(), 0.01),
                    )
                except subprocess.TimeoutExpired:
                    raise CaptureError("setup client did not finish in time") from None
            if setup.returncode != 0:
                raise CaptureError(f"setup client exited with {setup.returncode}:\n"
                                   + tail(logs / "setup.out"))
        relay.start(port, deadline)
        with open(logs / "client.out", "wb") as out:
            client = subprocess.Popen(
                cap.client(relay.port, pki), stdin=subprocess.PIPE, stdout=out,
                stderr=subprocess.STDOUT, cwd=logs, env=child_env(),
            )
        try:
            client.communicate(cap.client_stdin, timeout=deadline - time.monotonic())
        except subprocess.TimeoutExpired:
            raise CaptureError(
                "client did not finish in time:\n" + tail(logs / "client.out")
            ) from None
        if client.returncode != 0:
            raise CaptureError(
                f"client exited with {client.returncode}:\n" + tail(logs / "client.out")
            )
        # Give the relay a moment to see both sides close.
        relay.stop(wait=min(3.0, deadline - time.monotonic()))
        if relay.error is not None:
            raise CaptureError(f"relay failed: {relay.error!r}")
        if not relay.finished:
            print("   note: the server had not closed its side when the client exited")
        cut = plaintext_prefix13 if cap.tls13 else plaintext_prefix
        return cut(bytes(relay.c2s)), cut(bytes(relay.s2c))
    except CaptureError as e:
        log = tail(logs / f"server{attempt}.out") if server else ""
        raise CaptureError(f"{e}\n--- server output ---\n{log}") from None
    finally:
        kill(client)
        kill(server)
        relay.close()


def verify_capture(cap: Capture, reports: dict[str, FileReport]) -> None:
    if cap.tls13:
        verify_capture13(cap, reports)
        return
    for direction, want, want_ext in (("c2s", cap.c2s, cap.c2s_ext),
                                      ("s2c", cap.s2c, cap.s2c_ext)):
        rep = reports[direction]
        got = [m.name for m in rep.messages]
        if got != want:
            raise CaptureError(
                f"{rep.path.name}: messages {got}, expected {want}"
            )
        hello = rep.messages[0]
        missing = [e for e in want_ext if e not in hello.extensions]
        if missing:
            raise CaptureError(
                f"{rep.path.name}: {hello.name} lacks extensions "
                + ", ".join(_name(EXTENSIONS, e) for e in missing)
            )


# --------------------------------------------------------------------------
# Python ssl peers (run as separate processes by the python_ssl capture)
# --------------------------------------------------------------------------


def py_server(port: int, ca: str, chain: str, key: str) -> None:
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(OPENSSL_CIPHERS)
    ctx.load_cert_chain(chain, key)
    with socket.create_server((LOOPBACK, port)) as listener:
        while True:  # until killed by the capture script
            conn, _ = listener.accept()
            conn.settimeout(10)
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        request += chunk
                    body = b"hello from the keel capture server\n"
                    tls.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                        + b"Content-Length: %d\r\n\r\n" % len(body) + body
                    )
                    tls.unwrap()
            except (OSError, ssl.SSLError) as e:
                print(f"connection failed: {e!r}", flush=True)


def py_client(port: int, ca: str, chain: str, key: str, tls13: bool = False) -> None:
    import ssl

    ctx = ssl.create_default_context(cafile=ca)
    if not tls13:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((LOOPBACK, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(HTTP_GET)
            response = b""
            while True:
                try:
                    chunk = tls.recv(4096)
                except ssl.SSLZeroReturnError:
                    break
                if not chunk:
                    break
                response += chunk
            print(tls.version(), tls.cipher())
            print(response.decode(errors="replace"))
            try:
                tls.unwrap()
            except (OSError, ssl.SSLError):
                pass


# --------------------------------------------------------------------------
# Whole sessions (--sessions), for keel-record
# --------------------------------------------------------------------------

SESSION_TIMEOUT = 30.0  # seconds, for one whole session
SESSION_ATTEMPTS = 3  # a session whose records do not have the wanted shape is rerun
MAX_CIPHERTEXT = 16384 + 2048


@dataclass
class Session:
    name: str  # file name stem
    suite: str  # OpenSSL cipher name, given to both s_client and s_server
    code: int  # IANA cipher suite value
    cert: str  # server key: "ecdsa" (P-256) or "rsa" (2048 bits)

    @property
    def chacha(self) -> bool:
        return self.code in (0xCCA8, 0xCCA9)

    @property
    def overhead(self) -> int:
        """Ciphertext bytes added to each record: explicit nonce and tag."""
        return 16 if self.chacha else 8 + 16


SESSIONS = [
    Session("ecdhe_ecdsa_aes128_gcm_sha256", "ECDHE-ECDSA-AES128-GCM-SHA256",
            0xC02B, "ecdsa"),
    Session("ecdhe_ecdsa_aes256_gcm_sha384", "ECDHE-ECDSA-AES256-GCM-SHA384",
            0xC02C, "ecdsa"),
    Session("ecdhe_ecdsa_chacha20_poly1305", "ECDHE-ECDSA-CHACHA20-POLY1305",
            0xCCA9, "ecdsa"),
    Session("ecdhe_rsa_aes128_gcm_sha256", "ECDHE-RSA-AES128-GCM-SHA256",
            0xC02F, "rsa"),
    Session("ecdhe_rsa_aes256_gcm_sha384", "ECDHE-RSA-AES256-GCM-SHA384",
            0xC030, "rsa"),
    Session("ecdhe_rsa_chacha20_poly1305", "ECDHE-RSA-CHACHA20-POLY1305",
            0xCCA8, "rsa"),
]


def text_block(tag: str, size: int) -> bytes:
    """`size` bytes of numbered ASCII lines; the last line is cut short and
    the block always ends in a newline."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += f"keel {tag} block line {i:05d}: the quick brown fox jumps over "\
               f"the lazy dog\n".encode("ascii")
        i += 1
    return bytes(out[: size - 1]) + b"\n"


# What each side writes to its program's standard input, in order.  After
# each write the script waits until the peer program has printed everything
# that side sent so far, so each write is read separately: s_client reads
# its input 8192 bytes at a time and s_server 16384 bytes at a time, and
# each read becomes one SSL_write.
CONVERSATION: list[tuple[str, bytes]] = [
    ("client", b"hello from the keel client\n"),
    ("server", b"hello from the keel server\n"),
    ("client", b"!"),
    ("client", text_block("client", 20000)),
    ("server", text_block("server", 40000)),
    ("server", b"goodbye\n"),
]
# Then the client's input is closed: s_client (without -ign_eof) sends
# close_notify, s_server answers with its own and exits (-naccept 1).


def sent_by(side: str) -> bytes:
    return b"".join(data for who, data in CONVERSATION if who == side)


def session_server_argv(sess: Session, port: int, p: dict[str, Path],
                        keylog: Path) -> list[str]:
    return [
        "openssl", "s_server", "-accept", f"{LOOPBACK}:{port}", "-tls1_2",
        "-cert", str(p[sess.cert]), "-key", str(p[f"{sess.cert}.key"]),
        "-cert_chain", str(p["ca"]), "-cipher", sess.suite,
        "-naccept", "1", "-quiet", "-keylogfile", str(keylog),
    ]


def session_client_argv(sess: Session, port: int, p: dict[str, Path],
                        keylog: Path) -> list[str]:
    return [
        "openssl", "s_client", "-connect", f"{LOOPBACK}:{port}", "-tls1_2",
        "-servername", "localhost", "-CAfile", str(p["ca"]),
        "-verify_return_error", "-verify_hostname", "localhost",
        "-cipher", sess.suite, "-nocommands", "-keylogfile", str(keylog),
    ]


def wait_output(path: Path, want: bytes, procs: list[subprocess.Popen],
                deadline: float, what: str) -> None:
    """Wait until the file `path` contains `want`."""
    while True:
        try:
            if want in path.read_bytes():
                return
        except OSError:
            pass
        if any(proc.poll() is not None for proc in procs):
            raise CaptureError(f"a peer exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise CaptureError(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_session(sess: Session, pki: dict[str, Path], d: Path) -> tuple[bytes, bytes, str, str]:
    """One s_client/s_server session through the relay.

    Returns the two byte streams and the client's and server's key logs."""
    deadline = time.monotonic() + SESSION_TIMEOUT
    d.mkdir()
    client_keylog = d / "client.keylog"
    server_keylog = d / "server.keylog"
    server = client = None
    attempt = 0
    relay = Relay()
    try:
        for attempt in range(5):
            port = free_port()
            with open(d / f"server{attempt}.out", "wb") as out, \
                    open(d / f"server{attempt}.err", "wb") as err:
                server = subprocess.Popen(
                    session_server_argv(sess, port, pki, server_keylog),
                    stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=d,
                    env=child_env(),
                )
            if wait_listening(server, port, deadline):
                break
            kill(server)
            server = None
        else:
            raise CaptureError("server failed to start")
        server_out = d / f"server{attempt}.out"

        relay.start(port, deadline)
        with open(d / "client.out", "wb") as out, open(d / "client.err", "wb") as err:
            client = subprocess.Popen(
                session_client_argv(sess, relay.port, pki, client_keylog),
                stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=d,
                env=child_env(),
            )
        procs = {"client": client, "server": server}
        output = {"client": d / "client.out", "server": server_out}
        sent = {"client": b"", "server": b""}
        for step, (side, data) in enumerate(CONVERSATION):
            peer = "server" if side == "client" else "client"
            stdin = procs[side].stdin
            assert stdin is not None
            try:
                stdin.write(data)
                stdin.flush()
            except (BrokenPipeError, OSError) as e:
                raise CaptureError(f"{side} input closed at step {step}: {e}") from None
            sent[side] += data
            # The peer prints what it receives on its standard output.
            wait_output(output[peer], sent[side], [client, server], deadline,
                        f"step {step} ({len(data)} bytes from the {side})")

        # EOF on s_client's input: it sends close_notify, reads the server's
        # close_notify and closes the connection.
        assert client.stdin is not None
        client.stdin.close()
        for name, proc in (("client", client), ("server", server)):
            try:
                rc = proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                raise CaptureError(f"{name} did not exit in time") from None
            if rc != 0:
                raise CaptureError(f"{name} exited with {rc}")
        relay.stop(wait=max(min(3.0, deadline - time.monotonic()), 0.01))
        if relay.error is not None:
            raise CaptureError(f"relay failed: {relay.error!r}")
        if not relay.finished:
            raise CaptureError("relay did not see both sides close")
        try:
            keylogs = client_keylog.read_text(), server_keylog.read_text()
        except OSError as e:
            raise CaptureError(f"key log missing: {e}") from None
        return bytes(relay.c2s), bytes(relay.s2c), *keylogs
    except CaptureError as e:
        logs = []
        for name in ("client.err", f"server{attempt}.err"):
            logs.append(f"--- {name} ---\n{tail(d / name)}")
        raise CaptureError(f"{e}\n" + "\n".join(logs)) from None
    finally:
        for proc in (client, server):
            kill(proc)
            if proc is not None and proc.stdin is not None:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        relay.close()


@dataclass
class EncryptedRecord:
    ctype: int
    length: int  # of the fragment (explicit nonce, ciphertext, tag)
    plaintext: int  # length of the plaintext, from the fragment length
    explicit_nonce: bytes  # first 8 fragment bytes for AES-GCM, else empty


@dataclass
class DirectionReport:
    name: str
    size: int
    messages: list[Message]
    prefix_records: int
    encrypted: list[EncryptedRecord]


def split_records(data: bytes, what: str) -> list[tuple[int, int, bytes]]:
    out = []
    off = 0
    while off < len(data):
        if off + 5 > len(data):
            raise CaptureError(f"{what}: truncated record header at {off}")
        ctype = data[off]
        version = int.from_bytes(data[off + 1 : off + 3], "big")
        length = int.from_bytes(data[off + 3 : off + 5], "big")
        if not 1 <= length <= MAX_CIPHERTEXT:
            raise CaptureError(f"{what}: record length {length} at {off}")
        if off + 5 + length > len(data):
            raise CaptureError(f"{what}: truncated record at {off}")
        out.append((ctype, version, data[off + 5 : off + 5 + length]))
        off += 5 + length
    return out


def check_direction(sess: Session, data: bytes, sender: str, what: str) -> DirectionReport:
    records = split_records(data, what)
    ccs = next((i for i, r in enumerate(records) if r[0] == CT_CHANGE_CIPHER_SPEC), None)
    if ccs is None:
        raise CaptureError(f"{what}: no ChangeCipherSpec record")
    prefix_len = sum(5 + len(r[2]) for r in records[: ccs + 1])
    _, messages = check_prefix(data[:prefix_len], sender, what)
    want = FULL_C2S if sender == "client" else FULL_S2C
    got = [m.name for m in messages]
    if got != want:
        raise CaptureError(f"{what}: handshake messages {got}, expected {want}")

    encrypted = []
    for i, (ctype, version, frag) in enumerate(records[ccs + 1 :]):
        if ctype not in (CT_ALERT, CT_HANDSHAKE, CT_APPLICATION_DATA):
            raise CaptureError(f"{what}: encrypted record {i} has content type {ctype}")
        if version != 0x0303:
            raise CaptureError(f"{what}: encrypted record {i} version 0x{version:04x}")
        if len(frag) <= sess.overhead:
            raise CaptureError(f"{what}: encrypted record {i} of {len(frag)} bytes")
        plaintext = len(frag) - sess.overhead
        if plaintext > 16384:
            raise CaptureError(f"{what}: encrypted record {i} holds {plaintext} bytes")
        nonce = b"" if sess.chacha else frag[:8]
        encrypted.append(EncryptedRecord(ctype, len(frag), plaintext, nonce))
    if len(encrypted) < 3:
        raise CaptureError(f"{what}: only {len(encrypted)} encrypted records")
    first, middle, last = encrypted[0], encrypted[1:-1], encrypted[-1]
    if (first.ctype, first.plaintext) != (CT_HANDSHAKE, 16):
        raise CaptureError(f"{what}: first encrypted record is not a 16-byte Finished")
    if (last.ctype, last.plaintext) != (CT_ALERT, 2):
        raise CaptureError(f"{what}: last record is not a 2-byte alert (close_notify)")
    if any(r.ctype != CT_APPLICATION_DATA for r in middle):
        raise CaptureError(f"{what}: records between Finished and the alert "
                           "are not all application data")
    total = sum(r.plaintext for r in middle)
    if total != len(sent_by(sender)):
        raise CaptureError(f"{what}: {total} application-data bytes, "
                           f"expected {len(sent_by(sender))}")
    return DirectionReport(what, len(data), messages, ccs + 1, encrypted)


def parse_keylog(text: str, what: str) -> list[tuple[str, str]]:
    """(client_random hex, master secret hex) from an NSS key log."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 3 or fields[0] != "CLIENT_RANDOM":
            raise CaptureError(f"{what}: unexpected key log line {line!r}")
        if len(fields[1]) != 64 or len(fields[2]) != 96:
            raise CaptureError(f"{what}: bad CLIENT_RANDOM line lengths")
        bytes.fromhex(fields[1] + fields[2])
        out.append((fields[1].lower(), fields[2].lower()))
    return out


def hello_fields(msg: Message) -> tuple[bytes, int | None]:
    """(random, cipher suite) of a ClientHello or ServerHello body."""
    body = msg.body
    random = body[2:34]
    if msg.type != 2:
        return random, None
    sid_len = body[34]
    suite = int.from_bytes(body[35 + sid_len : 37 + sid_len], "big")
    return random, suite


def check_session(sess: Session, c2s: bytes, s2c: bytes, keylog: str,
                  server_keylog: str | None = None,
                  shape: bool = True) -> tuple[DirectionReport, DirectionReport]:
    c = check_direction(sess, c2s, "client", f"{sess.name}.c2s.bin")
    s = check_direction(sess, s2c, "server", f"{sess.name}.s2c.bin")
    client_hello, server_hello = c.messages[0], s.messages[0]
    client_random, _ = hello_fields(client_hello)
    _, suite = hello_fields(server_hello)
    if suite != sess.code:
        raise CaptureError(f"{sess.name}: negotiated suite 0x{suite:04x}, "
                           f"expected 0x{sess.code:04x}")
    for msg in (client_hello, server_hello):
        if 23 not in msg.extensions:
            raise CaptureError(f"{sess.name}: {msg.name} lacks extended_master_secret")
    lines = parse_keylog(keylog, f"{sess.name}.keylog")
    if len(lines) != 1:
        raise CaptureError(f"{sess.name}.keylog: {len(lines)} CLIENT_RANDOM lines")
    if lines[0][0] != client_random.hex():
        raise CaptureError(f"{sess.name}.keylog: client random does not match "
                           "the ClientHello")
    if server_keylog is not None and parse_keylog(server_keylog, "server key log") != lines:
        raise CaptureError(f"{sess.name}: client and server key logs differ")
    if shape:
        # What the conversation is meant to produce; checked so that a run in
        # which the programs happened to read their input differently is
        # rerun rather than kept.
        if not any(r.plaintext == 1 for r in c.encrypted[1:-1]):
            raise CaptureError(f"{sess.name}: no 1-byte application-data record "
                               "from the client")
        if not any(r.plaintext == 16384 for r in s.encrypted[1:-1]):
            raise CaptureError(f"{sess.name}: no full 16384-byte record "
                               "from the server")
    return c, s


def print_session(sess: Session, reports: tuple[DirectionReport, DirectionReport]) -> None:
    print(f"   {sess.suite} (0x{sess.code:04x}), {sess.cert} certificate, "
          "extended_master_secret negotiated")
    names = {CT_HANDSHAKE: "Finished", CT_ALERT: "alert",
             CT_APPLICATION_DATA: "data"}
    for rep in reports:
        msgs = ", ".join(m.name for m in rep.messages)
        print(f"   {rep.name}: {rep.size} bytes; {rep.prefix_records} plaintext "
              f"records ({msgs}, ChangeCipherSpec); "
              f"{len(rep.encrypted)} encrypted records:")
        print("       " + ", ".join(f"{names[r.ctype]} {r.plaintext}" for r in rep.encrypted))
        if rep.encrypted[0].explicit_nonce:
            nonces = [int.from_bytes(r.explicit_nonce, "big") for r in rep.encrypted]
            steps = {b - a for a, b in zip(nonces, nonces[1:])}
            print(f"       first explicit nonce {rep.encrypted[0].explicit_nonce.hex()}, "
                  f"steps between records: {sorted(steps)}")


def find_session(name: str) -> Session:
    for sess in SESSIONS:
        if sess.name == name:
            return sess
    raise CaptureError(f"unknown session {name}")


def check_session_dir(d: Path) -> int:
    status = 0
    keylogs = sorted(d.glob("*.keylog"))
    if not keylogs:
        print(f"FAIL no .keylog files in {d}")
        return 1
    for keylog in keylogs:
        name = keylog.name[: -len(".keylog")]
        print(f"== {name}")
        try:
            sess = find_session(name)
            c2s = (d / f"{name}.c2s.bin").read_bytes()
            s2c = (d / f"{name}.s2c.bin").read_bytes()
            print_session(sess, check_session(sess, c2s, s2c, keylog.read_text()))
        except (CaptureError, OSError) as e:
            print(f"FAIL {name}: {e}")
            status = 1
    return status


def capture_sessions(selected: list[Session], out_dir: Path) -> int:
    failures = []
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="keel-sessions-") as tmp:
        work = Path(tmp)
        pki_dir = work / "pki"
        pki_dir.mkdir()
        pki = make_pki(pki_dir)
        for sess in selected:
            print(f"== {sess.name}: openssl s_client -> s_server, {sess.suite}",
                  flush=True)
            started = time.monotonic()
            for attempt in range(1, SESSION_ATTEMPTS + 1):
                try:
                    c2s, s2c, keylog, server_keylog = run_session(
                        sess, pki, work / f"{sess.name}.{attempt}")
                    reports = check_session(sess, c2s, s2c, keylog, server_keylog)
                except CaptureError as e:
                    print(f"   attempt {attempt} failed: {e}", flush=True)
                    continue
                # Checked; only now replace the files.
                (out_dir / f"{sess.name}.c2s.bin").write_bytes(c2s)
                (out_dir / f"{sess.name}.s2c.bin").write_bytes(s2c)
                (out_dir / f"{sess.name}.keylog").write_text(keylog)
                print_session(sess, reports)
                print(f"   ok in {time.monotonic() - started:.1f}s "
                      f"(attempt {attempt})", flush=True)
                break
            else:
                print(f"FAIL {sess.name}", flush=True)
                failures.append(sess.name)
    if failures:
        print(f"{len(failures)} session(s) failed: {', '.join(failures)}")
        return 1
    print(f"all {len(selected)} sessions ok")
    return 0


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="NAME",
                    help="captures (or, with --sessions, sessions) to run")
    ap.add_argument("--out", type=Path, metavar="DIR",
                    help=f"output directory (default {CAPTURES_OUT.relative_to(REPO)}, "
                    f"or {SESSIONS_OUT.relative_to(REPO)} with --sessions)")
    ap.add_argument("--check", nargs="+", type=Path, metavar="FILE",
                    help="only check existing handshake capture files")
    ap.add_argument("--sessions", action="store_true",
                    help="capture whole sessions with key logs, for keel-record")
    ap.add_argument("--check-sessions", nargs="?", type=Path, metavar="DIR",
                    const=SESSIONS_OUT,
                    help="only check existing session files (default directory "
                    f"{SESSIONS_OUT.relative_to(REPO)})")
    ap.add_argument("--list", action="store_true", help="list capture and session names")
    ap.add_argument("--py-server", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--py-client", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--py-tls13", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.py_server:
        py_server(int(args.py_server[0]), *args.py_server[1:])
        return 0
    if args.py_client:
        py_client(int(args.py_client[0]), *args.py_client[1:], tls13=args.py_tls13)
        return 0
    if args.list:
        for cap in CAPTURES:
            print(f"{cap.name}: {cap.description}")
        for sess in SESSIONS:
            print(f"{sess.name} (--sessions): openssl s_client -> s_server, "
                  f"{sess.suite}, {sess.cert} certificate")
        return 0
    if args.check_sessions:
        return check_session_dir(args.check_sessions)
    if args.sessions:
        chosen = SESSIONS
        if args.only:
            unknown = set(args.only) - {s.name for s in SESSIONS}
            if unknown:
                ap.error(f"unknown session(s): {', '.join(sorted(unknown))}")
            chosen = [s for s in SESSIONS if s.name in args.only]
        return capture_sessions(chosen, args.out or SESSIONS_OUT)
    if args.out is None:
        args.out = CAPTURES_OUT
    if args.check:
        status = 0
        for path in args.check:
            try:
                print_report(check_file(path))
            except CaptureError as e:
                print(f"FAIL {e}")
                status = 1
        return status

    selected = CAPTURES
    if args.only:
        unknown = set(args.only) - {c.name for c in CAPTURES}
        if unknown:
            ap.error(f"unknown capture(s): {', '.join(sorted(unknown))}")
        selected = [c for c in CAPTURES if c.name in args.only]

    failures = []
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="keel-captures-") as tmp:
        work = Path(tmp)
        pki_dir = work / "pki"
        pki_dir.mkdir()
        pki = make_pki(pki_dir)
        for cap in selected:
            print(f"== {cap.name}: {cap.description}", flush=True)
            started = time.monotonic()
            try:
                c2s, s2c = capture_one(cap, pki, work)
                # Check the bytes before they replace any existing files.
                staged = work / "staged"
                staged.mkdir(exist_ok=True)
                reports = {}
                for direction, data in (("c2s", c2s), ("s2c", s2c)):
                    path = staged / f"{cap.name}.{direction}.bin"
                    path.write_bytes(data)
                    reports[direction] = check_file(path)
                verify_capture(cap, reports)
                for direction, data in (("c2s", c2s), ("s2c", s2c)):
                    final = args.out / f"{cap.name}.{direction}.bin"
                    final.write_bytes(data)
                    reports[direction].path = final
                    print_report(reports[direction])
                print(f"   ok in {time.monotonic() - started:.1f}s", flush=True)
            except CaptureError as e:
                print(f"FAIL {cap.name}: {e}", flush=True)
                failures.append(cap.name)
    if failures:
        print(f"{len(failures)} capture(s) failed: {', '.join(failures)}")
        return 1
    print(f"all {len(selected)} captures ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
