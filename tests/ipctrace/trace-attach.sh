#!/bin/bash
# ipctrace -p PID: attaches to a running process, reports its IPC, and on
# Ctrl-C (SIGINT) detaches and leaves it running to a clean exit.
source "$(dirname "$0")/lib.sh"

"$TRACE_WORKLOAD" serve 150 >"$WORK/serve.out" 2>&1 &
SERVER=$!
CLEANUP+=("kill -9 $SERVER 2>/dev/null")
for ((i = 0; i < 100; i++)); do [[ -s $WORK/serve.out ]] && break; sleep 0.05; done
[[ -s $WORK/serve.out ]] || { fail "the workload did not start"; finish; }

TRACE=$WORK/attach.jsonl
"$IPCTRACE" --json -o "$TRACE" -p "$SERVER" 2>"$WORK/err" &
TRACER=$!
CLEANUP+=("kill -9 $TRACER 2>/dev/null")
sleep 0.6
kill -INT "$TRACER"
rc=0
wait "$TRACER" || rc=$?
expect "ipctrace -p: exit 0 after Ctrl-C" "$rc" 0
expect "ipctrace -p: says it detached" "$(grep -c 'detached' "$WORK/err")" 1
expect "ipctrace -p: says attach mode is slower" "$(grep -c 'slower' "$WORK/err")" 1

rc=0
wait "$SERVER" || rc=$?
expect "the attached process ran on to a clean exit" "$rc" 0

check_schema
N=$(q "[.[] | select(.pid == $SERVER and .op == \"send\" and .mechanism == \"pipe\" and .bytes == 1)] | length")
if ((N >= 10 && N <= 150)); then ok "traced $N one-byte writes while attached"; else fail "expected 10..150 writes, got $N"; fi
expect "every write names the reader (the child, found in /proc)" \
  "$(q "[.[] | select(.pid == $SERVER and .op == \"send\") | (.peers | length)] | unique")" "[1]"

# A process we may not trace: a clear error, exit 1.
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCTRACE" -p 1 2>"$WORK/err" || rc=$?
  expect "-p 1 as nobody: exit 1" "$rc" 1
  expect "-p 1 as nobody: says why" "$(grep -c 'ptrace permission' "$WORK/err")" 1
fi
finish
