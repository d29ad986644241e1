#!/bin/bash
# ipcctl export: the Prometheus text format, checked by promtool (Debian's
# prometheus package) where it is installed, with values that match a known
# landscape and what ls sees, and an atomic write to a file.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
[[ -r /proc/sysvipc/msg ]] || skip "no SysV IPC in this kernel"

tag=ipcctl-export-$$
run_ipcctl mk posix-shm "/$tag-a" --size 4K --mode 0666
shm=$OUT
CLEANUP+=("'$IPCCTL' rm --force '$shm' >/dev/null 2>&1")
run_ipcctl mk posix-shm "/$tag\"q" --size 1K
quoted=$OUT
CLEANUP+=("'$IPCCTL' rm --force '$quoted' >/dev/null 2>&1")
fixture msg sysv-msg messages=3 size=10

run_ipcctl export --per-object
expect "export: exit 0" "{\"rc\":$RC}" .rc 0
M=$OUT
if command -v promtool >/dev/null; then
  if lint=$(promtool check metrics <<<"$M" 2>&1); then ok "promtool check metrics: no problems"
  else fail "promtool check metrics: $lint"; fi
else
  echo "note: promtool is not installed (apt-get install prometheus): the format is checked by pattern only"
fi
# Every line is a comment or NAME{LABELS} VALUE.
bad=$(grep -Ev '^(# (HELP|TYPE) [a-z_]+ .*|[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+)$' <<<"$M" | head -3 || true)
[[ -z $bad ]] && ok "every line is a comment or a sample" || fail "lines that are neither: $bad"

# value METRIC LABELS: the sample's value, or "none".
# (awk -v would undo the label's escapes: the name comes through the environment.)
value() { want="$1$2" awk '$1 == ENVIRON["want"] { print $2; found = 1 } END { if (!found) print "none" }' <<<"$M"; }
expect "a segment's bytes" "{\"v\":\"$(value ipcctl_object_bytes "{ref=\"$shm\",type=\"posix-shm\",user=\"root\"}")\"}" .v '"4096"'
expect "a queue's messages" "{\"v\":\"$(value ipcctl_object_queued_messages "{ref=\"sysv-msg:$(fx msg id)\",type=\"sysv-msg\",user=\"root\"}")\"}" .v '"3"'
esc=$(sed 's/"/\\"/g' <<<"$quoted")
expect "a quote in a label is escaped" "{\"v\":\"$(value ipcctl_object_bytes "{ref=\"$esc\",type=\"posix-shm\",user=\"root\"}")\"}" .v '"1024"'
count=$("$IPCCTL" ls --json -t posix-shm 2>/dev/null | jq '[.objects[] | select(.owner.user == "root")] | length')
expect "objects per type and user agree with ls" "{\"v\":\"$(value ipcctl_objects '{type="posix-shm",user="root"}')\"}" .v "\"$count\""
ww=$(value ipcctl_audit_findings '{check="world_writable",severity="high"}')
[[ $ww != none ]] && ((ww >= 1)) && ok "audit findings: the world-writable segment counts" || fail "world_writable findings: $ww"
checks=$(grep -c '^ipcctl_audit_findings{' <<<"$M")
((checks >= $("$IPCCTL" audit --list-checks | grep -c .))) && ok "every check has a series" || fail "audit series: $checks"
[[ $(value ipcctl_limit '{name="msgmni",group="sysv-msg"}') == "$(cat /proc/sys/kernel/msgmni)" ]] && ok "a limit's value" ||
  fail "msgmni: $(value ipcctl_limit '{name="msgmni",group="sysv-msg"}')"

# Without --per-object, no series carries a ref.
run_ipcctl export
grep -q 'ref="' <<<"$OUT" && fail "a ref label without --per-object" || ok "bounded labels without --per-object"

# -o: written whole, 0644, no temporary file left; a missing directory is bad usage.
mkdir "$WORK/textfile"
run_ipcctl export -o "$WORK/textfile/ipcctl.prom"
expect "-o: exit 0" "{\"rc\":$RC}" .rc 0
[[ $(stat -c %a "$WORK/textfile/ipcctl.prom") == 644 && $(ls "$WORK/textfile") == ipcctl.prom ]] &&
  ok "-o: the file alone, mode 0644" || fail "-o: $(ls -l "$WORK/textfile")"
grep -q '^ipcctl_build_info{version=' "$WORK/textfile/ipcctl.prom" && ok "-o: complete" || fail "-o: no build_info line"
for args in "-o $WORK/nodir/x.prom" "-F json"; do
  run_ipcctl export $args
  ((RC == 2)) && ok "export $args: exit 2" || fail "export $args: exit $RC: $ERR"
done

finish
