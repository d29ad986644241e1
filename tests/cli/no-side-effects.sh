#!/bin/bash
# Looking changes nothing of what is looked at, times included: a real
# object of every source that has one (POSIX queue, shared memory and
# semaphore, FIFO, pipe, SysV queue, segment and semaphore set, memfd, the
# files of a flock and a POSIX lock, a bound socket's file) keeps its
# atime, mtime and ctime (SysV: every *time of /proc/sysvipc) through
# `ipcctl ls` (per type, all, --json), `show` (text and --json), `audit`,
# `graph` and `export`; and `ls --scan` a socket file bound in another
# network namespace.
# Only a queue's bytes and notification need its /dev/mqueue file, whose
# every read sets the queue's atime and ctime: ls reads it only when asked
# (-o BYTES), and then the queue's mtime, its last send or receive, stays.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
ensure_mqueue

# sysv_times FILE ID: the *time columns of that id's line in /proc/sysvipc/FILE.
sysv_times() {
  awk -v id="$2" 'NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
    $2 == id { for (i = 1; i <= NF; i++) if (name[i] ~ /time$/) printf "%s=%s ", name[i], $i }' "/proc/sysvipc/$1"
}

fixture mq posix-mq maxmsg=5 msgsize=64 messages=3 size=20
fixture mq0 posix-mq maxmsg=5 msgsize=64 messages=0
fixture shm posix-shm size=8192
fixture sem posix-sem value=4
fixture fifo fifo bytes=50
fixture pipe pipe bytes=70
fixture msg sysv-msg messages=2 size=30
fixture seg sysv-shm size=4096
fixture sems sysv-sem nsems=2 values=3,0 waiter=1
fixture memfd memfd size=4096
fixture flock lock-flock
fixture plock lock-posix
fixture listen unix-listen

mq=$(fx mq name) mq0=$(fx mq0 name) shm=$(fx shm name) sem=$(fx sem name) fifo=$(fx fifo path)
pipe_end=/proc/$(fx pipe rpid)/fd/$(fx pipe rfd)

# The objects as "REF<TAB>WHERE": WHERE is a file (stat), a pipe's held end
# (stat -L) or sysvipc:FILE:ID.
objects=()
if [[ $have_mq == yes ]]; then
  objects+=("posix-mq:$mq	/dev/mqueue/${mq#/}" "posix-mq:$mq0	/dev/mqueue/${mq0#/}")
else
  echo "skipped: posix-mq (mqueue cannot be mounted here)"
fi
objects+=("posix-shm:$shm	/dev/shm/${shm#/}" "posix-sem:$sem	/dev/shm/sem.${sem#/}" "$fifo	$fifo"
  "pipe:$(fx pipe inode)	$pipe_end" "sysv-msg:$(fx msg id)	sysvipc:msg:$(fx msg id)"
  "sysv-shm:$(fx seg id)	sysvipc:shm:$(fx seg id)" "sysv-sem:$(fx sems id)	sysvipc:sem:$(fx sems id)"
  "memfd:$(fx memfd inode)	/proc/$(fx memfd pid)/fd/$(fx memfd fd)" "$(fx flock path)	$(fx flock path)"
  "$(fx plock path)	$(fx plock path)" "$(fx listen path)	$(fx listen path)")

times_of() {
  case $1 in
    sysvipc:*)
      local f=${1#sysvipc:}
      sysv_times "${f%%:*}" "${f#*:}"
      ;;
    *) stat -L -c 'atime=%x mtime=%y ctime=%z' "$1" ;;  # to the nanosecond where kept
  esac
}

declare -A before=()
snapshot() {
  local entry
  for entry in "${objects[@]}"; do before[${entry%%	*}]=$(times_of "${entry#*	}"); done
}

# compare WHAT: every object's times are still the recorded ones.
compare() {
  local entry ref now
  for entry in "${objects[@]}"; do
    ref=${entry%%	*}
    now=$(times_of "${entry#*	}")
    if [[ -z ${before[$ref]} ]]; then
      fail "$ref: no times could be read"
    elif [[ $now == "${before[$ref]}" ]]; then
      ok "$1 left $ref's times as they were"
    else
      fail "$1 changed $ref's times: before ${before[$ref]}; after $now"
    fi
  done
}

# quietly ARGS...: runs ipcctl; its output is not the point, its exit 1
# (audit's findings) is allowed, bad usage is not.
quietly() {
  run_ipcctl "$@"
  ((RC == 0 || RC == 1)) || fail "ipcctl $*: exit $RC: $ERR"
}

snapshot
# A time set now would differ from one set at the fixture's start even at a
# coarse timestamp granularity.
sleep 1.1

types=(posix-shm posix-sem fifo pipe sysv-msg sysv-shm sysv-sem memfd lock unix)
[[ $have_mq == yes ]] && types+=(posix-mq)
for t in "${types[@]}"; do
  quietly ls -t "$t"
  quietly ls --json -t "$t"
done
quietly ls
quietly ls --json
quietly ls -t posix -o +DETAIL
quietly audit
quietly graph
quietly export --per-object
for entry in "${objects[@]}"; do
  ref=${entry%%	*}
  # A lock file's path and a memfd's inode are not refs show takes: pid:N below shows them.
  [[ $ref == memfd:* || $ref == "$(fx flock path)" || $ref == "$(fx plock path)" ]] && continue
  quietly show "$ref"
  quietly show --json "$ref"
done
quietly show "pid:$(fx memfd pid)" "pid:$(fx flock pid)" "pid:$(fx plock pid)" "pid:$(fx listen pid)"
compare "ls, show, audit, graph and export"

if [[ $have_mq == yes ]]; then
  # Without its file, what mq_getattr gives: an empty queue holds 0 bytes,
  # another an unknown number, and the notification is unknown.
  ls_json -t posix-mq
  if o=$(obj "posix-mq:$mq"); then
    expect "posix-mq:$mq messages (mq_getattr)" "$o" .detail.messages "$(fx mq messages)"
    expect "posix-mq:$mq bytes: unknown unless asked" "$o" '[.detail.bytes, .size, .detail.notify_pid]' '[null,null,null]'
  fi
  if o=$(obj "posix-mq:$mq0"); then
    expect "posix-mq:$mq0 bytes of an empty queue" "$o" '[.detail.bytes, .size]' '[0,0]'
  fi

  # Asked for: the file is read. The kernel sets atime and ctime then (this
  # shows the check above can see a change), never mtime.
  q=/dev/mqueue/${mq#/}
  m_before=$(stat -c %y "$q") c_before=$(stat -c %z "$q")
  run_ipcctl ls -t posix-mq -b -r -n -o REF,BYTES
  if grep -qx "posix-mq:$mq $(fx mq bytes)" <<<"$OUT"; then ok "ls -o BYTES reads a queue's bytes"
  else fail "ls -o BYTES: expected 'posix-mq:$mq $(fx mq bytes)' in: $OUT"; fi
  [[ $(stat -c %y "$q") == "$m_before" ]] && ok "ls -o BYTES leaves the queue's mtime" ||
    fail "ls -o BYTES moved the queue's mtime"
  [[ $(stat -c %z "$q") != "$c_before" ]] && ok "ls -o BYTES read the file (its ctime moved, as documented)" ||
    fail "ls -o BYTES did not read the queue's file"
  run_ipcctl ls --json -t posix-mq -Q 'notify_pid == 0 or bytes > 0'
  if o=$(jq -c --arg r "posix-mq:$mq" '.objects[] | select(.ref == $r)' <<<"$OUT") && [[ -n $o ]]; then
    expect "-Q naming bytes reads the file" "$o" '[.detail.bytes, .detail.notify_pid]' "[$(fx mq bytes),0]"
  else
    fail "ls --json -Q 'notify_pid == 0 or bytes > 0': posix-mq:$mq not listed: $OUT $ERR"
  fi
fi

# --scan tells a stale socket file from a bound one by a connect that is
# refused. A socket bound in another network namespace is not in sock_diag's
# answer, so it is tried too: the try must neither reach its server (an
# accepted connection) nor set the file's atime.
if ((EUID == 0)) && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  mkdir "$WORK/sockets"
  unshare -n python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8); s.setblocking(False)
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
try:
    s.accept(); print("accepted")
except BlockingIOError:
    print("none")
' "$WORK/sockets/server" 3 >"$WORK/server.out" &
  server=$!
  for ((i = 0; i < 100; i++)); do [[ -s $WORK/server.out ]] && break; sleep 0.02; done
  a_before=$(stat -c %x "$WORK/sockets/server")
  sleep 1.1
  quietly ls -t unix --scan "$WORK/sockets"
  [[ $(stat -c %x "$WORK/sockets/server") == "$a_before" ]] && ok "ls --scan leaves a socket file's atime" ||
    fail "ls --scan set the atime of a socket file another network namespace's server is bound to"
  wait "$server"
  if grep -qx none "$WORK/server.out"; then ok "ls --scan did not connect to another namespace's server"
  else fail "ls --scan connected to another network namespace's server: $(tr '\n' ' ' <"$WORK/server.out")"; fi
else
  echo "skipped: --scan of another network namespace's socket (needs root and unshare -n)"
fi

# Another user may not read a file without setting its atime (O_NOATIME is
# its owner's and root's): ls leaves a semaphore of root's it could read
# unread, and says why.
semfile=/dev/shm/sem.${sem#/}
if ((EUID == 0)) && command -v setpriv >/dev/null; then
  chmod 0644 "$semfile"
  a_before=$(stat -c %x "$semfile")
  sleep 0.1
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" ls --json -t posix-sem 2>/dev/null) || true
  [[ $(stat -c %x "$semfile") == "$a_before" ]] && ok "another user's ls leaves the semaphore's atime" ||
    fail "another user's ls set the semaphore's atime"
  o=$(jq -c --arg r "posix-sem:$sem" '.objects[] | select(.ref == $r)' <<<"$out" 2>/dev/null) || o=""
  if [[ -n $o ]]; then
    expect_true "another user: value unknown, with why" "$o" '.detail.value == null and (.error | test("atime"))' .error
  else
    fail "another user's ls did not list posix-sem:$sem: $out"
  fi
  chmod 0600 "$semfile"
fi

finish
