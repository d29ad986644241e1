#!/bin/bash
# ipctrace needs no privileges to trace a command it starts: the workload
# traced as nobody gives the same bytes and peers.
source "$(dirname "$0")/lib.sh"

as_user=()
if [[ $(id -u) == 0 ]]; then
  command -v setpriv >/dev/null || skip "setpriv is needed to drop privileges"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
mkdir -m 0777 "$WORK/u"
FACTS=$WORK/u/facts
TRACE=$WORK/u/trace.jsonl
rc=0
"${as_user[@]}" "$IPCTRACE" --json -o "$TRACE" -- "$TRACE_WORKLOAD" all "$FACTS" "$WORK/u" >/dev/null 2>"$WORK/err" || rc=$?
expect "unprivileged trace: exit 0" "$rc" 0
[[ -s $TRACE ]] || { fail "no trace: $(cat "$WORK/err")"; finish; }
P=$(fact parent)
expect "the workload ran as $(id -un 65534 2>/dev/null || echo 65534)" \
  "$(stat -c %u "$FACTS")" "$([[ ${#as_user[@]} -gt 0 ]] && echo 65534 || id -u)"
check_schema
for m in pipe fifo tcp udp; do
  R=$(fact $m.ref) W=$(fact $m.writer) B=$(fact $m.bytes)
  expect "$m: $R parent received $B from $W" \
    "$(q "[.[] | select(.pid == $P and .op == \"recv\" and .ref == \"$R\")] | [(map(.bytes) | add), all(.peers | map(.pid) | index($W) != null)]")" \
    "[$B,true]"
done
R=$(fact unix.ref) C=$(fact unix.child)
expect "unix: peers resolved (sock_diag as nobody)" \
  "$(q "[.[] | select(.pid == $P and .op == \"send\" and .ref == \"$R\") | .peers[].pid] | unique")" "[$C]"
finish
