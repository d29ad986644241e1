#!/bin/bash
# ipcctl ls on real POSIX named objects: a message queue with messages queued
# (held read-write by one process, write-only by another), a shared memory
# object held by descriptor and by mappings, a named semaphore held by the
# mappings sem_open made.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"

# ipcctl finds queues under /dev/mqueue: mount it if it is not, and put the
# machine back as it was afterwards.
ensure_mqueue

fixture shm posix-shm size=12288
fixture sem posix-sem value=9
[[ $have_mq == yes ]] && fixture mq posix-mq maxmsg=7 msgsize=200 messages=3 size=20

# -o BYTES asks for a queue's bytes: only its file has them.
ls_json -t posix -o +BYTES

# --- message queue
if [[ $have_mq == no ]]; then
  echo "skipped: posix-mq checks (mqueue cannot be mounted here)"
elif o=$(obj "posix-mq:$(fx mq name)"); then
  w="posix-mq:$(fx mq name)"
  expect_str "$w type" "$o" .type posix-mq
  expect_str "$w name" "$o" .name "$(fx mq name)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w owner" "$o" '.owner | {uid, user}' '{"uid":0,"user":"root"}'
  expect "$w detail.maxmsg" "$o" .detail.maxmsg "$(fx mq maxmsg)"
  expect "$w detail.msgsize" "$o" .detail.msgsize "$(fx mq msgsize)"
  expect "$w detail.messages" "$o" .detail.messages "$(fx mq messages)"
  expect "$w detail.bytes" "$o" .detail.bytes "$(fx mq bytes)"
  expect_true "$w detail.notify_pid is null or 0 (no mq_notify)" "$o" '.detail.notify_pid | IN(null, 0)' .detail.notify_pid
  expect_holders "$w" "$o" "$(fx mq pid):$(fx mq fd):rw:fd" "$(fx mq pid2):$(fx mq fd2):w:fd"
fi

# --- shared memory object
if o=$(obj "posix-shm:$(fx shm name)"); then
  w="posix-shm:$(fx shm name)"
  expect_str "$w type" "$o" .type posix-shm
  expect_str "$w name" "$o" .name "$(fx shm name)"
  expect "$w inode" "$o" .inode "$(fx shm inode)"
  expect "$w size" "$o" .size "$(fx shm size)"
  expect_str "$w mode" "$o" .mode 0600
  expect "$w owner" "$o" '.owner | {uid, user}' '{"uid":0,"user":"root"}'
  # The fixture holds a descriptor and a mapping; its child only the mapping.
  expect_holders "$w" "$o" "$(fx shm pid):$(fx shm fd):rw:fd" "$(fx shm pid):null:rw:map" "$(fx shm pid2):null:rw:map"
fi

# --- named semaphore: mapped through a deleted sem.XXXXXX file with the same inode
if o=$(obj "posix-sem:$(fx sem name)"); then
  w="posix-sem:$(fx sem name)"
  expect_str "$w type" "$o" .type posix-sem
  expect_str "$w name" "$o" .name "$(fx sem name)"
  expect "$w inode" "$o" .inode "$(fx sem inode)"
  expect "$w detail.value" "$o" .detail.value "$(fx sem value)"
  expect_str "$w mode" "$o" .mode 0600
  expect_holders "$w" "$o" "$(fx sem pid):null:rw:map" "$(fx sem pid2):null:rw:map"
fi

# A semaphore is not also listed as a shared memory object.
expect "sem.* files are not posix-shm objects" "$LS" \
  '[.objects[] | select(.type == "posix-shm" and (.name // "" | test("^/sem\\.")))] | length' 0
expect "-t posix: types listed" "$LS" '[.objects[].type] | unique - ["posix-mq", "posix-shm", "posix-sem"]' '[]'

finish
