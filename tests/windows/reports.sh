#!/usr/bin/env bash
# ipcctl.exe's reports against real Windows objects, under Wine: win_holder
# makes an event, a mutex, a semaphore, a section and a named pipe, a second
# win_holder opens the pipe as its client, and `graph -F json` (and dot)
# must join the two processes by the pipe, naming it; `audit --json` must be
# the findings document with the documented exit status, and name no orphan;
# `export` must count the pipe in Prometheus text, and -o replace a file;
# the commands' Linux-only options are refused as unknown.
# shellcheck disable=SC2016  # '$x' in single quotes is jq's
set -uo pipefail
: "${IPCCTL_EXE:?}" "${WIN_HOLDER:?}"

WORK_NAME=reports
source "$(dirname "$0")/lib.sh"
start_holders
pipe_ref="win-pipe:\\\\.\\pipe\\${prefix}pipe"

# graph: the two processes, joined by the pipe.
ipcctl graph -F json >"$WORK/graph.json" 2>"$WORK/graph.err" || fail "graph -F json exits 0 ($(cat "$WORK/graph.err"))"
check "graph -F json is the ipcctl/1 graph document" \
  '.schema == "ipcctl/1" and (.nodes | type) == "array" and (.edges | type) == "array"' "$WORK/graph.json"
for p in "$server" "$client"; do
  check "graph has process $p, win_holder.exe" \
    "[.nodes[] | select(.kind == \"process\" and .pid == $p and .comm == \"win_holder.exe\")] | length == 1" "$WORK/graph.json"
done
check "graph joins server $server and client $client by the pipe, named by its ref" \
  "[.edges[] | select(([.from, .to] | sort) == ([\"p$server\", \"p$client\"] | sort) and .type == \"win-pipe\" and (.refs | index($(jq -Rn --arg r "$pipe_ref" '$r'))))] | length == 1" \
  "$WORK/graph.json"
ipcctl graph -F json -t win-event >"$WORK/graph-event.json" 2>/dev/null
check "graph -t win-event has no pipe edge" '[.edges[] | select(.type == "win-pipe")] | length == 0' "$WORK/graph-event.json"
ipcctl graph -t win-pipe >"$WORK/graph.dot" 2>/dev/null
if grep -q '^digraph ipc {' "$WORK/graph.dot" && grep -q "p$server" "$WORK/graph.dot" && grep -q "p$client" "$WORK/graph.dot"; then
  ok "graph prints DOT with both processes"
else
  fail "graph DOT: $(head -c 400 "$WORK/graph.dot")"
fi
ipcctl graph -F json -p "$client" >"$WORK/graph-p.json" 2>/dev/null
check "graph -p CLIENT keeps the pipe's edge" \
  "[.edges[] | select(.type == \"win-pipe\")] | length >= 1" "$WORK/graph-p.json"
bad_inputs "graph --svg x.svg" "graph -F nope" "graph -u root" "graph -A"

# audit: the same checks; --fail-on none exits 0, and otherwise the exit
# status is 1 exactly when a finding is low or worse (the default --fail-on).
ipcctl audit --json --fail-on none >"$WORK/audit.json" 2>"$WORK/audit.err"
rc=$?
[ $rc -eq 0 ] && ok "audit --json --fail-on none exits 0" || fail "audit --json --fail-on none exits $rc ($(cat "$WORK/audit.err"))"
check "audit --json is the ipcctl/1 findings document" \
  '.schema == "ipcctl/1" and (.findings | type) == "array" and all(.findings[]; (.check | type) == "string" and (.severity | IN("info", "low", "medium", "high")) and (.ref | type) == "string")' \
  "$WORK/audit.json"
check "audit finds no orphan on Windows (an object goes with its last handle)" \
  '[.findings[] | select(.check == "orphaned")] | length == 0' "$WORK/audit.json"
ipcctl audit --json >"$WORK/audit2.json" 2>/dev/null
rc=$?
want=$(jq '[.findings[] | select(.severity != "info")] | if length > 0 then 1 else 0 end' "$WORK/audit2.json" 2>/dev/null)
[ -n "$want" ] && [ "$rc" -eq "$want" ] && ok "audit --json exits $rc: 1 exactly when a finding is low or worse" ||
  fail "audit --json exits $rc, expected ${want:-valid JSON}"
ipcctl audit --json --fail-on info -t win-pipe >"$WORK/audit3.json" 2>/dev/null
rc=$?
want=$(jq '.findings | if length > 0 then 1 else 0 end' "$WORK/audit3.json" 2>/dev/null)
[ -n "$want" ] && [ "$rc" -eq "$want" ] && ok "audit --fail-on info -t win-pipe exits $rc" ||
  fail "audit --fail-on info -t win-pipe exits $rc, expected ${want:-valid JSON}"
check "audit -t win-pipe reports only pipes" 'all(.findings[]; .type == "win-pipe")' "$WORK/audit3.json"
ipcctl audit --list-checks >"$WORK/checks.txt" 2>/dev/null
grep -q '^orphaned ' "$WORK/checks.txt" && ok "audit --list-checks lists the checks" ||
  fail "audit --list-checks: $(head -c 300 "$WORK/checks.txt")"
bad_inputs "audit --scan C:\\" "audit --fail-on nope" "audit --check nope" "audit --stale 5x"

# export: Prometheus text with the pipe among the objects; -o replaces the
# file whole; no Linux limits.
ipcctl export >"$WORK/export.prom" 2>"$WORK/export.err" || fail "export exits 0 ($(cat "$WORK/export.err"))"
tr -d '\r' <"$WORK/export.prom" >"$WORK/export.txt"
if grep -Eq '^ipcctl_objects\{[^}]*type="win-pipe"[^}]*\} [1-9]' "$WORK/export.txt" &&
   grep -q '^# TYPE ipcctl_objects gauge' "$WORK/export.txt" && grep -q '^ipcctl_build_info{' "$WORK/export.txt"; then
  ok "export counts the win-pipe objects in ipcctl_objects"
else
  fail "export: $(grep win-pipe "$WORK/export.txt" | head -3)"
fi
if grep -q '^ipcctl_limit' "$WORK/export.txt"; then fail "export on Windows has Linux's limits"; else ok "export has no limits"; fi
if grep -vq '^#' "$WORK/export.txt" && ! grep -v '^#' "$WORK/export.txt" | grep -vEq '^ipcctl_[a-z_]+(\{[^}]*\})? [-0-9.e+]+$'; then
  ok "every export sample is an ipcctl_ metric"
else
  fail "export: a line is not a sample: $(grep -v '^#' "$WORK/export.txt" | grep -vE '^ipcctl_[a-z_]+(\{[^}]*\})? [-0-9.e+]+$' | head -2)"
fi
ipcctl export -t win-pipe --per-object >"$WORK/export-p.prom" 2>/dev/null
if tr -d '\r' <"$WORK/export-p.prom" | grep -F "ref=\"$(printf '%s' "$pipe_ref" | sed 's/\\/\\\\/g')\"" | grep -q '^ipcctl_object_'; then
  ok "export --per-object has a series for the test's pipe"
else
  fail "export --per-object: no series for $pipe_ref: $(grep -m2 win-pipe "$WORK/export-p.prom")"
fi
echo old-content-of-out.prom >"$WORK/out.prom"
ipcctl export -t win-pipe -o "Z:$WORK/out.prom" 2>"$WORK/export-o.err" || fail "export -o exits 0 ($(cat "$WORK/export-o.err"))"
tr -d '\r' <"$WORK/out.prom" | grep -Eq '^ipcctl_objects\{[^}]*type="win-pipe"' && ! grep -q old-content-of "$WORK/out.prom" &&
  [ -z "$(find "$WORK" -name 'out.prom.tmp-*')" ] && ok "export -o replaces the file, leaving no temporary file" ||
  fail "export -o: $(head -c 300 "$WORK/out.prom")"
mkdir "$WORK/adir"
ipcctl export -t win-pipe -o "Z:$WORK/adir" >/dev/null 2>"$WORK/export-dir.err"
rc=$?
lines=$(tr -d '\r' <"$WORK/export-dir.err" | grep -c .)
[ $rc -eq 1 ] && [ "$lines" -eq 1 ] && [ -d "$WORK/adir" ] && [ -z "$(find "$WORK" -name 'adir.tmp-*')" ] &&
  ok "export -o DIRECTORY fails (exit 1, one line), leaving no temporary file" ||
  fail "export -o DIRECTORY: exit $rc, $lines lines: $(cat "$WORK/export-dir.err")"
for bad in "export -F json" "export -o Z:$WORK/nodir/x.prom" "export -t nope" "export --bogus"; do
  # shellcheck disable=SC2086  # the words are the arguments
  ipcctl $bad >/dev/null 2>"$WORK/bad.err"
  rc=$?
  lines=$(tr -d '\r' <"$WORK/bad.err" | grep -c .)
  [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && ! grep -q 'unknown command' "$WORK/bad.err" && ok "bad input '$bad': exit 2, one line" ||
    fail "bad input '$bad': exit $rc, $lines lines: $(cat "$WORK/bad.err")"
done

if [ $FAILS -gt 0 ]; then
  echo "$FAILS check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
