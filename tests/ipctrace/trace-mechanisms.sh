#!/bin/bash
# ipctrace --json on a workload that moves known bytes between a parent and
# its children over every mechanism: each transfer with its exact bytes, the
# channel's ref, and the pid at the other end (check_transfers, lib.sh); and
# what only the ptrace backend reports: writev, channel creation, SCM_RIGHTS,
# POSIX shared memory, memfd.
source "$(dirname "$0")/lib.sh"

FACTS=$WORK/facts
TRACE=$WORK/trace.jsonl
"$IPCTRACE" --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >"$WORK/out" 2>"$WORK/err" ||
  { fail "ipctrace --json -- trace_workload all: exit $?: $(cat "$WORK/err")"; finish; }
[[ $(fact done) == 1 ]] || fail "the workload did not finish"
P=$(fact parent)
check_schema
check_transfers

R=$(fact pipe.ref) W=$(fact pipe.writer)
expect "pipe: writev reported as one 500-byte send" \
  "$(q "[.[] | select(.pid == $W and .syscall == \"writev\") | [.bytes_requested, .bytes]]")" "[[500,500]]"
expect "pipe: pipe2 created both ends" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 2
R=$(fact fifo.ref)
expect "fifo: mknod seen as a create" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 1
PASSED=$(fact rights.passed) C=$(fact unix.child)
expect "SCM_RIGHTS: the parent passed $PASSED" \
  "$(q "[.[] | select(.pid == $P and .op == \"fd_pass\") | [.detail.fd_count, (.detail.fds | test(\"=$PASSED\$\"))]]")" "[[1,true]]"
expect "SCM_RIGHTS: the child received $PASSED" \
  "$(q "[.[] | select(.pid == $C and .op == \"fd_pass\") | [.detail.fd_count, (.detail.fds | test(\"=$PASSED\$\"))]]")" "[[1,true]]"
R=$(fact pshm.ref)
expect "posix-shm: $R mapped, 8192 bytes" "$(q "[.[] | select(.ref == \"$R\" and .op == \"attach\") | .detail.size_bytes]")" "[8192]"
R=$(fact memfd.ref)
expect "memfd: $R created" "$(q "[.[] | select(.ref == \"$R\" and .op == \"create\")] | length")" 1

# The workload's own output is untouched by tracing.
expect "the workload printed nothing" "$(cat "$WORK/out")" ""
finish
