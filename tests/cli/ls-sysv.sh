#!/bin/bash
# ipcctl ls on real SysV objects: a message queue with messages in it, a
# segment attached by two processes, a semaphore set with values set.
source "$(dirname "$0")/lib.sh"

[[ -r /proc/sysvipc/shm && -r /proc/sysvipc/msg && -r /proc/sysvipc/sem ]] ||
  skip "no SysV IPC in this kernel (/proc/sysvipc missing)"

fixture msg sysv-msg messages=4 size=10
fixture shm sysv-shm size=8192
fixture sem sysv-sem nsems=4 values=5,6,0,7

ls_json -t sysv

# --- message queue
if o=$(obj "sysv-msg:$(fx msg id)"); then
  w="sysv-msg:$(fx msg id)"
  expect_str "$w type" "$o" .type sysv-msg
  expect "$w id" "$o" .id "$(fx msg id)"
  expect_str "$w key" "$o" .key "$(fx msg key)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w owner" "$o" '.owner | {uid, user, gid}' '{"uid":0,"user":"root","gid":0}'
  expect "$w detail.messages" "$o" .detail.messages "$(fx msg messages)"
  expect "$w detail.bytes" "$o" .detail.bytes "$(fx msg bytes)"
  expect_true "$w detail.max_bytes is a positive number" "$o" '.detail.max_bytes > 0' .detail.max_bytes
  expect "$w detail.lspid" "$o" .detail.lspid "$(fx msg pid)"
  expect_time "$w detail.stime" "$o" .detail.stime
  expect_time "$w detail.ctime" "$o" .detail.ctime
  expect_time_or_null "$w detail.rtime" "$o" .detail.rtime
  expect "$w holders" "$o" .holders '[]'
  expect "$w peer" "$o" .peer null
fi

# --- shared memory segment
if o=$(obj "sysv-shm:$(fx shm id)"); then
  w="sysv-shm:$(fx shm id)"
  expect_str "$w type" "$o" .type sysv-shm
  expect "$w id" "$o" .id "$(fx shm id)"
  expect_str "$w key" "$o" .key "$(fx shm key)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w size" "$o" .size "$(fx shm size)"
  expect "$w detail.nattch" "$o" .detail.nattch 2
  expect "$w detail.cpid" "$o" .detail.cpid "$(fx shm pid)"
  expect_true "$w detail.lpid is one of the holders" "$o" \
    ".detail.lpid | IN($(fx shm pid), $(fx shm pid2))" .detail.lpid
  expect "$w detail.dest" "$o" .detail.dest false
  expect "$w detail.rss_bytes (every page touched)" "$o" .detail.rss_bytes "$(fx shm size)"
  expect "$w detail.swap_bytes" "$o" .detail.swap_bytes 0
  expect_time "$w detail.atime" "$o" .detail.atime
  expect_time "$w detail.ctime" "$o" .detail.ctime
  expect_time_or_null "$w detail.dtime" "$o" .detail.dtime
  expect_holders "$w" "$o" "$(fx shm pid):null:rw:map" "$(fx shm pid2):null:rw:map"
  expect "$w holder comm" "$o" '[.holders[].comm] | unique' '["ipc_fixture"]'
fi

# --- semaphore set
if o=$(obj "sysv-sem:$(fx sem id)"); then
  w="sysv-sem:$(fx sem id)"
  expect_str "$w type" "$o" .type sysv-sem
  expect "$w id" "$o" .id "$(fx sem id)"
  expect_str "$w key" "$o" .key "$(fx sem key)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w detail.nsems" "$o" .detail.nsems 4
  expect "$w detail.values" "$o" .detail.values '[5,6,0,7]'
  expect "$w detail.ncnt" "$o" .detail.ncnt '[0,0,0,0]'
  expect "$w detail.zcnt" "$o" .detail.zcnt '[0,0,0,0]'
  expect_time "$w detail.ctime" "$o" .detail.ctime
  expect_time_or_null "$w detail.otime" "$o" .detail.otime
  expect "$w holders" "$o" .holders '[]'
fi

# -t sysv lists only SysV types.
expect "-t sysv: types listed" "$LS" '[.objects[].type] | unique - ["sysv-msg", "sysv-shm", "sysv-sem"]' '[]'

# The segment is gone once its fixture removed it.
shm_ref="sysv-shm:$(fx shm id)"
fixture_stop shm
ls_json -t sysv-shm
expect "$shm_ref gone after IPC_RMID" "$LS" "[.objects[] | select(.ref == \"$shm_ref\")] | length" 0

finish
