#!/bin/bash
# ipctrace --system -c: the kernel's per-channel totals equal what the
# workload sent, with the peers resolved, and nothing is lost.
source "$(dirname "$0")/lib.sh"
require_system

FACTS=$WORK/facts
TRACE=$WORK/summary.json
"$IPCTRACE" --system -c --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >/dev/null 2>"$WORK/err" ||
  { fail "ipctrace --system -c --json: exit $?: $(cat "$WORK/err")"; finish; }
P=$(fact parent)
check_summary
expect "lost_events is 0" "$(jq -r .lost_events "$TRACE")" 0
R=$(fact udp.ref) W=$(fact udp.writer)
expect "udp $R: reader row names the writer" "$(summary_row "$R" "$P" in)" "[[1,321,0,[$W]]]"
S=$(fact signal.sender)
expect "signal: one SIGUSR1 to the parent" "$(summary_row "signal:$P" "$S" out)" "[[1,0,0,[$P]]]"

# The text table with --interval: printed while running and at the end.
"$IPCTRACE" --system -c -e pipe --interval 0.2 -- "$TRACE_WORKLOAD" serve 40 >"$WORK/table" 2>"$WORK/err" ||
  fail "ipctrace --system -c --interval: exit $?: $(cat "$WORK/err")"
ticks=$(grep -c '^--- ' "$WORK/table" || true)
if ((ticks >= 1)); then ok "--interval printed $ticks tables while running"; else fail "--interval printed no table"; fi
expect "the final table totals the 40 one-byte writes" \
  "$(tac "$WORK/table" | sed '/^CHANNEL/q' | awk '$2 == "send" {n += $6; b += $7} END {print n, b}')" "40 40"
finish
