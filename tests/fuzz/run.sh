#!/bin/bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS (default 30), starting from a corpus seeded from tests/data and the
# regression inputs in tests/fuzz/corpus/TARGET (add every crasher found
# there). Prints the executions per target; exits 1 on any crash, leak or
# sanitizer report. Targets run FUZZ_JOBS (default 2) at a time, with
# libFuzzer's seed FUZZ_SEED (default 0: a new one each run, to explore; CI
# fixes one, so that every run tries the same inputs in the same order, as
# far as its time reaches, and a failure there is one anyone can replay).
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
build=${FUZZ_BUILD:-build-fuzz}
data=tests/data/proc

command -v clang++ >/dev/null || { echo "fuzz: clang++ is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
targets=(fuzz_proc_text fuzz_sock_diag fuzz_filter fuzz_user_input fuzz_trace_decode fuzz_win_buffers)
jobs=${FUZZ_JOBS:-2}
if [[ ! -d $build ]]; then
  # -O1 and line tables only: libFuzzer's usual choice, and a build that
  # fits a CI job (full debug info doubles the time of the templates).
  if ! out=$(CXX=clang++ meson setup "$build" -Dfuzz=true -Dtests=false -Dman=disabled -Dbuildtype=plain -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args="-O1 -gline-tables-only -fsanitize=fuzzer-no-link" 2>&1); then
    echo "$out" | tail -20 >&2
    exit 1
  fi
fi
if ! out=$(ninja -j"$jobs" -C "$build" "${targets[@]/#/tests/fuzz/}" 2>&1); then
  echo "$out" | grep -E -A5 'error|FAILED' | head -40 >&2
  exit 1
fi

# A UBSan report is a failure like a crash, not a line in the log.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work=$(mktemp -d /tmp/ipcctl-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# seed TARGET SELECTOR FILE...: copies each file with a leading selector byte.
seed() {
  local target=$1 selector=$2 f
  shift 2
  mkdir -p "$work/$target"
  for f in "$@"; do
    [[ -f $f ]] || continue
    { printf "\\x$(printf %02x "$selector")"; cat "$f"; } >"$work/$target/$selector-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
}
shopt -s nullglob globstar
seed fuzz_proc_text 0 $data/**/sysvipc/msg
seed fuzz_proc_text 1 $data/**/sysvipc/shm
seed fuzz_proc_text 2 $data/**/sysvipc/sem
seed fuzz_proc_text 3 $data/**/status
seed fuzz_proc_text 4 $data/**/maps
seed fuzz_proc_text 5 $data/**/fdinfo/*
seed fuzz_proc_text 6 $data/**/locks
seed fuzz_proc_text 7 $data/locks/**/fdinfo/*
seed fuzz_proc_text 9 $data/**/net/unix
seed fuzz_proc_text 10 $data/**/net/tcp $data/**/net/udp
seed fuzz_proc_text 138 $data/**/net/tcp6 $data/**/net/udp6  # 10 | 0x80: IPv6
seed fuzz_sock_diag 1 $data/**/netlink/unix.bin
seed fuzz_sock_diag 0 $data/**/netlink/tcp4.bin $data/**/netlink/tcp6.bin $data/**/netlink/udp4.bin
mkdir -p "$work/fuzz_filter" "$work/fuzz_user_input"
i=0
for input in '\x08QSIZE:129        NOTIFY:2     SIGNO:10    NOTIFY_PID:8812\n' '\x0bpipe:[4567]' '\x0bsocket:[51234]' \
  '\x0banon_inode:[eventfd]' '\x0b/memfd:buf (deleted)' '\x0b/dev/mqueue/orders'; do
  printf "$input" >"$work/fuzz_proc_text/seed$((i++))"
done
for expr in 'nattch == 0' 'type == "sysv-shm" and (size > 4K or key == 0x1234)' 'comm =~ "^post" or not holders' \
  'ctime < "2026-01-01"' 'pending != ""' 'size >= 1M and size <= 2G'; do
  printf '%s' "$expr" >"$work/fuzz_filter/seed$((i++))"
done
for input in '\x00sysv-shm:32769' '\x00sysv-shm:key=0x1234' '\x00/dev/shm/x' '\x00pid:812' '\x00unix:/run/a.sock' \
  '\x01sysv,posix,pipe' '\x024K' '\x03 0640' '\x04 0x1234' '\x05/orders' '\x067d' '\x071G' \
  '\x080::/system.slice/docker-4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c.scope\n' \
  '\x0812:pids:/kubepods/burstable/pod7c1d/crio-4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c\n' \
  '\x0964,4K,1M' '\x09ref,owner,size,holders' '\x0acpu MHz : 2000\nmodel name : Intel\nflags : fpu hypervisor\n' \
  '\x0acpu  10 20 30 40 50 60 70 0 0 0\n' '\x0a0.52 0.58 0.59 1/467 12345\n'; do
  printf "$input" >"$work/fuzz_user_input/seed$((i++))"
done
# fuzz_trace_decode: selector byte, then the tracee's bytes (see the target).
mkdir -p "$work/fuzz_trace_decode"
for input in '\x00\x01\x00/run/app.sock\x00' '\x00\x01\x00\x00abstract' '\x00\x02\x00\x00\x50\x7f\x00\x00\x01\0\0\0\0\0\0\0\0' \
  '\x01\x14\0\0\0\0\0\0\0\x01\0\0\0\x01\0\0\0\x05\0\0\0\x06\0\0\0' '\x05pipe:[4567]' '\x05socket:[51234]' \
  '\x05anon_inode:[eventfd]' '\x05/memfd:buf (deleted)' '\x05UNIX-STREAM' '\x05TCPv6' '\x06hello\x00\xff world' \
  '\x04\x04\x00\x10\x00/orders\x00' '\x03\x00\x00\x01\x00\xff\x00\x00\x00'; do
  printf "$input" >"$work/fuzz_trace_decode/seed$((i++))"
done

# fuzz_win_buffers: selector byte (0 directory, 1 handle table, 2 pipe
# listing), then the buffer; a directory's string pointers are offsets.
mkdir -p "$work/fuzz_win_buffers"
for input in '\x00\x0a\x00\x0a\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00\x0a\x00\x0a\x00\x00\x00\x00\x00\x4a\x00\x00\x00\x00\x00\x00\x00' \
  '\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x10\0\0\0\0\0\0\0\x04\0\0\0\0\0\0\0\xa4\x01\0\0\0\0\0\0\x03\0\x1f\0\0\0\x10\0\0\0\0\0\0\0\0\0' \
  '\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\0\0\0\0\x04\0\0\0a\0b\0' \
  '\x03\\Device\\NamedPipe\\x'; do
  printf "$input" >"$work/fuzz_win_buffers/seed$((i++))"
done

# fuzz TARGET: runs one target; prints its line, leaves $work/TARGET.status.
fuzz() {
  local target=$1 regress=tests/fuzz/corpus/$1 log=$work/$1.log runs
  local dirs=("$work/$target")
  mkdir -p "$work/$target" "$work/artifacts"
  [[ -d $regress ]] && dirs+=("$regress")
  if "$build/tests/fuzz/$target" -max_total_time="$seconds" -seed="${FUZZ_SEED:-0}" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/$target-" "${dirs[@]}" >"$log" 2>&1; then
    runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $target: ${runs:-?} executions in ${seconds}s, no crash"
    echo 0 >"$work/$target.status"
  else
    {
      echo "fuzz: $target: FAILED; the input that did it:"
      ls "$work"/artifacts/"$target"-* 2>/dev/null || true
      grep -m20 -E 'ERROR|SUMMARY|runtime error|terminate' "$log" || tail -20 "$log"
      mkdir -p "$regress"
      local a f known
      for a in "$work"/artifacts/"$target"-*; do
        [[ -f $a ]] || continue
        known=no
        for f in "$regress"/*; do
          if cmp -s "$a" "$f"; then
            known=yes
            echo "fuzz: a known regression: $f"
          fi
        done
        if [[ $known == no ]]; then
          cp "$a" "$regress"/
          echo "fuzz: copied to $regress: add it to git"
        fi
      done
    } >&2
    echo 1 >"$work/$target.status"
  fi
}

running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz "$target" &
  running=$((running + 1))
done
wait
status=0
for target in "${targets[@]}"; do
  [[ $(cat "$work/$target.status" 2>/dev/null) == 0 ]] || status=1
done
exit $status
