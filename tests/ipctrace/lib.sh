# Shared by ipctrace's cli tests: run ipctrace on trace_workload, then check
# its JSON Lines with jq. Run with IPCTRACE and TRACE_WORKLOAD set (see
# meson.build). Exit status: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2016  # '$x' in single quotes is jq's
set -euo pipefail

: "${IPCTRACE:?IPCTRACE must name the ipctrace binary}"
: "${TRACE_WORKLOAD:?TRACE_WORKLOAD must name the trace_workload binary}"

command -v jq >/dev/null || { echo "FAIL: jq is required (apt-get install -y jq)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ipctrace-cli.XXXXXX)
chmod 0755 "$WORK"
FAILS=0
declare -a CLEANUP=()
on_exit() {
  local rc=$? i
  set +e
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
finish() {
  if ((FAILS > 0)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}

# ptrace may be forbidden (a container without CAP_SYS_PTRACE, seccomp'd CI).
"$IPCTRACE" -e signal -- true >/dev/null 2>"$WORK/probe.err" ||
  skip "ipctrace cannot trace here: $(cat "$WORK/probe.err")"

# fact KEY: a fact the workload wrote to $FACTS.
fact() {
  local v
  v=$(sed -n "s|^$1=||p" "$FACTS" | head -n1)
  [[ -n $v ]] || { echo "FAIL: the workload reported no '$1'" >&2; exit 1; }
  printf '%s' "$v"
}

# q JQ-FILTER [--arg...]: runs a filter over all events (slurped) of $TRACE.
q() {
  local filter=$1
  shift
  jq -sc "$@" "$filter" "$TRACE"
}

# expect WHAT GOT WANT
expect() {
  if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: expected $3, got $2"; fi
}

# The keys every event carries (null where they do not apply).
EVENT_KEYS='["time","mono_ns","pid","tid","comm","syscall","mechanism","op","ref","fd","direction","bytes_requested","bytes","exact","result","errno","duration_ns","peers","namespace","detail","payload_hex"]'

check_schema() {
  expect "every event has every key, and no other" \
    "$(q "[.[] | select((keys_unsorted - $EVENT_KEYS) != [] or ($EVENT_KEYS - keys_unsorted) != [])] | length")" 0
  expect "times are RFC 3339 UTC with microseconds" \
    "$(q '[.[] | select(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$") | not)] | length')" 0
  expect "refs are MECHANISM:..." \
    "$(q '[.[] | select(.ref != null and (.mechanism as $m | .ref | startswith($m + ":") | not))] | length')" 0
}

# --system needs an eBPF build, root (CAP_BPF + CAP_PERFMON) and kernel BTF.
require_system() {
  local err=$WORK/system-probe.err
  "$IPCTRACE" --system --duration 0.05 -e signal >/dev/null 2>"$err" ||
    skip "ipctrace --system cannot run here: $(grep -v '^ipctrace: eBPF hooks' "$err" | head -n1)"
}

# sent PID SELECTOR PEER / received ...: [total bytes of the process's sends
# (receives) matching SELECTOR, whether every one names PEER among its peers].
sent() {
  q "[.[] | select(.pid == $1 and .op == \"send\" and $2)] | [(map(.bytes) | add // 0), all(.peers | map(.pid) | index($3) != null)]"
}
received() {
  q "[.[] | select(.pid == $1 and .op == \"recv\" and $2)] | [(map(.bytes) | add // 0), all(.peers | map(.pid) | index($3) != null)]"
}

# check_transfers: what every backend reports of `trace_workload all` (facts
# in $FACTS, parent $P, events in $TRACE): each transfer with its exact
# bytes, ref and peer; semaphore ops, shm attachments, a signal; namespaces.
check_transfers() {
  local m key R W B C S sel
  for m in pipe fifo tcp udp sysv-msg; do
    key=$m
    [[ $m == sysv-msg ]] && key=msg
    R=$(fact $key.ref) W=$(fact $key.writer) B=$(fact $key.bytes)
    sel=".ref == \"$R\""
    [[ $m == tcp || $m == udp ]] && sel=".mechanism == \"$m\""  # the writer's own socket has another ref
    expect "$m: writer sent $B to the parent" "$(sent "$W" "$sel" "$P")" "[$B,true]"
    expect "$m: $R parent received $B from the writer" "$(received "$P" ".ref == \"$R\"" "$W")" "[$B,true]"
  done
  # unix stream socketpair: 4096 down (send), 123 up (sendmsg), then 1 byte with SCM_RIGHTS
  R=$(fact unix.ref) C=$(fact unix.child)
  expect "unix: $R parent sent 4096+1 to the child" "$(sent "$P" ".ref == \"$R\"" "$C")" "[4097,true]"
  expect "unix: $R parent received 123 from the child" "$(received "$P" ".ref == \"$R\"" "$C")" "[123,true]"
  expect "unix: child received 4097 (on its end)" "$(received "$C" '.mechanism == "unix"' "$P")" "[4097,true]"
  expect "unix: sock_type stream" "$(q "[.[] | select(.ref == \"$R\" and .op == \"send\") | .detail.sock_type] | unique")" '["stream"]'
  if grep -q '^mq.ref=' "$FACTS"; then
    R=$(fact mq.ref) W=$(fact mq.writer)
    expect "posix-mq: $R writer sent 100" "$(sent "$W" ".ref == \"$R\"" "$P")" "[100,true]"
    expect "posix-mq: $R parent received 100" "$(received "$P" ".ref == \"$R\"" "$W")" "[100,true]"
    expect "posix-mq: open and unlink" "$(q "[.[] | select(.ref == \"$R\" and (.op == \"create\" or .op == \"unlink\")) | .op]")" '["create","unlink"]'
  else
    echo "note: POSIX message queues unavailable: $(fact mq.skipped)"
  fi
  W=$(fact eventfd.writer)
  expect "eventfd: writer wrote 8 bytes" "$(sent "$W" '.mechanism == "eventfd"' "$P")" "[8,true]"
  expect "eventfd: parent read 8 bytes" "$(received "$P" '.mechanism == "eventfd"' "$W")" "[8,true]"
  R=$(fact sem.ref) C=$(fact sem.child)
  expect "sysv-sem: $R ops (parent, child)" "$(q "[.[] | select(.ref == \"$R\" and .op == \"sem_op\") | .pid] | sort")" "[$P,$C]"
  expect "sysv-sem: the child's op names the parent" \
    "$(q "[.[] | select(.ref == \"$R\" and .op == \"sem_op\" and .pid == $C) | .peers[].pid]")" "[$P]"
  R=$(fact shm.ref) C=$(fact shm.child)
  expect "sysv-shm: $R attached by parent and child" "$(q "[.[] | select(.ref == \"$R\" and .op == \"attach\") | .pid] | sort")" "[$P,$C]"
  expect "sysv-shm: $R detached by both" "$(q "[.[] | select(.ref == \"$R\" and .op == \"detach\")] | length")" 2
  S=$(fact signal.sender)
  expect "signal: kill SIGUSR1 to signal:$P" \
    "$(q "[.[] | select(.pid == $S and .op == \"signal_send\") | [.ref, .detail.signal, .peers[0].pid]]")" "[[\"signal:$P\",\"SIGUSR1\",$P]]"
  expect "signal: delivered to the parent, from the sender" \
    "$(q "[.[] | select(.pid == $P and .op == \"signal_deliver\") | [.detail.signal, .detail.sender]]")" "[[\"SIGUSR1\",$S]]"
  # Namespaces: the parent's queue and socket events name the test's own (the workload's).
  local ipc_ns net_ns
  ipc_ns=$(stat -L -c %i /proc/self/ns/ipc) net_ns=$(stat -L -c %i /proc/self/ns/net)
  expect "namespace of sysv-msg events: ipc:$ipc_ns" \
    "$(q "[.[] | select(.pid == $P and .mechanism == \"sysv-msg\") | .namespace | \"\\(.type):\\(.inode)\"] | unique")" "[\"ipc:$ipc_ns\"]"
  expect "namespace of the parent's unix events: net:$net_ns" \
    "$(q "[.[] | select(.pid == $P and .mechanism == \"unix\") | .namespace | \"\\(.type):\\(.inode)\"] | unique")" "[\"net:$net_ns\"]"
  expect "pipes have no namespace" "$(q '[.[] | select(.mechanism == "pipe") | .namespace] | unique')" "[null]"
}

# summary_row REF PID DIRECTION: [messages, bytes, errors, peer pids] of the -c --json rows in $TRACE.
summary_row() {
  jq -c --arg r "$1" --argjson p "$2" --arg d "$3" \
    '[.summary[] | select(.ref == $r and .pid == $p and .direction == $d) | [.messages, .bytes, .errors, (.peers | map(.pid))]]' "$TRACE"
}

# check_summary: what every backend's -c --json reports of `trace_workload all`.
check_summary() {
  local R W C
  expect "one JSON document" "$(jq -s 'length' "$TRACE")" 1
  expect "schema" "$(jq -r .schema "$TRACE")" "ipctrace/1"
  R=$(fact pipe.ref) W=$(fact pipe.writer)
  expect "pipe $R: writer row" "$(summary_row "$R" "$W" out)" "[[2,1500,0,[$P]]]"
  # A reader's row counts its read() calls, which depend on timing: not its messages.
  expect "pipe $R: reader row" "$(summary_row "$R" "$P" in | jq -c 'map(.[1:])')" "[[1500,0,[$W]]]"
  R=$(fact fifo.ref) W=$(fact fifo.writer)
  expect "fifo $R: writer row" "$(summary_row "$R" "$W" out)" "[[1,777,0,[$P]]]"
  R=$(fact msg.ref) W=$(fact msg.writer)
  expect "sysv-msg $R: writer row" "$(summary_row "$R" "$W" out)" "[[1,256,0,[$P]]]"
  expect "sysv-msg $R: reader row" "$(summary_row "$R" "$P" in)" "[[1,256,0,[$W]]]"
  R=$(fact unix.ref) C=$(fact unix.child)
  expect "unix $R: parent's sends" "$(summary_row "$R" "$P" out)" "[[2,4097,0,[$C]]]"
  expect "totals by mechanism equal the workload's (pipe fifo unix tcp udp sysv-msg eventfd)" \
    "$(jq -c '[.summary[] | select(.direction == "out" and .mechanism != "signal")] | group_by(.mechanism)
       | map({(.[0].mechanism): (map(.bytes) | add)}) | add' "$TRACE")" \
    "$(jq -cn --argjson mq "$(grep -q '^mq.ref' "$FACTS" && echo 100 || echo null)" \
       '{"eventfd":8,"fifo":777,"pipe":1500,"posix-mq":$mq,"sysv-msg":256,"tcp":2000,"udp":321,"unix":4220} | with_entries(select(.value != null))')"
  expect "rows are sorted by bytes" "$(jq -c '[.summary[].bytes] | . == (sort | reverse)' "$TRACE")" true
  expect "p50 and p99 are durations" \
    "$(jq -c '[.summary[] | select(.mechanism == "pipe") | (.p50_ns | type), (.p99_ns | type)] | unique' "$TRACE")" '["number"]'
}
