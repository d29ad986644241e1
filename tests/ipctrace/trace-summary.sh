#!/bin/bash
# ipctrace -c: the per-channel totals equal what the workload sent, in JSON
# and in the text table, and no per-event lines are printed.
source "$(dirname "$0")/lib.sh"

FACTS=$WORK/facts
TRACE=$WORK/summary.json
"$IPCTRACE" -c --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >/dev/null 2>"$WORK/err" ||
  { fail "ipctrace -c --json: exit $?: $(cat "$WORK/err")"; finish; }
P=$(fact parent)
check_summary

# The text tables: who talked to whom with a total, then the pipe rows
# with their bytes, nothing else.
"$IPCTRACE" -c -e pipe -- "$TRACE_WORKLOAD" all "$WORK/facts2" "$WORK" >"$WORK/table" 2>"$WORK/err" ||
  fail "ipctrace -c -e pipe: exit $?: $(cat "$WORK/err")"
R=$(sed -n 's/^pipe.ref=//p' "$WORK/facts2") W=$(sed -n 's/^pipe.writer=//p' "$WORK/facts2")
P2=$(sed -n 's/^parent=//p' "$WORK/facts2")
sed '/^CHANNEL/,$!d' "$WORK/table" >"$WORK/channels"
expect "first table header" "$(head -n1 "$WORK/table" | tr -s ' ')" "FROM TO CHANNELS MSGS BYTES"
expect "the pair's row: one channel, 2 messages, 1500 bytes" \
  "$(awk -v w="trace_workload[$W]" -v p="trace_workload[$P2]" '$1 == w && $2 == "->" && $3 == p {print $4, $5, $6}' "$WORK/table")" \
  "1 2 1500"
expect "the total, below the pairs" "$(sed -n '/^total/p' "$WORK/table" | tr -s ' ')" "total 1 pair 1 2 1500"
expect "channel table header" "$(head -n1 "$WORK/channels" | tr -s ' ')" "CHANNEL SIDE FROM TO MSGS BYTES ERRORS P50 P99"
expect "text table: the writer's and the reader's rows" \
  "$(awk -v r="$R" -v w="trace_workload[$W]" -v p="trace_workload[$P2]" \
     '$1 == r && $3 == w && $4 == "->" && $5 == p {print $2, ($2 == "send" ? $6 : "n"), $7, $8}' "$WORK/channels" | sort)" \
  "$(printf 'recv n 1500 0\nsend 2 1500 0')"
expect "-e pipe: no other mechanism" "$(awk 'NR > 1 && $1 !~ /^pipe:/' "$WORK/channels")" ""
finish
