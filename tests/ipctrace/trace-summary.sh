#!/bin/bash
# ipctrace -c: the per-channel totals equal what the workload sent, in JSON
# and in the text table, and no per-event lines are printed.
source "$(dirname "$0")/lib.sh"

FACTS=$WORK/facts
TRACE=$WORK/summary.json
"$IPCTRACE" -c --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >/dev/null 2>"$WORK/err" ||
  { fail "ipctrace -c --json: exit $?: $(cat "$WORK/err")"; finish; }
P=$(fact parent)
expect "one JSON document" "$(jq -s 'length' "$TRACE")" 1
expect "schema" "$(jq -r .schema "$TRACE")" "ipctrace/1"

# row REF PID DIRECTION: [messages, bytes, errors, peer pids]
row() {
  jq -c --arg r "$1" --argjson p "$2" --arg d "$3" \
    '[.summary[] | select(.ref == $r and .pid == $p and .direction == $d) | [.messages, .bytes, .errors, (.peers | map(.pid))]]' "$TRACE"
}
R=$(fact pipe.ref) W=$(fact pipe.writer)
expect "pipe $R: writer row" "$(row "$R" "$W" out)" "[[2,1500,0,[$P]]]"
# A reader's row counts its read() calls, which depend on timing: not its messages.
expect "pipe $R: reader row" "$(row "$R" "$P" in | jq -c 'map(.[1:])')" "[[1500,0,[$W]]]"
R=$(fact fifo.ref) W=$(fact fifo.writer)
expect "fifo $R: writer row" "$(row "$R" "$W" out)" "[[1,777,0,[$P]]]"
R=$(fact msg.ref) W=$(fact msg.writer)
expect "sysv-msg $R: writer row" "$(row "$R" "$W" out)" "[[1,256,0,[$P]]]"
expect "sysv-msg $R: reader row" "$(row "$R" "$P" in)" "[[1,256,0,[$W]]]"
R=$(fact unix.ref) C=$(fact unix.child)
expect "unix $R: parent's sends" "$(row "$R" "$P" out)" "[[2,4097,0,[$C]]]"
expect "totals by mechanism equal the workload's (pipe fifo unix tcp udp sysv-msg eventfd)" \
  "$(jq -c '[.summary[] | select(.direction == "out" and .mechanism != "signal")] | group_by(.mechanism)
     | map({(.[0].mechanism): (map(.bytes) | add)}) | add' "$TRACE")" \
  "$(jq -cn --argjson mq "$(grep -q '^mq.ref' "$FACTS" && echo 100 || echo null)" \
     '{"eventfd":8,"fifo":777,"pipe":1500,"posix-mq":$mq,"sysv-msg":256,"tcp":2000,"udp":321,"unix":4220} | with_entries(select(.value != null))')"
expect "rows are sorted by bytes" "$(jq -c '[.summary[].bytes] | . == (sort | reverse)' "$TRACE")" true
expect "p50 and p99 are durations" \
  "$(jq -c '[.summary[] | select(.mechanism == "pipe") | (.p50_ns | type), (.p99_ns | type)] | unique' "$TRACE")" '["number"]'

# The text table: a header and the pipe row with its bytes, nothing else.
"$IPCTRACE" -c -e pipe -- "$TRACE_WORKLOAD" all "$WORK/facts2" "$WORK" >"$WORK/table" 2>"$WORK/err" ||
  fail "ipctrace -c -e pipe: exit $?: $(cat "$WORK/err")"
R=$(sed -n 's/^pipe.ref=//p' "$WORK/facts2") W=$(sed -n 's/^pipe.writer=//p' "$WORK/facts2")
P2=$(sed -n 's/^parent=//p' "$WORK/facts2")
expect "text table header" "$(head -n1 "$WORK/table" | tr -s ' ')" "CHANNEL SIDE FROM TO MSGS BYTES ERRORS P50 P99"
expect "text table: the writer's and the reader's rows" \
  "$(awk -v r="$R" -v w="trace_workload[$W]" -v p="trace_workload[$P2]" \
     '$1 == r && $3 == w && $4 == "->" && $5 == p {print $2, ($2 == "send" ? $6 : "n"), $7, $8}' "$WORK/table" | sort)" \
  "$(printf 'recv n 1500 0\nsend 2 1500 0')"
expect "-e pipe: no other mechanism" "$(awk 'NR > 1 && $1 !~ /^pipe:/' "$WORK/table")" ""
finish
