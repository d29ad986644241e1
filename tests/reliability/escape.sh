#!/bin/bash
# Hostile names reach no terminal and no shell raw (issue 21, items 3, 4 and
# 13). Processes renamed with prctl(PR_SET_NAME) to "\e[2J" and "a\nREF x y",
# FIFOs named 'a;touch PWNED;b' and "n\nREF x y\e[2J" + U+202E + "Z" in a
# world-writable directory whose own name holds a ';', an abstract unix
# socket with a newline and an ESC in its name, and /dev/shm names with
# bytes that are not UTF-8 ($'\xff\xfe', and $'\xfe\xff', the same once
# repaired). Then:
# - every text output (ls table, --raw, --summary, show, audit, graph DOT and
#   Mermaid, ipctrace lines and -c, error messages) holds no C0 control but
#   its newlines, no DEL, no C1, no bidi control and no invalid UTF-8, and
#   the listings have one line per object;
# - every fix of audit, run as `bash -c "$fix"` in a scratch directory,
#   runs nothing injected (no PWNED file anywhere) and changes the mode of
#   the very file or directory it names; the text form shows the same fixes;
# - export --per-object passes `promtool check metrics`, with U+FFFD in the
#   labels and the invalid names counted.
source "$(dirname "$0")/lib.sh"
private_namespace "$@"
[[ $PRIVATE_NS == yes ]] || skip "needs root and unshare(1) for a private IPC namespace"
command -v python3 >/dev/null || skip "needs python3 (ctypes) to rename processes"

# holder.py COMM [fifo:PATH | abstract:NAME | connect:NAME | write:PATH]...:
# a process named COMM (prctl PR_SET_NAME) that holds FIFOs open (read-write,
# so that the open does not block), listens on abstract unix sockets, or
# connects to one and sends two bytes, or writes two bytes to a FIFO and
# reads them back; then prints "ready PID" and waits for a line on stdin.
HOLDER=$WORK/holder.py
cat >"$HOLDER" <<'EOF'
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(15, ctypes.c_char_p(os.fsencode(sys.argv[1])[:15]), 0, 0, 0) != 0:
    sys.exit("prctl: " + os.strerror(ctypes.get_errno()))
held = []
for arg in sys.argv[2:]:
    kind, _, name = arg.partition(":")
    raw = os.fsencode(name)
    if kind == "fifo":
        held.append(os.open(raw, os.O_RDWR))
    elif kind == "abstract":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(b"\0" + raw)
        s.listen(4)
        held.append(s)
    elif kind == "connect":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(b"\0" + raw)
        s.sendall(b"hi")
        held.append(s)
    elif kind == "write":
        fd = os.open(raw, os.O_RDWR)
        os.write(fd, b"hi")
        os.read(fd, 2)
        os.close(fd)
print("ready", os.getpid(), flush=True)
sys.stdin.readline()
EOF

declare -A HOLDER_PID=()
# holder NAME COMM ARGS...: starts holder.py, waits for it, sets HOLDER_PID[NAME].
holder() {
  local name=$1 fd i
  shift
  mkfifo "$WORK/$name.in"
  python3 "$HOLDER" "$@" <"$WORK/$name.in" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  exec {fd}>"$WORK/$name.in"
  CLEANUP+=("echo >&$fd; exec $fd>&-; wait $pid")
  for ((i = 0; i < 200; i++)); do
    [[ -s $WORK/$name.out ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  read -r _ HOLDER_PID[$name] <"$WORK/$name.out" || true
  [[ -n ${HOLDER_PID[$name]:-} ]] || { echo "FAIL: holder $name did not start: $(cat "$WORK/$name.err")" >&2; exit 1; }
}

# unsafe FILE: prints (numbered) the lines of FILE that hold a C0 control
# other than the newline, DEL, a C1 control, a bidi control, a line or
# paragraph separator, or bytes that are not UTF-8.
unsafe() {
  { LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8\xa9\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1" || true; } | head -3
  { LC_ALL=C.UTF-8 grep -naxv '.*' "$1" || true; } | head -3
}

# check_safe WHAT FILE: the output holds nothing a terminal would act on.
check_safe() {
  local bad
  bad=$(unsafe "$2" | cat -v)
  [[ -z $bad ]] && ok "$1: nothing raw" || fail "$1: raw controls, bidi or invalid UTF-8: $bad"
}

# run WHAT CMD...: runs CMD with stdout in $WORK/out and stderr in $WORK/err
# (both checked with check_safe); $RC is its status.
run() {
  local what=$1
  shift
  RC=0
  "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
  check_safe "$what" "$WORK/out"
  check_safe "$what (stderr)" "$WORK/err"
}

# --- the hostile landscape ----------------------------------------------------

SCRATCH=$WORK/scratch  # where the fixes run
mkdir "$SCRATCH"
D="$WORK/w;touch PWNED;x"
mkdir "$D"
chmod 0777 "$D"
F1="$D/a;touch PWNED;b"
F2="$D/"$'n\nREF x y\e[2J\xe2\x80\xaeZ'
mkfifo -m 0666 "$F1" "$F2"
SHM1=/dev/shm/$'bad\xff\xfe'
SHM2=/dev/shm/$'bad\xfe\xff'
: >"$SHM1"
: >"$SHM2"
chmod 0666 "$SHM1" "$SHM2"
ABSTRACT=$'ab\ncd\e[2J\xe2\x80\xae'
holder h1 $'\e[2J' "fifo:$F1" "fifo:$F2" "abstract:$ABSTRACT"
holder h2 $'a\nREF x y' "fifo:$F2" "connect:$ABSTRACT"
P1=${HOLDER_PID[h1]} P2=${HOLDER_PID[h2]}
[[ $(cat "/proc/$P1/comm") == $'\e[2J' ]] || fail "holder h1 is not renamed: $(cat -v "/proc/$P1/comm")"
echo "holders: $P1 $P2; FIFOs in $D"

# --- ls, show: one line per object, nothing raw --------------------------------

# rows WHAT N FILE: FILE has a heading and N rows.
rows() {
  local lines
  lines=$(wc -l <"$3")
  ((lines == $2 + 1)) && ok "$1: $2 objects, $lines lines" || fail "$1: $2 objects, but $lines lines: $(head -c 600 "$3" | cat -v)"
}

for sel in "-t fifo,unix -p $P1,$P2" "-t posix-shm"; do
  # shellcheck disable=SC2086  # $sel is words
  n=$("$IPCCTL" ls --json $sel 2>/dev/null | jq '.objects | length')
  # shellcheck disable=SC2086
  run "ls $sel" "$IPCCTL" ls $sel
  rows "ls $sel" "$n" "$WORK/out"
  # shellcheck disable=SC2086
  run "ls --raw $sel" "$IPCCTL" ls --raw $sel
  rows "ls --raw $sel" "$n" "$WORK/out"
  fields=$(awk '{print NF}' "$WORK/out" | sort -u | tr '\n' ' ')
  [[ $fields =~ ^[0-9]+\ $ ]] && ok "ls --raw $sel: every row has the same fields" || fail "ls --raw $sel: fields per row: $fields"
  # shellcheck disable=SC2086
  run "ls --summary $sel" "$IPCCTL" ls --summary $sel
done
# The whole machine, every column that can hold a name.
run "ls" "$IPCCTL" ls
run "ls --raw -o REF,NAME,HOLDERS,DETAIL" "$IPCCTL" ls --raw -o REF,NAME,HOLDERS,DETAIL
run "ls --summary" "$IPCCTL" ls --summary
# The hostile objects are there (their names, valid UTF-8, come back whole through JSON).
LS=$("$IPCCTL" ls --json -t fifo,unix,posix-shm 2>/dev/null)
for want in "fifo:$F1" "fifo:$F2"; do
  [[ $(jq --arg r "$want" '[.objects[] | select(.ref == $r)] | length' <<<"$LS") == 1 ]] &&
    ok "listed: $(printf %q "$want")" || fail "not listed: $(printf %q "$want")"
done
[[ $(jq --arg n "@$ABSTRACT" '[.objects[] | select(.name == $n)] | length' <<<"$LS") -ge 1 ]] &&
  ok "listed: the abstract socket" || fail "the abstract socket $(printf %q "@$ABSTRACT") is not listed"
[[ $(jq '[.objects[] | select(.ref == "posix-shm:/bad\ufffd\ufffd")] | length' <<<"$LS") == 2 ]] &&
  ok "listed: both /dev/shm names that are not UTF-8" || fail "the /dev/shm names that are not UTF-8 are not listed"

run "show fifo:F2" "$IPCCTL" show "fifo:$F2"
((RC == 0)) && grep -q 'REF x y' "$WORK/out" && ok "show fifo:F2: shown" || fail "show fifo:F2: exit $RC: $(cat -v "$WORK/err")"
forged=$(grep -n '^REF x y' "$WORK/out" | cat -v || true)
[[ -z $forged ]] && ok "show fifo:F2: no forged line" || fail "show fifo:F2: a forged line: $forged"
run "show posix-shm:bad" "$IPCCTL" show "posix-shm:/"$'bad\xff\xfe'
((RC == 0)) && grep -q 'bad\\xff\\xfe' "$WORK/out" && ok "show: a name that is not UTF-8 is shown as \\xHH" ||
  fail "show posix-shm:bad: exit $RC: $(cat -v "$WORK/out" "$WORK/err")"
abstract_ref=$(jq -r --arg n "@$ABSTRACT" '[.objects[] | select(.name == $n) | .ref][0]' <<<"$LS")
run "show the abstract socket" "$IPCCTL" show "$abstract_ref"
# A bad argument's error message is one safe line too.
run "ls --scan with controls and U+202E" "$IPCCTL" ls --scan "/nonexistent/"$'\e[2J\xe2\x80\xae\xe2\x81\xa6\xc2\x9b'
((RC != 0)) && [[ $(wc -l <"$WORK/err") == 1 ]] && ok "ls --scan: one line of error" ||
  fail "ls --scan /nonexistent/...: exit $RC, stderr $(cat -v "$WORK/err")"

# --- rm: the lines it prints name other users' objects ---------------------------

run "rm --dry-run fifo:F2" "$IPCCTL" rm --dry-run --force "fifo:$F2"
((RC == 0)) && [[ $(wc -l <"$WORK/out") == 1 ]] && grep -q '^would remove fifo:' "$WORK/out" &&
  ok "rm --dry-run: one line, the name escaped" || fail "rm --dry-run fifo:F2: exit $RC: $(cat -v "$WORK/out" "$WORK/err")"
run "rm fifo:F2 (held: refused)" "$IPCCTL" rm "fifo:$F2"
((RC == 1)) && [[ $(grep -c '^ipcctl: rm: ' "$WORK/err") == 1 ]] && ! grep -q '^REF x y' "$WORK/err" && [[ -p $F2 ]] &&
  ok "rm of a held FIFO: refused in one line" ||
  fail "rm fifo:F2: exit $RC: $(cat -v "$WORK/err")"

# --- graph --------------------------------------------------------------------

for fmt in dot mermaid; do
  run "graph -F $fmt" "$IPCCTL" graph -F "$fmt" -p "$P1,$P2"
  ((RC == 0)) && grep -q 'REF x y' "$WORK/out" && ok "graph -F $fmt: the renamed process is drawn" ||
    fail "graph -F $fmt: exit $RC: $(cat -v "$WORK/out" "$WORK/err" | head -c 600)"
done
run "graph (everything)" "$IPCCTL" graph
run "graph -F mermaid (everything)" "$IPCCTL" graph -F mermaid
# No line of DOT is anything but a statement: the forged "REF x y" stays in its label.
run "graph -F dot" "$IPCCTL" graph -F dot -p "$P1,$P2"
forged=$(grep 'REF x y' "$WORK/out" | grep -v 'label="' | cat -v || true)
[[ -z $forged ]] && ok "graph -F dot: names stay inside labels" || fail "graph -F dot: a name outside a label: $forged"
if command -v dot >/dev/null; then
  dot -Tsvg "$WORK/out" >/dev/null 2>"$WORK/dot.err" && ok "dot reads the DOT" || fail "dot: $(cat "$WORK/dot.err")"
fi

# --- audit: text, and fixes that run nothing injected --------------------------

run "audit" "$IPCCTL" audit --scan "$D" --fail-on none
cp "$WORK/out" "$WORK/audit.txt"
"$IPCCTL" audit --json --scan "$D" --fail-on none >"$WORK/audit.json" 2>/dev/null || true
mapfile -d '' fixes < <(jq -j --arg d "$D" '.findings[] | select(.check | IN("world_writable", "world_readable", "dir_writable"))
  | select((.ref | startswith("fifo:" + $d)) or (.ref | startswith("posix-shm:/bad"))) | .fix + "\u0000"' "$WORK/audit.json")
# F1 and F2 (world_writable, dir_writable), both segments (world_writable, which
# says world_readable in its 'also': one finding per object and problem).
((${#fixes[@]} == 6)) && ok "audit: 6 fixes for the hostile objects" || fail "audit: ${#fixes[@]} fixes, expected 6: $(jq -c '.findings' "$WORK/audit.json" | cat -v | head -c 800)"
[[ $(jq --arg d "$D" '[.findings[] | select(.ref | startswith("posix-shm:/bad")) | select(.check == "world_writable" and (.also | index("world_readable")))] | length' "$WORK/audit.json") == 2 ]] &&
  ok "audit: each segment's one finding says it is world readable too" || fail "audit: a segment's finding lacks also: [world_readable]"
for fix in "${fixes[@]}"; do
  grep -qxF "        fix: $fix" "$WORK/audit.txt" && ok "audit text shows the fix $fix" ||
    fail "audit text does not show the fix $(printf %q "$fix")"
  (cd "$SCRATCH" && bash -c "$fix") >/dev/null 2>&1 || fail "the fix failed: $(printf %q "$fix")"
done
pwned=$(find "$WORK" /dev/shm "$PWD" -maxdepth 3 -name PWNED 2>/dev/null | cat -v || true)
[[ -z $pwned ]] && ok "the fixes ran no injected command" || fail "an injected command ran: $pwned"
for f in "$F1" "$F2"; do
  [[ $(stat -c %a "$f") == 664 ]] && ok "the fix changed $(printf %q "$f")" ||
    fail "$(printf %q "$f"): mode $(stat -c %a "$f"), expected 664"
done
for f in "$SHM1" "$SHM2"; do
  [[ $(stat -c %a "$f") == 660 ]] && ok "the fixes changed $(printf %q "$f")" ||
    fail "$(printf %q "$f"): mode $(stat -c %a "$f"), expected 660"
done
[[ $(stat -c %a "$D") == 775 ]] && ok "the fix changed the directory" || fail "$D: mode $(stat -c %a "$D"), expected 775"

# --- export: promtool accepts the file ------------------------------------------

"$IPCCTL" export --per-object >"$WORK/metrics.prom" 2>"$WORK/err" || fail "export: exit $?: $(cat "$WORK/err")"
check_safe "export" "$WORK/metrics.prom"
if command -v promtool >/dev/null; then
  lint=$(promtool check metrics <"$WORK/metrics.prom" 2>&1) && ok "promtool check metrics accepts the export" ||
    fail "promtool check metrics: $(head -c 400 <<<"$lint" | cat -v)"
else
  echo "note: promtool is not installed (apt-get install prometheus): checked for valid UTF-8 only"
fi
n=$(grep -c "^ipcctl_object_holders{ref=\"posix-shm:/bad"$'\xef\xbf\xbd\xef\xbf\xbd' "$WORK/metrics.prom" || true)
((n == 2)) && ok "export: both segments, U+FFFD for their bytes" || fail "export: $n series for the segments, expected 2"
dups=$(grep -v '^#' "$WORK/metrics.prom" | sed 's/ [^ ]*$//' | sort | uniq -d | head -3)
[[ -z $dups ]] && ok "export: no series twice" || fail "export: series twice: $dups"
invalid=$(awk '$1 == "ipcctl_labels_repaired" {print $2}' "$WORK/metrics.prom")
[[ -n $invalid ]] && ((invalid >= 2)) && ok "export: $invalid names that are not UTF-8 counted" ||
  fail "export: ipcctl_labels_repaired is '${invalid}', expected 2 or more"

# --- ipctrace: event lines and the -c table ---------------------------------------

: | "$IPCTRACE" -- python3 "$HOLDER" $'a\nREF x y' "write:$F2" "connect:$ABSTRACT" >"$WORK/trace" 2>"$WORK/trace.err" ||
  fail "ipctrace: exit $?: $(cat -v "$WORK/trace.err")"
check_safe "ipctrace" "$WORK/trace"
check_safe "ipctrace (stderr)" "$WORK/trace.err"
grep -q 'REF x y' "$WORK/trace" && ok "ipctrace: the FIFO's events are printed" || fail "ipctrace: no event on the FIFO: $(cat -v "$WORK/trace")"
forged=$(grep -n '^REF x y' "$WORK/trace" | cat -v || true)
[[ -z $forged ]] && ok "ipctrace: no forged line" || fail "ipctrace: a forged line: $forged"
grep -qF 'a\x0aREF x y[' "$WORK/trace" && ok "ipctrace: the renamed command, escaped" ||
  fail "ipctrace: the command renamed 'a\nREF x y' is not shown escaped: $(head -c 600 "$WORK/trace" | cat -v)"
: | "$IPCTRACE" -c -- python3 "$HOLDER" $'a\nREF x y' "write:$F2" "connect:$ABSTRACT" >"$WORK/trace" 2>"$WORK/trace.err" ||
  fail "ipctrace -c: exit $?: $(cat -v "$WORK/trace.err")"
check_safe "ipctrace -c" "$WORK/trace"
grep -q 'REF x y' "$WORK/trace" && ok "ipctrace -c: the FIFO's row" || fail "ipctrace -c: no FIFO row: $(cat -v "$WORK/trace")"
forged=$(grep -n '^REF x y' "$WORK/trace" | cat -v || true)
[[ -z $forged ]] && ok "ipctrace -c: no forged row" || fail "ipctrace -c: a forged row: $forged"

finish
