#!/bin/bash
# A traced command behaves as untraced: same exit status, stdout and stderr,
# same death by signal; a tracee killed mid-syscall does not hang ipctrace;
# usage errors exit 2 and a command that cannot run exits 1.
source "$(dirname "$0")/lib.sh"

# run_both NAME ARGS...: the workload untraced and traced (trace to a file).
run_both() {
  local name=$1 rc=0
  shift
  "$TRACE_WORKLOAD" "$@" >"$WORK/$name.out0" 2>"$WORK/$name.err0" || rc=$?
  echo "$rc" >"$WORK/$name.rc0"
  rc=0
  "$IPCTRACE" -o "$WORK/$name.trace" -- "$TRACE_WORKLOAD" "$@" >"$WORK/$name.out1" 2>"$WORK/$name.err1" || rc=$?
  echo "$rc" >"$WORK/$name.rc1"
  expect "$name: exit status" "$(cat "$WORK/$name.rc1")" "$(cat "$WORK/$name.rc0")"
  expect "$name: stdout" "$(cat "$WORK/$name.out1")" "$(cat "$WORK/$name.out0")"
  expect "$name: stderr" "$(cat "$WORK/$name.err1")" "$(cat "$WORK/$name.err0")"
}

run_both exit7 exit 7
expect "exit7: the status is 7" "$(cat "$WORK/exit7.rc1")" 7
run_both exit0 exit 0
run_both sigterm killed-by 15
expect "sigterm: died of SIGTERM (143)" "$(cat "$WORK/sigterm.rc1")" 143
run_both sigusr1 killed-by 10

# A child blocked in read() is killed: ipctrace sees it die and ends.
"$IPCTRACE" -o "$WORK/block.trace" -- "$TRACE_WORKLOAD" block >"$WORK/block.out" 2>"$WORK/block.err" &
TRACER=$!
CLEANUP+=("kill -9 $TRACER 2>/dev/null")
for ((i = 0; i < 100; i++)); do [[ -s $WORK/block.out ]] && break; sleep 0.05; done
CHILD=$(head -n1 "$WORK/block.out")
if [[ -z $CHILD ]]; then
  fail "block: the workload did not start"
else
  sleep 0.2
  kill -9 "$CHILD"
  rc=0
  for ((i = 0; i < 100; i++)); do kill -0 "$TRACER" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$TRACER" 2>/dev/null; then
    fail "block: ipctrace still running 5 s after its tracee was killed"
  else
    wait "$TRACER" || rc=$?
    expect "block: the parent saw its child die of SIGKILL (137)" "$rc" 137
    expect "block: no error from ipctrace" "$(grep -c ipctrace "$WORK/block.err" || true)" 0
  fi
fi

# Usage and failures
rc=0; "$IPCTRACE" >/dev/null 2>"$WORK/err" || rc=$?
expect "no command: exit 2" "$rc" 2
rc=0; "$IPCTRACE" -e bogus -- true >/dev/null 2>"$WORK/err" || rc=$?
expect "-e bogus: exit 2" "$rc" 2
expect "-e bogus: names the word" "$(grep -c "unknown mechanism 'bogus'" "$WORK/err")" 1
rc=0; "$IPCTRACE" -p 1 -- true >/dev/null 2>"$WORK/err" || rc=$?
expect "-p with a command: exit 2" "$rc" 2
rc=0; "$IPCTRACE" -- "$WORK/no-such-command" >/dev/null 2>"$WORK/err" || rc=$?
expect "a command that does not exist: exit 1" "$rc" 1
expect "... with a message" "$(grep -c "cannot run" "$WORK/err")" 1
finish
