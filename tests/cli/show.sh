#!/bin/bash
# ipcctl show on real objects: every ref form (id, key=, path, pid:N), the
# full object with its holders and its peer's, and the exit statuses.
source "$(dirname "$0")/lib.sh"

[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"

fixture shm sysv-shm size=8192
fixture fifo fifo bytes=300
fixture pair socketpair

# show_json ARGS...: `ipcctl show --json ARGS` into $LS, which must exit 0.
show_json() {
  run_ipcctl show --json "$@"
  if ((RC != 0)); then
    fail "show --json $*: exit $RC, expected 0; stderr: $ERR"
    LS='{"objects":[]}'
    return
  fi
  LS=$OUT
  check_contract "show --json $*" "$LS"
}

shm="sysv-shm:$(fx shm id)"
show_json "$shm"
if o=$(obj "$shm"); then
  expect "$shm: only the object asked for" "$LS" '.objects | length' 1
  expect "$shm size" "$o" .size "$(fx shm size)"
  expect_holders "$shm" "$o" "$(fx shm pid):null:rw:map" "$(fx shm pid2):null:rw:map"
fi

show_json "sysv-shm:key=$(fx shm key)"
obj "$shm" >/dev/null && ok "sysv-shm:key= finds $shm"

show_json "$(fx fifo path)"
if o=$(obj "fifo:$(fx fifo path)"); then
  expect "a FIFO by its path: unread bytes" "$o" .detail.unread_bytes "$(fx fifo bytes)"
fi

show_json "pid:$(fx pair pid)"
expect_true "pid:N: every object is held by that process or is its signal state" "$LS" \
  "[.objects[] | select(.type != \"signal\" and ([.holders[].pid] | index($(fx pair pid)) | not))] | length == 0" \
  '[.objects[].ref]'
if o=$(obj_where ".type == \"unix\" and .peer != null and ([.holders[].pid] | index($(fx pair pid)))"); then
  expect "pid:N: the socket's peer holder is the other process" "$o" '[.peer_holders[].pid]' "[$(fx pair pid2)]"
fi
obj "signal:$(fx pair pid)" >/dev/null && ok "pid:N includes the process's signal state"

# The text view names every holder.
run_ipcctl show "$shm"
if ((RC == 0)) && grep -q "^$shm\$" <<<"$OUT" && grep -q " $(fx shm pid2) " <<<"$OUT"; then
  ok "show text: the ref heads the block and the holders are listed"
else
  fail "show text: exit $RC, output: ${OUT:0:400}"
fi

# A semaphore set: values, waiters and last pid per semaphore; a queue's fill.
fixture sem sysv-sem nsems=2 values=4,0 waiter=1
sem="sysv-sem:$(fx sem id)"
show_json "$sem"
if o=$(obj "$sem"); then
  expect "$sem: values" "$o" .detail.values '[4,0]'
  expect "$sem: the waiter on semaphore 0" "$o" '[.detail.ncnt, .detail.zcnt]' '[[1,0],[0,0]]'
  expect "$sem: last pid per semaphore (SETALL by the fixture)" "$o" .detail.last_pids "[$(fx sem pid),$(fx sem pid)]"
fi
run_ipcctl show "$sem"
if grep -Eq "^ +0 +4 +1 +0 +$(fx sem pid)\$" <<<"$OUT"; then ok "show text: one row per semaphore"
else fail "show text: semaphore rows: $OUT"; fi
fixture msg sysv-msg messages=4 size=100
run_ipcctl show "sysv-msg:$(fx msg id)"
max=$(cat /proc/sys/kernel/msgmnb)
if grep -q "fill *400 of $max bytes" <<<"$OUT"; then ok "show text: a queue's fill against its limit"
else fail "show text: queue fill: $OUT"; fi

# A ref that names nothing: exit 1, the others still shown.
run_ipcctl show --json "$shm" sysv-shm:2147483000
if ((RC == 1)) && grep -q "sysv-shm:2147483000: no such object" <<<"$ERR" &&
  [[ $(jq '.objects | length' <<<"$OUT") == 1 ]]; then
  ok "a missing object: exit 1, named on stderr, the rest shown"
else
  fail "a missing object: exit $RC, stderr: $ERR"
fi

# A bare SysV key names the segment, the queue and the semaphore set that
# have it; a key nobody has is a missing object (exit 1), not bad usage.
key=$(printf '0x5e%06x' $(((RANDOM << 8 ^ RANDOM ^ $$) & 0xffffff)))
declare -a keyed=()
for t in shm msg sem; do
  args=()
  [[ $t == shm ]] && args=(--size 4096)
  run_ipcctl mk "sysv-$t" "$key" "${args[@]}"
  if ((RC != 0)) || [[ $OUT != "sysv-$t:"* ]]; then
    fail "mk sysv-$t $key: exit $RC, stdout $OUT, stderr $ERR"
    continue
  fi
  keyed+=("$OUT")
  declare -A ipcrm_flag=([shm]=-m [msg]=-q [sem]=-s)
  CLEANUP+=("ipcrm ${ipcrm_flag[$t]} ${OUT#*:} 2>/dev/null")
done
want=$(printf '%s\n' "${keyed[@]}" | sort | jq -Rsc 'split("\n") | map(select(. != ""))')
for form in "$key" "key=$key" "key=$((key))" "0X${key:2}"; do
  run_ipcctl show --json "$form"
  if ((RC == 0)) && [[ $(jq -c '[.objects[].ref] | sort' <<<"$OUT") == "$want" ]]; then
    ok "show $form: the three SysV objects with that key"
  else
    fail "show $form: exit $RC (expected 0 and $want), stdout: ${OUT:0:300}, stderr: $ERR"
  fi
done
run_ipcctl show "$key"
if ((RC == 0)) && (($(grep -c "^sysv-\(shm\|msg\|sem\):" <<<"$OUT") == 3)); then
  ok "show $key text: three blocks"
else
  fail "show $key text: exit $RC, output: ${OUT:0:300}"
fi
other=$(printf '0x%x' $((key ^ 1)))
if ! grep -qiE "^ *$((other)) " /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem 2>/dev/null; then
  run_ipcctl show "$other"
  if ((RC == 1)) && grep -q "$other: no such object" <<<"$ERR"; then
    ok "show $other (a key nothing has): exit 1, no such object"
  else
    fail "show $other: exit $RC (expected 1), stderr: $ERR"
  fi
fi
# rm acts on one object per ref: a bare key is refused, nothing is removed.
run_ipcctl rm "$key"
run_ipcctl show --json "${keyed[@]}"
if ((RC == 0)) && [[ $(jq -c '[.objects[].ref] | sort' <<<"$OUT") == "$want" ]]; then
  ok "rm $key: refused, the three objects are still there"
else
  fail "rm $key removed something: show now: ${OUT:0:300}"
fi
run_ipcctl rm "$key"
if ((RC == 2)) && grep -q "sysv-shm:key=" <<<"$ERR"; then ok "rm $key: exit 2, the typed form named"
else fail "rm $key: exit $RC (expected 2), stderr: $ERR"; fi
run_ipcctl rm --dry-run sysv-shm:key=0
((RC == 2)) && ok "rm sysv-shm:key=0 (IPC_PRIVATE): exit 2" || fail "rm --dry-run sysv-shm:key=0: exit $RC, stderr: $ERR"

# A malformed ref: exit 2, and the line lists the accepted forms.
for bad in 0xZZ 0x 0x100000000 key= 1234 relative; do
  run_ipcctl show "$bad"
  if ((RC == 2)) && [[ $(wc -l <<<"$ERR") == 1 ]] && grep -q "TYPE:ID, TYPE:key=KEY, 0xKEY" <<<"$ERR"; then
    ok "show '$bad': exit 2, the accepted forms listed"
  else
    fail "show '$bad': exit $RC (expected 2 and the accepted forms), stderr: $ERR"
  fi
done

# Bad refs: exit 2, one line.
for bad in "sysv-shm:" "sysv-shm:abc" "nope:1" "posix-mq:/a/b" "pid:x" "pipe:-1" "sysv-msg:key=0x1ffffffff" "relative"; do
  run_ipcctl show "$bad"
  if ((RC == 2)) && [[ $(wc -l <<<"$ERR") == 1 && -z $OUT ]]; then
    ok "show '$bad': exit 2, one line"
  else
    fail "show '$bad': exit $RC (expected 2), stderr: $ERR"
  fi
done
run_ipcctl show
((RC == 2)) && ok "show without a ref: exit 2" || fail "show without a ref: exit $RC"

finish
