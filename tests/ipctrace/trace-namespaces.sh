#!/bin/bash
# Namespaces in a trace: two processes, each in an IPC namespace of its own,
# each use their namespace's queue 0. Each event's ref names its namespace
# (sysv-msg:0@ipc:INODE, as ipcctl names it), neither is the other's peer,
# and the summary keeps them apart; with the ptrace backend and --system. A
# process that unshares mid-trace has its events before and after named by
# the namespace each was made in.
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] || skip "needs root to make IPC namespaces"
unshare --ipc true 2>/dev/null || skip "this kernel or sandbox does not allow new IPC namespaces"

# Two processes, each in a namespace of its own, both alive at once (a
# freed namespace's inode number is soon another's).
two="$TRACE_WORKLOAD own-ipc-ns pair"
backends=(ptrace)
"$IPCTRACE" --system --duration 0.05 -e signal >/dev/null 2>&1 && backends+=(system)
for backend in "${backends[@]}"; do
  opt=() && [[ $backend == system ]] && opt=(--system)
  TRACE=$WORK/$backend.jsonl
  "$IPCTRACE" "${opt[@]}" -e sysv-msg --json -o "$TRACE" -- sh -c "$two" >"$WORK/out" 2>"$WORK/err" ||
    { fail "$backend: exit $?: $(cat "$WORK/err")"; continue; }
  mapfile -t runs <"$WORK/out"
  read -r ns1 id1 <<<"${runs[0]}"
  read -r ns2 id2 <<<"${runs[1]}"
  [[ -n $ns1 && -n $ns2 && $ns1 != "$ns2" ]] || { fail "$backend: two namespaces expected: ${runs[*]}"; continue; }
  for n in 1 2; do
    ns=ns$n id=id$n
    ref="sysv-msg:${!id}@ipc:${!ns}"
    expect "$backend: run $n: msgsnd and msgrcv on $ref, in ipc:${!ns}" \
      "$(q "[.[] | select(.op == \"send\" or .op == \"recv\") | select(.ref == \"$ref\") | [.op, .bytes, .namespace.inode]]")" \
      "[[\"send\",7,${!ns}],[\"recv\",7,${!ns}]]"
  done
  expect "$backend: neither is the other's peer" "$(q '[.[] | select(.op == "send" or .op == "recv") | .peers[]] | length')" 0
  TRACE=$WORK/$backend-summary.json
  "$IPCTRACE" "${opt[@]}" -e sysv-msg -c --json -o "$TRACE" -- sh -c "$two" >"$WORK/out" 2>"$WORK/err" ||
    { fail "$backend -c: exit $?: $(cat "$WORK/err")"; continue; }
  mapfile -t runs <"$WORK/out"
  want=$(for r in "${runs[@]}"; do read -r ns id <<<"$r"; echo "sysv-msg:$id@ipc:$ns"; done | sort | jq -Rsc 'split("\n")[:-1] | map(., .)')
  expect "$backend -c: a send and a recv row per namespace's queue, no peers" \
    "$(q '[.[].summary[] | select(.direction == "out" or .direction == "in") | select(.peers == []) | .ref] | sort')" "$want"
done

# One process, a queue before its unshare and one after: each event names
# the namespace it was made in (ptrace: read afresh after unshare).
own=$(stat -Lc %i /proc/self/ns/ipc)
for backend in "${backends[@]}"; do
  opt=() && [[ $backend == system ]] && opt=(--system)
  TRACE=$WORK/flip-$backend.jsonl
  "$IPCTRACE" "${opt[@]}" -e sysv-msg --json -o "$TRACE" -- "$TRACE_WORKLOAD" own-ipc-ns flip >"$WORK/out" 2>"$WORK/err" ||
    { fail "$backend: unshare mid-trace: exit $?: $(cat "$WORK/err")"; continue; }
  { read -r before; read -r ns id; } <"$WORK/out"
  expect "$backend: before the unshare: sysv-msg:$before, in ipctrace's own namespace" \
    "$(q "[.[] | select(.op == \"send\" or .op == \"recv\") | select(.namespace.inode == $own) | .ref] | unique")" "[\"sysv-msg:$before\"]"
  expect "$backend: after it: sysv-msg:$id@ipc:$ns" \
    "$(q "[.[] | select(.op == \"send\" or .op == \"recv\") | select(.namespace.inode == $ns) | .ref] | unique")" "[\"sysv-msg:$id@ipc:$ns\"]"
done
finish
