#!/bin/bash
# ipctrace takes exactly what ipctrace(1) says (issue 21, items 12 and 14):
# --duration 0 (which ran for ever while -1 was refused), a --channel that
# is no ref ipctrace prints (garbage, pipe:abc, sysv-shm:key=...), lists
# with an empty element, --interval without -c or out of range are bad
# usage: exit 2, one line, at once. And the comm of an event follows the
# process's renames: prctl(PR_SET_NAME) and a write to /proc/self/comm, in
# the ptrace backend and, where it runs, --system's. Every run is bounded
# by timeout(1).
source "$(dirname "$0")/lib.sh"
: "${TRACE_WORKLOAD:?TRACE_WORKLOAD must name the trace_workload binary}"

"$IPCTRACE" -e signal -- true >/dev/null 2>"$WORK/probe.err" ||
  skip "ipctrace cannot trace here: $(cat "$WORK/probe.err")"
SYSTEM=no
timeout -k 1 20 "$IPCTRACE" --system --duration 0.05 -e signal >/dev/null 2>&1 && SYSTEM=yes

OUT=$WORK/out ERR=$WORK/err
# refused WHAT PATTERN ARGS...: exit 2 within 5 s, one line on stderr
# naming the problem, nothing on stdout.
refused() {
  local what=$1 pattern=$2 rc=0
  shift 2
  timeout -k 1 5 "$IPCTRACE" "$@" >"$OUT" 2>"$ERR" </dev/null || rc=$?
  if [[ $rc == 2 && $(wc -l <"$ERR") == 1 && ! -s $OUT ]] && grep -q -- "$pattern" "$ERR"; then
    ok "$what: $(cat "$ERR")"
  else
    fail "$what: ipctrace $*: exit $rc (124: still running after 5 s), stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
  fi
}
# accepted WHAT ARGS...: exit 0 within 20 s.
accepted() {
  local what=$1 rc=0
  shift
  timeout -k 1 20 "$IPCTRACE" "$@" >"$OUT" 2>"$ERR" </dev/null || rc=$?
  [[ $rc == 0 ]] && ok "$what: accepted" || fail "$what: ipctrace $*: exit $rc: $(head -c 300 "$ERR" | tr '\n' '|')"
}

# --duration: more than 0, with --system only; 0 no longer means "for ever".
refused "--system --duration 0" "--duration" --system --duration 0
refused "--system --duration -1" "--duration" --system --duration -1
refused "--system --duration inf" "--duration" --system --duration inf
refused "--system --duration nan" "--duration" --system --duration nan
refused "--system --duration 1e400" "--duration" --system --duration 1e400
refused "--duration 0 without --system" "--duration applies to --system" --duration 0 -- true
# --interval: more than 0 and at most a day, with -c only.
refused "-c --interval 0" "--interval" -c --interval 0 -- true
refused "-c --interval inf" "--interval" -c --interval inf -- true
refused "-c --interval 1e300" "--interval" -c --interval 1e300 -- true
refused "--interval without -c" "--interval applies to -c" --interval 1 -- true
# --channel: refs as ipctrace prints them, or nothing could ever match.
refused "--channel garbage" "--channel" --channel garbage -- true
refused "--channel pipe:abc" "--channel" --channel pipe:abc -- true
refused "--channel pipe:" "--channel" --channel pipe: -- true
refused "--channel pipe:-1" "--channel" --channel pipe:-1 -- true
refused "--channel sysv-shm:key=0x1234 (ipcctl's input form, never an event's)" "--channel" --channel sysv-shm:key=0x1234 -- true
refused "--channel lock:1 (not traced)" "--channel" --channel lock:1 -- true
refused "--channel posix-mq:orders (no slash)" "--channel" --channel posix-mq:orders -- true
refused "--channel fifo:relative" "--channel" --channel fifo:relative -- true
refused "--channel signal:0" "--channel" --channel signal:0 -- true
refused "--channel pipe:1, (empty element)" "empty element" --channel pipe:1, -- true
# Lists with an empty element; names longer than the kernel keeps.
refused "--comm a, (empty element)" "empty element" --comm a, -- true
refused "--pid 1, (empty element)" "empty element" --pid 1, -- true
refused "-p PID, (empty element)" "empty element" -p 4194303,
refused "-e pipe, (empty element)" "empty element" -e pipe, -- true
refused "--comm of 16 bytes (ptrace mode too)" "15 bytes" --comm 0123456789abcdef -- true
# What the man page allows is still accepted.
accepted "--channel pipe:1" --channel pipe:1 -- true
accepted "--channel of every form" --channel 'pipe:1,sysv-msg:0@ipc:4026531839,posix-mq:/q,fifo:/tmp/f,signal:1' -- true
accepted "-c --interval 0.5" -c --interval 0.5 -- true
accepted "-s 65536" -s 65536 -- true
if [[ $SYSTEM == yes ]]; then
  accepted "--system --duration 0.05" --system --duration 0.05 -e signal
else
  echo "note: --system does not run here: its --duration is checked only for refusals"
fi

# comm follows renames: 1 byte written as trace_workload, 2 after
# prctl(PR_SET_NAME, "wl_prctl"), 3 after a write of "wl_procfs" to
# /proc/self/comm (trace_workload rename).
want='[[1,"trace_workload"],[2,"wl_prctl"],[3,"wl_procfs"]]'
check_rename() {
  local backend=$1 rc=0
  shift
  timeout -k 1 30 "$IPCTRACE" "$@" --json -e pipe -o "$WORK/rename.jsonl" -- "$TRACE_WORKLOAD" rename >/dev/null 2>"$ERR" || rc=$?
  local got
  got=$(jq -sc '[.[] | select(.op == "send") | [.bytes, .comm]] | sort' "$WORK/rename.jsonl" 2>/dev/null || true)
  if [[ $rc == 0 && $got == "$want" ]]; then
    ok "$backend: each send names the process as it was called then: $got"
  else
    fail "$backend: exit $rc, sends [bytes, comm]: $got, expected $want: $(head -c 300 "$ERR" | tr '\n' '|')"
  fi
}
check_rename ptrace
# The text form too: the line of the 2-byte write names wl_prctl.
rc=0
timeout -k 1 30 "$IPCTRACE" -e pipe -- "$TRACE_WORKLOAD" rename >"$OUT" 2>"$ERR" || rc=$?
line=$(awk '$6 == "write" && $7 == "2B" {print $2}' "$OUT")
[[ $rc == 0 && $line == wl_prctl\[* ]] && ok "ptrace, text: $line" || fail "ptrace, text: exit $rc, the 2-byte write's process: '$line': $(cat "$OUT")"
if [[ $SYSTEM == yes ]]; then
  check_rename --system --system
fi
finish
