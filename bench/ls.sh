#!/usr/bin/env bash
# bench/ls.sh: time `ipcctl ls --json` against its anchors on one busy machine, in one run.
#
# Builds a landscape (bench/landscape.cpp: thousands of processes holding tens of thousands
# of descriptors, thousands of SysV objects, POSIX queues, shm and semaphores), then times
# `ipcctl ls --json`, `lsfd --json`, and the combination a user would need without ipcctl
# (lsipc -q/-m/-s, lsfd and lslocks), and prints median wall and CPU time, peak RSS, ratios.
# Everything it creates or changes (objects, sysctls, the /dev/mqueue mount) is undone on
# exit, including on Ctrl-C. Needs root. See bench/README.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IPCCTL=${IPCCTL:-$repo/build/tools/ipcctl}
procs=2000 fds_per_proc=16 sysv=3000 posix=64 tcp=16 runs=10

usage() {
  cat <<EOF
usage: [IPCCTL=path] $0 [--procs N] [--fds-per-proc N] [--sysv N] [--posix N] [--runs N]
  --procs N         processes in the landscape (default $procs)
  --fds-per-proc N  descriptors each of them holds (default $fds_per_proc)
  --sysv N          SysV objects, a third each of queues, segments, semaphore sets ($sysv)
  --posix N         POSIX message queues, and as many shm objects and semaphores ($posix)
  --runs N          timed runs of each command (default $runs)
IPCCTL defaults to build/tools/ipcctl under the repository root.
EOF
}
die() { echo "ls.sh: $*" >&2; exit 1; }
number() { [[ $2 =~ ^[0-9]+$ ]] || { echo "ls.sh: $1 wants a number, not '$2'" >&2; exit 2; }; }

while (($#)); do
  case $1 in
    --procs|--fds-per-proc|--sysv|--posix|--runs)
      (($# >= 2)) || { usage >&2; exit 2; }
      number "$1" "$2"
      case $1 in
        --procs) procs=$2 ;; --fds-per-proc) fds_per_proc=$2 ;; --sysv) sysv=$2 ;;
        --posix) posix=$2 ;; --runs) runs=$2 ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
((procs >= 2 && runs >= 1)) || die "--procs must be at least 2 and --runs at least 1"
((EUID == 0)) || die "run as root: it changes sysctls and must read every process's /proc"
[[ -x $IPCCTL ]] || die "no ipcctl at $IPCCTL: build it (meson setup build && ninja -C build) or set IPCCTL"

# --- tools: install what is missing -------------------------------------------------
need=()
command -v g++ >/dev/null || need+=(g++)
command -v jq >/dev/null || need+=(jq)
[[ -x /usr/bin/time ]] || need+=(time)
command -v lsfd >/dev/null && command -v lsipc >/dev/null && command -v lslocks >/dev/null ||
  need+=(util-linux)
command -v hyperfine >/dev/null || need+=(hyperfine)
if ((${#need[@]})); then
  echo "ls.sh: installing ${need[*]}" >&2
  for pkg in "${need[@]}"; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1 ||
      echo "ls.sh: could not install $pkg" >&2
  done
fi
for tool in g++ jq lsfd lsipc lslocks /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is needed and could not be installed"
done

# --- cleanup: runs on every exit ----------------------------------------------------
tmp=$(mktemp -d /tmp/ipcctl-bench.XXXXXX)
tag=ipcctl-bench-$$
landscape_pid='' job_pid='' mounted_mq='' made_mq_dir='' restore=()

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM HUP  # finish cleaning up whatever arrives now
  set +e
  [[ -n $job_pid ]] && kill -TERM "$job_pid" 2>/dev/null && wait "$job_pid" 2>/dev/null
  if [[ -n $landscape_pid ]]; then
    kill -TERM "$landscape_pid" 2>/dev/null
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$landscape_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$landscape_pid" 2>/dev/null
    wait "$landscape_pid" 2>/dev/null
    # It removes what it made whenever it exits; if a signal killed it, its manifest
    # still says what it made.
    if (($? > 128)) && [[ -f $tmp/manifest ]]; then
      echo "ls.sh: the landscape was killed; removing its objects from its manifest" >&2
      local kind what ids=()
      while read -r kind what; do
        case $kind in
          msg) ids+=(-q "$what") ;; shm) ids+=(-m "$what") ;; sem) ids+=(-s "$what") ;;
          mq) rm -f "/dev/mqueue$what" ;; pshm) rm -f "/dev/shm$what" ;;
          psem) rm -f "/dev/shm/sem.${what#/}" ;;
        esac
      done <"$tmp/manifest"
      ((${#ids[@]})) && ipcrm "${ids[@]}" 2>/dev/null
    fi
  fi
  local kv
  for kv in "${restore[@]}"; do sysctl -q -w "$kv" >/dev/null; done
  [[ -n $mounted_mq ]] && umount /dev/mqueue
  [[ -n $made_mq_dir ]] && rmdir /dev/mqueue
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Runs a command in the background and waits for it, so that a signal to this script
# is handled at once rather than when the command ends.
run() { "$@" & job_pid=$!; wait "$job_pid"; local rc=$?; job_pid=''; return "$rc"; }

# --- limits -------------------------------------------------------------------------
# raise NAME VALUE: set a sysctl to at least VALUE, remembering the old value.
raise() {
  local old
  old=$(sysctl -n "$1")
  (($2 > old)) || return 0
  restore+=("$1=$old")
  sysctl -q -w "$1=$2" >/dev/null || die "cannot raise $1 to $2"
}
nprocs() { local p=(/proc/[0-9]*); echo "${#p[@]}"; }
rows() { [[ -r $1 ]] && echo $(($(wc -l <"$1") - 1)) || echo 0; }
nmsg=$((sysv / 3)) nshm=$((sysv / 3)) nsem=$((sysv - 2 * (sysv / 3)))
raise kernel.msgmni $(($(rows /proc/sysvipc/msg) + nmsg + 16))
raise kernel.shmmni $(($(rows /proc/sysvipc/shm) + nshm + 16))
read -r semmsl semmns semopm semmni < <(sysctl -n kernel.sem)
sem_want_mni=$(($(rows /proc/sysvipc/sem) + nsem + 16))
sem_want_mns=$((semmns + nsem * 4))
if ((sem_want_mni > semmni)); then
  restore+=("kernel.sem=$semmsl $semmns $semopm $semmni")
  sysctl -q -w kernel.sem="$semmsl $sem_want_mns $semopm $sem_want_mni" >/dev/null ||
    die "cannot raise kernel.sem"
fi
raise kernel.pid_max $(($(nprocs) + procs + 4096))
if ! mountpoint -q /dev/mqueue 2>/dev/null; then
  [[ -d /dev/mqueue ]] || { mkdir /dev/mqueue && made_mq_dir=1; }
  mount -t mqueue none /dev/mqueue || die "cannot mount the mqueue filesystem on /dev/mqueue"
  mounted_mq=1
fi
raise fs.mqueue.queues_max $(($(find /dev/mqueue -mindepth 1 | wc -l) + posix + 16))
ulimit -n "$(ulimit -Hn)"
ulimit -q unlimited 2>/dev/null || true  # small queues fit the default if this is refused

# --- the landscape --------------------------------------------------------------------
g++ -std=c++20 -O2 -o "$tmp/landscape" "$repo/bench/landscape.cpp" || die "cannot build the landscape"
echo "ls.sh: building a landscape of $procs processes..." >&2
start=$(date +%s%N)
"$tmp/landscape" --dir "$tmp" --tag "$tag" --procs "$procs" --fds-per-proc "$fds_per_proc" \
  --sysv "$sysv" --posix "$posix" --tcp "$tcp" >"$tmp/ready" 2>"$tmp/landscape.err" </dev/null &
landscape_pid=$!
until grep -q '^ready' "$tmp/ready"; do
  kill -0 "$landscape_pid" 2>/dev/null || die "the landscape failed: $(cat "$tmp/landscape.err")"
  sleep 0.2
done
setup_ms=$((($(date +%s%N) - start) / 1000000))
# ready procs=N fds=N msg=N shm=N sem=N posix_mq=N posix_shm=N posix_sem=N pid=N
declare -A land
read -ra words <"$tmp/ready"
for kv in "${words[@]}"; do [[ $kv == *=* ]] && land[${kv%%=*}]=${kv#*=}; done
machine_procs=$(nprocs)
machine_fds=$(find /proc/[0-9]*/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)

# --- timing ---------------------------------------------------------------------------
q_ipcctl="$(printf %q "$IPCCTL") ls --json"
q_lsfd="lsfd --json"
q_combo="lsipc -q --json; lsipc -m --json; lsipc -s --json; lsfd --json; lslocks --json"
names=(ipcctl lsfd combination)
cmds=("$q_ipcctl" "$q_lsfd" "$q_combo")
sh -c "$q_ipcctl" >/dev/null || die "'$q_ipcctl' failed"

declare -A median_ms rss_kib
read -r load _ </proc/loadavg
if command -v hyperfine >/dev/null; then
  hf=()
  for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
  run hyperfine --style basic --warmup 1 --runs "$runs" --output=null \
    --export-json "$tmp/hyperfine.json" "${hf[@]}" >&2
  for i in "${!names[@]}"; do
    median_ms[${names[$i]}]=$(jq -r ".results[$i].median * 1000" "$tmp/hyperfine.json")
  done
else
  echo "ls.sh: no hyperfine; timing $runs runs of each in a loop" >&2
  for i in "${!names[@]}"; do
    sh -c "${cmds[$i]}" >/dev/null 2>&1 || true  # warm-up
    : >"$tmp/times"
    for ((r = 0; r < runs; r++)); do
      t0=$(date +%s%N)
      run sh -c "${cmds[$i]}" >/dev/null 2>&1 || true
      echo $(($(date +%s%N) - t0)) >>"$tmp/times"
    done
    median_ms[${names[$i]}]=$(sort -n "$tmp/times" | awk '{ t[NR] = $1 }
      END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print m / 1e6 }')
  done
fi
# Peak RSS (the largest of a few runs) and CPU time (user + system, their median): CPU
# time is what to compare on a loaded machine, where wall time also counts waiting for a
# core. For the combination, GNU time reports the largest process of the sequence (wait4
# folds waited-for children into the shell's maximum) and the CPU time of all of them.
declare -A cpu_ms
for i in "${!names[@]}"; do
  peak=0
  : >"$tmp/cpu"
  for ((r = 0; r < (runs < 3 ? runs : 3); r++)); do
    run /usr/bin/time -f '%M %U %S' -o "$tmp/rss" sh -c "${cmds[$i]}" >/dev/null 2>&1 || true
    read -r kib user sys < <(tail -n 1 "$tmp/rss")
    if ((kib > peak)); then peak=$kib; fi
    awk -v u="$user" -v s="$sys" 'BEGIN { print (u + s) * 1000 }' >>"$tmp/cpu"
  done
  rss_kib[${names[$i]}]=$peak
  cpu_ms[${names[$i]}]=$(sort -n "$tmp/cpu" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
done

# --- what each one listed ---------------------------------------------------------------
read -r ipc_objects ipc_holders < <("$IPCCTL" ls --json |
  jq -r '[(.objects | length), ([.objects[].holders | length] | add // 0)] | @tsv')
lsfd_rows=$(lsfd --json | jq '.lsfd | length')
lsipc_rows=$(( $(lsipc -q --json | jq '[.[] | length] | add // 0') + \
  $(lsipc -m --json | jq '[.[] | length] | add // 0') + $(lsipc -s --json | jq '[.[] | length] | add // 0') ))

# --- report -----------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# "5.1x faster" when a > b, "1.3x slower" otherwise (a, b: times of the other and of ipcctl).
speed() { awk -v a="$1" -v b="$2" 'BEGIN {
  if (a <= 0 || b <= 0) printf "n/a:"; else if (a >= b) printf "%.1fx faster than", a / b; else printf "%.1fx slower than", b / a }'; }

echo
echo "landscape: ${land[procs]} processes holding ${land[fds]} descriptors;" \
  "SysV ${land[msg]} queues, ${land[shm]} segments, ${land[sem]} semaphore sets;" \
  "POSIX ${land[posix_mq]} queues, ${land[posix_shm]} shm, ${land[posix_sem]} semaphores" \
  "(built in $((setup_ms / 1000)).$(((setup_ms % 1000) / 100)) s)"
echo "machine:   $machine_procs processes, $machine_fds descriptors, $(nproc) cores," \
  "load average $load; $runs runs each ($(command -v hyperfine >/dev/null && echo hyperfine || echo loop))"
awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n) }' &&
  echo "           (busier than its cores: wall times include waiting for one; compare CPU time)"
echo
printf '%-34s %12s %12s %14s\n' command "median ms" "CPU ms" "peak RSS KiB"
labels=("ipcctl ls --json" "lsfd --json" "lsipc -q/-m/-s, lsfd, lslocks")
for i in "${!names[@]}"; do
  n=${names[$i]}
  printf '%-34s %12.1f %12.0f %14d\n' "${labels[$i]}" "${median_ms[$n]}" "${cpu_ms[$n]}" "${rss_kib[$n]}"
done
echo
t_ipc=${median_ms[ipcctl]} m_ipc=${rss_kib[ipcctl]}
for n in lsfd combination; do
  printf '%-22s time %6sx   CPU %6sx   memory %6sx\n' "$n / ipcctl:" "$(ratio "${median_ms[$n]}" "$t_ipc")" \
    "$(ratio "${cpu_ms[$n]}" "${cpu_ms[ipcctl]}")" "$(ratio "${rss_kib[$n]}" "$m_ipc")"
done
echo "listed: ipcctl $ipc_objects objects with $ipc_holders holders;" \
  "lsfd $lsfd_rows rows; lsipc $lsipc_rows SysV objects"
targets=$(awk -v l="${median_ms[lsfd]}" -v t="$t_ipc" -v lm="${rss_kib[lsfd]}" -v m="$m_ipc" \
  'BEGIN { if (l >= 4 * t && 3 * m < lm) print "met"; else print "missed" }')
echo "targets (4x faster than lsfd --json, under 1/3 of its peak memory): $targets"
echo
echo "ipcctl ls --json: $(speed "${median_ms[lsfd]}" "$t_ipc") lsfd --json," \
  "$(ratio "$m_ipc" "${rss_kib[lsfd]}")x its peak memory;" \
  "$(speed "${median_ms[combination]}" "$t_ipc") the combination"
