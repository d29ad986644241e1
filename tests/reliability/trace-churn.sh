#!/bin/bash
# ipctrace on a workload whose processes and threads end mid-syscall
# (churn_trace: blocked in read, msgrcv, semop or accept, killed by SIGKILL
# or by exit_group under their blocked threads), traced many times. Some
# runs also SIGKILL a random process of the workload from outside, or the
# workload itself. Every run must end within its timeout, with the
# command's exit status (or death by its signal), a trace of valid JSON
# Lines, and no process of the workload or of ipctrace, nor any SysV object
# of the workload (in a private IPC namespace), left behind.
#   TRACE_CHURN_RUNS (default 100) runs, stopped early at TRACE_CHURN_SECONDS
#   (default 50) in all.
source "$(dirname "$0")/lib.sh"

: "${CHURN_TRACE:?CHURN_TRACE must name the churn_trace binary}"
"$IPCTRACE" -e signal -- true >/dev/null 2>"$WORK/probe.err" ||
  skip "ipctrace cannot trace here: $(cat "$WORK/probe.err")"
# A workload killed from outside leaves its queue and semaphore set to its
# janitor (tests/helpers/janitor.hpp): in a private namespace, a run must end
# with none left, and any left is removed without touching others'.
private_namespace "$@"

runs=${TRACE_CHURN_RUNS:-100}
budget=${TRACE_CHURN_SECONDS:-50}
per_run_timeout=15

# children PID: every descendant of PID, depth first.
descendants() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

# Processes running one of our executables.
ours() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$CHURN_TRACE" || $exe == "$IPCTRACE" ]] && echo "${p#/proc/}"
  done
  return 0
}

# Counts the SysV objects a run left (all ours: private namespace), then removes them.
clear_private_ipc() {
  [[ $PRIVATE_NS == yes ]] || return 0
  local id w left
  for ((w = 0; w < 20; w++)); do
    left=$(awk 'FNR > 1 {n++} END {print n + 0}' /proc/sysvipc/msg /proc/sysvipc/sem)
    ((left == 0)) && break
    sleep 0.05
  done
  ((left == 0)) || problems+=("$left SysV objects left")
  for id in $(awk 'NR > 1 {print $2}' /proc/sysvipc/msg); do ipcrm -q "$id" 2>/dev/null || true; done
  for id in $(awk 'NR > 1 {print $2}' /proc/sysvipc/sem); do ipcrm -s "$id" 2>/dev/null || true; done
}

start=$SECONDS
done_runs=0 failures=0 outside_kills=0 root_kills=0 events_total=0
declare -A modes=()
for ((i = 0; i < runs; i++)); do
  if ((SECONDS - start >= budget)); then
    echo "note: stopped after $done_runs runs: the $budget s budget is spent"
    break
  fi
  seed=$((RANDOM * 32768 + RANDOM))
  status=$((seed % 40))
  mode=$((i % 4))
  trace=$WORK/trace.jsonl
  opts=(--json -o "$trace")
  case $mode in
  2) opts+=(--fast) ;;
  3) opts+=(-c) ;;
  esac
  t0=$SECONDS
  timeout -k 2 "$per_run_timeout" "$IPCTRACE" "${opts[@]}" -- "$CHURN_TRACE" "$seed" "$status" 4 \
    >/dev/null 2>"$WORK/err" &
  tpid=$!
  killed_root=no
  if ((mode == 1 || mode == 2)); then
    # Wait for the workload to have a child, then strike at a random moment.
    for ((w = 0; w < 40; w++)); do
      procs=($(descendants "$tpid"))  # ipctrace, the workload, its children
      ((${#procs[@]} > 2)) && break
      sleep 0.005
    done
    sleep "0.00$((RANDOM % 10))"
    procs=($(descendants "$tpid"))
    if ((${#procs[@]} > 2)); then
      if ((mode == 2 && RANDOM % 2 == 0)); then
        target=${procs[1]}  # the workload itself
        kill -KILL "$target" 2>/dev/null && killed_root=yes && root_kills=$((root_kills + 1))
      else
        target=${procs[2 + RANDOM % (${#procs[@]} - 2)]}
        kill -KILL "$target" 2>/dev/null && outside_kills=$((outside_kills + 1))
      fi
    fi
  fi
  rc=0
  wait "$tpid" || rc=$?
  elapsed=$((SECONDS - t0))
  done_runs=$((done_runs + 1))
  modes[$mode]=$((${modes[$mode]:-0} + 1))
  problems=()
  if ((elapsed >= per_run_timeout)); then
    problems+=("hung: killed after $per_run_timeout s")
  elif ((rc != status)) && ! [[ $killed_root == yes && $rc == 137 ]]; then
    problems+=("exit $rc, the command's status was $status${killed_root/yes/ (or 137: SIGKILLed)}")
  fi
  if [[ ! -s $trace ]]; then
    problems+=("no trace written")
  elif ! n=$(jq -s 'if all(type == "object") then length else error("not all objects") end' "$trace" 2>"$WORK/jq.err"); then
    problems+=("invalid JSON: $(head -c 200 "$WORK/jq.err")")
  else
    events_total=$((events_total + n))
  fi
  # Processes: none of ours may outlive the run (PDEATHSIG needs a moment).
  for ((w = 0; w < 20; w++)); do
    left=$(ours)
    [[ -z $left ]] && break
    sleep 0.05
  done
  if [[ -n $left ]]; then
    problems+=("processes left: $(for p in $left; do echo -n "$p:$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) "; done)")
    for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  clear_private_ipc
  if ((${#problems[@]} > 0)); then
    failures=$((failures + 1))
    fail "run $i (seed $seed, mode $mode${opts[*]:3}): $(printf '%s; ' "${problems[@]}")stderr: $(head -c 300 "$WORK/err" | tr '\n' '|')"
    cp "$trace" "$WORK/failed-$i.jsonl" 2>/dev/null || true
  fi
  rm -f "$trace"
done

echo
echo "trace churn: $done_runs runs in $((SECONDS - start)) s, $failures failed; $outside_kills processes and" \
  "$root_kills workloads SIGKILLed from outside; $events_total JSON lines checked;" \
  "modes: plain ${modes[0]:-0}, outside kill ${modes[1]:-0}, --fast ${modes[2]:-0}, -c ${modes[3]:-0}"
((done_runs >= 20)) || fail "only $done_runs runs fitted in $budget s: too few to mean much"
((failures == 0)) && ok "every run: status, JSON, no hang, nothing left"
finish
