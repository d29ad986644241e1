#!/bin/bash
# Namespaces: real IPC and network namespaces made with unshare, each with
# its own SysV segment 0 and POSIX queue of the same name. ls -A lists
# every one with its namespace (and the container its cgroup names);
# a segment's holders are the processes of its own namespace only; -N
# selects one; show, rm and mk take @ipc: refs; rm removes the one named
# and not its twin.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root to make and enter namespaces"
command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "unshare and nsenter (util-linux) are needed"
unshare --ipc --net true 2>/dev/null || skip "this kernel or sandbox does not allow new IPC and network namespaces"
ensure_mqueue
[[ $have_mq == yes ]] || skip "no mqueue filesystem"

real_fixture=$IPC_FIXTURE
mq="/ipcctl-ns-$$"
# in_ns NAME ARGS...: a fixture in new IPC and network namespaces. Its
# unshare process (FIX_PID) is in them too: the lowest pid there.
in_ns() {
  local name=$1
  shift
  IPC_FIXTURE=unshare fixture "$name" --ipc --net --fork "$real_fixture" "$@"
}
in_ns shmA sysv-shm size=4096
in_ns shmB sysv-shm size=8192
fixture shmH sysv-shm size=12288
ua=${FIX_PID[shmA]} ub=${FIX_PID[shmB]}
ipc_a=$(stat -Lc %i "/proc/$ua/ns/ipc") ipc_b=$(stat -Lc %i "/proc/$ub/ns/ipc") ipc_own=$(stat -Lc %i /proc/self/ns/ipc)
net_a=$(stat -Lc %i "/proc/$ua/ns/net")
echo "namespaces: A ipc:$ipc_a net:$net_a, B ipc:$ipc_b, own ipc:$ipc_own"
[[ $ipc_a != "$ipc_b" && $ipc_a != "$ipc_own" ]] || { echo "FAIL: unshare made no new IPC namespace" >&2; exit 1; }
id_a=$(fx shmA id) id_b=$(fx shmB id)
[[ $id_a == "$id_b" ]] && ok "the segments of A and B have the same id ($id_a)" ||
  fail "fresh namespaces should give the same first id: $id_a and $id_b"

# A container, where a cgroup v2 hierarchy lets a test make one: A's
# processes go into docker-<64 hex digits>.scope.
cid=$(printf '%064x' $$)
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
container=no
if [[ -n $cg2 ]] && mkdir "$cg2/docker-$cid.scope" 2>/dev/null; then
  CLEANUP+=("for p in \$(cat '$cg2/docker-$cid.scope/cgroup.procs' 2>/dev/null); do echo \$p >'$cg2/cgroup.procs'; done; rmdir '$cg2/docker-$cid.scope'")
  container=yes
  for p in $ua $(fx shmA pid) $(fx shmA pid2); do
    echo "$p" >"$cg2/docker-$cid.scope/cgroup.procs" 2>/dev/null || container=no
  done
fi
echo "container test: $container"

# --- ls -A -------------------------------------------------------------------
ls_json -A -t sysv-shm
a=$(obj "sysv-shm:$id_a@ipc:$ipc_a") && {
  expect "A's segment: its namespace" "$a" .namespace "{\"type\":\"ipc\",\"inode\":$ipc_a}"
  expect "A's segment: size" "$a" .size 4096
  # Its holders are A's processes, never B's, which map a segment with the same id.
  expect_holders "A's segment" "$a" "$(fx shmA pid):null:rw:map" "$(fx shmA pid2):null:rw:map"
  if [[ $container == yes ]]; then
    expect "A's container" "$a" '.container | {runtime, id}' "{\"runtime\":\"docker\",\"id\":\"$cid\"}"
    expect_true "A's container names its cgroup" "$a" ".container.cgroup | endswith(\"docker-$cid.scope\")"
  fi
}
b=$(obj "sysv-shm:$id_b@ipc:$ipc_b") && {
  expect "B's segment: its namespace" "$b" .namespace.inode "$ipc_b"
  expect "B's segment: size" "$b" .size 8192
  expect_holders "B's segment" "$b" "$(fx shmB pid):null:rw:map" "$(fx shmB pid2):null:rw:map"
  expect "B's container: none" "$b" .container null
}
h=$(obj "sysv-shm:$(fx shmH id)") && {
  expect "the host's segment: ipcctl's own namespace" "$h" .namespace.inode "$ipc_own"
  expect_holders "the host's segment" "$h" "$(fx shmH pid):null:rw:map" "$(fx shmH pid2):null:rw:map"
}

# Without -A: ipcctl's own namespace only, refs without a namespace.
ls_json -t sysv-shm
expect "without -A: no object of another namespace" "$LS" \
  "[.objects[] | select(.namespace.inode != $ipc_own or (.ref | contains(\"@\")))] | length" 0
run_ipcctl ls -A -t sysv-shm
[[ $OUT == *NS* && $OUT == *"ipc:$ipc_a"* ]] && ok "ls -A shows the NS column" || fail "ls -A table: $OUT"
[[ $container == no || $OUT == *"docker:${cid:0:12}"* ]] && ok "ls -A shows the CONTAINER column" ||
  fail "no docker:${cid:0:12} in: $OUT"

# --- -N ----------------------------------------------------------------------
ls_json -N "$ua"
expect "-N PID: A's objects only" "$LS" "[.objects[] | select(.namespace.inode != $ipc_a and .namespace.inode != $net_a)] | length" 0
expect "-N PID: A's segment is there" "$LS" "[.objects[] | select(.ref == \"sysv-shm:$id_a@ipc:$ipc_a\")] | length" 1
ls_json -N "$ipc_b" -t sysv
expect "-N INODE: B's segment alone" "$LS" "[.objects[] | .ref]" "[\"sysv-shm:$id_b@ipc:$ipc_b\"]"
ls_json -N "/proc/$ub/ns/ipc" -t sysv
expect "-N PATH: B's segment alone" "$LS" "[.objects[] | .ref]" "[\"sysv-shm:$id_b@ipc:$ipc_b\"]"
for bad in "" abc /etc/passwd 0; do
  run_ipcctl ls -N "$bad"
  [[ $RC == 2 && $(wc -l <<<"$ERR") == 1 ]] && ok "-N '$bad': exit 2, one line" || fail "-N '$bad': exit $RC: $ERR"
done
run_ipcctl ls -N 999999999999
[[ $RC == 1 && $ERR == *"no process is in it"* ]] && ok "-N of a namespace nobody is in: exit 1" || fail "-N 999999999999: exit $RC: $ERR"
run_ipcctl ls -A -N "$ua"
[[ $RC == 2 ]] && ok "-A and -N exclude each other" || fail "-A -N: exit $RC"
run_ipcctl ls -N "$ua" -t pipe
[[ $RC == 2 ]] && ok "-N -t pipe: pipes live in no namespace: exit 2" || fail "-N -t pipe: exit $RC: $ERR"

# --- POSIX queues of the same name, in A and here -------------------------------
in_ns mqA posix-mq name="$mq" messages=3
fixture mqH posix-mq name="$mq" messages=1
ua2=${FIX_PID[mqA]}
ipc_a2=$(stat -Lc %i "/proc/$ua2/ns/ipc")
ls_json -A -t posix-mq
q=$(obj "posix-mq:$mq@ipc:$ipc_a2") && {
  expect "the namespaced queue: its messages" "$q" .detail.messages 3
  expect_true "the namespaced queue: its holders are its fixture's" "$q" \
    "[.holders[].pid] | sort == ([$(fx mqA pid), $(fx mqA pid2)] | sort)" .holders
}
q=$(obj "posix-mq:$mq") && expect "the host's queue of the same name" "$q" .detail.messages 1

# --- sockets in a network namespace --------------------------------------------
in_ns pairA socketpair
ls_json -A -t unix
s=$(obj "unix:$(fx pairA inode)") && {
  expect "a socket of A's network namespace" "$s" .namespace "{\"type\":\"net\",\"inode\":$(stat -Lc %i "/proc/${FIX_PID[pairA]}/ns/net")}"
  expect_true "its holder" "$s" "[.holders[].pid] == [$(fx pairA pid)]" .holders
  expect "its peer" "$s" .peer "\"unix:$(fx pairA inode2)\""
}
ls_json -t unix
expect "without -A: not listed" "$LS" "[.objects[] | select(.ref == \"unix:$(fx pairA inode)\")] | length" 0
# A socket's inode is unique on the machine: its ref needs no @net:, with or without -A.
net_pair=$(stat -Lc %i "/proc/${FIX_PID[pairA]}/ns/net")
for args in "unix:$(fx pairA inode)" "-A unix:$(fx pairA inode)" "unix:$(fx pairA inode)@net:$net_pair"; do
  run_ipcctl show --json $args
  expect "show $args: the socket in A's network namespace" "$OUT" "[.objects[] | .namespace.inode]" "[$net_pair]"
done

# --- show --------------------------------------------------------------------
run_ipcctl show "sysv-shm:$id_a@ipc:$ipc_a"
[[ $RC == 0 && $OUT == *"namespace      ipc:$ipc_a"* ]] && ok "show REF@ipc:N" || fail "show: exit $RC: $OUT $ERR"
run_ipcctl show --json "sysv-shm:$id_b@ipc:$ipc_b" "sysv-shm:$(fx shmH id)"
expect "show: a namespaced ref and a plain one together" "$OUT" "[.objects[] | .size]" "[8192,12288]"
run_ipcctl show -N "$ub" "sysv-shm:$id_b"
[[ $RC == 0 && $OUT == *"sysv-shm:$id_b@ipc:$ipc_b"* ]] && ok "show -N PID sysv-shm:ID" || fail "show -N: exit $RC: $OUT $ERR"
run_ipcctl show "sysv-shm:$id_a@ipc:4294967290"
[[ $RC == 1 && $ERR == *"no such object"* ]] && ok "show in a namespace nobody is in: no such object" || fail "exit $RC: $ERR"

# --- mk and rm ---------------------------------------------------------------
queues_here=$(ipcs -q | grep -c "^0x" || true)
run_ipcctl mk sysv-msg -N "$ub"
[[ $RC == 0 && $OUT == "sysv-msg:"*"@ipc:$ipc_b" ]] && ok "mk -N: $OUT" || fail "mk sysv-msg -N: exit $RC: $OUT $ERR"
made=$OUT
nsenter -t "$ub" --ipc ipcs -q | grep -q "^0x" && ok "the queue is in B (ipcs in B sees it)" || fail "ipcs in B: no queue"
[[ $(ipcs -q | grep -c "^0x" || true) == "$queues_here" ]] && ok "the queue is not here (ipcs here counts $queues_here, as before)" ||
  fail "ipcs here: $(ipcs -q | grep -c "^0x" || true) queues, $queues_here before mk -N"
run_ipcctl rm "$made"
[[ $RC == 0 ]] && ok "rm $made" || fail "rm $made: exit $RC: $ERR"
nsenter -t "$ub" --ipc ipcs -q | grep -q "^0x" && fail "the queue is still in B" || ok "the queue is gone from B"
run_ipcctl mk posix-shm /x -N "$ub"
[[ $RC == 2 ]] && ok "mk posix-shm -N: a file, not in an IPC namespace: exit 2" || fail "mk posix-shm -N: exit $RC"

run_ipcctl rm "sysv-shm:$id_a@ipc:$ipc_a"
[[ $RC == 1 && $ERR == *refused* ]] && ok "rm of A's attached segment: refused" || fail "rm attached: exit $RC: $ERR"
run_ipcctl rm --force "sysv-shm:$id_a@ipc:$ipc_a"
[[ $RC == 0 && $OUT == "removed sysv-shm:$id_a@ipc:$ipc_a"* ]] && ok "rm --force A's segment" || fail "rm --force: exit $RC: $OUT $ERR"
nsenter -t "$ua" --ipc ipcs -m | awk -v id="$id_a" '$2 == id && $7 !~ /dest/' | grep -q . &&
  ok "(A's segment lingers while attached, marked for removal)" || true
ls_json -A -t sysv-shm
expect "B's twin is still there" "$LS" "[.objects[] | select(.ref == \"sysv-shm:$id_b@ipc:$ipc_b\")] | length" 1
expect "the host's is still there" "$LS" "[.objects[] | select(.ref == \"sysv-shm:$(fx shmH id)\")] | length" 1
expect "A's is marked for removal" "$LS" "[.objects[] | select(.ref == \"sysv-shm:$id_a@ipc:$ipc_a\") | .detail.dest]" "[true]"

run_ipcctl rm -n "posix-mq:$mq@ipc:$ipc_a2" --force
[[ $RC == 0 && $OUT == "would remove posix-mq:$mq@ipc:$ipc_a2"* ]] && ok "rm -n of the namespaced queue" || fail "rm -n: $RC $OUT $ERR"
run_ipcctl rm --force "posix-mq:$mq@ipc:$ipc_a2"
[[ $RC == 0 ]] && ok "rm --force the namespaced queue" || fail "rm the namespaced queue: exit $RC: $ERR"
ls_json -A -t posix-mq
expect "the namespaced queue is gone" "$LS" "[.objects[] | select(.ref == \"posix-mq:$mq@ipc:$ipc_a2\")] | length" 0
expect "the host's queue of the same name stays" "$LS" "[.objects[] | select(.ref == \"posix-mq:$mq\")] | length" 1

# --- rm --orphaned, per namespace --------------------------------------------------
# A segment made by ipcctl mk in B: its creator (ipcctl) is gone, nobody attached.
run_ipcctl mk sysv-shm -s 4K -N "$ub"
orphan=$OUT
[[ $RC == 0 && $orphan == *"@ipc:$ipc_b" ]] || fail "mk sysv-shm -N B: exit $RC: $OUT $ERR"
run_ipcctl rm --orphaned -t sysv-shm -N "$ua" --dry-run
[[ $RC == 0 && $OUT != *"$orphan"* ]] && ok "rm --orphaned -N A: not B's orphan" || fail "rm --orphaned -N A picked B's: $OUT"
run_ipcctl rm --orphaned -t sysv-shm -A --dry-run
[[ $OUT == *"would remove $orphan"* && $OUT != *"sysv-shm:$id_b@ipc:$ipc_b"* ]] &&
  ok "rm --orphaned -A: B's orphan, not B's attached segment" || fail "rm --orphaned -A --dry-run: $OUT $ERR"
run_ipcctl rm --orphaned -t sysv-shm -N "$ub"
[[ $RC == 0 && $OUT == "removed $orphan"* ]] && ok "rm --orphaned -N B removes it" || fail "rm --orphaned -N B: $RC $OUT $ERR"

# --- without privilege: what could be seen, and a warning for the rest ------------
if command -v setpriv >/dev/null; then
  RC=0
  OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" ls -A -t sysv-shm --json 2>"$WORK/err") || RC=$?
  [[ $RC == 0 ]] && ok "ls -A as nobody: exit 0" || fail "ls -A as nobody: exit $RC: $(cat "$WORK/err")"
  expect_true "ls -A as nobody: says what it could not read" "$OUT" '.warnings | any(test("namespace"))' .warnings
  expect "ls -A as nobody: no object of a namespace it could not enter" "$OUT" \
    "[.objects[] | select(.namespace.inode == $ipc_b)] | length" 0
  RC=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" rm --force "sysv-shm:$id_b@ipc:$ipc_b" 2>"$WORK/err" || RC=$?
  [[ $RC == 1 ]] && ok "rm in another namespace as nobody: exit 1 ($(head -c 120 "$WORK/err"))" || fail "rm as nobody: exit $RC: $(cat "$WORK/err")"
  ls_json -A -t sysv-shm
  expect "and B's segment is still there" "$LS" "[.objects[] | select(.ref == \"sysv-shm:$id_b@ipc:$ipc_b\")] | length" 1
  # A process of nobody's own in namespaces of their own: nobody may read its
  # links but not enter them (setns needs CAP_SYS_ADMIN): a warning per
  # namespace, and a ref into it is reported as not read, not as missing.
  unshare --ipc --net setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 &
  nb=$!
  CLEANUP+=("kill $nb 2>/dev/null")
  for _ in $(seq 50); do [[ $(stat -c %u "/proc/$nb" 2>/dev/null) == 65534 ]] && break; sleep 0.1; done
  ipc_nb=$(stat -Lc %i "/proc/$nb/ns/ipc")
  RC=0
  OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" ls -A --json 2>"$WORK/err") || RC=$?
  expect_true "ls -A as nobody: a warning names the namespace it could not enter" "$OUT" \
    "[.warnings[] | select(test(\"ipc namespace $ipc_nb .*was not read .*Operation not permitted\"))] | length == 1" .warnings
  for cmd in show rm; do
    RC=0
    setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" $cmd "sysv-shm:0@ipc:$ipc_nb" >/dev/null 2>"$WORK/err" || RC=$?
    [[ $RC == 1 ]] && grep -q "sysv-shm:0@ipc:$ipc_nb: not read: its namespace could not be entered" "$WORK/err" &&
      ok "$cmd as nobody of a ref in a namespace it cannot enter: exit 1, not read" ||
      fail "$cmd as nobody into ipc:$ipc_nb: exit $RC: $(cat "$WORK/err")"
  done
fi

# --- graph ---------------------------------------------------------------------
run_ipcctl graph -A -t sysv-shm -F json
expect_true "graph -A: a cluster per IPC namespace" "$OUT" \
  "[.clusters[].namespace.inode] | contains([$ipc_b, $ipc_own])" .clusters
net_b=$(stat -Lc %i "/proc/$ub/ns/net") net_own=$(stat -Lc %i /proc/self/ns/net)
expect_true "graph -A: B's processes in B's cluster" "$OUT" \
  "[.nodes[] | select(.pid == $(fx shmB pid)) | .cluster] == [\"ns${ipc_b}_$net_b\"]" .nodes
run_ipcctl graph -A -t sysv-shm
[[ $OUT == *"subgraph cluster_ns${ipc_b}_$net_b"* ]] && ok "graph -A DOT: subgraph clusters" || fail "no cluster in DOT: ${OUT:0:300}"
# A network namespace alone (ip netns exec, docker --network none) is a box of its own.
IPC_FIXTURE=unshare fixture pairN --net --fork "$real_fixture" socketpair
net_n=$(stat -Lc %i "/proc/${FIX_PID[pairN]}/ns/net")
run_ipcctl graph -A -t unix -F json
expect_true "graph -A: a box for a network namespace alone" "$OUT" \
  "[.clusters[] | select(.net_namespace.inode == $net_n and .namespace.inode == $ipc_own)] | length == 1" .clusters
expect_true "graph -A: the socketpair's two processes in it" "$OUT" \
  "[.nodes[] | select(.pid == $(fx pairN pid) or .pid == $(fx pairN pid2)) | .cluster] == [\"ns${ipc_own}_$net_n\", \"ns${ipc_own}_$net_n\"]" .nodes
finish
