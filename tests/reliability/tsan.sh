#!/bin/bash
# ThreadSanitizer over the multi-threaded parts of ipcctl: the /proc walk
# (sys::walk_processes splits 256 or more processes between up to 4
# threads), the sources run in parallel (collect.cpp's run_sources) and the
# thread that enters another namespace (sys::run_in_namespace). ipcbench
# and ipctrace are single-threaded processes. Builds a TSan tree in
# TSAN_BUILD (default /tmp/ipcctl-tsan), then runs, with halt_on_error:
#  - with TSAN_UNIT=1, the unit tests of collect and the walk (a longer build);
#  - ipcctl ls --json / show / audit / graph while 300 extra processes exist
#    (so the walk is threaded), 20 times each, and under the churn helper;
#  - ipcctl ls -N into a second IPC namespace (as root);
#  - the cli tests that list: churn, ls-*.
# Exits 1 on any ThreadSanitizer report or failure.
#   tests/reliability/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
build=${TSAN_BUILD:-/tmp/ipcctl-tsan}
jobs=${TSAN_JOBS:-2}

if [[ ! -d $build ]]; then
  meson setup "$build" -Db_sanitize=thread -Db_lundef=false -Dman=disabled -Dbuildtype=debugoptimized >/dev/null
fi
targets=(tools/ipcctl tests/helpers/churn tests/helpers/ipc_fixture)
[[ ${TSAN_UNIT:-0} == 1 ]] && targets+=(tests/unit)
ninja -j"$jobs" -C "$build" "${targets[@]}" >/dev/null

export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
work=$(mktemp -d /tmp/ipcctl-tsan.XXXXXX)
declare -a pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

status=0
# check WHAT CMD...: runs it; a TSan report (exit 66 or "WARNING: ThreadSanitizer") fails.
check() {
  local what=$1 rc=0
  shift
  "$@" >"$work/out" 2>"$work/err" || rc=$?
  if grep -q 'ThreadSanitizer' "$work/err" || ((rc == 66)); then
    echo "tsan: $what: REPORT" >&2
    grep -A30 -m1 'WARNING: ThreadSanitizer\|ERROR: ThreadSanitizer' "$work/err" >&2 || tail -30 "$work/err" >&2
    status=1
    return 1
  fi
  if ((rc != 0)); then
    echo "tsan: $what: exit $rc: $(tail -3 "$work/err")" >&2
    status=1
    return 1
  fi
  return 0
}

if [[ ${TSAN_UNIT:-0} == 1 ]]; then
  IPCCTL_TEST_DATA=$src/tests/data check "unit: collect and the walk" "$build/tests/unit" -tc='collect*,sys::walk_processes*' &&
    echo "tsan: unit tests of collect and the walk: clean"
fi

# Enough processes that the walk takes several threads.
for ((i = 0; i < 300; i++)); do
  sleep 300 &
  pids+=($!)
done
n=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
ok=0
for ((i = 0; i < 20; i++)); do
  check "ls --json ($n processes)" "$build/tools/ipcctl" ls --json && ok=$((ok + 1))
  check "audit" "$build/tools/ipcctl" audit --fail-on none && ok=$((ok + 1))
  check "graph" "$build/tools/ipcctl" graph -F json && ok=$((ok + 1))
done
echo "tsan: $ok of 60 runs of ls, audit and graph over $n processes: clean"

# The same while the churn helper creates and drops objects and processes.
if [[ -x $build/tests/helpers/churn ]]; then
  mkdir -p "$work/churn"
  "$build/tests/helpers/churn" 3600 "$work/churn" 8 >/dev/null 2>&1 </dev/null &
  churn_pid=$!
  pids+=("$churn_pid")
  ok=0
  for ((i = 0; i < 20; i++)); do check "ls under churn" "$build/tools/ipcctl" ls --json && ok=$((ok + 1)); done
  kill -TERM "$churn_pid" 2>/dev/null || true
  wait "$churn_pid" 2>/dev/null || true
  kill -KILL -- -"$churn_pid" 2>/dev/null || true  # its process group: children it had not reaped
  echo "tsan: $ok of 20 runs of ls under churn: clean"
fi

# Another IPC namespace: the entering thread.
if [[ $(id -u) == 0 ]] && unshare --ipc true 2>/dev/null; then
  unshare --ipc sleep 300 &
  pids+=($!)
  sleep 0.3
  ns_pid=$(cat /proc/$!/task/*/children 2>/dev/null | awk '{print $1}')
  ns_pid=${ns_pid:-$!}
  check "ls -N $ns_pid" "$build/tools/ipcctl" ls --json -N "$ns_pid" && echo "tsan: ls -N into a second IPC namespace: clean"
fi
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

# The cli tests that list, on the TSan binaries.
if ! meson test -C "$build" --suite cli --no-rebuild churn ls-sysv ls-posix ls-pipes ls-sockets ls-fdkinds \
  ls-locks-signals >"$work/meson.log" 2>&1; then
  grep -E '^ *[0-9]+/[0-9]+ ' "$work/meson.log" >&2
  grep -B2 -A30 -m1 'ThreadSanitizer' "$build/meson-logs/testlog.txt" >&2 || true
  status=1
else
  echo "tsan: cli tests churn and ls-*: $(grep -cE ' OK ' "$work/meson.log") passed"
fi
exit $status
