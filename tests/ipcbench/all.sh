#!/bin/bash
# Every mechanism, both tests, both placements, briefly: each is measured or
# skipped with a reason, every figure is a number with its unit in its key,
# and nothing is left behind.
source "$(dirname "$0")/lib.sh"

before=$(ipc_snapshot)
rc=0
"$IPCBENCH" --json -n 150 -w 20 -s 4K >"$WORK/out.json" 2>"$WORK/err" || rc=$?
doc=$(cat "$WORK/out.json")
[[ $rc == 0 ]] && ok "exit status 0" || fail "exit status $rc: $(cat "$WORK/err")"
jq -e . <<<"$doc" >/dev/null || { fail "not JSON: ${doc:0:300}"; finish; }

check "schema" "$doc" '.schema == "ipcbench/1"'
check "machine facts" "$doc" '.machine | (.cpus >= 1) and (.kernel | length > 0) and (.load_average | length == 3) and (.noisy | type == "boolean")'
mapfile -t names < <("$IPCBENCH" --list | awk '{print $1}')
((${#names[@]} >= 24)) && ok "--list names ${#names[@]} mechanisms" || fail "--list names only ${#names[@]} mechanisms"
ncpu=$(nproc)
placements=$((ncpu >= 2 ? 2 : 1))
for m in "${names[@]}"; do
  check "$m: latency in every placement, measured or skipped with a reason" "$doc" \
    "[.latency[] | select(.mechanism == \"$m\")] | length == $placements and all(.status == \"ok\" or (.status == \"skipped\" and (.reason | length > 0)))"
  check "$m: throughput in every placement, measured or skipped with a reason" "$doc" \
    "[.throughput[] | select(.mechanism == \"$m\")] | length == $placements and all(.status == \"ok\" or (.status == \"skipped\" and (.reason | length > 0)))"
done
check "latency figures are ordered numbers in ns, round trips" "$doc" \
  '[.latency[] | select(.status == "ok")] | all(.round_trip == true and .samples == 150 and .min_ns > 0 and .min_ns <= .p50_ns and .p50_ns <= .p90_ns and .p90_ns <= .p99_ns and .p99_ns <= .p999_ns and .p999_ns <= .max_ns)'
check "histograms hold every sample" "$doc" \
  '[.latency[] | select(.status == "ok")] | all(([.histogram_ns[][2]] | add) == .samples)'
check "throughput: verified, delivered, with units" "$doc" \
  '[.throughput[] | select(.status == "ok")] | all(.mb_per_s > 0 and .msgs_per_s > 0 and .corrupted == 0 and .out_of_order == 0 and .payloads_checked > 0)'
check "reliable transports lose nothing" "$doc" \
  '[.throughput[] | select(.status == "ok" and (.mechanism | startswith("udp") | not))] | all(.lost == 0 and .received == .sent)'
check "word-sized mechanisms state their size" "$doc" \
  '[.latency[] | select(.mechanism == "eventfd" or (.mechanism | startswith("signal")))] | all(.size_bytes == 8 and .requested_size_bytes == 4096 and (.note | test("8 bytes")))'
check "placements are printed with every result" "$doc" \
  '[.latency[], .throughput[]] | all(.placement | test("^[0-9]+<->[0-9]+$"))'

check_no_leftovers "$before"

# The table and CSV forms of a small run.
"$IPCBENCH" -m pipe,shm-spin -n 100 >"$WORK/table" 2>&1 || fail "table run failed: $(cat "$WORK/table")"
grep -q '^round-trip latency' "$WORK/table" && ok "table: latency section" || fail "table: no latency section"
grep -q '^throughput' "$WORK/table" && ok "table: throughput section" || fail "table: no throughput section"
grep -qE '^pipe +64B +[0-9]+<->[0-9]+ ' "$WORK/table" && ok "table: pipe row with placement" || fail "table: no pipe row: $(cat "$WORK/table")"
"$IPCBENCH" -m pipe -t latency -n 100 --csv >"$WORK/csv" || fail "csv run failed"
[[ $(head -1 "$WORK/csv") == test,mechanism,size_bytes,* ]] && ok "csv header" || fail "csv header: $(head -1 "$WORK/csv")"
(($(wc -l <"$WORK/csv") == 1 + placements)) && ok "csv: one line per measurement" || fail "csv lines: $(cat "$WORK/csv")"

# Busy-polling receives, every mechanism: nothing fails, the report says so.
rc=0
"$IPCBENCH" -q --poll spin -n 100 -w 10 -s 4K --json >"$WORK/spin.json" 2>"$WORK/err" || rc=$?
[[ $rc == 0 ]] && ok "--poll spin: every mechanism" || fail "--poll spin: exit $rc: $(jq -c '[.latency[], .throughput[] | select(.status == "failed") | {mechanism, test, reason}]' "$WORK/spin.json" 2>/dev/null)"
check "--poll spin is recorded" "$(cat "$WORK/spin.json")" '.settings.poll == "spin" and all(.latency[]; .poll == "spin")'

# The two sides as threads of one process, every mechanism: only the signal
# mechanisms, which need two processes, are skipped, by name; the rest
# measure, and both the settings and every row say how the sides ran.
rc=0
"$IPCBENCH" -q --threads -n 100 -w 10 -s 4K --json >"$WORK/threads.json" 2>"$WORK/err" || rc=$?
[[ $rc == 0 ]] && ok "--threads: every mechanism" || fail "--threads: exit $rc: $(jq -c '[.latency[], .throughput[] | select(.status == "failed") | {mechanism, test, reason}]' "$WORK/threads.json" 2>/dev/null)"
check "--threads: recorded, signals skipped by name, the rest measured" "$(cat "$WORK/threads.json")" '
  .settings.sides == "threads" and all(.latency[], .throughput[]; .sides == "threads") and
  ([.latency[] | select(.status == "skipped" and (.reason | test("no threads mode"))) | .mechanism] | unique) ==
    ["signal", "signal-handler"] and
  ([.latency[] | select(.status == "ok")] | length) >= 20 and
  all(.latency[] | select(.status == "ok"); .samples == 100)'
check "without --threads the sides are processes" "$(cat "$WORK/spin.json")" '.settings.sides == "processes" and all(.latency[]; .sides == "processes")'

# The chart: one self-contained SVG document with a dot per latency result.
"$IPCBENCH" -q -m pipe,shm-spin -n 100 -s 64,4K --svg "$WORK/chart.svg" >/dev/null || fail "--svg run failed"
if [[ -s $WORK/chart.svg ]] && head -c 4 "$WORK/chart.svg" | grep -q '<svg' && tail -n1 "$WORK/chart.svg" | grep -q '</svg>'; then
  ok "--svg writes an SVG document"
else
  fail "--svg: no SVG document"
fi
dots=$(grep -c '<circle' "$WORK/chart.svg" || true)
((dots == 4 * placements * 2)) && ok "--svg: a point per result" || fail "--svg: $dots points, expected $((4 * placements * 2))"
grep -q 'http\|<script' <(grep -v 'xmlns=' "$WORK/chart.svg") && fail "--svg: refers outside itself" || ok "--svg: self-contained"
rc=0
"$IPCBENCH" -q -m pipe -n 10 --svg /nonexistent/dir/chart.svg >/dev/null 2>"$WORK/err" || rc=$?
[[ $rc == 1 ]] && grep -q -- '--svg /nonexistent/dir/chart.svg: No such file' "$WORK/err" && ok "--svg to an unwritable path fails first" || fail "--svg unwritable: exit $rc"
finish
