#!/usr/bin/env bash
# bench/ls.sh: time `ipcctl ls --json` against its anchors on one busy machine, in one run.
#
# Builds a landscape (bench/landscape.cpp: thousands of processes holding tens of thousands
# of descriptors, thousands of SysV objects, POSIX queues, shm and semaphores), then times
# `ipcctl ls --json`, `lsfd --json`, and the combination a user would need without ipcctl
# (lsipc -q/-m/-s, lsfd and lslocks), and prints median wall and CPU time, peak RSS, ratios.
# Everything it creates or changes (objects, sysctls, the /dev/mqueue mount) is undone on
# exit, including on Ctrl-C. Needs root. See bench/README.md.
#
# --shape ipc-heavy measures a machine that does a lot of IPC instead: holders that each own
# a private set of every kind and thousands of SysV objects of each kind, at several scales
# (--scales 1,2,4), against lsfd and against a bare walk of /proc/*/fd (readlink_walk.c).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IPCCTL=${IPCCTL:-$repo/build/tools/ipcctl}
procs='' fds_per_proc=16 sysv='' posix=64 tcp=16 runs='' shape=default scales=1,2,4 perf=''

usage() {
  cat <<EOF
usage: [IPCCTL=path] $0 [--shape default|ipc-heavy] [--procs N] [--sysv N] [--runs N]
                 [--fds-per-proc N] [--posix N] [--scales LIST] [--perf]
  --shape S         default: many processes and descriptors, few IPC objects;
                    ipc-heavy: every holder owns one object of every kind, at several scales
  --procs N         processes in the landscape (default 2000; ipc-heavy: 1500 holders at x1)
  --sysv N          SysV objects, a third each of queues, segments, semaphore sets (3000);
                    ipc-heavy: objects of each kind at x1 (2000)
  --runs N          timed runs of each command (default 10; ipc-heavy: 5)
  default shape only:
  --fds-per-proc N  descriptors each process holds (default $fds_per_proc)
  --posix N         POSIX message queues, and as many shm objects and semaphores ($posix)
  ipc-heavy only:
  --scales LIST     multiples of --procs and --sysv to measure, comma separated ($scales)
  --perf            also run perf stat on ipcctl ls --json at the first scale
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
    --shape)
      (($# >= 2)) || { usage >&2; exit 2; }
      [[ $2 == default || $2 == ipc-heavy ]] ||
        { echo "ls.sh: --shape is default or ipc-heavy, not '$2'" >&2; exit 2; }
      shape=$2
      shift 2 ;;
    --scales)
      (($# >= 2)) || { usage >&2; exit 2; }
      [[ $2 =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
        { echo "ls.sh: --scales wants numbers from 1 up, comma separated, not '$2'" >&2; exit 2; }
      scales=$2
      shift 2 ;;
    --perf) perf=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
if [[ $shape == ipc-heavy ]]; then
  procs=${procs:-1500} sysv=${sysv:-2000} runs=${runs:-5}
else
  procs=${procs:-2000} sysv=${sysv:-3000} runs=${runs:-10}
fi
((procs >= 2 && runs >= 1)) || die "--procs must be at least 2 and --runs at least 1"
((EUID == 0)) || die "run as root: it changes sysctls and must read every process's /proc"
[[ -x $IPCCTL ]] || die "no ipcctl at $IPCCTL: build it (meson setup build && ninja -C build) or set IPCCTL"

# --- tools: install what is missing -------------------------------------------------
need=()
command -v g++ >/dev/null || need+=(g++)
[[ $shape == ipc-heavy ]] && ! command -v cc >/dev/null && need+=(gcc)
[[ -n $perf ]] && ! command -v perf >/dev/null && need+=(linux-perf)
command -v jq >/dev/null || need+=(jq)
[[ -x /usr/bin/time ]] || need+=(time)
command -v lsfd >/dev/null && command -v lsipc >/dev/null && command -v lslocks >/dev/null ||
  need+=(util-linux)
[[ $shape == ipc-heavy ]] || command -v hyperfine >/dev/null || need+=(hyperfine)
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
land_dir=$tmp  # where the landscape writes its manifest (one directory per scale if several)
landscape_pid='' job_pid='' mounted_mq='' made_mq_dir='' restore=()
down_wait=10  # seconds the landscape gets to take itself down

# Ends the landscape, giving it down_wait seconds to take down what it made; if it had to
# be killed, removes the objects its manifest names.
take_down() {
  [[ -n $landscape_pid ]] || return 0
  local i rc=0
  kill -TERM "$landscape_pid" 2>/dev/null
  for ((i = 0; i < down_wait * 10; i++)); do kill -0 "$landscape_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$landscape_pid" 2>/dev/null || true
  wait "$landscape_pid" 2>/dev/null || rc=$?
  landscape_pid=''
  # It removes what it made whenever it exits; if a signal killed it, its manifest
  # still says what it made.
  if ((rc > 128)) && [[ -f $land_dir/manifest ]]; then
    echo "ls.sh: the landscape was killed; removing its objects from its manifest" >&2
    local kind what ids=()
    while read -r kind what; do
      case $kind in
        msg) ids+=(-q "$what") ;; shm) ids+=(-m "$what") ;; sem) ids+=(-s "$what") ;;
        mq) rm -f "/dev/mqueue$what" ;; pshm) rm -f "/dev/shm$what" ;;
        psem) rm -f "/dev/shm/sem.${what#/}" ;;
      esac
    done <"$land_dir/manifest"
    if ((${#ids[@]})); then ipcrm "${ids[@]}" 2>/dev/null || true; fi
  fi
  return 0
}

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM HUP  # finish cleaning up whatever arrives now
  set +e
  [[ -n $job_pid ]] && kill -TERM "$job_pid" 2>/dev/null && wait "$job_pid" 2>/dev/null
  take_down
  # Each entry is NAME=OLD=SET: OLD goes back unless something else changed NAME since.
  local kv name old set
  for kv in "${restore[@]}"; do
    name=${kv%%=*} old=${kv#*=}
    set=${old#*=} old=${old%%=*}
    [[ $(sysctl -n "$name" | tr -s '\t ' '  ') == "$set" ]] && sysctl -q -w "$name=$old" >/dev/null
  done
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
  restore+=("$1=$old=$2")
  sysctl -q -w "$1=$2" >/dev/null || die "cannot raise $1 to $2"
}
nprocs() { local p=(/proc/[0-9]*); echo "${#p[@]}"; }
rows() { [[ -r $1 ]] && echo $(($(wc -l <"$1") - 1)) || echo 0; }
mount_mqueue() {
  mountpoint -q /dev/mqueue 2>/dev/null && return 0
  [[ -d /dev/mqueue ]] || { mkdir /dev/mqueue && made_mq_dir=1; }
  mount -t mqueue none /dev/mqueue || die "cannot mount the mqueue filesystem on /dev/mqueue"
  mounted_mq=1
}

# --- the IPC-heavy shape ------------------------------------------------------------------
# Everything from here to its `exit` is the ipc-heavy shape; the default shape follows it.
if [[ $shape == ipc-heavy ]]; then
  IFS=, read -ra scale_list <<<"$scales"
  max_scale=0
  for s in "${scale_list[@]}"; do ((s > max_scale)) && max_scale=$s; done
  max_procs=$((procs * max_scale)) max_sysv=$((sysv * max_scale))

  # Limits, raised once for the largest scale. Holders use sets of 4 semaphores.
  raise kernel.msgmni $(($(rows /proc/sysvipc/msg) + max_sysv + 16))
  raise kernel.shmmni $(($(rows /proc/sysvipc/shm) + max_sysv + 16))
  read -r semmsl semmns semopm semmni < <(sysctl -n kernel.sem)
  sem_want_mni=$(($(rows /proc/sysvipc/sem) + max_sysv + 16))
  sem_want_mns=$(($(awk 'NR > 1 { n += $4 } END { print n + 0 }' /proc/sysvipc/sem) + 4 * max_sysv + 64))
  if ((sem_want_mni > semmni || sem_want_mns > semmns)); then
    ((sem_want_mni > semmni)) || sem_want_mni=$semmni
    ((sem_want_mns > semmns)) || sem_want_mns=$semmns
    restore+=("kernel.sem=$semmsl $semmns $semopm $semmni=$semmsl $sem_want_mns $semopm $sem_want_mni")
    sysctl -q -w kernel.sem="$semmsl $sem_want_mns $semopm $sem_want_mni" >/dev/null ||
      die "cannot raise kernel.sem"
  fi
  read -r _ _ _ tasks _ </proc/loadavg  # running/total scheduling entities
  raise kernel.pid_max $((${tasks#*/} + max_procs + 8192))
  mount_mqueue
  # Root passes fs.mqueue.queues_max and RLIMIT_MSGQUEUE anyway; raised so that it need not.
  raise fs.mqueue.queues_max $(($(find /dev/mqueue -mindepth 1 | wc -l) + max_procs + 16))
  ulimit -n "$(ulimit -Hn)"
  ulimit -q unlimited 2>/dev/null || true  # the landscape lifts it for itself too

  g++ -std=c++20 -O2 -o "$tmp/landscape" "$repo/bench/landscape.cpp" || die "cannot build the landscape"
  cc -O2 -o "$tmp/readlink_walk" "$repo/bench/readlink_walk.c" || die "cannot build readlink_walk"

  # What is timed: ipcctl's JSON, lsfd's, ipcctl's streaming JSON lines, the bare walk.
  names=(json lsfd jsonl walk)
  command_of() {
    case $1 in
      json) cmd=("$IPCCTL" ls --json) ;;
      jsonl) cmd=("$IPCCTL" ls --jsonl) ;;
      lsfd) cmd=(lsfd --json) ;;
      walk) cmd=("$tmp/readlink_walk") ;;
    esac
  }
  # Sets cpu_now to the user + system ms of this shell's waited-for children, from the
  # `times` builtin (ms resolution; no fork, so nothing of its own is counted).
  cpu_now=0
  children_cpu() {
    local line re='([0-9]+)m([0-9]+)[.,]([0-9]+)s[[:space:]]+([0-9]+)m([0-9]+)[.,]([0-9]+)s'
    { times; } >"$tmp/times"
    { read -r line; read -r line; } <"$tmp/times"
    [[ $line =~ $re ]] || die "cannot read the output of times: $line"
    local r=("${BASH_REMATCH[@]}")
    cpu_now=$(((10#${r[1]} + 10#${r[4]}) * 60000 + (10#${r[2]} + 10#${r[5]}) * 1000 +
      10#${r[3]} + 10#${r[6]}))
  }
  # One timed run of NAME: appends "wall_us cpu_ms peak_rss_kib" to $tmp/NAME.runs. GNU
  # time reports the peak RSS of the command alone; wall and CPU are measured here.
  measure_once() {
    local cmd t0 t1 c0 rss
    command_of "$1"
    children_cpu
    c0=$cpu_now
    t0=${EPOCHREALTIME//[!0-9]/}
    run /usr/bin/time -f %M -o "$tmp/rss" "${cmd[@]}" >/dev/null 2>"$tmp/err" ||
      echo "ls.sh: '${cmd[*]}' failed: $(tail -n 2 "$tmp/err")" >&2
    t1=${EPOCHREALTIME//[!0-9]/}
    children_cpu
    rss=$(tail -n 1 "$tmp/rss")
    echo "$((t1 - t0)) $((cpu_now - c0)) $rss" >>"$tmp/$1.runs"
  }
  median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

  # The machine as found: ipcctl lists all of it, not only the landscape.
  base_objects=$("$IPCCTL" ls --json 2>/dev/null | jq '.objects | length')
  base_walk=$("$tmp/readlink_walk")

  declare -A R  # R[scale,field]
  perf_out=''
  for s in "${scale_list[@]}"; do
    land_dir=$tmp/x$s
    mkdir "$land_dir"
    stag=$tag-x$s
    # Thousands of holders ending and tens of thousands of objects removed take a while
    # on a busy machine: a minute per x1.
    down_wait=$((60 * s))
    echo "ls.sh: x$s: building $((procs * s)) holders and $((sysv * s)) SysV objects of each kind..." >&2
    start=${EPOCHREALTIME//[!0-9]/}
    "$tmp/landscape" --shape ipc-heavy --dir "$land_dir" --tag "$stag" --procs $((procs * s)) \
      --sysv $((sysv * s)) >"$land_dir/ready" 2>"$land_dir/landscape.err" </dev/null &
    landscape_pid=$!
    until grep -qs '^ready' "$land_dir/ready"; do
      kill -0 "$landscape_pid" 2>/dev/null || die "the landscape failed: $(head -n 5 "$land_dir/landscape.err")"
      sleep 0.1
    done
    R[$s,setup_ms]=$(((${EPOCHREALTIME//[!0-9]/} - start) / 1000))
    read -ra words <"$land_dir/ready"
    for kv in "${words[@]}"; do [[ $kv == *=* ]] && R[$s,${kv%%=*}]=${kv#*=}; done

    # What each one lists, once, outside the timing.
    read -r "R[$s,objects]" "R[$s,holders]" < <("$IPCCTL" ls --json 2>/dev/null |
      jq -r '[(.objects | length), ([.objects[].holders | length] | add // 0)] | @tsv')
    R[$s,lines]=$("$IPCCTL" ls --jsonl 2>/dev/null | wc -l)
    R[$s,lsfd_rows]=$(lsfd --json 2>/dev/null | jq '.lsfd | length')
    read -r walked <<<"$("$tmp/readlink_walk")"
    R[$s,machine_procs]=${walked#processes=} R[$s,machine_procs]=${R[$s,machine_procs]%% *}
    R[$s,machine_fds]=${walked##*descriptors=}
    read -r "R[$s,load]" _ </proc/loadavg

    # A warm-up of each, then the runs interleaved, so that a burst of load on the
    # machine falls on all of them alike.
    echo "ls.sh: x$s: timing $runs runs each of ${names[*]}..." >&2
    for n in "${names[@]}"; do measure_once "$n"; : >"$tmp/$n.runs"; done
    for ((r = 0; r < runs; r++)); do
      for n in "${names[@]}"; do measure_once "$n"; done
    done
    for n in "${names[@]}"; do
      R[$s,$n,ms]=$(awk '{ print $1 / 1000 }' "$tmp/$n.runs" | median)
      R[$s,$n,cpu]=$(awk '{ print $2 }' "$tmp/$n.runs" | median | awk '{ printf "%.0f", $1 }')
      R[$s,$n,rss]=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$tmp/$n.runs")
    done
    if [[ -n $perf && -z $perf_out ]]; then
      perf_out="x$s"
      if command -v perf >/dev/null &&
        run perf stat -e task-clock,page-faults,context-switches -r "$runs" -o "$tmp/perf" \
          -- "$IPCCTL" ls --json >/dev/null 2>&1; then
        perf_out="$perf_out:"$'\n'"$(sed '/^$/d; /^#/d; /Performance counter stats/d' "$tmp/perf")"
      else
        perf_out="$perf_out: perf stat is not available here (apt-get install linux-perf; perf_event_paranoid)"
      fi
    fi

    echo "ls.sh: x$s: taking the landscape down..." >&2
    start=${EPOCHREALTIME//[!0-9]/}
    take_down
    R[$s,down_ms]=$(((${EPOCHREALTIME//[!0-9]/} - start) / 1000))
    left=$(find /dev/mqueue /dev/shm -maxdepth 1 -name "*$stag-*" 2>/dev/null | wc -l)
    if ((left)); then
      echo "ls.sh: x$s: $left named objects were left behind; removing them" >&2
      find /dev/mqueue /dev/shm -maxdepth 1 -name "*$stag-*" -delete
    fi
  done

  # --- report ---------------------------------------------------------------------------
  calc() { awk "BEGIN { printf \"$1\", $2 }"; }
  echo
  echo "ipc-heavy shape, x1 = $procs holders (each: pipe, FIFO, socketpair, TCP pair, UDP," \
    "eventfd, memfd, POSIX queue, shm, semaphore, flock and POSIX lock) and $sysv SysV objects of each kind"
  base_procs=${base_walk#processes=} base_procs=${base_procs%% *}
  echo "before the landscape: machine $base_procs processes, ${base_walk##*descriptors=} descriptors;" \
    "ipcctl listed $base_objects objects"
  for s in "${scale_list[@]}"; do
    echo "x$s: ${R[$s,procs]} holders with ${R[$s,fds]} descriptors, SysV ${R[$s,msg]}/${R[$s,shm]}/${R[$s,sem]}" \
      "(built in $(calc %.1f "${R[$s,setup_ms]} / 1000") s, taken down in $(calc %.1f "${R[$s,down_ms]} / 1000") s); machine ${R[$s,machine_procs]} processes," \
      "${R[$s,machine_fds]} descriptors, load ${R[$s,load]}; listed: ipcctl ${R[$s,objects]} objects," \
      "${R[$s,holders]} holders (--jsonl ${R[$s,lines]} lines), lsfd ${R[$s,lsfd_rows]} rows"
  done
  echo "$(nproc) cores; $runs runs each, interleaved; medians of wall and CPU (user+sys) time, peak RSS the largest"
  echo
  fmt='%-5s %8s | %9s %9s %7s | %8s %8s | %9s %9s %7s | %7s | %9s %9s | %7s %6s\n'
  printf "$fmt" scale objects "ipcctl" "lsfd" "lsfd/" "ipcctl" "lsfd" "ipcctl" "lsfd" "ipcctl/" "ipcctl" \
    "--jsonl" "--jsonl" "walk" "ipcctl/"
  printf "$fmt" "" "" "ms" "ms" "ipcctl" "CPU ms" "CPU ms" "RSS KiB" "RSS KiB" "lsfd" "us/obj" "RSS KiB" "ms" "ms" "walk"
  for s in "${scale_list[@]}"; do
    R[$s,speed]=$(calc %.2f "${R[$s,lsfd,ms]} / ${R[$s,json,ms]}")
    R[$s,mem]=$(calc %.2f "${R[$s,json,rss]} / ${R[$s,lsfd,rss]}")
    R[$s,usobj]=$(calc %.1f "${R[$s,json,ms]} * 1000 / (${R[$s,objects]} > 0 ? ${R[$s,objects]} : 1)")
    R[$s,cpuobj]=$(calc %.1f "${R[$s,json,cpu]} * 1000 / (${R[$s,objects]} > 0 ? ${R[$s,objects]} : 1)")
    R[$s,walkx]=$(calc %.1f "${R[$s,json,ms]} / (${R[$s,walk,ms]} > 0 ? ${R[$s,walk,ms]} : 1)")
    printf "$fmt" "x$s" "${R[$s,objects]}" "$(calc %.0f "${R[$s,json,ms]}")" "$(calc %.0f "${R[$s,lsfd,ms]}")" \
      "${R[$s,speed]}x" "${R[$s,json,cpu]}" "${R[$s,lsfd,cpu]}" "${R[$s,json,rss]}" "${R[$s,lsfd,rss]}" \
      "${R[$s,mem]}x" "${R[$s,usobj]}" "${R[$s,jsonl,rss]}" "$(calc %.0f "${R[$s,jsonl,ms]}")" \
      "$(calc %.0f "${R[$s,walk,ms]}")" "${R[$s,walkx]}x"
  done
  echo

  # --- targets --------------------------------------------------------------------------
  mark() { awk "BEGIN { exit !($1) }" && echo met || echo MISSED; }
  first=${scale_list[0]} last=${scale_list[-1]} all=met
  verdict=$(mark "${R[$first,speed]} >= 4 && ${R[$first,mem]} <= 0.33")
  [[ $verdict == met ]] || all=missed
  echo "target x$first: >= 4x lsfd's speed (${R[$first,speed]}x), <= 0.33x its peak memory (${R[$first,mem]}x): $verdict"
  for s in "${scale_list[@]:1}"; do
    verdict=$(mark "${R[$s,speed]} >= 4 && ${R[$s,mem]} <= 0.33")
    [[ $verdict == met ]] || all=missed
    echo "target x$s: the same ratios held (${R[$s,speed]}x, ${R[$s,mem]}x): $verdict" \
      "(against x$first: speed $(mark "${R[$s,speed]} >= ${R[$first,speed]}" | sed 's/met/held or better/; s/MISSED/lower/'), memory" \
      "$(mark "${R[$s,mem]} <= ${R[$first,mem]}" | sed 's/met/held or better/; s/MISSED/higher/'))"
  done
  if ((${#scale_list[@]} > 1)); then
    growth=$(calc %.1f "(${R[$last,usobj]} / ${R[$first,usobj]} - 1) * 100")
    cgrowth=$(calc %.1f "(${R[$last,cpuobj]} / ${R[$first,cpuobj]} - 1) * 100")
    verdict=$(mark "$growth <= 10")
    [[ $verdict == met ]] || all=missed
    echo "target x$first to x$last: time per object grows <= 10% (${R[$first,usobj]} to ${R[$last,usobj]} us," \
      "${growth}%; CPU ${R[$first,cpuobj]} to ${R[$last,cpuobj]} us, ${cgrowth}%): $verdict"
  fi
  echo "stretch x$first: within 2x of the bare readlink walk (${R[$first,walkx]}x): $(mark "${R[$first,walkx]} <= 2")"
  echo "all targets: $all"
  if [[ -n $perf_out ]]; then
    echo
    echo "perf stat -e task-clock,page-faults,context-switches -r $runs ipcctl ls --json at $perf_out"
  fi
  exit 0
fi

nmsg=$((sysv / 3)) nshm=$((sysv / 3)) nsem=$((sysv - 2 * (sysv / 3)))
raise kernel.msgmni $(($(rows /proc/sysvipc/msg) + nmsg + 16))
raise kernel.shmmni $(($(rows /proc/sysvipc/shm) + nshm + 16))
read -r semmsl semmns semopm semmni < <(sysctl -n kernel.sem)
sem_want_mni=$(($(rows /proc/sysvipc/sem) + nsem + 16))
sem_want_mns=$((semmns + nsem * 4))
if ((sem_want_mni > semmni)); then
  restore+=("kernel.sem=$semmsl $semmns $semopm $semmni=$semmsl $sem_want_mns $semopm $sem_want_mni")
  sysctl -q -w kernel.sem="$semmsl $sem_want_mns $semopm $sem_want_mni" >/dev/null ||
    die "cannot raise kernel.sem"
fi
raise kernel.pid_max $(($(nprocs) + procs + 4096))
mount_mqueue
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
