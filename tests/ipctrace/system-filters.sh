#!/bin/bash
# ipctrace --system narrowed in the kernel: --pid keeps one running process
# (and what it forks from then on) and not its twin; --comm keeps processes
# by name; --cgroup those of one cgroup; --duration ends the trace.
source "$(dirname "$0")/lib.sh"
require_system

# serve: one write to a pipe every 10 ms for 20 s (killed when done); prints its pid first.
start_serve() { # BINARY OUTFILE -> pid in $SERVED
  "$1" serve 2000 >"$2" 2>/dev/null &
  CLEANUP+=("kill $! 2>/dev/null; wait $! 2>/dev/null")
  local i
  for i in $(seq 100); do [[ -s $2 ]] && break; sleep 0.02; done
  SERVED=$(head -n1 "$2")
}
start_serve "$TRACE_WORKLOAD" "$WORK/a"; A=$SERVED
start_serve "$TRACE_WORKLOAD" "$WORK/b"; B=$SERVED
cp "$TRACE_WORKLOAD" "$WORK/wl_named"
start_serve "$WORK/wl_named" "$WORK/c"; C=$SERVED

# --duration counts from when the program is loaded: loading's own time (long
# where the kernel is emulated) is measured first, with --duration 0.05.
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
"$IPCTRACE" --system --pid "$A" --duration 0.05 -o /dev/null 2>/dev/null
load_ms=$(($(ms) - t0))
TRACE=$WORK/pid.jsonl
t0=$(ms)
"$IPCTRACE" --system --pid "$A" --duration 0.5 --json -o "$TRACE" 2>"$WORK/err" ||
  fail "ipctrace --system --pid $A: exit $?: $(cat "$WORK/err")"
elapsed_ms=$(($(ms) - t0 - load_ms))
if ((elapsed_ms >= 300 && elapsed_ms < 3000)); then
  ok "--duration 0.5 took ${elapsed_ms} ms more than --duration 0.05"
else
  fail "--duration 0.5 took ${elapsed_ms} ms more than --duration 0.05 (${load_ms} ms)"
fi
writes=$(q "[.[] | select(.pid == $A and .mechanism == \"pipe\" and .op == \"send\")] | length")
if ((writes >= 10)); then ok "--pid $A: its writes are there ($writes)"; else fail "--pid $A: $writes writes in 0.5 s, expected about 50"; fi
expect "--pid $A: only its events" "$(q "[.[].pid] | unique")" "[$A]"
expect "--pid $A: each write names the reading child" \
  "$(q "[.[] | select(.op == \"send\") | .peers | length > 0] | all")" true
expect "--pid $A: the twin $B is absent" "$(q "[.[] | select(.pid == $B)] | length")" 0

TRACE=$WORK/comm.jsonl
"$IPCTRACE" --system --comm wl_named --duration 0.4 --json -o "$TRACE" 2>"$WORK/err" ||
  fail "ipctrace --system --comm wl_named: exit $?: $(cat "$WORK/err")"
expect "--comm wl_named: only that name" "$(q '[.[].comm] | unique')" '["wl_named"]'
expect "--comm wl_named: the parent $C writes" \
  "$(q "[.[] | select(.pid == $C and .op == \"send\")] | length > 0")" true

# --cgroup: a cgroup v2 directory made for the test, holding the third server.
CG_ROOT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts)
CG=ipctrace-test-$$
if [[ -n $CG_ROOT ]] && mkdir "$CG_ROOT/$CG" 2>/dev/null; then
  CLEANUP+=("kill $C 2>/dev/null; sleep 0.1; rmdir '$CG_ROOT/$CG'")
  echo "$C" >"$CG_ROOT/$CG/cgroup.procs"
  TRACE=$WORK/cgroup.jsonl
  "$IPCTRACE" --system --cgroup "$CG" --duration 0.4 --json -o "$TRACE" 2>"$WORK/err" ||
    fail "ipctrace --system --cgroup $CG: exit $?: $(cat "$WORK/err")"
  expect "--cgroup $CG: only the process in it" "$(q '[.[].pid] | unique')" "[$C]"
  expect "--cgroup: a missing directory is bad usage" \
    "$("$IPCTRACE" --system --cgroup "$CG/none" --duration 0.1 >/dev/null 2>&1; echo $?)" 2
else
  echo "note: no writable cgroup v2 hierarchy: --cgroup not tested"
fi

expect "--duration without --system is bad usage" \
  "$("$IPCTRACE" --duration 1 -- true >/dev/null 2>&1; echo $?)" 2
expect "-p with --system is bad usage" "$("$IPCTRACE" --system -p "$A" >/dev/null 2>&1; echo $?)" 2
finish
