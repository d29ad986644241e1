#!/bin/bash
# ipcctl ls on the descriptor-only kinds: an eventfd shared by fork, a sealed
# memfd held by descriptor and mapping, a signalfd for SIGUSR1. Also checks
# the JSON contract on a full listing of the machine.
source "$(dirname "$0")/lib.sh"

fixture efd eventfd count=42
fixture mfd memfd name=ipcctl-test size=8192
fixture sfd signalfd

ls_json -t eventfd,memfd,signalfd

# --- eventfd: one object for both descriptors (same eventfd-id)
if [[ $(fx efd id) == -1 ]]; then
  echo "skipped: eventfd checks (no eventfd-id in fdinfo before Linux 5.13)"
elif o=$(obj "eventfd:$(fx efd id)"); then
  w="eventfd:$(fx efd id)"
  expect_str "$w type" "$o" .type eventfd
  expect "$w detail.eventfd_id" "$o" .detail.eventfd_id "$(fx efd id)"
  expect "$w detail.count" "$o" .detail.count "$(fx efd count)"
  expect_holders "$w" "$o" "$(fx efd pid):$(fx efd fd):rw:fd" "$(fx efd pid2):$(fx efd fd2):rw:fd"
fi

# --- memfd
if o=$(obj "memfd:$(fx mfd inode)"); then
  w="memfd:$(fx mfd inode)"
  expect_str "$w type" "$o" .type memfd
  expect_str "$w name" "$o" .name "$(fx mfd name)"
  expect "$w inode" "$o" .inode "$(fx mfd inode)"
  expect "$w size" "$o" .size "$(fx mfd size)"
  expect_true "$w detail.seals has shrink and grow only" "$o" \
    '[.detail.seals | if type == "array" then .[] else split(",")[] end | ascii_downcase | ltrimstr("f_seal_") | select(. != "")] | sort == ["grow", "shrink"]' \
    .detail.seals
  expect_holders "$w" "$o" "$(fx mfd pid):$(fx mfd fd):rw:fd" "$(fx mfd pid):null:rw:map"
fi

# --- signalfd: per descriptor
if o=$(obj "signalfd:$(fx sfd pid):$(fx sfd fd)"); then
  w="signalfd:$(fx sfd pid):$(fx sfd fd)"
  expect_str "$w type" "$o" .type signalfd
  expect "$w detail.mask" "$o" .detail.mask '["SIGUSR1"]'
  expect_holders "$w" "$o" "$(fx sfd pid):$(fx sfd fd):rw:fd"
fi

expect "-t eventfd,memfd,signalfd: types listed" "$LS" \
  '[.objects[].type] | unique - ["eventfd", "memfd", "signalfd"]' '[]'

# --- the whole machine, every type: the contract holds for every object
ls_json
for ref in "memfd:$(fx mfd inode)" "signalfd:$(fx sfd pid):$(fx sfd fd)"; do
  obj "$ref" >/dev/null && ok "full listing has $ref"
done
expect_true "full listing: every type is a known kind" "$LS" \
  '[.objects[].type] | unique - ["sysv-msg","sysv-shm","sysv-sem","posix-mq","posix-shm","posix-sem","fifo","pipe","unix","tcp","udp","eventfd","memfd","anon-shm","mapped-file","signalfd","lock","signal"] == []' \
  '[.objects[].type] | unique'
expect_true "full listing: refs are unique" "$LS" '[.objects[].ref] | length == (unique | length)' \
  '[.objects[].ref] | group_by(.) | map(select(length > 1) | .[0]) | .[:5]'
expect_true "full listing: numbers are numbers" "$LS" \
  '[.objects[] | .id, .inode, .size | select(. != null and type != "number")] == []' \
  '[.objects[] | select([.id, .inode, .size] | map(select(. != null and type != "number")) != []) | .ref] | .[:5]'

finish
