#!/bin/bash
# ipcctl ls run by an unprivileged user (nobody) while root-owned objects
# and root processes exist: it shows what it can, says what it could not
# see, and never fails for that.
source "$(dirname "$0")/lib.sh"

((EUID == 0)) || skip "needs root, to run ipcctl as another user"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# The binary must be reachable by nobody: if the build directory is not,
# copy the binary and libipcctl to a world-readable directory.
ipcctl=$IPCCTL
if ! as_nobody "$ipcctl" --version >/dev/null 2>&1; then
  lib=$(ldd "$IPCCTL" | awk '/libipcctl/ { print $3 }')
  [[ -n $lib ]] || { echo "FAIL: cannot find libipcctl of $IPCCTL" >&2; exit 1; }
  chmod 0755 "$WORK"
  mkdir -m 0755 "$WORK/bin"
  cp "$IPCCTL" "$WORK/bin/ipcctl"
  cp -L "$lib" "$WORK/bin/$(basename "$lib")"
  chmod 0755 "$WORK/bin/ipcctl" "$WORK/bin/$(basename "$lib")"
  ipcctl=$WORK/bin/ipcctl
  export LD_LIBRARY_PATH=$WORK/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  as_nobody "$ipcctl" --version >/dev/null || { echo "FAIL: nobody cannot run $ipcctl" >&2; exit 1; }
fi

have_sysv=no
[[ -r /proc/sysvipc/shm ]] && have_sysv=yes
[[ $have_sysv == yes ]] && fixture shm sysv-shm size=4096
fixture pipe pipe bytes=10
fixture efd eventfd

RC=0
as_nobody "$ipcctl" ls --json >"$WORK/stdout" 2>"$WORK/stderr" || RC=$?
ERR=$(cat "$WORK/stderr")
if ((RC != 0)); then
  echo "FAIL: ipcctl ls --json as nobody: exit $RC, expected 0; stderr: $ERR" >&2
  exit 1
fi
ok "ls --json as nobody: exit 0"
if ! jq -e 'type == "object"' "$WORK/stdout" >/dev/null 2>&1; then
  echo "FAIL: ipcctl ls --json as nobody: not a JSON object: $(head -c 300 "$WORK/stdout")" >&2
  exit 1
fi
LS=$(cat "$WORK/stdout")
check_contract "ls --json as nobody" "$LS"

expect_true "warnings are not empty" "$LS" '.warnings | length > 0' .warnings
expect_true "a warning says processes were not readable" "$LS" \
  '.warnings | any(test("process"; "i") and test("not readable|cannot be read|permission|denied"; "i"))' .warnings

# What nobody can see is still listed: /proc/sysvipc is world-readable.
if [[ $have_sysv == yes ]] && o=$(obj "sysv-shm:$(fx shm id)"); then
  expect "sysv-shm:$(fx shm id) nattch (as nobody)" "$o" .detail.nattch 2
  expect "sysv-shm:$(fx shm id) owner (as nobody)" "$o" '.owner | {uid, user}' '{"uid":0,"user":"root"}'
fi
# Root's descriptors are not: no holder of a root process appears.
expect "no holder is one of root's fixture processes" "$LS" \
  "[.objects[] | .holders[] | select(.pid | IN($(fx pipe wpid), $(fx pipe rpid), $(fx efd pid), $(fx efd pid2)))] | length" 0

# The text listing also runs, with the warning on stderr.
RC=0
as_nobody "$ipcctl" ls >"$WORK/stdout" 2>"$WORK/stderr" || RC=$?
if ((RC == 0)) && grep -qi 'warning' "$WORK/stderr"; then
  ok "ls as nobody: exit 0, warning on stderr"
else
  fail "ls as nobody: expected exit 0 and a warning on stderr, got exit $RC, stderr: $(cat "$WORK/stderr")"
fi

finish
