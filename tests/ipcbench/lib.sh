# Shared by the ipcbench cli tests: checks with jq, a snapshot of the IPC
# objects ipcbench could leave behind, and the exit status convention
# (0 pass, 1 fail, 77 skip). Sourced with IPCBENCH naming the binary.
set -euo pipefail

: "${IPCBENCH:?IPCBENCH must name the ipcbench binary}"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

WORK=$(mktemp -d /tmp/ipcbench-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
finish() {
  if ((FAILS > 0)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}

# check WHAT JSON JQ-CONDITION: the condition holds on the document.
check() {
  local got
  if got=$(jq -e "$3" <<<"$2" 2>&1); then ok "$1"; else fail "$1: $3 gave ${got:-false}"; fi
}

# What ipcbench may create: private (key 0) SysV queues and semaphore sets,
# POSIX queues named ipcbench.*, and its private FIFO directories. Prints one
# line per object.
ipc_snapshot() {
  { ipcs -q | awk '$1 == "0x00000000" {print "msg " $2}'
    ipcs -s | awk '$1 == "0x00000000" {print "sem " $2}'
    ls /dev/mqueue 2>/dev/null | grep '^ipcbench\.' | sed 's/^/mq /' || true
    ls -d "${TMPDIR:-/tmp}"/ipcbench.* 2>/dev/null | sed 's/^/dir /' || true
  } | sort
}

# check_no_leftovers BEFORE: objects in the snapshot now but not in BEFORE,
# still there a second later (other programs on the machine create and remove
# private objects of their own), fail the test.
check_no_leftovers() {
  local new
  new=$(comm -13 <(echo "$1") <(ipc_snapshot))
  if [[ -n $new ]]; then
    sleep 1
    new=$(comm -12 <(echo "$new") <(ipc_snapshot))
  fi
  if [[ -z $new ]]; then ok "no objects left behind"; else fail "left behind: $(echo "$new" | tr '\n' ' ')"; fi
}
