#!/bin/bash
# ipcctl ls on real pipes and FIFOs: a writer process and a reader process
# that does not read, so the unread bytes and the capacity are known; and a
# FIFO nobody holds, which only --scan finds.
source "$(dirname "$0")/lib.sh"

fixture pipe pipe bytes=123 capacity=131072
fixture empty pipe bytes=0
fixture fifo fifo bytes=300

ls_json -t pipe,fifo

# --- anonymous pipe, resized with F_SETPIPE_SZ
if o=$(obj "pipe:$(fx pipe inode)"); then
  w="pipe:$(fx pipe inode)"
  expect_str "$w type" "$o" .type pipe
  expect "$w inode" "$o" .inode "$(fx pipe inode)"
  expect "$w detail.unread_bytes" "$o" .detail.unread_bytes "$(fx pipe bytes)"
  expect "$w detail.capacity_bytes" "$o" .detail.capacity_bytes "$(fx pipe capacity)"
  expect_holders "$w" "$o" "$(fx pipe wpid):$(fx pipe wfd):w:fd" "$(fx pipe rpid):$(fx pipe rfd):r:fd"
  expect "$w holder comm" "$o" '[.holders[].comm] | unique' '["ipc_fixture"]'
fi

# --- an empty pipe of the default size
if o=$(obj "pipe:$(fx empty inode)"); then
  w="pipe:$(fx empty inode) (empty)"
  expect "$w detail.unread_bytes" "$o" .detail.unread_bytes 0
  expect "$w detail.capacity_bytes" "$o" .detail.capacity_bytes "$(fx empty capacity)"
  expect_holders "$w" "$o" "$(fx empty wpid):$(fx empty wfd):w:fd" "$(fx empty rpid):$(fx empty rfd):r:fd"
fi

# --- FIFO
if o=$(obj "fifo:$(fx fifo path)"); then
  w="fifo:$(fx fifo path)"
  expect_str "$w type" "$o" .type fifo
  expect "$w inode" "$o" .inode "$(fx fifo inode)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w detail.unread_bytes" "$o" .detail.unread_bytes "$(fx fifo bytes)"
  expect "$w detail.capacity_bytes" "$o" .detail.capacity_bytes "$(fx fifo capacity)"
  expect_holders "$w" "$o" "$(fx fifo rpid):$(fx fifo rfd):r:fd" "$(fx fifo wpid):$(fx fifo wfd):w:fd"
fi

# Measuring unread bytes must not consume them: a second listing agrees.
ls_json -t pipe,fifo
if o=$(obj "pipe:$(fx pipe inode)"); then
  expect "pipe:$(fx pipe inode) unread_bytes unchanged by listing" "$o" .detail.unread_bytes "$(fx pipe bytes)"
fi
if o=$(obj "fifo:$(fx fifo path)"); then
  expect "fifo:$(fx fifo path) unread_bytes unchanged by listing" "$o" .detail.unread_bytes "$(fx fifo bytes)"
fi

# --- NHOLDERS counts processes, NHANDLES the descriptors they hold it by.
# Two processes, each holding its end twice (fd 5 a copy of 1, of 0): 2 and 4.
# Their stdout and stderr go to /dev/null: the pipes of the test runner are not
# theirs to count; each pipe is told by the pid that holds it on fd 5.
{ exec 5>&1; echo "$BASHPID" >"$WORK/two-w"; exec sleep 300; } 2>/dev/null |
  { exec 5<&0; echo "$BASHPID" >"$WORK/two-r"; exec sleep 300; } >/dev/null 2>&1 &
# One process holding the read end twice, once its writer (:) has exited.
( exec 5< <(:); exec 6<&5; echo "$BASHPID" >"$WORK/one"; exec sleep 300 ) >/dev/null 2>&1 &
for _ in $(seq 100); do
  [[ -s $WORK/two-w && -s $WORK/two-r && -s $WORK/one ]] && break
  sleep 0.05
done
two_w=$(<"$WORK/two-w") two_r=$(<"$WORK/two-r") one=$(<"$WORK/one")
CLEANUP+=("kill $two_w $two_r $one 2>/dev/null")
# Wait for the exec of sleep (fd 5 and 6 are set by then) and for the writer
# of the one-process pipe to be gone: its pipe then has that one pid alone.
two_sel="any(.holders[]; .pid == $two_w and .fd == 5)"
one_sel="any(.holders[]; .pid == $one and .fd == 5)"
for _ in $(seq 100); do
  run_ipcctl ls --json -t pipe
  [[ $(jq "([.objects[] | select($one_sel) | .holders[].pid] | unique == [$one])
           and ([.objects[] | select($two_sel) | .holders[]] | length == 4)" <<<"$OUT" 2>/dev/null) == true ]] &&
    break
  sleep 0.1
done
ls_json -t pipe
two_ref=$(jq -r "[.objects[] | select($two_sel) | .ref][0]" <<<"$LS")
one_ref=$(jq -r "[.objects[] | select($one_sel) | .ref][0]" <<<"$LS")
if o=$(obj "$two_ref"); then
  expect_holders "$two_ref (2 processes, 4 fds)" "$o" "$two_w:1:w:fd" "$two_w:5:w:fd" "$two_r:0:r:fd" "$two_r:5:r:fd"
fi
run_ipcctl ls -t pipe -o REF,NHOLDERS,NHANDLES,PIDS --raw --noheadings
if ((RC != 0)); then
  fail "ls -o REF,NHOLDERS,NHANDLES: exit $RC: $ERR"
else
  row=$(grep -E "^$two_ref " <<<"$OUT" || true)
  [[ $row == "$two_ref 2 4 "* ]] && ok "$two_ref: NHOLDERS 2, NHANDLES 4" ||
    fail "$two_ref: expected NHOLDERS 2 and NHANDLES 4, got '$row'"
  row=$(grep -E "^$one_ref " <<<"$OUT" || true)
  [[ $row == "$one_ref 1 2 $one" ]] && ok "$one_ref: NHOLDERS 1, NHANDLES 2" ||
    fail "$one_ref: expected NHOLDERS 1 and NHANDLES 2 (pid $one), got '$row'"
fi
ls_json -t pipe -Q 'nholders > 1'
expect "-Q 'nholders > 1' keeps the pipe of two processes" "$LS" \
  "[.objects[] | select(.ref == \"$two_ref\")] | length" 1
expect "-Q 'nholders > 1' drops the pipe one process holds twice" "$LS" \
  "[.objects[] | select(.ref == \"$one_ref\")] | length" 0
ls_json -t pipe -Q 'nhandles == 2 and nholders == 1'
expect "-Q 'nhandles == 2 and nholders == 1' picks the pipe one process holds twice" "$LS" \
  "[.objects[] | select(.ref == \"$one_ref\" or .ref == \"$two_ref\") | .ref]" "[\"$one_ref\"]"

# --- a FIFO that no process holds: listed with --scan DIR only
mkdir -m 0700 "$WORK/scan"
mkfifo -m 0640 "$WORK/scan/idle"
ls_json -t fifo
expect "unheld fifo not listed without --scan" "$LS" \
  "[.objects[] | select(.ref == \"fifo:$WORK/scan/idle\")] | length" 0
ls_json -t fifo --scan "$WORK/scan"
if o=$(obj "fifo:$WORK/scan/idle"); then
  expect "fifo:$WORK/scan/idle (--scan) holders" "$o" .holders '[]'
  expect_str "fifo:$WORK/scan/idle (--scan) mode" "$o" .mode 0640
  expect "fifo:$WORK/scan/idle (--scan) inode" "$o" .inode "$(stat -c %i "$WORK/scan/idle")"
fi

finish
