#!/usr/bin/env bash
# bench/trace-system.sh: the cost of ipctrace --system (eBPF) on an IPC-bound workload,
# against no tracing and against the ptrace backend, on one machine, in one run.
#
# The workload is tests/ipctrace/trace_workload's one-byte pipe ping-pong (every round
# trip is two writes and two reads: four events). Configurations:
#   untraced
#   ipctrace -o /dev/null -- CMD                  the ptrace backend (seccomp filter)
#   ipctrace --system -o /dev/null                every process on the machine, started
#                                                 before the workload, stopped after it
#   ipctrace --system -o /dev/null -- CMD         the workload's process tree only
#   ipctrace --system -c -o /dev/null             system-wide, totals in the kernel
#   IPCTRACE_BPF=compat ipctrace --system ...     per-event, with the sys_exit program
#                                                 for kernels before 6.2 (probe reads)
#   IPCTRACE_BPF=floor ipctrace --system ...      the sys_exit hook alone, recording
#                                                 nothing: what the system call
#                                                 tracepoints cost any tracer by being on
#   IPCTRACE_BPF=hooks ipctrace --system ...      sys_enter and sys_exit both attached,
#                                                 returning at once: the bound of any
#                                                 tracer that sees a call's two ends
#   IPCTRACE_BPF=timing ipctrace --system ...     both, timing each traced call and
#                                                 nothing else: the bound of any tracer
#                                                 that gives durations, as -c does
# The last three are measuring aids that only an ipctrace built with -Dbench_knobs=true
# reads; with another, the script says so and leaves them out. To have them:
#   meson setup build-bench -Dbench_knobs=true && ninja -C build-bench
#   IPCTRACE=build-bench/tools/ipctrace/ipctrace bench/trace-system.sh
# Every configuration runs --runs times, interleaved; the best rate counts. Prints round
# trips per second and the ratios; targets (issue 6): --system >= 0.7x untraced with
# per-event output, >= 0.9x with -c, and >= 3x the ptrace backend. Needs root.
#
# PROGRAMS=1 adds what each eBPF program costs per call, by the kernel's own count
# (kernel.bpf_stats_enabled, switched on for one more run of each system-wide
# configuration and then set back): run time over runs, for the programs that ran at
# least once per round trip. The count reads a clock around every run, and that is in
# each figure: the floor's sys_exit, which returns after two checks, shows how much.
#
# The workload's two processes are pinned to one CPU (CPU=N, default the first this
# shell may use; CPU=none leaves them to the scheduler): unpinned, the untraced rate
# alone moves by a third from run to run on a two-CPU virtual machine, as the scheduler
# puts the two ends on one CPU or on two, and the ratios with it. Pinned, the tracer's
# own work in user space runs on another CPU, and what is measured is what tracing
# costs the traced processes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IPCTRACE=${IPCTRACE:-$repo/build/tools/ipctrace/ipctrace}
TRACE_WORKLOAD=${TRACE_WORKLOAD:-$repo/build/tests/ipctrace/trace_workload}
pingpong=${PINGPONG:-50000} runs=${RUNS:-3}
cpu=${CPU-$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')}
pin=()
[[ $cpu == none ]] || pin=(taskset -c "$cpu")
if (($#)) || ! [[ $pingpong =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: [IPCTRACE=path] [TRACE_WORKLOAD=path] [PINGPONG=round trips] [RUNS=n] [PROGRAMS=1] $0" >&2
  echo "(defaults: build/ under the repository root, PINGPONG=50000, RUNS=3; the best run counts)" >&2
  exit 2
fi
for bin in "$IPCTRACE" "$TRACE_WORKLOAD"; do
  [[ -x $bin ]] || { echo "trace-system.sh: $bin is missing: build first (ninja -C build)" >&2; exit 1; }
done
probe=$("$IPCTRACE" --system --duration 0.05 -e signal 2>&1 >/dev/null) ||
  { echo "trace-system.sh: ipctrace --system cannot run here: $probe" >&2; exit 1; }

programs=${PROGRAMS:-0}
if [[ $programs == 1 ]]; then
  for tool in bpftool jq sysctl; do
    command -v "$tool" >/dev/null || { echo "trace-system.sh: PROGRAMS=1 needs $tool" >&2; exit 1; }
  done
  stats_were=$(sysctl -n kernel.bpf_stats_enabled)
fi

tmp=$(mktemp -d /tmp/trace-system.XXXXXX)
tracer=
cleanup() {
  if [[ -n $tracer ]]; then kill -INT "$tracer" 2>/dev/null || true; wait "$tracer" 2>/dev/null || true; fi
  [[ -z ${stats_were:-} ]] || sysctl -qw kernel.bpf_stats_enabled="$stats_were"
  rm -rf "$tmp"
}
trap cleanup EXIT

configs=(untraced ptrace system system-cmd system-c system-compat system-floor system-hooks system-timing)
# The measuring aids: an ipctrace that reads IPCTRACE_BPF=floor attaches no sys_enter.
aids=$(IPCTRACE_BPF=floor "$IPCTRACE" --system --duration 0.05 -e signal 2>&1 >/dev/null || true)
if ! grep -q '^ipctrace: eBPF hooks: ' <<<"$aids" || grep -q '^ipctrace: eBPF hooks: .*sys_enter' <<<"$aids"; then
  echo "trace-system.sh: note: $IPCTRACE was built without -Dbench_knobs=true, so it does not read" \
    "IPCTRACE_BPF=floor, hooks or timing: those rows are left out (see the top of this script)" >&2
  configs=(untraced ptrace system system-cmd system-c system-compat)
fi
declare -A label=(
  [untraced]="untraced"
  [ptrace]="ipctrace -o /dev/null -- CMD (ptrace)"
  [system]="ipctrace --system -o /dev/null"
  [system-cmd]="ipctrace --system -o /dev/null -- CMD"
  [system-c]="ipctrace --system -c -o /dev/null"
  [system-compat]="IPCTRACE_BPF=compat ipctrace --system"
  [system-floor]="IPCTRACE_BPF=floor ipctrace --system"
  [system-hooks]="IPCTRACE_BPF=hooks ipctrace --system"
  [system-timing]="IPCTRACE_BPF=timing ipctrace --system"
)

# system_wide ARGS...: runs the workload while a system-wide trace runs; prints its rate.
# With $costs naming a file, the kernel counts the run time of every eBPF program for the
# run, and the file gets the cost per call of ipctrace's busy programs (PROGRAMS=1).
system_wide() {
  local before=
  if [[ -n ${costs:-} ]]; then
    before=$(bpftool prog show -j | jq -c '[.[].id]')
    sysctl -qw kernel.bpf_stats_enabled=1
  fi
  "$IPCTRACE" --system "$@" -o /dev/null 2>"$tmp/err" &
  tracer=$!
  for _ in $(seq 1500); do grep -q '^ipctrace: eBPF hooks' "$tmp/err" 2>/dev/null && break; sleep 0.02; done
  grep -q '^ipctrace: eBPF hooks' "$tmp/err" || { echo "trace-system.sh: ipctrace --system did not start: $(cat "$tmp/err")" >&2; exit 1; }
  "${pin[@]}" "$TRACE_WORKLOAD" pingpong "$pingpong"
  if [[ -n ${costs:-} ]]; then
    bpftool prog show -j | jq -r --argjson before "$before" --argjson min "$pingpong" \
      '[.[] | select((.id as $i | any($before[]; . == $i) | not) and (.run_cnt // 0) >= $min)
            | "\(.name) \(.run_time_ns / .run_cnt | round) ns"] | join(", ")' >"$costs"
    sysctl -qw kernel.bpf_stats_enabled="$stats_were"
  fi
  kill -INT "$tracer"
  wait "$tracer" || { echo "trace-system.sh: ipctrace --system failed: $(cat "$tmp/err")" >&2; exit 1; }
  tracer=
  lost=$(sed -n 's/^ipctrace: [0-9]* events, \([0-9]*\) lost.*/\1/p' "$tmp/err")
  [[ ${lost:-0} == 0 ]] || echo "trace-system.sh: note: $* lost $lost events" >&2
}

# run CONFIG: prints round trips per second.
run() {
  local w=("${pin[@]}" "$TRACE_WORKLOAD" pingpong "$pingpong")
  case $1 in
    untraced) "${w[@]}" ;;
    ptrace) "$IPCTRACE" -o /dev/null -- "${w[@]}" ;;
    system) system_wide ;;
    system-cmd) "$IPCTRACE" --system -o /dev/null -- "${w[@]}" 2>/dev/null ;;
    system-c) system_wide -c ;;
    system-compat) IPCTRACE_BPF=compat system_wide ;;
    system-floor) IPCTRACE_BPF=floor system_wide ;;
    system-hooks) IPCTRACE_BPF=hooks system_wide ;;
    system-timing) IPCTRACE_BPF=timing system_wide ;;
  esac
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs; best of $runs runs; workload $([[ $cpu == none ]] && echo unpinned || echo "pinned to CPU $cpu")"
declare -A best=()
for ((r = 0; r < runs; r++)); do
  for c in "${configs[@]}"; do
    rate=$(run "$c")
    if [[ -z ${best[$c]:-} ]] || ((rate > best[$c])); then best[$c]=$rate; fi
  done
done
echo
echo "pipe ping-pong ($pingpong round trips)"
printf '  %-40s %12s %12s %12s\n' "configuration" "trips/s" "vs untraced" "vs ptrace"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }
for c in "${configs[@]}"; do
  printf '  %-40s %12s %12s %12s\n' "${label[$c]}" "${best[$c]}" "$(ratio "${best[$c]}" "${best[untraced]}")" \
    "$(ratio "${best[$c]}" "${best[ptrace]}")"
done

if [[ $programs == 1 ]]; then
  echo
  echo "eBPF programs run at least once per round trip: run time per call (kernel.bpf_stats_enabled)"
  for c in "${configs[@]}"; do
    [[ $c == system* && $c != system-cmd ]] || continue  # the system-wide ones
    costs=$tmp/costs run "$c" >/dev/null
    printf '  %-40s %s\n' "${label[$c]}" "$(cat "$tmp/costs")"
  done
fi
