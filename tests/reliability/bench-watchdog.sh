#!/bin/bash
# ipcbench's watchdog scales with the work asked for, and what cannot end in
# time is refused up front (issue 21, item 12): a paced run whose warm-up
# would outlast the watchdog (--rate 5 -n 10) now runs and ends in seconds;
# a rate too low for the measurement (--rate 0.01 with the default 0.3 s,
# or -n round trips spanning more than 3600 s) exits 2 at once with one line,
# instead of running past the watchdog or for ever. Also the ranges of
# ipcbench(1): -n 0, --rate 0, sizes below 8 bytes, and lists with an empty
# element (-c 0,1, -m pipe, -t latency,) are bad usage. Every run is bounded
# by timeout(1): none of these takes more than a few seconds when right.
source "$(dirname "$0")/lib.sh"

# run SECONDS ARGS...: ipcbench ARGS under timeout SECONDS; sets RC, ELAPSED
# (whole seconds), OUT and ERR (files).
OUT=$WORK/out ERR=$WORK/err
run() {
  local limit=$1 start
  shift
  start=$(date +%s%N)
  RC=0
  timeout -k 1 "$limit" "$IPCBENCH" -q "$@" >"$OUT" 2>"$ERR" </dev/null || RC=$?
  ELAPSED=$((($(date +%s%N) - start) / 1000000000))
}

# refused WHAT PATTERN ARGS...: exit 2 within 5 s, one line on stderr naming
# the problem, nothing on stdout.
refused() {
  local what=$1 pattern=$2
  shift 2
  run 5 "$@"
  if [[ $RC == 2 && $(wc -l <"$ERR") == 1 && ! -s $OUT ]] && grep -q -- "$pattern" "$ERR"; then
    ok "$what: exit 2 in ${ELAPSED}s: $(cat "$ERR")"
  else
    fail "$what: ipcbench $*: exit $RC after ${ELAPSED}s (124: still running after 5 s), stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
  fi
}

# The paced run that always failed: 200 paced warm-up round trips at 5/s
# took 40 s, and the watchdog (20 s) stopped it. The warm-up is not paced
# now: 10 round trips at 5/s span 1.8 s.
run 15 -m pipe -t latency --rate 5 -n 10 --cpus none --json
if [[ $RC == 0 ]] && jq -e '.latency[0] | .status == "ok" and .samples == 10' "$OUT" >/dev/null && ((ELAPSED < 10)); then
  ok "--rate 5 -n 10: ok, 10 samples, in ${ELAPSED}s"
else
  fail "--rate 5 -n 10: exit $RC after ${ELAPSED}s (124: killed after 15 s): $(head -c 300 "$OUT") $(head -c 300 "$ERR")"
fi
# The paced round trips are still paced: 9 at 4/s span 2 s.
run 15 -m pipe -t latency --rate 4 -n 9 -w 1000 --cpus none --json
if [[ $RC == 0 ]] && jq -e '.latency[0] | .status == "ok" and .samples == 9' "$OUT" >/dev/null && ((ELAPSED >= 2 && ELAPSED < 10)); then
  ok "--rate 4 -n 9 -w 1000: paced, the warm-up not: ${ELAPSED}s"
else
  fail "--rate 4 -n 9 -w 1000: exit $RC after ${ELAPSED}s: $(head -c 300 "$OUT") $(head -c 300 "$ERR")"
fi
# The duration mode under --rate: at least one interval fits in --duration.
run 15 -m pipe -t latency --rate 10 -d 0.5 --cpus none --json
if [[ $RC == 0 ]] && jq -e '.latency[0] | .status == "ok" and .samples >= 5' "$OUT" >/dev/null && ((ELAPSED < 10)); then
  ok "--rate 10 -d 0.5: ok in ${ELAPSED}s"
else
  fail "--rate 10 -d 0.5: exit $RC after ${ELAPSED}s: $(head -c 300 "$OUT") $(head -c 300 "$ERR")"
fi

# What cannot end in time is refused before anything runs.
refused "--rate 0.01 (one round trip per 100 s, --duration 0.3)" "--rate 0.01" -m pipe -t latency --rate 0.01
refused "--rate 1 (the default --duration 0.3)" "--duration" -m pipe --rate 1
refused "--rate 0.01 -n 100 (9900 s of intervals)" "3600 s" -m pipe -t latency --rate 0.01 -n 100
refused "--rate 1 -n 1e9" "3600 s" -m pipe -t latency --rate 1 -n 1000000000
refused "--rate 1e-300" "--rate" -m pipe --rate 1e-300
# The ranges of ipcbench(1).
refused "-n 0 (1 to 1e9)" "--iterations" -m pipe -n 0
refused "-n 1000000001" "--iterations" -m pipe -n 1000000001
refused "--rate 0 (more than 0)" "--rate" -m pipe -n 10 --rate 0
refused "--rate 2e9" "--rate" -m pipe -n 10 --rate 2e9
refused "-s 4 (at least 8)" "'4' is not a size" -m pipe -n 10 -s 4
refused "-s 64M+1" "is not a size" -m pipe -n 10 -s 67108865
refused "-c 0,1, (trailing comma)" "--cpus" -m pipe -n 10 -c 0,1,
refused "-c ,0,1" "--cpus" -m pipe -n 10 -c ,0,1
refused "-c 0,,0" "--cpus" -m pipe -n 10 -c 0,,0
refused "-c +0,0" "--cpus" -m pipe -n 10 -c +0,0
refused "-m pipe, (empty element)" "empty element" -m pipe, -n 10
refused "-t latency, (empty element)" "empty element" -m pipe -t latency, -n 10
refused "-d 3601" "--duration" -m pipe -d 3601
refused "-r 1001" "--repeat" -m pipe -n 10 -r 1001
refused "-w 1000000001" "--warmup" -m pipe -n 10 -w 1000000001

# The bounds themselves are accepted.
run 20 -m pipe -t latency -n 1 --rate 1e9 -s 8 -w 0 --cpus 0,0 --json
[[ $RC == 0 ]] && ok "-n 1 --rate 1e9 -s 8 -w 0 --cpus 0,0: ok" || fail "-n 1 --rate 1e9 -s 8 -w 0: exit $RC: $(cat "$ERR")"
run 20 -m pipe -t latency -n 1 --rate 0.01 --cpus none --json
[[ $RC == 0 ]] && ((ELAPSED < 10)) && ok "-n 1 --rate 0.01: one round trip, nothing to wait for (${ELAPSED}s)" ||
  fail "-n 1 --rate 0.01: exit $RC after ${ELAPSED}s: $(cat "$ERR")"
finish
