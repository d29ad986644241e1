#!/bin/bash
# ipctrace's output options on the every-mechanism workload: -s payloads,
# -e (the filter narrowed to one mechanism), --pid/--comm/--channel, --fast
# (entry-only sends: upper bounds, no result), --spin, and the text form.
source "$(dirname "$0")/lib.sh"

# trace NAME ARGS...: runs the workload under ipctrace ARGS into $WORK/NAME.jsonl;
# sets TRACE and FACTS.
trace() {
  local name=$1
  shift
  FACTS=$WORK/$name.facts
  TRACE=$WORK/$name.jsonl
  "$IPCTRACE" --json -o "$TRACE" "$@" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >/dev/null 2>"$WORK/err" ||
    fail "ipctrace $*: exit $?: $(cat "$WORK/err")"
}

trace payload -s 4
R=$(fact pipe.ref) W=$(fact pipe.writer) P=$(fact parent)
expect "-s 4: the writer's payloads are 'xxxx' in hex" \
  "$(q "[.[] | select(.pid == $W and .ref == \"$R\" and .op == \"send\") | .payload_hex] | unique")" '["78787878"]'
expect "-s 4: the reader's too" \
  "$(q "[.[] | select(.pid == $P and .ref == \"$R\" and .op == \"recv\" and .bytes > 0) | .payload_hex] | unique")" '["78787878"]'
expect "-s 4: no payload on lifecycle events" "$(q '[.[] | select(.op == "create") | .payload_hex] | unique')" '[null]'

trace only-msg -e sysv-msg
expect "-e sysv-msg: only sysv-msg events" "$(q '[.[].mechanism] | unique')" '["sysv-msg"]'
expect "-e sysv-msg: create, send and receive" "$(q '[.[].op] | sort | unique')" '["create","recv","send"]'

trace only-fifo --channel "fifo:$WORK/fifo"
expect "--channel fifo:...: only that channel" "$(q '[.[].ref] | unique')" "[\"fifo:$WORK/fifo\"]"
expect "--channel fifo:...: create, open/close, data" "$(q '[.[] | select(.op == "send" or .op == "recv") | .bytes] | add')" 1554
trace only-parent --pid "$(sed -n 's/^parent=//p' "$WORK/payload.facts")"
expect "--pid of a finished run: nothing" "$(jq -s length "$TRACE")" 0
trace by-comm --comm no-such-name
expect "--comm no-such-name: nothing" "$(jq -s length "$TRACE")" 0
trace by-comm2 --comm trace_workload -e pipe
expect "--comm trace_workload: every event" "$(q '[.[].comm] | unique')" '["trace_workload"]'

trace fast --fast -e pipe,sysv-msg
R=$(fact pipe.ref) W=$(fact pipe.writer)
expect "--fast: sends are entry-only: not exact, bytes == requested, no result" \
  "$(q "[.[] | select(.op == \"send\") | [.exact, (.bytes == .bytes_requested), .result, .duration_ns]] | unique")" \
  '[[false,true,null,null]]'
expect "--fast: receives stay exact" "$(q '[.[] | select(.op == "recv") | .exact] | unique')" '[true]'
expect "--fast: the pipe total is still 1500" \
  "$(q "[.[] | select(.pid == $W and .ref == \"$R\" and .op == \"send\") | .bytes] | add")" 1500

# --spin: the poll before the tracer sleeps changes when stops are seen, never
# what they say: the same events and bytes per mechanism and op with no
# polling and with polling on every wait (but the count of receives: a reader
# may find the bytes of two writes or of one).
totals='[group_by([.mechanism, .op])[] | [.[0].mechanism, .[0].op,
  (if .[0].op == "recv" then "-" else length end), ([.[].bytes // 0] | add)]]'
trace spin-never --spin 0
never=$(q "$totals")
trace spin-always --spin 100000
expect "--spin 100000 and --spin 0: the same events and bytes per mechanism and op" "$(q "$totals")" "$never"
expect "--spin 0: the pipe total is 1500" \
  "$(q "[.[] | select(.mechanism == \"pipe\" and .op == \"send\") | .bytes] | add")" 1500
for bad in "--spin -1" "--spin 100001" "--spin x" "--system --spin 5" "--channel garbage" "--channel pipe:x1" \
  "--channel pipe:1," "--comm a,,b" "--interval 1" "-c --interval 0" "--duration 0" "--system --duration 0"; do
  rc=0
  # shellcheck disable=SC2086 # the words of $bad are options
  timeout -k 1 10 "$IPCTRACE" $bad -- true >/dev/null 2>"$WORK/err" || rc=$?
  expect "ipctrace $bad: exit 2" "$rc" 2
  expect "ipctrace $bad: one line" "$(wc -l <"$WORK/err")" 1
done

# comm follows a rename: prctl(PR_SET_NAME), then a write to /proc/self/comm.
TRACE=$WORK/rename.jsonl
"$IPCTRACE" --json -e pipe -o "$TRACE" -- "$TRACE_WORKLOAD" rename >/dev/null 2>"$WORK/err" ||
  fail "ipctrace -- trace_workload rename: exit $?: $(cat "$WORK/err")"
expect "comm follows prctl(PR_SET_NAME) and /proc/self/comm" \
  "$(q '[.[] | select(.op == "send") | [.bytes, .comm]] | sort')" '[[1,"trace_workload"],[2,"wl_prctl"],[3,"wl_procfs"]]'

# The text form: one aligned line per event with the arrow and the ref.
"$IPCTRACE" -e sysv-msg -- "$TRACE_WORKLOAD" all "$WORK/text.facts" "$WORK" >"$WORK/text" 2>"$WORK/err" ||
  fail "ipctrace -e sysv-msg (text): exit $?"
R=$(sed -n 's/^msg.ref=//p' "$WORK/text.facts") W=$(sed -n 's/^msg.writer=//p' "$WORK/text.facts")
P=$(sed -n 's/^parent=//p' "$WORK/text.facts")
expect "text: the send line" \
  "$(awk -v r="$R" '$5 == r && $6 == "msgsnd" {print $2, $3, $4, $7}' "$WORK/text")" \
  "trace_workload[$W] -> trace_workload[$P] 256B"
expect "text: the receive line" \
  "$(awk -v r="$R" '$5 == r && $6 == "msgrcv" {print $2, $3, $4, $7}' "$WORK/text")" \
  "trace_workload[$P] <- trace_workload[$W] 256B"
finish
