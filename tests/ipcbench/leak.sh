#!/bin/bash
# ipcbench interrupted at random points, many times, by SIGINT, SIGTERM or
# SIGKILL (of the measuring process: its partner or its keeper must clean
# up), with side b a process and a thread (--threads), leaves no SysV queue
# or semaphore set, POSIX queue, FIFO directory or process behind.
# Then its partner (side b) SIGKILLed mid-run, for every kind of wait side a
# may be in: the run ends at once with "side b ended", not when the
# watchdog fires 20 s later, and leaves nothing either.
source "$(dirname "$0")/lib.sh"

before=$(ipc_snapshot)
mechs=sysv-msg,shm-sysv-sem,posix-mq,fifo
signals=(INT TERM KILL)
runs=${LEAK_RUNS:-24}  # more for a full reliability run
for ((i = 0; i < runs; i++)); do
  sig=${signals[i % 3]}
  threads=()
  ((i % 2)) && threads=(--threads)  # side b a thread: only the keeper can clean up after a SIGKILL
  "$IPCBENCH" -q -m "$mechs" -d 0.05 "${threads[@]}" >/dev/null 2>&1 &
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

partners=0
for m in sysv-msg posix-mq shm-spin shm-futex shm-sysv-sem pipe unix-stream; do
  for ((r = 0; r < ${PARTNER_RUNS:-2}; r++)); do
    start=$SECONDS
    "$IPCBENCH" -q -m "$m" -t latency -d 3 --cpus 0,0 --json >"$WORK/partner.json" 2>/dev/null &
    pid=$!
    # Its children: the keeper (first, in a session of its own), then side b.
    child=
    for ((w = 0; w < 100; w++)); do
      read -ra kids < <(cat /proc/"$pid"/task/*/children 2>/dev/null) || true  # no newline at its end
      ((${#kids[@]} >= 2)) && child=${kids[-1]} && break
      sleep 0.02
    done
    sleep "0.$((RANDOM % 5 + 3))"
    [[ -n $child ]] && kill -KILL "$child" 2>/dev/null
    rc=0
    wait "$pid" || rc=$?
    ((partners += 1))
    reason=$(jq -r '.latency[0].reason // empty' "$WORK/partner.json" 2>/dev/null)
    if ((rc == 1 && SECONDS - start < 8)) && [[ $reason == "side b ended during the run"* ]]; then
      ok "$m: side b killed: exit 1 in $((SECONDS - start)) s, '$reason'"
    else
      fail "$m: side b killed: exit $rc after $((SECONDS - start)) s, reason '$reason'"
    fi
  done
done
check_no_leftovers "$before"
echo "leak: $partners runs with side b killed mid-run"
finish
