#!/bin/bash
# ipctrace --system without the privileges (or without eBPF in the build):
# one clear line, pointing to the ptrace mode, exit 1.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root to drop to an unprivileged user"
command -v setpriv >/dev/null || skip "setpriv is needed to drop privileges"
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
  "$IPCTRACE" --system --duration 0.1 >"$WORK/out" 2>"$WORK/err" || rc=$?
expect "exit status 1" "$rc" 1
expect "one line on stderr" "$(wc -l <"$WORK/err")" 1
if grep -q 'built without eBPF support' "$WORK/err"; then
  ok "no eBPF in this build: $(cat "$WORK/err")"
else
  expect "it names what is missing" "$(grep -c 'CAP_BPF and CAP_PERFMON (or root)' "$WORK/err")" 1
fi
expect "it suggests the ptrace mode" "$(grep -c 'ipctrace -- CMD' "$WORK/err")" 1
expect "nothing on stdout" "$(cat "$WORK/out")" ""
finish
