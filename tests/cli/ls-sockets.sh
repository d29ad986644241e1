#!/bin/bash
# ipcctl ls on real sockets: a unix socketpair between two processes with
# unread bytes; path and abstract unix listeners with one accepted client;
# a TCP listener with a connected client in another process; a bound UDP
# socket and a connected UDP client.
source "$(dirname "$0")/lib.sh"

fixture pair socketpair bytes=77
fixture unix unix-listen
fixture tcp tcp bytes=55
fixture udp udp bytes=33

ls_json -t socket

# --- socketpair: each end names the other
a="unix:$(fx pair inode)" b="unix:$(fx pair inode2)"
if o=$(obj "$a"); then
  expect_str "$a type" "$o" .type unix
  expect "$a inode" "$o" .inode "$(fx pair inode)"
  expect_str "$a peer" "$o" .peer "$b"
  expect_str "$a detail.sock_type" "$o" .detail.sock_type stream
  expect_true "$a detail.state is connected" "$o" '.detail.state | ascii_downcase | test("^(estab|established|connected)$")' .detail.state
  expect "$a detail.abstract" "$o" .detail.abstract false
  expect_holders "$a" "$o" "$(fx pair pid):$(fx pair fd):rw:fd"
fi
if o=$(obj "$b"); then
  expect_str "$b peer" "$o" .peer "$a"
  expect "$b detail.rqueue (bytes the other end wrote)" "$o" .detail.rqueue "$(fx pair bytes)"
  expect_holders "$b" "$o" "$(fx pair pid2):$(fx pair fd2):rw:fd"
fi

# --- unix listeners, path and abstract, and one accepted connection
l="unix:$(fx unix inode)"
if o=$(obj "$l"); then
  expect_str "$l name (bound path)" "$o" .name "$(fx unix path)"
  expect_true "$l detail.state is listen" "$o" '.detail.state | ascii_downcase == "listen"' .detail.state
  expect_str "$l detail.sock_type" "$o" .detail.sock_type stream
  expect "$l detail.abstract" "$o" .detail.abstract false
  expect "$l peer" "$o" .peer null
  expect_holders "$l" "$o" "$(fx unix pid):$(fx unix fd):rw:fd"
fi
al="unix:$(fx unix ainode)"
if o=$(obj "$al"); then
  expect "$al detail.abstract" "$o" .detail.abstract true
  expect_true "$al name is the abstract name" "$o" ".name | test(\"^@?$(fx unix abstract)\$\")" .name
  expect_true "$al detail.state is listen" "$o" '.detail.state | ascii_downcase == "listen"' .detail.state
  expect_holders "$al" "$o" "$(fx unix pid):$(fx unix afd):rw:fd"
fi
c="unix:$(fx unix cinode)" s="unix:$(fx unix sinode)"
if o=$(obj "$c"); then
  expect_str "$c (client) peer" "$o" .peer "$s"
  expect_holders "$c" "$o" "$(fx unix cpid):$(fx unix cfd):rw:fd"
fi
if o=$(obj "$s"); then
  expect_str "$s (accepted) peer" "$o" .peer "$c"
  expect_holders "$s" "$o" "$(fx unix pid):$(fx unix sfd):rw:fd"
fi

# --- TCP on loopback
port=$(fx tcp port) cport=$(fx tcp cport)
l="tcp:$(fx tcp inode)"
if o=$(obj "$l"); then
  expect_str "$l type" "$o" .type tcp
  expect_str "$l detail.local" "$o" .detail.local "127.0.0.1:$port"
  expect_true "$l detail.state is listen" "$o" '.detail.state | ascii_downcase == "listen"' .detail.state
  expect_holders "$l" "$o" "$(fx tcp pid):$(fx tcp fd):rw:fd"
fi
c="tcp:$(fx tcp cinode)" s="tcp:$(fx tcp sinode)"
if o=$(obj "$c"); then
  expect_str "$c (client) detail.local" "$o" .detail.local "127.0.0.1:$cport"
  expect_str "$c (client) detail.remote" "$o" .detail.remote "127.0.0.1:$port"
  expect_true "$c detail.state is established" "$o" '.detail.state | ascii_downcase | test("^estab(lished)?$")' .detail.state
  expect "$c detail.rqueue" "$o" .detail.rqueue 0
  expect_str "$c (client) peer: the accepted end, both on loopback" "$o" .peer "$s"
  expect_holders "$c" "$o" "$(fx tcp cpid):$(fx tcp cfd):rw:fd"
fi
if o=$(obj "$s"); then
  expect_str "$s (accepted) detail.local" "$o" .detail.local "127.0.0.1:$port"
  expect_str "$s (accepted) detail.remote" "$o" .detail.remote "127.0.0.1:$cport"
  expect "$s detail.rqueue (bytes the client sent)" "$o" .detail.rqueue "$(fx tcp bytes)"
  expect_str "$s (accepted) peer" "$o" .peer "$c"
  expect_holders "$s" "$o" "$(fx tcp pid):$(fx tcp sfd):rw:fd"
fi

# --- UDP on loopback
port=$(fx udp port) cport=$(fx udp cport)
u="udp:$(fx udp inode)"
if o=$(obj "$u"); then
  expect_str "$u type" "$o" .type udp
  expect_str "$u detail.local" "$o" .detail.local "127.0.0.1:$port"
  # The kernel counts the datagram's buffer, not its payload.
  expect_true "$u detail.rqueue holds the unread datagram" "$o" ".detail.rqueue >= $(fx udp bytes)" .detail.rqueue
  expect_holders "$u" "$o" "$(fx udp pid):$(fx udp fd):rw:fd"
fi
c="udp:$(fx udp cinode)"
if o=$(obj "$c"); then
  expect_str "$c (connected) detail.local" "$o" .detail.local "127.0.0.1:$cport"
  expect_str "$c (connected) detail.remote" "$o" .detail.remote "127.0.0.1:$port"
  expect_holders "$c" "$o" "$(fx udp cpid):$(fx udp cfd):rw:fd"
fi

expect "-t socket: types listed" "$LS" '[.objects[].type] | unique - ["unix", "tcp", "udp"]' '[]'

# -t tcp lists TCP only, and still finds the listener.
ls_json -t tcp
expect "-t tcp: types listed" "$LS" '[.objects[].type] | unique' '["tcp"]'
obj "tcp:$(fx tcp inode)" >/dev/null && ok "-t tcp lists tcp:$(fx tcp inode)"

finish
