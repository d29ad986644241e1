#!/bin/bash
# Bad usage exits 2 with a message that names the problem; --list and
# --version exit 0; a run of a skipped mechanism is not a failure.
source "$(dirname "$0")/lib.sh"

expect_usage() {
  local what=$1 pattern=$2 rc=0
  shift 2
  timeout -k 1 10 "$IPCBENCH" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [[ $rc == 2 ]] && grep -q -- "$pattern" "$WORK/err"; then
    ok "$what"
  else
    fail "$what: ipcbench $*: exit $rc, stderr: $(cat "$WORK/err")"
  fi
}

expect_usage "unknown mechanism" "unknown mechanism 'nosuch'" -m nosuch
expect_usage "bad size" "'12Q' is not a size" --size 64,12Q
expect_usage "bad cpus" "not a CPU" --cpus 0,4096
expect_usage "one cpu" "expected two CPUs" --cpus 0
expect_usage "bad test" "unknown test" -t speed
expect_usage "bad poll" "block or spin" --poll sometimes
expect_usage "unknown option" "ipcbench:" --frobnicate
expect_usage "json and csv" "ipcbench:" --json --csv
expect_usage "-n 0 (1 to 1e9)" "--iterations" -m pipe -n 0
expect_usage "--rate 0 (more than 0)" "--rate" -m pipe -n 10 --rate 0
expect_usage "--rate too low for --duration" "does not fit in --duration" -m pipe -t latency --rate 0.01
expect_usage "--rate too low for -n" "3600 s" -m pipe -t latency --rate 0.01 -n 1000
expect_usage "a size below 8" "'4' is not a size" -m pipe -n 10 -s 4
expect_usage "cpus with a trailing comma" "expected two CPUs" --cpus 0,1,
expect_usage "a mechanism list with an empty element" "empty element" -m pipe, -n 10

rc=0
"$IPCBENCH" --list >"$WORK/out" || rc=$?
[[ $rc == 0 ]] && grep -q '^shm-spin ' "$WORK/out" && ok "--list" || fail "--list: exit $rc"
"$IPCBENCH" --version | grep -q '^ipcbench ' && ok "--version" || fail "--version"
rc=0
"$IPCBENCH" -m pipe -t latency -n 50 --cpus 0,0 --poll spin --json >"$WORK/out" || rc=$?
[[ $rc == 0 ]] && jq -e '.settings.poll == "spin" and (.latency | length == 1) and .latency[0].placement == "0<->0"' "$WORK/out" >/dev/null &&
  ok "--poll spin --cpus 0,0" || fail "--poll spin --cpus 0,0: exit $rc: $(head -c 300 "$WORK/out")"
rc=0
"$IPCBENCH" -m pipe -t latency -n 200 --rate 20000 --cpus 0,0 --json >"$WORK/out" || rc=$?
[[ $rc == 0 ]] && jq -e '.settings.open_loop_rate_per_s == 20000 and .latency[0].samples == 200' "$WORK/out" >/dev/null &&
  ok "--rate open loop" || fail "--rate: exit $rc: $(head -c 300 "$WORK/out")"
rc=0
# The warm-up is not paced: 10 round trips at 5/s take 2 s, not 40 s more (past the watchdog).
timeout 15 "$IPCBENCH" -m pipe -t latency -n 10 --rate 5 --cpus 0,0 --json >"$WORK/out" || rc=$?
[[ $rc == 0 ]] && jq -e '.latency[0].status == "ok" and .latency[0].samples == 10' "$WORK/out" >/dev/null &&
  ok "--rate 5 -n 10" || fail "--rate 5 -n 10: exit $rc (124: killed after 15 s): $(head -c 300 "$WORK/out")"
rc=0
"$IPCBENCH" -m pipe,eventfd -n 50 --repeat 3 --cpus 0,0 --json >"$WORK/out" || rc=$?
[[ $rc == 0 ]] && jq -e '(.latency[0].runs == 3) and (.latency[0].p50_ns_per_run | length == 3) and (.throughput[0].mb_per_s_per_run | length == 3)
  and ([.throughput[] | select(.mechanism == "eventfd")][0] | .status == "skipped" and .runs == 1)' "$WORK/out" >/dev/null &&
  ok "--repeat 3: three runs each, a skipped one once" || fail "--repeat: exit $rc: $(head -c 300 "$WORK/out")"
finish
