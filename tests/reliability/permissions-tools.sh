#!/bin/bash
# The permission matrix of ipcbench and ipctrace, run as nobody: every
# ipcbench mechanism either works or is skipped with a named reason (never a
# crash, a hang, a failure without a reason, or an object, FIFO directory or
# process left behind); ipctrace traces a command it starts; ipctrace -p on
# root's process and -o into root's private directory fail with exit 1 and
# one "permission denied" line, and leave the process running and
# untouched. Prints the matrix.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root to own the targets and to switch to nobody"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed"
private_namespace "$@"
STATE_UID=65534  # what nobody may create; objects of root's are not its doing

MATRIX=$WORK/matrix
printf '%-28s %-9s %s\n' WHAT OUTCOME DETAIL >"$MATRIX"
row() { printf '%-28s %-9s %s\n' "$1" "$2" "$3" >>"$MATRIX"; }

# Processes of ours still running as nobody, by executable.
nobody_processes() {
  local p exe
  for p in /proc/[0-9]*; do
    [[ $(stat -c %u "$p" 2>/dev/null) == 65534 ]] || continue
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$IPCBENCH" || $exe == "$IPCTRACE" || $exe == "${CHURN_TRACE:-/}" ]] && echo "${p#/proc/} $exe"
  done
}

mkdir -m 0777 "$WORK/tmp" "$WORK/nobody"
mkdir -m 0700 "$WORK/rootonly"

# --- ipcbench: every mechanism
mechanisms=$("$IPCBENCH" --list | awk '{print $1}')
[[ -n $mechanisms ]] || { fail "ipcbench --list printed no mechanism"; finish; }
before=$(ipc_state)
for m in $mechanisms; do
  rc=0
  TMPDIR=$WORK/tmp timeout -k 2 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$IPCBENCH" -q -m "$m" -n 200 -w 20 --cpus 0,0 --json >"$WORK/bench.json" 2>"$WORK/bench.err" || rc=$?
  if ((rc == 124 || rc == 137)); then
    row "ipcbench -m $m" HANG "killed after 60 s"
    fail "ipcbench -m $m as nobody hung"
    continue
  fi
  if ((rc > 2)); then
    row "ipcbench -m $m" CRASH "exit $rc: $(head -c 100 "$WORK/bench.err")"
    fail "ipcbench -m $m as nobody: exit $rc: $(cat "$WORK/bench.err")"
    continue
  fi
  # One word per measurement: ok, or skipped/failed with the reason.
  outcome=$(jq -r '[(.latency // [])[], (.throughput // [])[]] | map(.status) | unique | join(",")' "$WORK/bench.json" 2>/dev/null) || outcome=""
  reasons=$(jq -r '[(.latency // [])[], (.throughput // [])[]] | map(select(.status != "ok") | "\(.test): \(.reason)") | unique | join("; ")' \
    "$WORK/bench.json" 2>/dev/null) || reasons=""
  if [[ -z $outcome ]]; then
    row "ipcbench -m $m" BAD "exit $rc, no JSON: $(head -c 100 "$WORK/bench.err")"
    fail "ipcbench -m $m as nobody: exit $rc without a report: $(cat "$WORK/bench.err")"
    continue
  fi
  row "ipcbench -m $m" "$outcome" "${reasons:-}"
  if [[ $outcome == *failed* ]]; then
    fail "ipcbench -m $m as nobody failed: $reasons"
  elif jq -e '[(.latency // [])[], (.throughput // [])[]] | any(.status == "skipped" and ((.reason // "") == ""))' "$WORK/bench.json" >/dev/null; then
    fail "ipcbench -m $m as nobody: skipped without a reason"
  elif ((rc != 0)); then
    fail "ipcbench -m $m as nobody: exit $rc with outcome $outcome"
  else
    ok "ipcbench -m $m as nobody: $outcome"
  fi
done
# A partner ends through PR_SET_PDEATHSIG: give it a moment.
for ((i = 0; i < 20; i++)); do
  [[ -z $(nobody_processes) ]] && break
  sleep 0.1
done
left=$(nobody_processes)
[[ -z $left ]] && ok "ipcbench as nobody: no process left" || fail "ipcbench as nobody left processes: $left"
after=$(ipc_state)
[[ $before == "$after" ]] && ok "ipcbench as nobody: no object left" ||
  fail "ipcbench as nobody left objects: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
[[ -z $(ls -A "$WORK/tmp") ]] && ok "ipcbench as nobody: no FIFO directory left" ||
  fail "ipcbench as nobody left in TMPDIR: $(ls -A "$WORK/tmp")"

# expect_denied WHAT RC STDERR-FILE: exit 1 and one line that says so.
expect_denied() {
  local what=$1 rc=$2 err=$3 lines
  lines=$(grep -c '' "$err" || true)
  if ((rc == 1)) && [[ $lines == 1 ]] && grep -qiE 'permission denied|not permitted' "$err"; then
    row "$what" refused "$(head -c 90 "$err")"
    ok "$what: refused: $(cat "$err")"
  else
    row "$what" BAD "exit $rc, $lines lines: $(head -c 90 "$err" | tr '\n' '|')"
    fail "$what: expected exit 1 and one 'permission denied' line, got exit $rc: $(cat "$err")"
  fi
}

# --- ipcbench --svg into root's directory
rc=0
run_as_nobody "$IPCBENCH" -q -m pipe -t latency -n 10 --svg "$WORK/rootonly/chart.svg" >/dev/null 2>"$WORK/err" || rc=$?
expect_denied "ipcbench --svg root-only dir" "$rc" "$WORK/err"

# --- ipctrace: launch mode
rc=0
timeout -k 2 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCTRACE" --json -o "$WORK/nobody/trace.jsonl" -- \
  sh -c 'echo hello | cat >/dev/null; exit 3' >/dev/null 2>"$WORK/err" || rc=$?
events=$(jq -s 'length' "$WORK/nobody/trace.jsonl" 2>/dev/null || echo "?")
pipes=$(jq -s '[.[] | select(.mechanism == "pipe" and .op == "send")] | length' "$WORK/nobody/trace.jsonl" 2>/dev/null || echo 0)
if ((rc == 3)) && [[ $pipes -ge 1 ]]; then
  row "ipctrace -- CMD" works "$events events, exit status 3 passed through"
  ok "ipctrace launch mode as nobody: $events events, $pipes pipe sends"
else
  row "ipctrace -- CMD" BAD "exit $rc, $events events, $pipes pipe sends"
  fail "ipctrace launch mode as nobody: exit $rc (want 3), $pipes pipe sends: $(cat "$WORK/err")"
fi

# --- ipctrace -p: root's process, then one of nobody's own
sleep 60 &
root_pid=$!
CLEANUP+=("kill $root_pid 2>/dev/null")
rc=0
timeout -k 2 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCTRACE" -p "$root_pid" >"$WORK/out" 2>"$WORK/err" || rc=$?
expect_denied "ipctrace -p root's process" "$rc" "$WORK/err"
[[ -s $WORK/out ]] && fail "ipctrace -p root's process printed on stdout: $(head -c 200 "$WORK/out")"
state=$(awk '{print $3}' "/proc/$root_pid/stat" 2>/dev/null || echo gone)
tracer=$(awk '/^TracerPid:/ {print $2}' "/proc/$root_pid/status" 2>/dev/null || echo "?")
[[ $state == S && $tracer == 0 ]] && ok "root's process still sleeping, untraced" ||
  fail "root's process after the refused attach: state $state, tracer $tracer"
kill "$root_pid" 2>/dev/null || true
wait "$root_pid" 2>/dev/null || true

setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 &  # not a function: $! is sleep itself
own_pid=$!
CLEANUP+=("kill $own_pid 2>/dev/null")
sleep 0.2
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCTRACE" -p "$own_pid" >"$WORK/out" 2>"$WORK/err" &
tracer_pid=$!
sleep 0.5
kill -INT "$tracer_pid" 2>/dev/null || true
rc=0
wait "$tracer_pid" || rc=$?
if ((scope == 0)); then
  if ((rc == 0)) && grep -q 'detached' "$WORK/err"; then
    row "ipctrace -p nobody's process" works "attached and detached on SIGINT"
    ok "ipctrace -p on nobody's own process: attached, detached"
  else
    row "ipctrace -p nobody's process" BAD "exit $rc: $(head -c 90 "$WORK/err" | tr '\n' '|')"
    fail "ipctrace -p on nobody's own process: exit $rc: $(cat "$WORK/err")"
  fi
else
  # Yama forbids attaching to anything but a descendant without CAP_SYS_PTRACE.
  expect_denied "ipctrace -p own (yama $scope)" "$rc" "$WORK/err"
fi
state=$(awk '{print $3}' "/proc/$own_pid/stat" 2>/dev/null || echo gone)
[[ $state == S ]] && ok "nobody's process still sleeping after the trace" || fail "nobody's process after the trace: state $state"
kill "$own_pid" 2>/dev/null || true
wait "$own_pid" 2>/dev/null || true

# --- ipctrace -o into root's private directory
rc=0
run_as_nobody "$IPCTRACE" -o "$WORK/rootonly/trace.txt" -- true >"$WORK/out" 2>"$WORK/err" || rc=$?
expect_denied "ipctrace -o root-only dir" "$rc" "$WORK/err"

left=$(nobody_processes)
[[ -z $left ]] && ok "no process of ipcbench or ipctrace left" || fail "processes left: $left"

echo
cat "$MATRIX"
finish
