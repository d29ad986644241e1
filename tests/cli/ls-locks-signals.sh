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
# ... as --list-types says (it used to say "pending by default" alone).
run_ipcctl ls --list-types
line=$(grep -E '^ *signal ' <<<"$OUT" || true)
[[ $line == *pending* && $line == *"-t signal"* ]] && ok "--list-types: signal says what -t signal lists" ||
  fail "--list-types: signal line: $line"

# --- a flock holder and a waiter blocked behind it (flock(1), two processes)
command -v flock >/dev/null || skip "flock(1) is needed for the waiter checks"
lockfile=$WORK/waited
: >"$lockfile"
flock -x "$lockfile" sleep 300 </dev/null >/dev/null 2>&1 &
holder=$!
CLEANUP+=("kill $holder 2>/dev/null; wait $holder 2>/dev/null")
for _ in $(seq 100); do grep -q "FLOCK .* $holder " /proc/locks && break; sleep 0.05; done
flock -x "$lockfile" sleep 300 </dev/null >/dev/null 2>&1 &
waiter=$!
CLEANUP+=("kill $waiter 2>/dev/null; wait $waiter 2>/dev/null")
for _ in $(seq 100); do grep -q -- "-> FLOCK .* $waiter " /proc/locks && break; sleep 0.05; done
sleep 2  # the waiter has now slept two seconds: lock_contention with --lock-wait 1s sees it

ls_json -t lock -p "$holder,$waiter"
if h=$(obj_where ".detail.pid == $holder and .detail.blocked == false"); then
  href=$(jq -r .ref <<<"$h")
  expect "holder $href: blocked_on null" "$h" .detail.blocked_on null
fi
if w=$(obj_where ".detail.pid == $waiter"); then
  wref=$(jq -r .ref <<<"$w")
  expect "waiter $wref: blocked" "$w" .detail.blocked true
  expect_str "waiter $wref: blocked_on the holder's lock" "$w" .detail.blocked_on "${href:-?}"
  expect_true "waiter $wref: wchan is a lock wait (or unreadable)" "$w" \
    '.detail.wchan == null or (.detail.wchan | test("lock|setlk"))' .detail
  expect_true "waiter $wref: waiting_ms at least 1500 (or unknown)" "$w" \
    '.detail.waiting_ms == null or .detail.waiting_ms >= 1500' .detail
fi
# The table marks the waiter by default: a BLOCKED_ON column naming the holder's lock.
run_ipcctl ls -t lock -p "$holder,$waiter"
head=$(head -n1 <<<"$OUT")
[[ $head == *BLOCKED_ON* ]] && ok "ls -t lock: BLOCKED_ON by default" || fail "ls -t lock heading: $head"
row=$(grep -E "^${wref:-none} " <<<"$OUT" || true)
[[ -n ${href:-} && $row == *" $href "* ]] && ok "ls -t lock: the waiter's row names $href" ||
  fail "ls -t lock: waiter row: $row"

# ... and in the mixed default table, its DETAIL says what it waits behind.
run_ipcctl ls -p "$holder,$waiter" -o REF,DETAIL
row=$(grep -E "^${wref:-none} " <<<"$OUT" || true)
[[ -n ${href:-} && $row == *"blocked_on=$href"* ]] && ok "ls: the waiter's DETAIL has blocked_on=$href" ||
  fail "ls: waiter DETAIL: $row"

# show PATH: the locks on the file (it was "no such object").
run_ipcctl show --json "$lockfile"
expect "show PATH of a locked file: exit 0" "{\"rc\":$RC}" .rc 0
expect "show PATH: its holder's lock and the waiter" "$OUT" \
  "[.objects[] | select(.type == \"lock\" and (.detail.pid == $holder or .detail.pid == $waiter)) | .detail.blocked] | sort" \
  '[false, true]'
run_ipcctl show "$lockfile"
[[ $RC == 0 && $OUT == *blocked_on* ]] && ok "show PATH: text" || fail "show PATH: exit $RC: ${ERR:0:200}"

# audit: lock_contention for the waiter past --lock-wait, none below it.
run_ipcctl audit --json --check lock_contention --lock-wait 1s -p "$holder,$waiter"
expect_true "audit lock_contention: the waiter is found" "$OUT" \
  "[.findings[] | select(.check == \"lock_contention\" and .ref == \"${wref:-none}\")] | length == 1" .findings
expect_true "audit lock_contention: medium with a duration, or info without one" "$OUT" \
  '[.findings[] | select(.check == "lock_contention") | (.severity == "medium" and (.summary | test("waited about"))) or (.severity == "info" and (.summary | test("unknown time")))] | all' .findings
run_ipcctl audit --json --check lock_contention --lock-wait 1h -p "$holder,$waiter"
expect "audit lock_contention --lock-wait 1h: no medium finding" "$OUT" \
  '[.findings[] | select(.severity != "info")]' '[]'
run_ipcctl audit --lock-wait 5x
((RC == 2)) && ok "audit --lock-wait 5x: exit 2" || fail "audit --lock-wait 5x: exit $RC"

finish
