#!/bin/bash
# Warnings name what they count: the processes that could not be read, the
# objects --orphaned held back, the first five of them and "and N more";
# -q keeps them off stderr, and JSON keeps them, with every pid and ref as
# data in warning_details. Run as nobody, to whom root's processes are
# unreadable.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root (to run ipcctl as nobody beside root's processes)"
command -v setpriv >/dev/null || skip "setpriv is needed"
[[ -d /dev/shm ]] || skip "no /dev/shm"

# as_nobody ARGS...: ipcctl as nobody, leaving $OUT, $ERR and $RC.
as_nobody() {
  RC=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || RC=$?
  OUT=$(cat "$WORK/stdout")
  ERR=$(cat "$WORK/stderr")
}

# Root processes nobody cannot read: this shell and a few sleepers.
sleepers=()
for _ in 1 2 3 4 5 6; do
  sleep 300 </dev/null >/dev/null 2>&1 &
  sleepers+=($!)
  CLEANUP+=("kill $! 2>/dev/null")
done

# --- the walk's warning, in JSON
as_nobody ls -t pipe --json
expect "ls as nobody: exit 0" "{\"rc\":$RC}" .rc 0
DOC=$OUT
w=$(jq -c '[(.warning_details // [])[] | select(.text | test("processes? (was|were) not readable"))] | first' <<<"$DOC")
expect_true "the unreadable warning has its pids as data" "$w" '(.pids | length) >= 6' .
expect_true "warning_details: one per warning, text as in warnings" "$DOC" \
  '[.warning_details[].text] == .warnings' '[.warnings, [.warning_details[].text]]'
expect_true "warning_details: pids and refs are arrays of numbers and strings" "$DOC" \
  '[.warning_details[] | (.pids | map(type) | unique - ["number"]) + (.refs | map(type) | unique - ["string"])] | flatten == []' .warning_details
for pid in "${sleepers[@]}" $$; do
  expect_true "pid $pid (root's) is in the warning's pids" "$w" "[.pids[] | select(. == $pid)] | length == 1" .pids
done
n=$(jq '.pids | length' <<<"$w")
first=$(jq '.pids[0]' <<<"$w")
expect_true "the warning's text counts them" "$w" ".text | startswith(\"$n process\")" .text
expect_true "the text names the first pid and says how many more" "$w" \
  ".text | test(\"\\\\[$first\\\\]\") and test(\" and $((n - 5)) more\\\\)$\")" .text

# A source's warning keeps its pids too (through the merge of the sources' parts).
as_nobody ls -t anon-shm --json
expect_true "anon-shm's unreadable-maps warning has its pids" "$OUT" \
  "[(.warning_details // [])[] | select(.text | test(\"^anon-shm and mapped-file leave out\")) | .pids | index(${sleepers[0]}) != null] == [true]" \
  '.warning_details'

# --- on stderr: named; -q: nothing
as_nobody ls -t pipe
line=$(grep -E "not readable" <<<"$ERR" || true)
[[ $line == "ipcctl: warning: "*"[$first]"*" more)" ]] && ok "stderr names the pids: ${line:0:160}" ||
  fail "stderr warning does not name the pids: $line"
as_nobody ls -t pipe -q
[[ $RC == 0 && -z $ERR ]] && ok "ls -q: no warning on stderr" || fail "ls -q: exit $RC, stderr: ${ERR:0:200}"
as_nobody ls -t pipe --quiet --json
expect_true "ls --quiet --json: the warnings stay in JSON" "$OUT" '(.warnings | length) > 0' .warnings
[[ -z $ERR ]] && ok "ls --quiet --json: nothing on stderr" || fail "ls --quiet --json: stderr: ${ERR:0:200}"
for cmd in "show pid:1" "audit" "graph" "rm --orphaned --dry-run -t posix-shm"; do
  # shellcheck disable=SC2086
  as_nobody $cmd -q
  [[ $ERR != *warning:* ]] && ok "$cmd -q: no warning on stderr" || fail "$cmd -q: stderr: ${ERR:0:200}"
done

# --- rm --orphaned: the objects it held back, by ref
tag=ipcctl-warn-$$
for i in 1 2 3 4 5 6 7; do
  run_ipcctl mk posix-shm "/$tag-$i" --size 1K --mode 0644
  ((RC == 0)) || { fail "mk posix-shm /$tag-$i: $ERR"; continue; }
  CLEANUP+=("'$IPCCTL' rm --force 'posix-shm:/$tag-$i' >/dev/null 2>&1")
done
as_nobody rm --orphaned --dry-run --json -t posix-shm -Q "name =~ \"^/$tag-\""
w=$(jq -c '[(.warning_details // [])[] | select(.text | test("not called orphaned"))] | first' <<<"$OUT")
expect "rm --orphaned as nobody: the held-back objects' refs" "$w" '.refs | sort' \
  "[$(for i in 1 2 3 4 5 6 7; do printf '"posix-shm:/%s-%s"%s' "$tag" "$i" "$([[ $i == 7 ]] || echo ,)"; done)]"
expect_true "its text names five and says 2 more" "$w" \
  ".text | test(\"^--orphaned: 7 objects were not called orphaned.*\\\\(posix-shm:/$tag-[0-9], .* and 2 more\\\\)$\")" .text

finish
