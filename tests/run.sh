#!/usr/bin/env bash
# Builds ipcctl and runs the whole test suite (unit + cli) in BUILD_DIR
# (default: build). With --sanitize, builds in build-asan with
# AddressSanitizer and UndefinedBehaviorSanitizer instead, with clang where
# it is installed (it builds the instrumented tree in half gcc's time).
# The cli tests create real IPC objects; run as root for the full suite
# (POSIX message queues need /dev/mqueue mounted, which this does as root).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
# Optimized, as shipped, without debug information: a quarter of the compile
# time; the sanitizer build (--sanitize) has full debug information.
setup=(-Ddebug=false -Dwerror=true)
suites=()
if [ "${1:-}" = "--sanitize" ]; then
  build=${BUILD_DIR:-build-asan}
  setup=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Dman=disabled)
  # The packaging suite checks man pages and completions, not memory: once is enough.
  suites=(--no-suite packaging)
  # The churn tests look for crashes on vanishing /proc entries; under the
  # sanitizers a third of the runs finds the same memory errors in a third
  # of the time (the plain run keeps the full counts).
  export CHURN_RUNS=${CHURN_RUNS:-30} TRACE_CHURN_SECONDS=${TRACE_CHURN_SECONDS:-25}
fi

if [ "$(id -u)" -eq 0 ] && ! grep -qs ' /dev/mqueue mqueue ' /proc/mounts; then
  mkdir -p /dev/mqueue
  mount -t mqueue none /dev/mqueue || echo "tests: could not mount mqueue at /dev/mqueue: POSIX queue tests will skip" >&2
fi

if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "${setup[@]}" >/dev/null
elif [ ${#suites[@]} -gt 0 ] && command -v clang++ >/dev/null; then
  CXX=clang++ meson setup "$build" "${setup[@]}" >/dev/null
else
  meson setup "$build" "${setup[@]}" >/dev/null
fi
ninja -C "$build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C "$build" --print-errorlogs --num-processes 2 "${suites[@]}"
