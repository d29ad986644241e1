#!/usr/bin/env python3
"""Recaptures this scenario: creates a known set of sockets, then saves
/proc/net/{unix,tcp,tcp6,udp,udp6} into net/ and the raw sock_diag dump
replies (the datagrams as received, concatenated) into netlink/.
sockets.txt names what was created, one "key value..." line each, so the
tests can find those sockets among whatever else the machine had open.
Run from this directory: python3 capture.py"""
import os
import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
UDIAG_SHOW = 0x01 | 0x04 | 0x10 | 0x40  # NAME, PEER, RQLEN, UID


def dump(payload, seq):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    nl.send(struct.pack("=IHHII", 16 + len(payload), SOCK_DIAG_BY_FAMILY,
                        NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + payload)
    out = b""
    while True:
        data = nl.recv(65536)
        out += data
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind in (NLMSG_DONE, NLMSG_ERROR):
                nl.close()
                return out
            off += (length + 3) & ~3


def unix_req():
    return struct.pack("=BBHIIIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, 0, UDIAG_SHOW, 0, 0)


def inet_req(family, proto):
    return struct.pack("=BBBBI", family, proto, 0, 0, 0xFFFFFFFF) + bytes(48)


def ino(s):
    return os.fstat(s.fileno()).st_ino


def main():
    os.makedirs("net", exist_ok=True)
    os.makedirs("netlink", exist_ok=True)
    keep, lines = [], []

    def note(key, *vals):
        lines.append(" ".join([key] + [str(v) for v in vals]))

    path = "/tmp/ipcctl test sock"
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    note("unix_path", ino(listener), path)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract.bind(b"\0ipcctl-test\0abstract")
    note("unix_abstract", ino(abstract), "@ipcctl-test@abstract")
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.send(b"12345")  # five unread bytes at b
    note("unix_pair", ino(a), ino(b))
    c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    note("unix_seqpacket_pair", ino(c), ino(d))
    keep += [listener, abstract, a, b, c, d]

    tl = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tl.bind(("127.0.0.1", 0))
    tl.listen(4)
    tc = socket.create_connection(tl.getsockname())
    ts, _ = tl.accept()
    note("tcp_listen", ino(tl), tl.getsockname()[1])
    note("tcp_conn", ino(tc), ino(ts), tc.getsockname()[1])
    keep += [tl, tc, ts]

    t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t6.bind(("::1", 0))
    t6.listen(4)
    note("tcp6_listen", ino(t6), t6.getsockname()[1])
    keep.append(t6)

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v.bind(("127.0.0.1", 0))
    u.connect(v.getsockname())
    v.connect(u.getsockname())
    note("udp_conn", ino(u), ino(v), u.getsockname()[1], v.getsockname()[1])
    u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u6.bind(("::1", 0))
    note("udp6_bound", ino(u6), u6.getsockname()[1])
    keep += [u, v, u6]

    for name in ("unix", "tcp", "tcp6", "udp", "udp6"):
        with open("/proc/net/" + name, "rb") as src, open("net/" + name, "wb") as dst:
            dst.write(src.read())
    with open("netlink/unix.bin", "wb") as f:
        f.write(dump(unix_req(), 1))
    for fam, fname in ((socket.AF_INET, "4"), (socket.AF_INET6, "6")):
        for proto, pname in ((socket.IPPROTO_TCP, "tcp"), (socket.IPPROTO_UDP, "udp")):
            with open("netlink/" + pname + fname + ".bin", "wb") as f:
                f.write(dump(inet_req(fam, proto), 2))
    with open("sockets.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.unlink(path)


if __name__ == "__main__":
    main()
