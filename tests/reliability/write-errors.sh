#!/bin/bash
# Write errors of all three executables (issue 21, items 9 and 10).
# - stdout on a full device (/dev/full), closed (>&-) or a pipe whose reader
#   has gone with SIGPIPE ignored: every command that prints exits 1 with
#   "PROG: write error: STRERROR" (as coreutils' close_stdout), never 0, never
#   "internal error", never a crash.
# - an output file on a full device (export -o, graph --svg, ipcbench --svg,
#   ipctrace -o; a scratch copy of /dev/full made with mknod, so that a tool
#   that replaces its target cannot replace the machine's): the same, naming
#   the file.
# - stderr closed (2>&-) or full (2>/dev/full): each tool exits with its own
#   status (2 bad usage, 1 failure, 0 success with warnings), never SIGABRT.
source "$(dirname "$0")/lib.sh"
private_namespace "$@"

# new_full: (re)makes the scratch copy of /dev/full, in case a tool replaced it.
FULL=$WORK/full
new_full() { [[ $FULL == /dev/full ]] || { rm -f "$FULL" && mknod -m 0666 "$FULL" c 1 7; }; }
[[ $(id -u) == 0 ]] && new_full 2>/dev/null || FULL=/dev/full
[[ -c $FULL ]] || skip "no /dev/full"
[[ $FULL == /dev/full ]] && echo "note: not root: the -o cases write to /dev/full itself"

TAG=ipcctl-werr-$$
SHM_REF=$("$IPCCTL" mk sysv-shm --size 4K) || { echo "FAIL: ipcctl mk sysv-shm failed" >&2; exit 1; }
CLEANUP+=("'$IPCCTL' rm --force '$SHM_REF' >/dev/null 2>&1")

# tool NAME: the binary of ipcctl, ipcbench or ipctrace.
tool() {
  case $1 in
  ipcctl) echo "$IPCCTL" ;;
  ipcbench) echo "$IPCBENCH" ;;
  ipctrace) echo "$IPCTRACE" ;;
  esac
}

# expect_write_error WHAT WANT_STDERR RC STDERR_FILE: exit 1, the message,
# no "internal error".
expect_write_error() {
  local what=$1 want=$2 rc=$3 err
  err=$(cat "$4")
  if ((rc != 1)); then
    fail "$what: exit $rc, expected 1; stderr: ${err:0:300}"
  elif ! grep -qF -- "$want" <<<"$err"; then
    fail "$what: stderr lacks '$want': ${err:0:300}"
  elif grep -q "internal error" <<<"$err"; then
    fail "$what: an internal error: ${err:0:300}"
  else
    ok "$what"
  fi
}

# --- stdout full: every command that prints ----------------------------------
# One case per line: TOOL ARGS... (shell words; variables expand).
full_cases=$(cat <<'EOF'
ipcctl ls
ipcctl ls --json
ipcctl ls --jsonl
ipcctl ls --raw
ipcctl ls --summary
ipcctl ls --list-columns
ipcctl ls --list-types
ipcctl show $SHM_REF
ipcctl show --json $SHM_REF
ipcctl audit --fail-on none
ipcctl audit --fail-on none --json
ipcctl audit --list-checks
ipcctl graph
ipcctl graph --format json
ipcctl graph --format mermaid
ipcctl export
ipcctl limits
ipcctl limits --json
ipcctl limits --raw
ipcctl mk posix-shm /$TAG-mk --size 4K
ipcctl rm posix-shm:/$TAG-mk
ipcctl rm --dry-run $SHM_REF
ipcctl rm --dry-run --json $SHM_REF
ipcctl --help
ipcctl help ls
ipcctl --version
ipcbench -m pipe -n 10 -q
ipcbench -m pipe -n 10 -q --json
ipcbench -m pipe -n 10 -q --csv
ipcbench --list
ipcbench --help
ipctrace -- sh -c 'echo x | cat >/dev/null'
ipctrace --json -- sh -c 'echo x | cat >/dev/null'
ipctrace -c -- sh -c 'echo x | cat >/dev/null'
EOF
)
n=0
while IFS= read -r line; do
  [[ -z $line || $line == '#'* ]] && continue
  eval "words=($line)"
  prog=${words[0]}
  rc=0
  "$(tool "$prog")" "${words[@]:1}" >/dev/full 2>"$WORK/err" </dev/null || rc=$?
  expect_write_error "$line >/dev/full" "$prog: write error: No space left on device" "$rc" "$WORK/err"
  n=$((n + 1))
done <<<"$full_cases"
echo "tried $n commands on a full stdout"

# --- stdout closed -------------------------------------------------------------
for line in "ipcctl ls" "ipcctl ls --json" "ipcctl limits" "ipcbench --list"; do
  eval "words=($line)"
  rc=0
  "$(tool "${words[0]}")" "${words[@]:1}" >&- 2>"$WORK/err" || rc=$?
  expect_write_error "$line >&-" "${words[0]}: write error: Bad file descriptor" "$rc" "$WORK/err"
done

# --- a pipe whose reader is gone, SIGPIPE ignored ------------------------------
# The reader exits at once; the writer starts after it has (sleep), so that
# its first write fails with EPIPE whatever the size of its output.
for line in "ipcctl ls --json" "ipcctl ls" "ipcctl export" "ipcctl limits --json" "ipcctl graph"; do
  eval "words=($line)"
  rc=$(
    trap '' PIPE
    { sleep 0.3; "$(tool "${words[0]}")" "${words[@]:1}" 2>"$WORK/err"; echo $? >"$WORK/rc"; } | true
    cat "$WORK/rc"
  )
  expect_write_error "(trap '' PIPE; $line | true)" "${words[0]}: write error: Broken pipe" "$rc" "$WORK/err"
done

# --- output files on a full device ---------------------------------------------
file_cases=$(cat <<'EOF'
ipcctl%export: -o FILE%ipcctl export -o FILE
ipcctl%graph: --svg FILE%ipcctl graph --svg FILE
ipcbench%--svg FILE%ipcbench -m pipe -n 10 -q --svg FILE
ipctrace%-o FILE%ipctrace -o FILE -- sh -c 'echo x | cat >/dev/null'
EOF
)
while IFS=% read -r prog option line; do
  command -v dot >/dev/null || [[ $line != *graph* ]] || { echo "note: no dot(1): graph --svg not tried"; continue; }
  eval "words=(${line//FILE/$FULL})"
  new_full
  rc=0
  "$(tool "$prog")" "${words[@]:1}" >/dev/null 2>"$WORK/err" </dev/null || rc=$?
  expect_write_error "${line//FILE/$FULL}" "$prog: ${option//FILE/$FULL}: write error: No space left on device" "$rc" "$WORK/err"
  [[ -c $FULL ]] && ok "$FULL is still a character device" || fail "${line//FILE/$FULL}: $FULL is no longer a character device"
done <<<"$file_cases"

# --- stderr closed or full: the tool's own status, never SIGABRT ----------------
# One case per line: STATUS TOOL ARGS...
err_cases=$(cat <<'EOF'
2 ipcctl ls --scan /nonexistent-werr
2 ipcctl ls --frobnicate
2 ipcctl frobnicate
2 ipcctl ls -t nosuch
1 ipcctl show sysv-shm:2147483000
1 ipcctl rm fifo:/nonexistent-werr/fifo
0 ipcctl ls
0 ipcctl export
2 ipcbench -m nosuch
2 ipcbench --frobnicate
1 ipcbench -m pipe -n 10 -q --svg /nonexistent-werr/chart.svg
2 ipctrace --frobnicate
2 ipctrace
1 ipctrace -- /nonexistent-werr/command
1 ipctrace -o /nonexistent-werr/trace.txt -- true
EOF
)
n=0
while IFS= read -r line; do
  [[ -z $line || $line == '#'* ]] && continue
  eval "words=($line)"
  want=${words[0]} prog=${words[1]}
  for redir in closed full; do
    rc=0
    if [[ $redir == closed ]]; then
      "$(tool "$prog")" "${words[@]:2}" >/dev/null 2>&- </dev/null || rc=$?
    else
      "$(tool "$prog")" "${words[@]:2}" >/dev/null 2>/dev/full </dev/null || rc=$?
    fi
    if ((rc == want)); then ok "${line#* } with stderr $redir: exit $rc"
    else fail "${line#* } with stderr $redir: exit $rc, expected $want"; fi
    n=$((n + 1))
  done
done <<<"$err_cases"
echo "tried $n commands with stderr closed or full"

finish
