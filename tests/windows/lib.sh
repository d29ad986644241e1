# Shared by the Wine tests (cli.sh, reports.sh): a work directory cleaned up
# on exit, the check helpers, ipcctl.exe under wine, and win_holder
# processes: a server holding an event, a mutex, a semaphore, a section, a
# named pipe and a mailslot, and a client that opens the pipe.
# shellcheck shell=bash
# shellcheck disable=SC2016  # '$x' in single quotes is jq's
: "${IPCCTL_EXE:?}" "${WIN_HOLDER:?}"

WORK=$(mktemp -d "/tmp/ipcctl-win-${WORK_NAME:-test}.XXXXXX")
FAILS=0
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
check() {  # check WHAT JQ-EXPRESSION FILE
  if jq -e "$2" "$3" >/dev/null 2>&1; then ok "$1"; else fail "$1 ($2)"; fi
}
ipcctl() { wine "$IPCCTL_EXE" "$@"; }
# bad_inputs "ARGS"...: each command line is refused with exit 2 and one line.
bad_inputs() {
  local bad rc lines
  for bad in "$@"; do
    # shellcheck disable=SC2086  # the words are the arguments
    ipcctl $bad >/dev/null 2>"$WORK/bad.err"
    rc=$?
    lines=$(tr -d '\r' <"$WORK/bad.err" | grep -c .)
    [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && ok "bad input '$bad': exit 2, one line" ||
      fail "bad input '$bad': exit $rc, $lines lines: $(cat "$WORK/bad.err")"
  done
}

# start NAME ARGS...: a win_holder in the background; waits for its "ready".
start() {
  local name=$1 i
  shift
  wine "$WIN_HOLDER" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  PIDS+=($!)
  for ((i = 0; i < 200; i++)); do
    grep -q '^ready' "$WORK/$name.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FAIL: $name did not start: $(cat "$WORK/$name.err")" >&2
  exit 1
}
winpid() { awk '$1 == "pid" {print $2}' "$WORK/$1.out" | tr -d '\r'; }

# The server and its client, tagged with this shell's pid; sets server,
# client (Windows pids) and prefix (the objects' name prefix).
start_holders() {
  tag=$$
  start server server "$tag" 120
  start client client "$tag" 120
  server=$(winpid server)
  client=$(winpid client)
  prefix="ipcctl-test-$tag-"
  echo "server pid $server, client pid $client (Windows pids)"
}
