#!/bin/bash
# ipcctl ls on real netlink sockets: a NETLINK_ROUTE socket receiving link
# changes, a NETLINK_KOBJECT_UEVENT socket, and a child's route socket
# connected to the first one's port (its peer). Netlink sockets are listed
# only when named (-t netlink), not by default.
source "$(dirname "$0")/lib.sh"

fixture nl netlink

ref="netlink:$(fx nl inode)"
ls_json -t netlink
if o=$(obj "$ref"); then
  expect_str "$ref type" "$o" .type netlink
  expect "$ref inode" "$o" .inode "$(fx nl inode)"
  expect_str "$ref detail.protocol" "$o" .detail.protocol route
  expect "$ref detail.portid" "$o" .detail.portid "$(fx nl portid)"
  expect "$ref detail.groups (RTMGRP_LINK)" "$o" .detail.groups '[1]'
  expect_holders "$ref" "$o" "$(fx nl pid):$(fx nl fd):rw:fd"
fi
uref="netlink:$(fx nl uinode)"
if o=$(obj "$uref"); then
  expect_str "$uref detail.protocol" "$o" .detail.protocol kobject_uevent
  expect "$uref detail.portid" "$o" .detail.portid "$(fx nl uportid)"
  expect_holders "$uref" "$o" "$(fx nl pid):$(fx nl ufd):rw:fd"
fi
cref="netlink:$(fx nl cinode)"
if o=$(obj "$cref"); then
  expect "$cref detail.portid" "$o" .detail.portid "$(fx nl cportid)"
  # sock_diag says where it sends; /proc/net/netlink (the fallback) does not.
  if [[ $(jq -r .detail.dst_portid <<<"$o") != null ]]; then
    expect "$cref detail.dst_portid (the route socket's port)" "$o" .detail.dst_portid "$(fx nl portid)"
    expect_str "$cref peer" "$o" .peer "$ref"
    expect "$cref peer_holders" "$o" '[.peer_holders[].pid]' "[$(fx nl pid)]"
    expect_str "$cref detail.state" "$o" .detail.state ESTAB
  fi
  expect_holders "$cref" "$o" "$(fx nl cpid):$(fx nl cfd):rw:fd"
fi
expect "-t netlink: types listed" "$LS" '[.objects[].type] | unique' '["netlink"]'

# show by ref.
run_ipcctl show "$ref" --json
((RC == 0)) || fail "show $ref: exit $RC: $ERR"
expect "show $ref: the one object" "$OUT" '[.objects[].ref]' "[\"$ref\"]"

# -Q on the protocol.
ls_json -t netlink -Q 'protocol == "route"'
expect "-Q protocol == route: only route sockets" "$LS" '[.objects[].detail.protocol] | unique' '["route"]'
obj "$ref" >/dev/null && ok "-Q protocol == route lists $ref"
expect "-Q protocol == route: not the uevent socket" "$LS" "[.objects[] | select(.ref == \"$uref\")] | length" 0

# -o with the netlink columns.
run_ipcctl ls -t netlink -o REF,PROTOCOL,PORTID,GROUPS -Q "inode == $(fx nl inode)"
((RC == 0)) || fail "ls -o: exit $RC: $ERR"
if grep -q "$ref *route *$(fx nl portid) *1" <<<"$OUT"; then ok "ls -o REF,PROTOCOL,PORTID,GROUPS"
else fail "ls -o REF,PROTOCOL,PORTID,GROUPS: got: $OUT"; fi

# Not in the default listing, nor with -t socket; with -t all, yes.
ls_json
expect "default ls: no netlink" "$LS" '[.objects[] | select(.type == "netlink")] | length' 0
ls_json -t socket
expect "-t socket: no netlink" "$LS" '[.objects[] | select(.type == "netlink")] | length' 0
ls_json -t all
obj "$ref" >/dev/null && ok "-t all lists $ref"

finish
