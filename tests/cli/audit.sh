#!/bin/bash
# ipcctl audit on a landscape with one case of every object finding, and on
# a clean one that yields none. near_limit is tested in the unit tests (a
# real limit cannot be filled without disturbing the machine).
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"
[[ $(id -u) == 0 ]] || skip "needs root (chown to a user that does not exist)"
ensure_mqueue
command -v python3 >/dev/null || skip "python3 is needed to hold sockets"

tag=ipcctl-audit-$$
base=$((0x61750000 + (($$ & 0xfff) << 4)))
k() { printf '0x%08x' $((base + $1)); }

# mk ARGS...: ipcctl mk, the new ref in $REF, removed at exit.
mk() {
  run_ipcctl mk "$@"
  ((RC == 0)) || { echo "FAIL: mk $*: $ERR" >&2; exit 1; }
  REF=$OUT
  CLEANUP+=("'$IPCCTL' rm --force '$REF' >/dev/null 2>&1")
}

# python holders: a listener with a full backlog, an abstract listener.
mkfifo "$WORK/py.in"
python3 -c '
import socket, sys
full = socket.socket(socket.AF_UNIX); full.bind(sys.argv[1]); full.listen(1)
clients = []
for _ in range(3):
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try: c.connect(sys.argv[1])
    except BlockingIOError: pass
    clients.append(c)
abstract = socket.socket(socket.AF_UNIX); abstract.bind("\0" + sys.argv[2]); abstract.listen(5)
print("ready", flush=True)
sys.stdin.read()' "$WORK/backlog.sock" "$tag" <"$WORK/py.in" >"$WORK/py.out" &
py=$!
exec {pyfd}>"$WORK/py.in"
CLEANUP+=("exec $pyfd>&-; wait $py")
for _ in $(seq 100); do [[ -s $WORK/py.out ]] && break; sleep 0.05; done

# --- one case of every finding
mk sysv-shm "$(k 1)" --size 4K --mode 0666; world=$REF                 # world_writable (and readable), orphaned
mk posix-shm "/$tag-group" --size 1K --mode 0620; group=$REF           # group_writable
mk sysv-msg "$(k 2)" --mode 0604; readable=$REF                        # world_readable
mkdir -m 0777 "$WORK/open"
mk fifo "$WORK/open/ctl"; opendir=$REF                                  # dir_writable
mk posix-shm "/$tag-ghost" --size 1K; ghost=$REF
chown 54321 "/dev/shm/$tag-ghost"                                       # unknown_owner
msgmnb=$(cat /proc/sys/kernel/msgmnb)
fixture full sysv-msg key=$(($(k 3))) messages=$((msgmnb / 1024)) size=1024  # queue_full
fixture fullmq posix-mq name="/$tag-fullmq" maxmsg=2 messages=2         # queue_full
fixture stale sysv-msg key=$(($(k 4))) messages=3 size=8                # queue_stale (with --stale 0s)
fixture pipe pipe capacity=4096 bytes=4096                              # pipe_full
fixture dest sysv-shm key=$(($(k 5)))
"$IPCCTL" rm --force "sysv-shm:$(fx dest id)" >/dev/null 2>&1           # destroyed_attached

ours="(key >= $(k 0) and key <= $(k 15)) or name =~ \"$tag|^$WORK/\" or ref == \"pipe:$(fx pipe inode)\" or ref == \"sysv-shm:$(fx dest id)\""
run_ipcctl audit --json --stale 0s --scan "$WORK/open" -Q "$ours"
expect "a landscape with findings: exit 1" "{\"rc\":$RC}" .rc 1
AUDIT=$OUT
expect "the document" "$AUDIT" '[.schema, (.findings | type), (.warnings | type)]' '["ipcctl/1", "array", "array"]'

# has CHECK REF: exactly one finding of CHECK for REF.
has() {
  local n
  n=$(jq --arg c "$1" --arg r "$2" '[.findings[] | select(.check == $c and .ref == $r)] | length' <<<"$AUDIT")
  [[ $n == 1 ]] && ok "$1: $2" || fail "$1: $2: expected one finding, found $n; findings: $(jq -c '[.findings[] | [.check, .ref]]' <<<"$AUDIT")"
}
has world_writable "$world"
# One finding per object and permission problem: the higher severity, the
# other named in it.
n=$(jq --arg r "$world" '[.findings[] | select(.ref == $r and (.check | test("_writable$|_readable$")))] | length' <<<"$AUDIT")
[[ $n == 1 ]] && ok "a 0666 segment: one permission finding" || fail "a 0666 segment: $n permission findings"
expect "a 0666 segment: world_readable is in world_writable's finding" "$AUDIT" \
  "[.findings[] | select(.ref == \"$world\" and .check == \"world_writable\") | [.also, (.summary | test(\"read\"))]]" \
  '[[["world_readable"],true]]'
run_ipcctl audit --json --check world_readable -Q "$ours"
expect "--check world_readable alone reports the 0666 segment" "$OUT" \
  "[.findings[] | select(.ref == \"$world\") | .check]" '["world_readable"]'
has orphaned "$world"
has group_writable "$group"
has world_readable "$readable"
has dir_writable "$opendir"
has unknown_owner "$ghost"
has queue_full "sysv-msg:$(fx full id)"
has queue_full "posix-mq:/$tag-fullmq"
has queue_stale "sysv-msg:$(fx stale id)"
has pipe_full "pipe:$(fx pipe inode)"
has destroyed_attached "sysv-shm:$(fx dest id)"
has abstract_socket "$(jq -r --arg t "@$tag" '.findings[] | select(.check == "abstract_socket" and (.summary | contains($t))) | .ref' <<<"$AUDIT" | head -n1)"
backlog=$(jq -r '.findings[] | select(.check == "backlog_full") | .ref' <<<"$AUDIT" | head -n1)
[[ -n $backlog ]] && has backlog_full "$backlog" || fail "backlog_full: no finding"

expect "every finding has a severity, a why and a fix" "$AUDIT" \
  '[.findings[] | select((.severity | IN("info","low","medium","high") | not) or .why == "" or .fix == "")]' '[]'
expect "most severe first" "$AUDIT" \
  '[.findings[].severity | {"high":3,"medium":2,"low":1,"info":0}[.]] | . == (sort | reverse)' true
expect "a held queue names its holders" "$AUDIT" \
  "[.findings[] | select(.check == \"queue_full\" and .ref == \"posix-mq:/$tag-fullmq\") | .holders | length > 0]" '[true]'

# --fail-on: only high findings count; --check and --skip choose.
run_ipcctl audit --fail-on none --stale 0s -Q "$ours"
expect "--fail-on none: exit 0" "{\"rc\":$RC}" .rc 0
[[ $OUT == *"fix: "* && $OUT == *" findings: "* ]] && ok "the text form: fixes and a total" || fail "text form: ${OUT:0:300}"
run_ipcctl audit --json --check group_writable -Q "$ours"
expect "--check runs only that check" "$OUT" '[.findings[].check] | unique' '["group_writable"]'
run_ipcctl audit --json --fail-on high --skip world_writable,queue_full,backlog_full -Q "$ours"
expect "--fail-on high with the high checks skipped: exit 0" "{\"rc\":$RC}" .rc 0
run_ipcctl audit --list-checks
[[ $(grep -c . <<<"$OUT") -ge 13 && $OUT == *world_writable* ]] && ok "--list-checks" || fail "--list-checks: $OUT"

# --- a clean landscape: private, held, in use
fixture cleanshm sysv-shm key=$(($(k 8)))
fixture cleanmq posix-mq name="/$tag-clean-mq" maxmsg=5 messages=1
clean="key == $(k 8) or name == \"/$tag-clean-mq\""
run_ipcctl audit --json -Q "$clean"
expect "a clean landscape: exit 0" "{\"rc\":$RC}" .rc 0
expect "a clean landscape: no findings" "$OUT" '.findings' '[]'

# --- bad input: exit 2, one line
for args in "--check nosuch" "--skip nosuch" "--fail-on severe" "--stale 5x" "-Q 'size >'" "-t nosuch"; do
  eval "run_ipcctl audit $args"
  ((RC == 2)) && [[ $(grep -c . <<<"$ERR") == 1 ]] && ok "audit $args: exit 2" || fail "audit $args: exit $RC: $ERR"
done

finish
