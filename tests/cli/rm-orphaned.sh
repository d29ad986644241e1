#!/bin/bash
# ipcctl rm --orphaned on a landscape of every removable kind, each live,
# orphaned and in use: exactly the orphaned ones are listed by --dry-run
# and removed, and every other one survives. The selection is narrowed with
# -Q to this test's own objects, so other objects of the machine are safe.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"
ensure_mqueue
command -v python3 >/dev/null || skip "python3 is needed to hold objects"

tag=ipcctl-orph-$$
base=$((0x6f720000 + (($$ & 0xfff) << 4)))
k() { printf '0x%08x' $((base + $1)); }
scan=$WORK/scan
mkdir "$scan"

# mk ARGS...: ipcctl mk, the new ref in $REF, removed at exit whatever happens.
mk() {
  run_ipcctl mk "$@"
  ((RC == 0)) || { echo "FAIL: mk $*: $ERR" >&2; exit 1; }
  REF=$OUT
  CLEANUP+=("'$IPCCTL' rm --force '$REF' >/dev/null 2>&1")
}

# hold SCRIPT ARGS...: a python process that runs SCRIPT, prints one line,
# and stays alive until the test ends (or exits at once with --exit).
PY_SYSV='
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
class Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("text", ctypes.c_char * 8)]
def send_receive(qid):
    m = Msg(1, b"hello")
    assert libc.msgsnd(qid, ctypes.byref(m), 5, 0) == 0
    assert libc.msgrcv(qid, ctypes.byref(m), 8, 0, 0) == 5
'
hold() {
  local name=$1 code=$2
  shift 2
  mkfifo "$WORK/$name.in"
  python3 -c "$PY_SYSV$code
print('ready', flush=True)
sys.stdin.read()" "$@" <"$WORK/$name.in" >"$WORK/$name.out" &
  local pid=$! fd
  exec {fd}>"$WORK/$name.in"
  CLEANUP+=("exec $fd>&-; wait $pid")
  for _ in $(seq 100); do [[ -s $WORK/$name.out ]] && return 0; sleep 0.05; done
  echo "FAIL: python holder $name did not start" >&2
  exit 1
}
once() { python3 -c "$PY_SYSV$1" "${@:2}" || { echo "FAIL: python: $1" >&2; exit 1; }; }

# --- orphaned: nobody uses them, and the kernel's records say so
mk sysv-shm "$(k 1)" --size 4K; o_shm=$REF             # creator (ipcctl mk) gone, not attached
mk sysv-msg "$(k 2)"; o_msg=$REF
once 'send_receive(int(sys.argv[1]))' "${o_msg#*:}"  # last sender and receiver gone
mk sysv-sem "$(k 3)" --value 1; o_sem=$REF             # last operator (mk's SETALL) gone
mk posix-mq "/$tag-mq"; o_mq=$REF
mk posix-shm "/$tag-shm" --size 4K; o_pshm=$REF
mk posix-sem "/$tag-sem"; o_psem=$REF
mk fifo "$scan/orphan.fifo"; o_fifo=$REF
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$scan/stale.sock"
o_sock="unix:$scan/stale.sock"
orphans=("$o_shm" "$o_msg" "$o_sem" "$o_mq" "$o_pshm" "$o_psem" "$o_fifo" "$o_sock")

# --- alive: in use, or with a living user, or never used
fixture shm sysv-shm key=$(($(k 4)))                # attached
l_shm="sysv-shm:$(fx shm id)"
hold creator 'print(libc.shmget(int(sys.argv[1], 16), 4096, 0o1600), flush=True)' "$(k 5)"
l_shm2="sysv-shm:$(head -n1 "$WORK/creator.out")"   # not attached, creator alive
CLEANUP+=("'$IPCCTL' rm --force '$l_shm2' >/dev/null 2>&1")
mk sysv-msg "$(k 6)"; l_msg=$REF
hold msguser 'send_receive(int(sys.argv[1]))' "${l_msg#*:}"  # last user alive
mk sysv-msg "$(k 7)"; n_msg=$REF                       # never used: no creator on record
fixture sem sysv-sem key=$(($(k 8)))                # last operator (the fixture) alive
l_sem="sysv-sem:$(fx sem id)"
fixture mq posix-mq name="/$tag-live-mq"
fixture pshm posix-shm name="/$tag-live-shm"
fixture psem posix-sem name="/$tag-live-sem"
fixture fifo fifo path="$scan/live.fifo"
hold listener 'import socket; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen()' "$scan/live.sock"
CLEANUP+=("rm -f '$scan/live.sock'")
alive=("$l_shm" "$l_shm2" "$l_msg" "$n_msg" "$l_sem" "posix-mq:/$tag-live-mq" "posix-shm:/$tag-live-shm"
  "posix-sem:/$tag-live-sem" "fifo:$scan/live.fifo")

ours="(key >= $(k 0) and key <= $(k 15)) or name =~ \"$tag|^$scan/\""
want=$(printf '%s\n' "${orphans[@]}" | jq -R . | jq -sc sort)

# Processes ipcctl cannot read (pid 1 of some sandboxes, or everyone else's
# without root) may hold POSIX objects and FIFOs: those are then not called
# orphaned, and a warning says so. --ignore-unreadable counts them as
# holding nothing; the test's landscape is its own, so it may.
run_ipcctl rm --orphaned --dry-run --json --scan "$scan" -Q "$ours"
if jq -e '.warnings | any(test("not readable"))' <<<"$OUT" >/dev/null; then
  expect "unreadable processes: no POSIX object or FIFO called orphaned" "$OUT" \
    '[.results[] | select(.type | IN("posix-mq", "posix-shm", "posix-sem", "fifo"))]' '[]'
  expect "unreadable processes: the warning says what was held back" "$OUT" \
    '.warnings | any(test("--orphaned: .* not called orphaned"))' true
fi
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  # As nobody, root's processes are unreadable: the strict verdict is certain.
  OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" rm --orphaned --dry-run --json --scan "$scan" -Q "$ours" 2>/dev/null) || true
  expect "unprivileged dry run: no POSIX object or FIFO called orphaned" "$OUT" \
    '[.results[] | select(.type | IN("posix-mq", "posix-shm", "posix-sem", "fifo")) | .ref]' '[]'
fi

# --- --dry-run lists exactly the orphans and changes nothing
run_ipcctl rm --orphaned --ignore-unreadable --dry-run --json --scan "$scan" -Q "$ours"
expect "dry run: exit 0" "{\"rc\":$RC}" .rc 0
expect "dry run: exactly the orphaned objects" "$OUT" '[.results[] | select(.status == "would_remove") | .ref] | sort' "$want"
expect "dry run: each says why it qualifies" "$OUT" '[.results[] | select(.reason == null)]' '[]'
expect "dry run: a segment's reason" "$OUT" "[.results[] | select(.ref == \"$o_shm\") | .reason | test(\"creator .* is gone\")]" '[true]'
for ref in "${orphans[@]}"; do
  "$IPCCTL" show --no-probe "$ref" >/dev/null 2>&1 && ok "dry run kept $ref" || fail "dry run removed $ref"
done

# --older-than narrows: everything here is seconds old.
run_ipcctl rm --orphaned --ignore-unreadable --older-than 1h --json --scan "$scan" -Q "$ours"
expect "--older-than 1h: nothing qualifies" "$OUT" '.results | length' 0

# --- the real run removes exactly the orphans
run_ipcctl rm --orphaned --ignore-unreadable --json --scan "$scan" -Q "$ours"
expect "rm --orphaned: exit 0" "{\"rc\":$RC}" .rc 0
expect "rm --orphaned: removed exactly the orphaned objects" "$OUT" '[.results[] | select(.status == "removed") | .ref] | sort' "$want"
for ref in "${orphans[@]}"; do
  "$IPCCTL" show --no-probe "$ref" >/dev/null 2>&1 && fail "orphan $ref survived" || ok "orphan $ref removed"
done
for ref in "${alive[@]}"; do
  "$IPCCTL" show --no-probe "$ref" >/dev/null 2>&1 && ok "live $ref kept" || fail "live $ref was removed"
done
[[ -S $scan/live.sock ]] && ok "the listening socket's file kept" || fail "the listening socket's file was removed"

finish
