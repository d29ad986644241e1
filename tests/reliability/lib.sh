# Shared by the reliability tests, on top of tests/cli/lib.sh (checks, their
# count, WORK, CLEANUP, skip/fail/ok/finish): a private IPC and mount
# namespace (so that a listing of every SysV object, /dev/shm and
# /dev/mqueue entry shows only what the test made, and a tool that
# misbehaves can touch nothing else), and that listing. Sourced with
# IPCCTL, IPCBENCH and IPCTRACE naming the binaries (tests/reliability/meson.build).
# Exit status: 0 pass, 1 fail, 77 skip.
: "${IPCBENCH:?IPCBENCH must name the ipcbench binary}"
: "${IPCTRACE:?IPCTRACE must name the ipctrace binary}"
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
chmod 0755 "$WORK"  # nobody reaches the directories made in it

# private_namespace "$@": run as the first thing of a test. As root, re-runs
# the test in new IPC and mount namespaces with an empty /dev/shm and
# /dev/mqueue; sets PRIVATE_NS=yes there. Elsewhere (not root, no unshare)
# the test goes on in place with PRIVATE_NS=no and ipc_state lists only
# objects owned by the caller.
private_namespace() {
  if [[ ${PRIVATE_NS:-} == yes ]]; then
    mount -t tmpfs -o mode=1777,size=64m reliability-shm /dev/shm
    mkdir -p /dev/mqueue
    mount -t mqueue reliability-mq /dev/mqueue
    return 0
  fi
  PRIVATE_NS=no
  if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null &&
    unshare --ipc --mount --propagation private true 2>/dev/null; then
    rm -rf "$WORK"  # exec runs no EXIT trap; the new run makes its own
    PRIVATE_NS=yes exec unshare --ipc --mount --propagation private -- "$0" "$@"
  fi
  echo "note: not in a private IPC namespace: only objects of uid $(id -u) are compared"
}

# ipc_state: one sorted line per SysV object (kind key id uid), /dev/shm
# and /dev/mqueue entry (path uid) and entry under STATE_DIR when set
# (path). Outside a private namespace, only the objects of STATE_UID
# (default: the caller's).
ipc_state() {
  local uid=${STATE_UID:-} f
  [[ ${PRIVATE_NS:-no} == yes || -n $uid ]] || uid=$(id -u)
  {
    for f in msg shm sem; do
      [[ -r /proc/sysvipc/$f ]] || continue
      # The owner's uid: column 8 of msg and shm, 5 of sem.
      awk -v k="$f" -v u="$uid" 'NR > 1 {
        uidcol = (k == "sem") ? 5 : 8
        if (u == "" || $uidcol == u) print k, $1, $2, $uidcol }' "/proc/sysvipc/$f"
    done
    find /dev/shm /dev/mqueue -mindepth 1 -printf '%p %U\n' 2>/dev/null | awk -v u="$uid" 'u == "" || $2 == u'
    [[ -z ${STATE_DIR:-} ]] || find "$STATE_DIR" -mindepth 1 -printf '%p\n' 2>/dev/null
  } | sort
}

# run_as_nobody CMD ARGS...: as uid and gid 65534 with no groups.
run_as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# need_strace WHY: skips unless strace is there (WHY: what the test needs it
# for). LeakSanitizer cannot run in a traced process (it ptraces the process
# itself at exit, and fails with exit 134), so a test that runs the tools
# under strace leaves leak checks to the others.
need_strace() {
  command -v strace >/dev/null || skip "needs strace to $1"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
}

# need_attacker: the race tests' victim is root's file and their attacker
# uid 65534, run with setpriv; strace widens the window.
need_attacker() {
  [[ $(id -u) == 0 ]] || skip "needs root: the victim is root's file, the attacker uid 65534"
  need_strace "widen the window"
  command -v setpriv >/dev/null || skip "needs setpriv to run the attacker as uid 65534"
}
