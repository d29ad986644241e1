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
