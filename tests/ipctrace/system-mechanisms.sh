#!/bin/bash
# ipctrace --system on the every-mechanism workload (the CMD form: its
# process tree is the filter): each transfer with its exact bytes, ref and
# peer, as the ptrace backend reports it (check_transfers, lib.sh); the two
# backends agree on the bytes per mechanism and direction; a process outside
# the filter, busy on a pipe meanwhile, does not appear; no event is lost.
# All of it for both programs of the sys_exit hook. The measuring aids
# (IPCTRACE_BPF=floor, hooks, timing) record nothing where the build reads
# them, and are not read where it does not.
source "$(dirname "$0")/lib.sh"
require_system

# Outside the filter: a pipe ping-pong running all along.
"$TRACE_WORKLOAD" serve 400 >"$WORK/outsider" 2>/dev/null &
OUTSIDER=$!
CLEANUP+=("kill $OUTSIDER 2>/dev/null; wait $OUTSIDER 2>/dev/null")
for _ in $(seq 50); do [[ -s $WORK/outsider ]] && break; sleep 0.02; done

# Each of the two programs of the sys_exit hook (the one for kernels before
# 6.2 is chosen by IPCTRACE_BPF=compat): the same checks.
for program in default compat; do
  FACTS=$WORK/facts
  TRACE=$WORK/trace-$program.jsonl
  IPCTRACE_BPF=${program/default/} "$IPCTRACE" --system --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK" >"$WORK/out" 2>"$WORK/err" ||
    { fail "$program: ipctrace --system --json -- trace_workload all: exit $?: $(cat "$WORK/err")"; finish; }
  [[ $(fact done) == 1 ]] || fail "$program: the workload did not finish"
  P=$(fact parent)
  check_schema
  # By default, the fast program, unless the kernel is older than 6.2.
  hooks='^ipctrace: eBPF hooks: .*sys_enter.* sys_exit '
  [[ $program == compat || $(uname -r) =~ ^([0-5]\.|6\.[01]\.) ]] && hooks='^ipctrace: eBPF hooks: .*sys_enter.* sys_exit(compat) '
  expect "$program: the capability line names the hooks" "$(grep -c "$hooks" "$WORK/err")" 1
  expect "$program: no event lost" "$(sed -n 's/^ipctrace: [0-9]* events, \([0-9]*\) lost.*/\1/p' "$WORK/err")" 0

  check_transfers

  # Only the workload's process tree: its pids are the parent and those it forked.
  TREE=$(grep -E '^(parent|[a-z]+\.(writer|child|sender))=' "$FACTS" | cut -d= -f2 | sort -un | paste -sd, -)
  expect "$program: every event is of the workload's tree" "$(q "[.[] | select(.pid as \$p | [$TREE] | index(\$p) | not) | .pid] | unique")" "[]"
  expect "$program: the outsider ($OUTSIDER) is not in the trace" "$(q "[.[] | select(.pid == $OUTSIDER)] | length")" 0
done

# The ptrace backend on the same workload: the same bytes per mechanism and side.
PTRACE=$WORK/ptrace.jsonl
"$IPCTRACE" --json -o "$PTRACE" -- "$TRACE_WORKLOAD" all "$WORK/facts2" "$WORK" >/dev/null 2>"$WORK/err2" ||
  fail "ipctrace (ptrace) -- trace_workload all: exit $?: $(cat "$WORK/err2")"
totals='[.[] | select(.op == "send" or .op == "recv") | select(.mechanism | IN("pipe","fifo","unix","tcp","udp","sysv-msg","posix-mq","eventfd"))]
  | group_by([.mechanism, .op]) | map({key: (.[0].mechanism + " " + .[0].op), value: (map(.bytes) | add)}) | from_entries'
for program in default compat; do
  expect "$program: bytes per mechanism and side equal the ptrace backend's" \
    "$(jq -sc "$totals" "$WORK/trace-$program.jsonl")" "$(jq -sc "$totals" "$PTRACE")"
done
counted='[.[] | select(.mechanism != "posix-shm" and (.op | IN("sem_op","attach","detach","signal_send","signal_deliver"))) | .op] | group_by(.) | map({key: .[0], value: length}) | from_entries'
for program in default compat; do
  expect "$program: semaphore, shm and signal events equal the ptrace backend's" \
    "$(jq -sc "$counted" "$WORK/trace-$program.jsonl")" "$(jq -sc "$counted" "$PTRACE")"
done

# IPCTRACE_BPF=floor, hooks and timing, bench/trace-system.sh's measuring
# aids, are read only by a build with -Dbench_knobs=true
# (IPCTRACE_BENCH_KNOBS=1, from meson); without it they are not read at all.
if [[ ${IPCTRACE_BENCH_KNOBS:-0} == 1 ]]; then
  # IPCTRACE_BPF=floor (bench/trace-system.sh's bound): the hooks but sys_enter
  # attached, and not one system call recorded.
  IPCTRACE_BPF=floor "$IPCTRACE" --system --json -o "$WORK/floor.jsonl" -- "$TRACE_WORKLOAD" all "$WORK/facts3" "$WORK" \
    >/dev/null 2>"$WORK/err3" || fail "floor: ipctrace --system: exit $?: $(cat "$WORK/err3")"
  expect "floor: the capability line has sys_exit and not sys_enter" \
    "$(grep -c '^ipctrace: eBPF hooks: .*sys_exit' "$WORK/err3")/$(grep -c '^ipctrace: eBPF hooks: .*sys_enter' "$WORK/err3")" 1/0
  expect "floor: the workload ran" "$(sed -n 's/^done=//p' "$WORK/facts3")" 1
  expect "floor: no send or receive recorded" \
    "$(jq -s '[.[] | select(.op == "send" or .op == "recv")] | length' "$WORK/floor.jsonl")" 0

  # IPCTRACE_BPF=hooks and timing (the bench's other bounds): both hooks
  # attached, and not one system call recorded either.
  for aid in hooks timing; do
    IPCTRACE_BPF=$aid "$IPCTRACE" --system --json -o "$WORK/$aid.jsonl" -- "$TRACE_WORKLOAD" all "$WORK/facts-$aid" "$WORK" \
      >/dev/null 2>"$WORK/err-$aid" || fail "$aid: ipctrace --system: exit $?: $(cat "$WORK/err-$aid")"
    expect "$aid: the capability line has sys_enter and sys_exit" \
      "$(grep -c '^ipctrace: eBPF hooks: .*sys_enter.*sys_exit' "$WORK/err-$aid")" 1
    expect "$aid: the workload ran" "$(sed -n 's/^done=//p' "$WORK/facts-$aid")" 1
    expect "$aid: no send or receive recorded" \
      "$(jq -s '[.[] | select(.op == "send" or .op == "recv")] | length' "$WORK/$aid.jsonl")" 0
  done
else
  for aid in floor hooks timing; do
    IPCTRACE_BPF=$aid "$IPCTRACE" --system --json -o "$WORK/$aid.jsonl" -- "$TRACE_WORKLOAD" all "$WORK/facts-$aid" "$WORK" \
      >/dev/null 2>"$WORK/err-$aid" || fail "$aid: ipctrace --system: exit $?: $(cat "$WORK/err-$aid")"
    expect "$aid, not read: the capability line has sys_enter and sys_exit" \
      "$(grep -c '^ipctrace: eBPF hooks: .*sys_enter.*sys_exit' "$WORK/err-$aid")" 1
    expect "$aid, not read: the sends and receives are recorded, as without it" \
      "$(jq -sc "$totals" "$WORK/$aid.jsonl")" "$(jq -sc "$totals" "$WORK/trace-default.jsonl")"
  done
fi
finish
