#!/usr/bin/env bash
# bench/trace.sh: the cost of tracing, ipctrace against strace, on one machine, in one run.
#
# Two workloads from tests/ipctrace/trace_workload: a one-byte pipe ping-pong between a
# parent and a child, and the same ping-pong with unrelated system calls between messages
# (stat, getppid, clock_gettime, open/read/close of a /proc file), as real programs make.
# Each runs untraced, under `strace -f -e trace=read,write -o /dev/null`, under
# `strace --seccomp-bpf -f -e trace=read,write -o /dev/null`, under `ipctrace -o /dev/null`
# under `ipctrace -c -o /dev/null`, under `ipctrace --fast -o /dev/null` (sends
# reported at their entry, one stop instead of two, bytes an upper bound), and under
# `ipctrace --spin 0 -o /dev/null` (the tracer sleeps in waitpid at once, as strace
# does, rather than polling first). Every configuration runs --runs times, interleaved,
# and the median rate counts, with the slowest and fastest run beside it: unpinned,
# a run's rate depends on whether the scheduler put tracer and tracees on one CPU or
# on two, and a tracer that sleeps is twice as fast in the lucky runs as in the others,
# so the best run would flatter it. Prints round trips per second, the CPU the median
# run used (tracer and tracees, in CPUs: user + system time over wall time) and the
# ratios of the medians; targets: ipctrace >= 2x strace, >= 1.5x strace --seccomp-bpf.
#
# CPU=N runs every configuration, tracer and tracees, on CPU N: each stop is then two
# context switches on one CPU, and the ratios measure the tracers' work per stop
# rather than where the scheduler put them (unpinned, the default, a stop may cost a
# wakeup across CPUs, which on a virtual machine costs more than the stop itself).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IPCTRACE=${IPCTRACE:-$repo/build/tools/ipctrace/ipctrace}
TRACE_WORKLOAD=${TRACE_WORKLOAD:-$repo/build/tests/ipctrace/trace_workload}
pingpong=20000 mixed=5000 runs=5
cpu=${CPU:-none}
[[ $cpu == none || $cpu =~ ^[0-9]+$ ]] || { echo "trace.sh: CPU wants a CPU number or 'none', not '$cpu'" >&2; exit 2; }
pin=() && [[ $cpu != none ]] && pin=(taskset -c "$cpu")

usage() {
  cat <<EOF2
usage: [IPCTRACE=path] [TRACE_WORKLOAD=path] $0 [--pingpong N] [--mixed N] [--runs N]
  --pingpong N  round trips of the plain ping-pong (default $pingpong)
  --mixed N     round trips of the ping-pong with unrelated calls (default $mixed)
  --runs N      runs of each configuration; the median counts (default $runs)
The binaries default to build/ under the repository root.
EOF2
}
number() { [[ $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || { echo "trace.sh: $1 wants a positive number, not '$2'" >&2; exit 2; }; }
while (($#)); do
  case $1 in
    --pingpong|--mixed|--runs)
      (($# >= 2)) || { usage >&2; exit 2; }
      number "$1" "$2"
      case $1 in --pingpong) pingpong=$2 ;; --mixed) mixed=$2 ;; --runs) runs=$2 ;; esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
for bin in "$IPCTRACE" "$TRACE_WORKLOAD"; do
  [[ -x $bin ]] || { echo "trace.sh: $bin is missing: build first (ninja -C build)" >&2; exit 1; }
done
command -v strace >/dev/null || { echo "trace.sh: strace is missing (apt-get install strace)" >&2; exit 1; }

configs=(untraced strace strace-seccomp ipctrace ipctrace-c ipctrace-fast ipctrace-nospin)
declare -A label=(
  [untraced]="untraced"
  [strace]="strace -f -e trace=read,write"
  [strace-seccomp]="strace --seccomp-bpf -f -e trace=read,write"
  [ipctrace]="ipctrace -o /dev/null"
  [ipctrace-c]="ipctrace -c"
  [ipctrace-fast]="ipctrace --fast -o /dev/null"
  [ipctrace-nospin]="ipctrace --spin 0 -o /dev/null"
)
# run CONFIG WORKLOAD N: prints round trips per second.
run() {
  local w=("$TRACE_WORKLOAD" "$2" "$3")
  case $1 in
    untraced) "${pin[@]}" "${w[@]}" ;;
    strace) "${pin[@]}" strace -f -e trace=read,write -o /dev/null "${w[@]}" ;;
    strace-seccomp) "${pin[@]}" strace --seccomp-bpf -f -e trace=read,write -o /dev/null "${w[@]}" ;;
    ipctrace) "${pin[@]}" "$IPCTRACE" -o /dev/null -- "${w[@]}" ;;
    ipctrace-c) "${pin[@]}" "$IPCTRACE" -c -o /dev/null -- "${w[@]}" ;;
    ipctrace-fast) "${pin[@]}" "$IPCTRACE" --fast -o /dev/null -- "${w[@]}" ;;
    ipctrace-nospin) "${pin[@]}" "$IPCTRACE" --spin 0 -o /dev/null -- "${w[@]}" ;;
  esac
}

times=$(mktemp /tmp/trace-bench.XXXXXX)
trap 'rm -f "$times"' EXIT
TIMEFORMAT='%R %U %S'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs; median of $runs runs;" \
  "$([[ $cpu == none ]] && echo unpinned || echo "all on CPU $cpu")"
for workload in pingpong mixed; do
  n=$([[ $workload == pingpong ]] && echo "$pingpong" || echo "$mixed")
  declare -A samples=() median=() cpus=() spread=()
  for ((r = 0; r < runs; r++)); do
    for c in "${configs[@]}"; do
      { time rate=$(run "$c" "$workload" "$n" 2>&3); } 3>&2 2>"$times"
      samples[$c]+="$rate $(awk '{ printf "%.2f", ($2 + $3) / $1 }' "$times")"$'\n'
    done
  done
  for c in "${configs[@]}"; do
    # The median run (the lower of the two middle ones for an even count), its CPUs,
    # and the range.
    read -r median[$c] cpus[$c] spread[$c] < <(sort -n <<<"${samples[$c]%$'\n'}" |
      awk '{ r[NR] = $1; u[NR] = $2 } END { m = int((NR + 1) / 2); print r[m], u[m], r[1] "-" r[NR] }')
  done
  echo
  echo "$workload ($n round trips)"
  printf '  %-44s %12s %10s %6s  %s\n' "configuration" "trips/s" "vs untraced" "CPUs" "slowest-fastest"
  for c in "${configs[@]}"; do
    printf '  %-44s %12s %10s %6s  %s\n' "${label[$c]}" "${median[$c]}" \
      "$(awk -v a="${median[$c]}" -v b="${median[untraced]}" 'BEGIN { printf "%.3fx", a / b }')" "${cpus[$c]}" "${spread[$c]}"
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
  echo "  ipctrace: $(ratio "${median[ipctrace]}" "${median[strace]}") strace -f (target 2x)," \
    "$(ratio "${median[ipctrace]}" "${median[strace-seccomp]}") strace --seccomp-bpf (target 1.5x);" \
    "ipctrace -c: $(ratio "${median[ipctrace-c]}" "${median[strace]}"), $(ratio "${median[ipctrace-c]}" "${median[strace-seccomp]}");" \
    "ipctrace --fast: $(ratio "${median[ipctrace-fast]}" "${median[strace]}"), $(ratio "${median[ipctrace-fast]}" "${median[strace-seccomp]}");" \
    "ipctrace --spin 0: $(ratio "${median[ipctrace-nospin]}" "${median[strace]}"), $(ratio "${median[ipctrace-nospin]}" "${median[strace-seccomp]}")"
  unset samples median cpus spread
done
