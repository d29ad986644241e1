#!/bin/bash
# ipcbench interrupted at random points, many times, by SIGINT, SIGTERM or
# SIGKILL (of the measuring process: its partner must clean up), leaves no
# SysV queue or semaphore set, POSIX queue, FIFO directory or process behind.
source "$(dirname "$0")/lib.sh"

before=$(ipc_snapshot)
mechs=sysv-msg,shm-sysv-sem,posix-mq,fifo
signals=(INT TERM KILL)
runs=${LEAK_RUNS:-24}  # more for a full reliability run
for ((i = 0; i < runs; i++)); do
  sig=${signals[i % 3]}
  "$IPCBENCH" -q -m "$mechs" -d 0.05 >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 40 + 1))"
  kill -"$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
# A partner killed through PR_SET_PDEATHSIG needs a moment to run its handler.
for ((i = 0; i < 50; i++)); do
  pgrep -f "^$IPCBENCH " >/dev/null || break
  sleep 0.1
done
pgrep -f "^$IPCBENCH " >/dev/null && fail "ipcbench processes left: $(pgrep -af "^$IPCBENCH ")" || ok "no process left"
check_no_leftovers "$before"
echo "leak: $runs runs of ipcbench interrupted by SIGINT, SIGTERM and SIGKILL"
finish
