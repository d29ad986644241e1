#!/bin/bash
# The test helpers killed at random moments by SIGINT, SIGTERM and SIGKILL,
# many times: afterwards no SysV object, /dev/shm or /dev/mqueue entry,
# FIFO, socket file, temporary directory or process of theirs remains.
# ipc_fixture removes what it made on INT and TERM; on KILL its janitor does
# (tests/helpers/janitor.hpp). Runs in a private IPC and mount namespace with
# its own /tmp, so that everything listed afterwards is the helpers'.
#   HELPERS_LEAK_RUNS (default 1) runs of each kind and signal.
source "$(dirname "$0")/lib.sh"
: "${IPC_FIXTURE:?IPC_FIXTURE must name the ipc_fixture binary}"
private_namespace "$@"
[[ $PRIVATE_NS == yes ]] || skip "needs root and unshare: the helpers' objects are told apart by a private namespace"
# Our own /tmp (the fixture's temporary directories), after WORK was made.
tmp=$(mktemp -d /tmp/helpers-leak.XXXXXX)
mount -t tmpfs -o mode=1777,size=16m helpers-leak-tmp "$tmp"
mount --bind "$tmp" /tmp

kinds=(sysv-msg sysv-shm sysv-sem "posix-mq name=/leak-mq" "posix-shm name=/leak-shm" "posix-sem name=/leak-sem"
  fifo unix-listen socketpair pipe eventfd lock-posix signal-pending)
signals=(INT TERM KILL)
runs=${HELPERS_LEAK_RUNS:-1}
total=0
for kind in "${kinds[@]}"; do
  for sig in "${signals[@]}"; do
    for ((r = 0; r < runs; r++)); do
      # Its stdin stays open (a sleep, holding no output of the test's) so
      # that only the signal ends it; killed at a random moment, before or
      # after it has made everything.
      # shellcheck disable=SC2086
      "$IPC_FIXTURE" $kind < <(exec sleep 5 </dev/null >/dev/null 2>&1) >/dev/null 2>&1 &
      pid=$!
      sleep "$(printf '0.%02d' $((RANDOM % 30)))"
      kill -"$sig" "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      total=$((total + 1))
    done
  done
done
# The janitors and the holders need a moment after their fixture is gone.
for ((w = 0; w < 40; w++)); do
  pgrep -f "^$IPC_FIXTURE " >/dev/null || break
  sleep 0.05
done
left=$(pgrep -af "^$IPC_FIXTURE " || true)
[[ -z $left ]] && ok "no helper process left" || fail "helper processes left: $left"
state=$(ipc_state)
[[ -z $state ]] && ok "no SysV object, /dev/shm or /dev/mqueue entry left" || fail "left: $(tr '\n' ' ' <<<"$state")"
files=$(find /tmp -mindepth 1 2>/dev/null)
[[ -z $files ]] && ok "no FIFO, socket file or directory left in /tmp" || fail "left in /tmp: $(tr '\n' ' ' <<<"$files")"
echo "helpers leak: ipc_fixture killed $total times ($runs per kind and signal, ${#kinds[@]} kinds, SIGINT, SIGTERM and SIGKILL)"
finish
