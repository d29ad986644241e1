#!/bin/bash
# rm of a POSIX queue where /dev/mqueue is another IPC namespace's (issue 21,
# item 8). After `unshare --ipc` without a remount, /dev/mqueue still shows
# the parent namespace's queues, while mq_unlink acts on the new one's: rm
# checked the parent's file and removed the new namespace's queue of the
# same name. rm must refuse and say how to mount this namespace's mqueue,
# and remove nothing; with that mount made, it removes the queue.
source "$(dirname "$0")/lib.sh"
private_namespace "$@"
[[ $PRIVATE_NS == yes ]] || skip "needs root and unshare: the test makes IPC namespaces"
grep -qw mqueue /proc/filesystems || skip "no mqueue file system"

q=/rm-mqueue-ns-$$
"$IPCCTL" mk posix-mq "$q" >/dev/null || { fail "mk posix-mq $q in the parent namespace failed"; finish; }

# in_child SCRIPT: runs SCRIPT in a new IPC namespace whose /dev/mqueue is
# still the parent's mount; the output is its exit status then its lines.
in_child() { unshare --ipc -- bash -c "$1" 2>&1; }

# 1. The child has a queue of the same name: rm must not remove it instead.
out=$(in_child "'$IPCCTL' mk posix-mq '$q' >/dev/null || echo 'mk failed'
  '$IPCCTL' rm --force 'posix-mq:$q'; echo \"rm exit \$?\"
  '$IPCCTL' mk posix-mq '$q' >/dev/null 2>&1 && echo 'child queue gone' || echo 'child queue kept'")
echo "$out" | grep -v warning: | sed 's/^/  child: /'
[[ $out == *"rm exit 1"* ]] && ok "same name in both: rm exit 1" || fail "same name in both: rm did not exit 1: $out"
[[ $out == *"another IPC namespace's mqueue"*"mount -t mqueue none /dev/mqueue"* ]] &&
  ok "same name in both: refused, saying why and what to do" || fail "same name in both: no clear refusal: $out"
[[ $out == *"child queue kept"* ]] && ok "the child namespace's queue was not removed" ||
  fail "rm removed the child namespace's queue $q"
[[ -e /dev/mqueue$q ]] && ok "the parent namespace's queue was not removed" || fail "the parent's queue $q is gone"

# 2. The child has no such queue: refused the same way, nothing removed.
out=$(in_child "'$IPCCTL' rm --force 'posix-mq:$q'; echo \"rm exit \$?\"")
[[ $out == *"rm exit 1"* && $out == *"another IPC namespace's mqueue"* ]] &&
  ok "name only in the parent's mqueue: refused" || fail "name only in the parent's mqueue: $out"
[[ -e /dev/mqueue$q ]] && ok "the parent namespace's queue is still there" || fail "the parent's queue $q is gone"

# 3. With the child's own mqueue mounted (in its own mount namespace), rm
# removes the child's queue.
out=$(unshare --ipc --mount --propagation private -- bash -c "mount -t mqueue none /dev/mqueue
  '$IPCCTL' mk posix-mq '$q' >/dev/null || echo 'mk failed'
  '$IPCCTL' rm 'posix-mq:$q'; echo \"rm exit \$?\"
  [[ -e /dev/mqueue$q ]] && echo 'child queue kept' || echo 'child queue gone'" 2>&1)
[[ $out == *"removed posix-mq:$q"*"rm exit 0"*"child queue gone"* ]] &&
  ok "its own mqueue mounted: rm removes the child's queue" || fail "its own mqueue mounted: $out"
[[ -e /dev/mqueue$q ]] && ok "and the parent's queue stays" || fail "the parent's queue $q is gone"
"$IPCCTL" rm "posix-mq:$q" >/dev/null 2>&1 || true

# 4. A queue whose name reads as another namespace's ref: here, "/q@ipc:N"
# where N is a child namespace that has a queue "/q". The ref ls prints for
# the one here must name it, not the child's "/q", and rm with that ref
# removes it and leaves the child's queue.
fifo=$WORK/child-ready
mkfifo "$fifo"
unshare --ipc --mount --propagation private -- bash -c "mount -t mqueue none /dev/mqueue
  '$IPCCTL' mk posix-mq '$q' >/dev/null || exit 1
  readlink /proc/self/ns/ipc >'$fifo'
  exec sleep 60" &
child=$!
CLEANUP+=("kill $child 2>/dev/null")
child_ns=$(cat "$fifo")
child_ns=${child_ns//[^0-9]/}
lookalike="$q@ipc:$child_ns"
"$IPCCTL" mk posix-mq "$lookalike" >/dev/null || fail "mk posix-mq $lookalike failed"
ref=$("$IPCCTL" ls -A --json -t posix-mq | jq -r --arg n "$lookalike" '.objects[] | select(.name == $n and .namespace.own != false) | .ref' | head -1)
echo "  the queue $lookalike is listed as $ref"
[[ -n $ref && $ref != "posix-mq:$lookalike" ]] && ok "a name that reads as a namespaced ref gets a ref of its own namespace" ||
  fail "the queue $lookalike is listed as '$ref', the ref of the child namespace's $q"
run_rm=$("$IPCCTL" rm "$ref" 2>&1) || true
[[ ! -e /dev/mqueue$lookalike ]] && ok "rm with the printed ref removes the queue here" ||
  fail "rm $ref did not remove the queue here: $run_rm"
nsenter -t "$child" -i -m -- test -e "/dev/mqueue$q" && ok "and the child namespace's $q stays" ||
  fail "rm $ref removed the child namespace's $q: $run_rm"
kill "$child" 2>/dev/null
finish
