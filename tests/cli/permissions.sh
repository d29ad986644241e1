#!/bin/bash
# The permission matrix: every ipcctl command, run as nobody against
# root-owned objects of every type. Each either works, or shows what it
# could see with a warning, or fails with exit 1 and a clear "not
# permitted"/"denied" line; never a crash (exit > 2), never a change to an
# object nobody may not change. Prints the matrix.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root to create root's objects and to switch to nobody"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"
ensure_mqueue

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" "$@"; }
tag=ipcctl-perm-$$

fixture msg sysv-msg messages=2 size=8
fixture shm sysv-shm
fixture sem sysv-sem
fixture mq posix-mq name="/$tag-mq"
fixture pshm posix-shm name="/$tag-shm"
fixture psem posix-sem name="/$tag-sem"
chmod 0755 "$WORK"
fixture fifo fifo path="$WORK/held.fifo"
refs=("sysv-msg:$(fx msg id)" "sysv-shm:$(fx shm id)" "sysv-sem:$(fx sem id)" "posix-mq:/$tag-mq"
  "posix-shm:/$tag-shm" "posix-sem:/$tag-sem" "fifo:$WORK/held.fifo")

# outcome ARGS...: runs the command as nobody; prints ok (0), warned (0 with
# warnings), refused (1 with a permission message), in-use (1: refused as in
# use, before any permission matters), missing (1, not seen), or BAD:<why>.
outcome() {
  local rc=0 out err
  out=$(as_nobody "$@" 2>"$WORK/err") || rc=$?
  err=$(cat "$WORK/err")
  if ((rc > 2)); then echo "BAD:exit-$rc"; return; fi
  if ((rc == 2)); then echo "BAD:usage:$err"; return; fi
  if ((rc == 0)); then [[ $err == *warning* ]] && echo warned || echo ok; return; fi
  if grep -qiE 'not permitted|permission denied' <<<"$err"; then echo refused
  elif grep -q ': refused: ' <<<"$err"; then echo in-use
  elif grep -q 'no such object' <<<"$err"; then echo missing
  else echo "BAD:exit-1:$err"; fi
}

printf '%-34s %-8s %-8s %-8s %-8s\n' OBJECT ls show rm rm-force >"$WORK/matrix"
for ref in "${refs[@]}"; do
  type=${ref%%:*}
  listed=no
  as_nobody ls --json -t "$type" 2>/dev/null | jq -e --arg r "$ref" 'any(.objects[]; .ref == $r)' >/dev/null && listed=yes
  ls_out=$(outcome ls -t "$type")
  show_out=$(outcome show "$ref")
  rm_out=$(outcome rm "$ref")
  force_out=$(outcome rm --force "$ref")
  printf '%-34s %-8s %-8s %-8s %-8s\n' "$ref" "$ls_out/$listed" "$show_out" "$rm_out" "$force_out" >>"$WORK/matrix"
  for o in "$ls_out" "$show_out" "$rm_out" "$force_out"; do
    [[ $o == BAD:* ]] && fail "$ref: $o"
  done
  [[ $rm_out == refused || $rm_out == in-use || $rm_out == missing ]] && ok "$ref: rm as nobody: $rm_out" || fail "$ref: rm as nobody: $rm_out"
  [[ $force_out == refused || $force_out == missing ]] && ok "$ref: rm --force as nobody: $force_out" || fail "$ref: rm --force: $force_out"
  "$IPCCTL" show --no-probe "$ref" >/dev/null 2>&1 && ok "$ref: still there" || fail "$ref: nobody removed it"
  # What nobody cannot see, it must say it cannot see.
  if [[ $listed == no && $ls_out != warned ]]; then fail "$ref: not listed and no warning"; fi
done

for cmd in "limits" "audit --fail-on none" "graph" "export" "ls --summary" "mk posix-shm /$tag-own --size 1K"; do
  o=$(outcome $cmd)
  printf '%-34s %-8s\n' "$cmd" "$o" >>"$WORK/matrix"
  [[ $o == ok || $o == warned ]] && ok "$cmd as nobody: $o" || fail "$cmd as nobody: $o"
done
as_nobody rm "posix-shm:/$tag-own" >/dev/null 2>&1 || fail "nobody could not remove its own segment"

echo
cat "$WORK/matrix"
finish
