#!/bin/bash
# ipcctl rm: every removable type goes through mk -> ls -> show -> rm -> gone;
# each refusal holds (attached segment, non-empty queue, semaphore with a
# waiter, held queue and FIFO) until --force; --dry-run changes nothing;
# --json reports each object; bad input exits 2 with one line and removes
# nothing.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"
ensure_mqueue

tag=ipcctl-rm-$$
key=$(printf '0x%08x' $((0x726d0000 + ($$ & 0xffff))))

# exists REF: whether `ipcctl show REF` finds it.
exists() { "$IPCCTL" show --no-probe "$1" >/dev/null 2>&1; }

# rm_ok WHAT ARGS...: rm exits 0 and names each removed ref on stdout.
rm_ok() {
  local what=$1
  shift
  run_ipcctl rm "$@"
  if ((RC == 0)); then ok "$what: rm $* exits 0"; else fail "$what: rm $*: exit $RC, stderr: $ERR"; fi
}

# --- every type: mk -> ls --json -> show --json -> rm -> gone
mkdir "$WORK/dir"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$WORK/dir/stale.sock"
declare -A made=(
  [sysv-msg]="sysv-msg $key"
  [sysv-shm]="sysv-shm $((key + 1)) --size 4K"
  [sysv-sem]="sysv-sem $((key + 2)) --nsems 2 --value 1"
  [posix-mq]="posix-mq /$tag-mq"
  [posix-shm]="posix-shm /$tag-shm --size 4K"
  [posix-sem]="posix-sem /$tag-sem --value 2"
  [fifo]="fifo $WORK/dir/fifo"
)
for type in "${!made[@]}"; do
  # shellcheck disable=SC2086  # the arguments are words
  run_ipcctl mk ${made[$type]}
  if ((RC != 0)); then
    fail "$type: mk ${made[$type]}: exit $RC: $ERR"
    continue
  fi
  ref=$OUT
  CLEANUP+=("'$IPCCTL' rm --force '$ref' >/dev/null 2>&1")
  ls_json -t "$type" --scan "$WORK/dir"
  if o=$(obj "$ref"); then expect_str "$type: listed by ls" "$o" .type "$type"; fi
  run_ipcctl show --json "$ref"
  expect "$type: show --json finds it" "$OUT" '[.objects[].ref]' "[\"$ref\"]"
  rm_ok "$type" "$ref"
  [[ $OUT == "removed $ref" ]] && ok "$type: says removed" || fail "$type: rm said '$OUT'"
  if exists "$ref"; then fail "$type: $ref still exists after rm"; else ok "$type: gone"; fi
done
# A socket file no socket is bound to: by path, and by unix:PATH.
ls_json -t unix --scan "$WORK/dir"
if o=$(obj "unix:$WORK/dir/stale.sock"); then expect "stale socket file: stale" "$o" .detail.stale true; fi
rm_ok "stale socket file" "$WORK/dir/stale.sock"
[[ -e $WORK/dir/stale.sock ]] && fail "stale socket file: still there" || ok "stale socket file: gone"

# A path that names nothing is exit 1; the others in the same call still go.
run_ipcctl mk posix-shm "/$tag-two" --size 1K
two=$OUT
run_ipcctl rm "$two" posix-shm:/$tag-none
expect "a missing ref: exit 1" "{\"rc\":$RC}" .rc 1
[[ $ERR == *"posix-shm:/$tag-none: no such object"* ]] && ok "a missing ref is named" || fail "missing ref: $ERR"
exists "$two" && fail "the ref that exists was not removed" || ok "the ref that exists was removed"

# --- refusals, --dry-run, --force
# refused REF WHY: rm REF exits 1, names REF and WHY, and REF survives.
refused() {
  local ref=$1 why=$2
  run_ipcctl rm "$ref"
  expect "$ref: refused with exit 1" "{\"rc\":$RC}" .rc 1
  [[ $ERR == *"$ref: refused: "*"$why"* ]] && ok "$ref: says why ($why)" || fail "$ref: refusal message: $ERR"
  exists "$ref" && ok "$ref: still there after the refusal" || fail "$ref: removed despite the refusal"
}

fixture shm sysv-shm key=$((key + 16))
refused "sysv-shm:$(fx shm id)" "attached by 2 processes"
fixture msg sysv-msg key=$((key + 17)) messages=3 size=10
refused "sysv-msg:$(fx msg id)" "holds 3 messages (30 bytes)"
fixture sem sysv-sem key=$((key + 18)) waiter=1
refused "sysv-sem:$(fx sem id)" "semaphore 0 has 1 waiter"
fixture mq posix-mq
refused "posix-mq:$(fx mq name)" "held by 2 processes"
fixture fifo fifo path="$WORK/held.fifo"
refused "fifo:$WORK/held.fifo" "held by"

# --dry-run: the same verdicts, in JSON, and nothing changes.
run_ipcctl rm --dry-run --json "sysv-shm:$(fx shm id)" "$(printf 'sysv-msg:%s' "$(fx msg id)")"
expect "dry run of refusals: exit 1" "{\"rc\":$RC}" .rc 1
expect "dry run: both refused" "$OUT" '[.results[].status]' '["refused","refused"]'
run_ipcctl mk sysv-shm --size 4K
free=$OUT
run_ipcctl rm -n --json "$free"
expect "dry run of a free segment: exit 0" "{\"rc\":$RC}" .rc 0
expect "dry run: would_remove, with the object" "$OUT" '[.schema, .results[0].status, .results[0].object.ref]' \
  "[\"ipcctl/1\", \"would_remove\", \"$free\"]"
exists "$free" && ok "dry run: nothing removed" || fail "dry run removed $free"

# --force removes what is in use; a waiter is woken (EIDRM), a segment is
# marked for removal and goes with its last detach.
run_ipcctl rm --force --json "sysv-shm:$(fx shm id)" "sysv-msg:$(fx msg id)" "sysv-sem:$(fx sem id)" \
  "posix-mq:$(fx mq name)" "fifo:$WORK/held.fifo" "$free"
expect "--force: exit 0" "{\"rc\":$RC}" .rc 0
expect "--force: every one removed" "$OUT" '[.results[].status] | unique' '["removed"]'
expect "--force: six results" "$OUT" '.results | length' 6
for ref in "sysv-msg:$(fx msg id)" "sysv-sem:$(fx sem id)" "posix-mq:$(fx mq name)" "$free"; do
  exists "$ref" && fail "--force: $ref still exists" || ok "--force: $ref gone"
done
[[ -e $WORK/held.fifo ]] && fail "--force: the FIFO's path is still there" || ok "--force: the FIFO's path is gone"
ls_json -t sysv-shm
expect "--force: the attached segment is marked for removal" "$LS" \
  "[.objects[] | select(.id == $(fx shm id)) | .detail.dest]" '[true]'

# --- selections: -Q over the test's own objects; nothing else is touched
for i in 1 2 3; do run_ipcctl mk posix-shm "/$tag-sel$i" --size $((i * 1024)); done
run_ipcctl rm -t posix-shm -Q "name =~ \"^/$tag-sel\" and size >= 2K"
expect "-Q: removes what it selects, exit 0" "{\"rc\":$RC}" .rc 0
exists "posix-shm:/$tag-sel1" && ok "-Q: the unselected one stays" || fail "-Q removed /$tag-sel1"
exists "posix-shm:/$tag-sel3" && fail "-Q: /$tag-sel3 survived" || ok "-Q: the selected ones go"
run_ipcctl rm -t posix-shm -Q "name == \"/$tag-nothing\""
expect "a selection that matches nothing: exit 0" "{\"rc\":$RC}" .rc 0
[[ $ERR == *"nothing removed"* ]] && ok "says nothing was removed" || fail "empty selection: $ERR"
"$IPCCTL" rm "posix-shm:/$tag-sel1" >/dev/null

# --- as an unprivileged user: its own objects go; root's are refused by the
# kernel (exit 1, "Operation not permitted") and stay
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" "$@"; }
  for type in sysv-msg sysv-sem posix-shm posix-mq; do
    name=""
    [[ $type == posix-* ]] && name="/$tag-nobody-$type"
    # shellcheck disable=SC2086  # an empty name is no argument
    if ! ref=$(as_nobody mk "$type" $name --size 1K 2>/dev/null || as_nobody mk "$type" $name 2>&1); then
      fail "nobody: mk $type: $ref"
      continue
    fi
    CLEANUP+=("'$IPCCTL' rm --force '$ref' >/dev/null 2>&1")
    out=$(as_nobody show --json "$ref" 2>/dev/null | jq -r '.objects[0].owner.uid')
    expect "nobody: $type is owned by nobody" "{\"uid\":\"$out\"}" .uid '"65534"'
    if as_nobody rm "$ref" >/dev/null 2>&1 && ! exists "$ref"; then ok "nobody: rm its own $type"
    else fail "nobody: could not remove its own $ref"; fi
  done
  root_ref=$("$IPCCTL" mk sysv-shm --size 4K)
  CLEANUP+=("'$IPCCTL' rm --force '$root_ref' >/dev/null 2>&1")
  RC=0
  err=$(as_nobody rm "$root_ref" 2>&1 >/dev/null) || RC=$?
  expect "nobody: rm of root's segment exits 1" "{\"rc\":$RC}" .rc 1
  [[ $err == *"$root_ref: permission denied: IPC_RMID: Operation not permitted"* ]] && ok "nobody: says the kernel refused" ||
    fail "nobody: rm of root's segment said: $err"
  exists "$root_ref" && ok "nobody: root's segment stays" || fail "nobody removed root's segment"
  "$IPCCTL" rm "$root_ref" >/dev/null
fi

# --- bad input: exit 2, one line on stderr, nothing removed
run_ipcctl mk sysv-msg
keep=$OUT
CLEANUP+=("'$IPCCTL' rm --force '$keep' >/dev/null 2>&1")
bad=(
  "" "--older-than 1d" "sysv-shm:" "sysv-shm:abc" "sysv-shm:-1" "sysv-shm:key=0x1ffffffff" "sysv-shm:key=zz"
  "bogus:1" "pipe:1" "eventfd:3" "-t tcp" "-t sysv,pipe" "-t nosuch" "-Q 'size >'" "-Q 'nosuchcol == 1'"
  "--orphaned --older-than 5x" "--orphaned --older-than -1d" "posix-mq:/a/b" "posix-mq:../x" "posix-shm:"
  "-p abc" "-p -5" "-u no-such-user-$$" "relative/path" "--nosuch" "$keep --all"
)
for args in "${bad[@]}"; do
  eval "run_ipcctl rm $args"
  lines=$(grep -c . <<<"$ERR" || true)
  if ((RC == 2 && lines == 1)) && [[ $ERR == ipcctl:* || $ERR == *rm* ]]; then
    ok "rm $args: exit 2: $ERR"
  else
    fail "rm $args: expected exit 2 and one line, got exit $RC and: $ERR"
  fi
done
exists "$keep" && ok "bad input removed nothing" || fail "bad input removed $keep"

finish
