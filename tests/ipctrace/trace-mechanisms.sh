#!/bin/bash
# ipctrace --json on a workload that moves known bytes between a parent and
# its children over every mechanism: each transfer with its exact bytes, the
# channel's ref, and the pid at the other end.
source "$(dirname "$0")/lib.sh"

FACTS=$WORK/facts
TRACE=$WORK/trace.jsonl
"$IPCTRACE" --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >"$WORK/out" 2>"$WORK/err" ||
  { fail "ipctrace --json -- trace_workload all: exit $?: $(cat "$WORK/err")"; finish; }
[[ $(fact done) == 1 ]] || fail "the workload did not finish"
P=$(fact parent)
check_schema

# transfer NAME REF WRITER READER BYTES [MECH]: the writer's sends on REF (or,
# with MECH, on any channel of that mechanism) total BYTES with READER as
# peer, and the reader's receives on REF total BYTES with WRITER as peer.
sent() { # PID SELECTOR -> total bytes of sends, and whether all name PEER
  q "[.[] | select(.pid == $1 and .op == \"send\" and $2)] | [(map(.bytes) | add // 0), all(.peers | map(.pid) | index($3) != null)]"
}
received() {
  q "[.[] | select(.pid == $1 and .op == \"recv\" and $2)] | [(map(.bytes) | add // 0), all(.peers | map(.pid) | index($3) != null)]"
}

# pipe: 1000 with write, 500 with writev
R=$(fact pipe.ref) W=$(fact pipe.writer)
expect "pipe: $R writer sent 1500 bytes, to the parent" "$(sent "$W" ".ref == \"$R\"" "$P")" "[1500,true]"
expect "pipe: $R parent received 1500 bytes, from the writer" "$(received "$P" ".ref == \"$R\"" "$W")" "[1500,true]"
expect "pipe: writev reported as one 500-byte send" \
  "$(q "[.[] | select(.pid == $W and .syscall == \"writev\") | [.bytes_requested, .bytes]]")" "[[500,500]]"
expect "pipe: pipe2 created both ends" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 2

# fifo
R=$(fact fifo.ref) W=$(fact fifo.writer)
expect "fifo: $R writer sent 777" "$(sent "$W" ".ref == \"$R\"" "$P")" "[777,true]"
expect "fifo: $R parent received 777" "$(received "$P" ".ref == \"$R\"" "$W")" "[777,true]"
expect "fifo: mknod seen as a create" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 1

# unix stream socketpair: 4096 down (send), 123 up (sendmsg), then 1 byte with SCM_RIGHTS
R=$(fact unix.ref) C=$(fact unix.child)
expect "unix: $R parent sent 4096+1 to the child" "$(sent "$P" ".ref == \"$R\"" "$C")" "[4097,true]"
expect "unix: $R parent received 123 from the child" "$(received "$P" ".ref == \"$R\"" "$C")" "[123,true]"
expect "unix: child received 4097 (on its end)" "$(received "$C" '.mechanism == "unix"' "$P")" "[4097,true]"
expect "unix: sock_type stream" "$(q "[.[] | select(.ref == \"$R\" and .op == \"send\") | .detail.sock_type] | unique")" '["stream"]'
PASSED=$(fact rights.passed)
expect "SCM_RIGHTS: the parent passed $PASSED" \
  "$(q "[.[] | select(.pid == $P and .op == \"fd_pass\") | [.detail.fd_count, (.detail.fds | test(\"=$PASSED\$\"))]]")" "[[1,true]]"
expect "SCM_RIGHTS: the child received $PASSED" \
  "$(q "[.[] | select(.pid == $C and .op == \"fd_pass\") | [.detail.fd_count, (.detail.fds | test(\"=$PASSED\$\"))]]")" "[[1,true]]"

# tcp loopback: the ref is the parent's (accepted) socket
R=$(fact tcp.ref) W=$(fact tcp.writer)
expect "tcp: writer sent 2000 to the parent" "$(sent "$W" '.mechanism == "tcp"' "$P")" "[2000,true]"
expect "tcp: $R parent received 2000 from the writer" "$(received "$P" ".ref == \"$R\"" "$W")" "[2000,true]"

# udp loopback, unconnected: sendto an address
R=$(fact udp.ref) W=$(fact udp.writer)
expect "udp: writer sent 321 to the parent" "$(sent "$W" '.mechanism == "udp"' "$P")" "[321,true]"
expect "udp: $R parent received 321 from the writer" "$(received "$P" ".ref == \"$R\"" "$W")" "[321,true]"

# SysV message queue
R=$(fact msg.ref) W=$(fact msg.writer)
expect "sysv-msg: $R writer sent 256" "$(sent "$W" ".ref == \"$R\"" "$P")" "[256,true]"
expect "sysv-msg: $R parent received 256" "$(received "$P" ".ref == \"$R\"" "$W")" "[256,true]"

# POSIX message queue
if grep -q '^mq.ref=' "$FACTS"; then
  R=$(fact mq.ref) W=$(fact mq.writer)
  expect "posix-mq: $R writer sent 100" "$(sent "$W" ".ref == \"$R\"" "$P")" "[100,true]"
  expect "posix-mq: $R parent received 100" "$(received "$P" ".ref == \"$R\"" "$W")" "[100,true]"
  expect "posix-mq: open and unlink" "$(q "[.[] | select(.ref == \"$R\" and (.op == \"create\" or .op == \"unlink\")) | .op]")" '["create","unlink"]'
else
  echo "note: POSIX message queues unavailable: $(fact mq.skipped)"
fi

# SysV semaphore: one op each side, each the other's peer
R=$(fact sem.ref) C=$(fact sem.child)
expect "sysv-sem: $R ops (parent, child)" \
  "$(q "[.[] | select(.ref == \"$R\" and .op == \"sem_op\") | .pid] | sort")" "[$P,$C]"
expect "sysv-sem: the child's op names the parent" \
  "$(q "[.[] | select(.ref == \"$R\" and .op == \"sem_op\" and .pid == $C) | .peers[].pid]")" "[$P]"

# SysV and POSIX shared memory
R=$(fact shm.ref) C=$(fact shm.child)
expect "sysv-shm: $R attached by parent and child" \
  "$(q "[.[] | select(.ref == \"$R\" and .op == \"attach\") | .pid] | sort")" "[$P,$C]"
expect "sysv-shm: $R detached by both" "$(q "[.[] | select(.ref == \"$R\" and .op == \"detach\")] | length")" 2
R=$(fact pshm.ref)
expect "posix-shm: $R mapped, 8192 bytes" "$(q "[.[] | select(.ref == \"$R\" and .op == \"attach\") | .detail.size_bytes]")" "[8192]"

# eventfd
W=$(fact eventfd.writer)
expect "eventfd: writer wrote 8 bytes" "$(sent "$W" '.mechanism == "eventfd"' "$P")" "[8,true]"
expect "eventfd: parent read 8 bytes" "$(received "$P" '.mechanism == "eventfd"' "$W")" "[8,true]"

# signal
S=$(fact signal.sender)
expect "signal: kill SIGUSR1 to signal:$P" \
  "$(q "[.[] | select(.pid == $S and .op == \"signal_send\") | [.ref, .detail.signal, .peers[0].pid]]")" "[[\"signal:$P\",\"SIGUSR1\",$P]]"
expect "signal: delivered to the parent, from the sender" \
  "$(q "[.[] | select(.pid == $P and .op == \"signal_deliver\") | [.detail.signal, .detail.sender]]")" "[[\"SIGUSR1\",$S]]"

# memfd
R=$(fact memfd.ref)
expect "memfd: $R created" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 1

# The workload's own output is untouched by tracing.
expect "the workload printed nothing" "$(cat "$WORK/out")" ""
finish
