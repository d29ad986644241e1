#!/bin/bash
# ipctrace's text, as a person reads it: a header line; lines in the order
# the calls entered, a read that waited for a write before that write; one
# line per pipe2; with -c, who talked to whom above the channels, with a
# total, each process under every name it had ("sh→cat[PID]"), and a
# process's pipe to itself naming the process; with --system, durations the
# kernel counted in power-of-two buckets shown as the range they stand for.
source "$(dirname "$0")/lib.sh"

# The times of the lines, in order: HH:MM:SS.uuuuuu sorts as text.
in_order() { awk 'NR > 1 {print $1}' "$1" | sort -c 2>/dev/null; }

# cat's read enters first and waits 300 ms for sh's write.
OUT=$WORK/order
"$IPCTRACE" -e pipe -- sh -c '(sleep 0.3; echo hi) | cat >/dev/null' >"$OUT" 2>"$WORK/err" ||
  fail "ipctrace -- sh -c '(sleep 0.3; echo hi) | cat': exit $?: $(cat "$WORK/err")"
expect "a header line first" "$(head -n1 "$OUT" | tr -s ' ')" "TIME PROCESS PEER CHANNEL CALL SIZE DETAIL"
if in_order "$OUT"; then ok "lines in time order"; else fail "lines out of time order: $(cat "$OUT")"; fi
read_line=$(awk '$6 == "read" && $7 == "3B" {print NR; exit}' "$OUT")
write_line=$(awk '$6 == "write" && $7 == "3B" {print NR; exit}' "$OUT")
if [[ -n $read_line && -n $write_line ]] && ((read_line < write_line)); then
  ok "the read that waited is written before the write it waited for"
else
  fail "read at line ${read_line:-none}, write at line ${write_line:-none}: $(cat "$OUT")"
fi
expect "one pipe2 line for one pipe" "$(grep -c ' pipe2 ' "$OUT")" 1

# The same in JSON Lines: times never go back.
"$IPCTRACE" --json -e pipe -- sh -c '(sleep 0.3; echo hi) | cat >/dev/null' >"$WORK/order.jsonl" 2>"$WORK/err" ||
  fail "ipctrace --json: exit $?: $(cat "$WORK/err")"
TRACE=$WORK/order.jsonl
expect "JSON: events in entry order" "$(q '[.[].mono_ns] == ([.[].mono_ns] | sort)')" true
expect "JSON: both descriptors of pipe2 stay events" "$(q '[.[] | select(.syscall == "pipe2")] | length')" 2

# -c: who talked to whom, then the channels.
OUT=$WORK/summary
"$IPCTRACE" -c -e pipe -- sh -c 'echo hi | cat >/dev/null' >"$OUT" 2>"$WORK/err" ||
  fail "ipctrace -c: exit $?: $(cat "$WORK/err")"
expect "-c: the pairs' header first" "$(head -n1 "$OUT" | tr -s ' ')" "FROM TO CHANNELS MSGS BYTES"
# (The parent sh may still hold the read end when the write comes: a reader too.)
expect "-c: sh wrote 3 bytes to the child that ran sh, then cat" \
  "$(awk '$2 == "->" && $1 ~ /^sh\[[0-9]+\]$/ && $3 ~ /(^|,)sh→cat\[[0-9]+\]/ {print $4, $5, $6}' "$OUT")" "1 1 3"
expect "-c: the total" "$(sed -n 's/^total *//p' "$OUT" | tr -s ' ')" "1 pair 1 1 3"
channel_at=$(grep -n '^CHANNEL' "$OUT" | cut -d: -f1 || true) total_at=$(grep -n '^total' "$OUT" | cut -d: -f1 || true)
if [[ -n $channel_at && -n $total_at ]] && ((channel_at > total_at)); then
  ok "-c: the channel rows below the total"
else
  fail "-c: no channel table below the total: $(cat "$OUT")"
fi
expect "-c: one name per pid" \
  "$(grep -oE '[^ ,]+\[[0-9]+\]' "$OUT" | sort -u | sed 's/.*\[//' | sort | uniq -d)" ""

# A process's pipe to itself: its own name at the other end, not '?'.
OUT=$WORK/self
"$IPCTRACE" -c -e pipe -- "$TRACE_WORKLOAD" rename >"$OUT" 2>"$WORK/err" ||
  fail "ipctrace -c -- trace_workload rename: exit $?: $(cat "$WORK/err")"
expect "-c: a pipe to itself, under all its names" \
  "$(awk '$2 == "->" {print ($1 == $3), $1, $6}' "$OUT" | sed 's/\[[0-9]*\]//')" "1 trace_workload→wl_prctl→wl_procfs 6"
expect "-c: no unknown peer" "$(grep -c '?' "$OUT")" 0
"$IPCTRACE" -e pipe -- "$TRACE_WORKLOAD" rename >"$OUT" 2>"$WORK/err" ||
  fail "ipctrace -- trace_workload rename: exit $?"
expect "events: the read names the process itself" \
  "$(awk '$6 == "read" {print ($2 == $4), $3}' "$OUT" | sort -u)" "1 <-"

# --system: the kernel counts durations in power-of-two buckets.
if "$IPCTRACE" --system --duration 0.05 -e signal >/dev/null 2>&1; then
  OUT=$WORK/system
  "$IPCTRACE" --system -c -e pipe -- sh -c 'echo hi | cat >/dev/null' >"$OUT" 2>"$WORK/err" ||
    fail "ipctrace --system -c: exit $?: $(cat "$WORK/err")"
  quantiles=$(sed '/^CHANNEL/,$!d' "$OUT" | awk 'NR > 1 {print $(NF - 1); print $NF}')
  if [[ -n $quantiles ]] && ! grep -qvE '^(>[0-9.]+(ns|µs|ms|s)|[0-9.]+(ns|µs|ms|s)?-[0-9.]+(ns|µs|ms|s))$' <<<"$quantiles"; then
    ok "--system -c: durations as the ranges of their buckets ($(echo $quantiles))"
  else
    fail "--system -c: durations not ranges: $(echo $quantiles)"
  fi
else
  echo "skip: --system cannot run here"
fi
finish
