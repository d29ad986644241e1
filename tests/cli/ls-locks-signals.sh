#!/bin/bash
# ipcctl ls on file locks of the three kinds (POSIX, OFD, flock), whole-file
# and ranged, read and write; and on a process with SIGUSR1 blocked and
# pending.
source "$(dirname "$0")/lib.sh"

fixture posix lock-posix
fixture range lock-posix mode=read start=10 len=20
fixture ofd lock-ofd
fixture flock lock-flock mode=read
fixture sig signal-pending

ls_json -t lock

# check_lock NAME KIND: the one lock on the fixture's file has its facts.
check_lock() {
  local name=$1 kind=$2 path o end
  path=$(fx "$name" path)
  o=$(obj_where ".type == \"lock\" and .detail.path == \"$path\"") || return 0
  local w
  w="$(jq -r .ref <<<"$o") ($kind lock on $path)"
  expect_true "$w ref is lock:N" "$o" '.ref | test("^lock:[0-9]+$")' .ref
  expect_str "$w detail.kind" "$o" .detail.kind "$kind"
  expect_str "$w detail.lock_mode" "$o" .detail.lock_mode "$(fx "$name" mode)"
  expect "$w detail.start" "$o" .detail.start "$(fx "$name" start)"
  end=$(fx "$name" end)
  [[ $end == eof ]] && end=null
  expect "$w detail.end" "$o" .detail.end "$end"
  expect "$w inode" "$o" .inode "$(fx "$name" inode)"
  # OFD locks show pid -1 in /proc/locks: the holder comes from the
  # descriptor. A lock holder's access is the lock's mode (r or w), not the
  # open mode of the descriptor (the fixture opens the file read-write).
  local access=w
  [[ $(fx "$name" mode) == read ]] && access=r
  expect_holders "$w" "$o" "$(fx "$name" pid):$(fx "$name" fd):$access:fd"
}

check_lock posix posix
check_lock range posix
check_lock ofd ofd
check_lock flock flock
expect "-t lock: types listed" "$LS" '[.objects[].type] | unique - ["lock"]' '[]'

# --- a pending signal: listed by default, and with -t signal
pid=$(fx sig pid)
ls_json
if o=$(obj "signal:$pid"); then
  w="signal:$pid (default listing)"
  expect_str "$w type" "$o" .type signal
  expect_true "$w detail.pending has SIGUSR1" "$o" '.detail.pending | index("SIGUSR1") != null' .detail.pending
  expect_true "$w detail.blocked has SIGUSR1" "$o" '.detail.blocked | index("SIGUSR1") != null' .detail.blocked
  expect_true "$w detail lists are lists of names" "$o" \
    '[.detail.pending, .detail.blocked, .detail.ignored, .detail.caught | type] == ["array","array","array","array"]' .detail
fi
expect "default listing: signal objects have something pending" "$LS" \
  '[.objects[] | select(.type == "signal" and (.detail.pending | length) == 0) | .ref] | .[:3]' '[]'

ls_json -t signal
if o=$(obj "signal:$pid"); then
  expect_true "signal:$pid (-t signal) detail.pending has SIGUSR1" "$o" '.detail.pending | index("SIGUSR1") != null' .detail.pending
fi
expect_true "-t signal lists processes with nothing pending too" "$LS" \
  "[.objects[] | select(.ref == \"signal:$$\")] | length == 1" '[.objects[].ref] | .[:10]'

finish
