#!/usr/bin/env python3
"""Recaptures this scenario: creates a known set of netlink sockets, then
saves /proc/net/netlink into captured/proc/net/ (a tree ipcctl can read
with its root there) and the raw NETLINK_SOCK_DIAG dump of every netlink
socket (the datagrams as received, concatenated) into netlink.bin.
netlink.txt names what was created, one "key value..." line each, so the
tests can find those sockets among whatever else the machine had open.
Run from this directory: python3 capture.py"""
import os
import socket
import struct

NETLINK_ROUTE, NETLINK_SOCK_DIAG, NETLINK_KOBJECT_UEVENT = 0, 4, 15
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NDIAG_PROTO_ALL = 255
NDIAG_SHOW = 0x1 | 0x2  # MEMINFO, GROUPS
RTMGRP_LINK, RTMGRP_IPV4_IFADDR = 0x1, 0x10


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


def ino(s):
    return os.fstat(s.fileno()).st_ino


def main():
    os.makedirs("captured/proc/net", exist_ok=True)
    lines = []

    def note(key, *vals):
        lines.append(" ".join([key] + [str(v) for v in vals]))

    route = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    route.bind((0, RTMGRP_LINK | RTMGRP_IPV4_IFADDR))  # groups 1 and 5
    note("route", ino(route), route.getsockname()[0], "1,5")
    uevent = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
    uevent.bind((0, 1))
    note("uevent", ino(uevent), uevent.getsockname()[0], "1")
    peer = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    peer.bind((0, 0))
    peer.connect((route.getsockname()[0], 0))
    note("connected", ino(peer), peer.getsockname()[0], route.getsockname()[0])

    with open("/proc/net/netlink", "rb") as src, open("captured/proc/net/netlink", "wb") as dst:
        dst.write(src.read())
    req = struct.pack("=BBHIII", socket.AF_NETLINK, NDIAG_PROTO_ALL, 0, 0, NDIAG_SHOW, 0) + bytes(4)
    with open("netlink.bin", "wb") as f:
        f.write(dump(req, 1))
    with open("netlink.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
