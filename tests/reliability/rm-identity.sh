#!/bin/bash
# Root's rm against an object made again between listing and removal
# (issue 21, item 7), with strace holding rm right after its listing:
# - a FIFO removed and made again at the same path by its owner (uid
#   65534), where ext4 hands the new FIFO the inode number of the old;
# - a SysV queue and a semaphore set removed and made again with the same
#   id (kernel.*_next_id) and key, in the same second, by another user;
# - a SysV segment removed and made again with the same id and key, in the
#   same second, by the same process, with another size.
# rm (even --force) must refuse each and leave the new object alone.
# Before the fix a FIFO was told by its inode number alone, and a SysV
# object by key and ctime's second (and a segment's creator pid): each new
# object was removed.
source "$(dirname "$0")/lib.sh"
: "${ATTACKER:?ATTACKER must name the attacker binary}"
private_namespace "$@"
[[ $PRIVATE_NS == yes ]] || skip "needs root and unshare: ids are forced with kernel.*_next_id in a private IPC namespace"
need_strace "hold rm between its listing and its removal"

# held_rm FILE ARGS...: starts `ipcctl rm ARGS` under strace, which holds it
# for 0.8 s once the first read (or stat) of FILE, its listing, returns, and
# waits until it is held there. Sets RM_PID; its stdout and stderr go to
# $WORK/rm.out.
held_rm() {
  local file=$1 i
  shift
  rm -f "$WORK/trace"
  strace -f -qq -o "$WORK/trace" -P "$file" -e trace=read,newfstatat,statx \
    -e inject=read,newfstatat,statx:delay_exit=800000:when=1 "$IPCCTL" rm "$@" >"$WORK/rm.out" 2>&1 &
  RM_PID=$!
  for ((i = 0; i < 500; i++)); do
    grep -qs DELAYED "$WORK/trace" && return 0
    sleep 0.01
  done
  fail "rm was not held after its listing of $file: $(cat "$WORK/trace" 2>/dev/null)"
}

# expect_refused WHAT: the held rm ended with exit 1, refusing.
expect_refused() {
  local rc=0
  wait "$RM_PID" || rc=$?
  local out
  out=$(grep -v 'warning:' "$WORK/rm.out")
  if ((rc == 1)) && [[ $out == *refused* ]]; then
    ok "$1: rm refused it: ${out#*refused: }"
  else
    fail "$1: rm exit $rc, expected a refusal (exit 1): $out"
  fi
}

# At the start of a second, so that the object and its successor share it.
start_of_second() {
  local n
  for ((n = 0; n < 400; n++)); do
    (($(date +%N | sed 's/^0*//;s/^$/0/') < 100000000)) && return 0
    sleep 0.01
  done
}

tried=0  # cases where the new object was made in time to be tried

# --- a FIFO made again at the same path, with the same inode number -----------
u=$WORK/u
mkdir -m 0755 "$u"
chown 65534:65534 "$u"
run_as_nobody mkfifo "$u/x"
first=$(stat -c %i "$u/x")
held_rm "$u/x" "fifo:$u/x"
run_as_nobody sh -c "rm '$u/x' && mkfifo '$u/x'"
again=$(stat -c %i "$u/x")
if [[ $first != "$again" ]]; then
  wait "$RM_PID" || true
  echo "note: this file system gave the new FIFO another inode ($first, then $again): the FIFO case is not tried"
else
  tried=$((tried + 1))
  expect_refused "a FIFO made again with inode $first"
  [[ -p $u/x ]] && ok "the new FIFO is still there" || fail "the new FIFO was removed"
fi

# --- SysV objects made again with the same id and key, in the same second ------
# sysv KIND FILE KEY IPCRM-FLAG: made by root, listed, then removed and made
# again by uid 65534.
sysv() {
  local kind=$1 file=/proc/sysvipc/$2 key=$3 id ctime new_ctime
  start_of_second
  id=$("$IPCCTL" mk "$kind" "$key") || { fail "mk $kind failed"; return; }
  id=${id#*:}
  ctime=$(awk -v id="$id" '$2 == id { print $NF }' "$file")
  held_rm "$file" --force "$kind:$id"
    ipcrm "-${4}" "$id"
  echo "$id" >"/proc/sys/kernel/${2}_next_id"
  run_as_nobody "$IPCCTL" mk "$kind" "$key" >/dev/null || { fail "mk $kind as nobody failed"; return; }
  new_ctime=$(awk -v id="$id" '$2 == id { print $NF }' "$file")
  if [[ -z $new_ctime || $new_ctime != "$ctime" ]]; then
    wait "$RM_PID" || true
    echo "note: $kind: not made again with id $id in the same second ($ctime, then $new_ctime): not tried"
    return
  fi
  tried=$((tried + 1))
  expect_refused "$kind $id made again in the same second by another user"
  awk -v id="$id" '$2 == id' "$file" | grep -q . && ok "$kind: the new object is still there" ||
    fail "$kind: the new object with id $id was removed"
}
sysv sysv-msg msg 0x72690001 q
sysv sysv-sem sem 0x72690002 s

# --- a segment made again by the same process, in the same second -------------
start_of_second
coproc SHM { exec "$ATTACKER" shm-again 0x72690003 4096 8192; }
shm_pid=$SHM_PID shm_in=${SHM[1]}
read -r -t 5 id <&"${SHM[0]}" || { fail "attacker shm-again did not start"; finish; }
ctime=$(awk -v id="$id" '$2 == id { print $14 }' /proc/sysvipc/shm)
held_rm /proc/sysvipc/shm --force "sysv-shm:$id"
echo "$id" >/proc/sys/kernel/shm_next_id
echo again >&"${SHM[1]}"
read -r -t 5 again <&"${SHM[0]}" || again=""
new_ctime=$(awk -v id="$id" '$2 == id { print $14 }' /proc/sysvipc/shm)
if [[ $again != "$id" || $new_ctime != "$ctime" ]]; then
  wait "$RM_PID" || true
  echo "note: sysv-shm: not made again with id $id in the same second (id $again; $ctime, then $new_ctime): not tried"
else
  tried=$((tried + 1))
  expect_refused "sysv-shm $id made again in the same second by the same process, with another size"
  awk -v id="$id" '$2 == id' /proc/sysvipc/shm | grep -q . && ok "sysv-shm: the new segment is still there" ||
    fail "sysv-shm: the new segment with id $id was removed"
fi
exec {shm_in}>&-  # the end of its input: it exits, leaving the segment to the namespace
wait "$shm_pid" 2>/dev/null || true
((tried > 0)) || skip "no object could be made again in time (inode or second): nothing was tried"
echo "$tried of 4 cases tried"
finish
