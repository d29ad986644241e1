#!/bin/bash
# While processes create, hold and drop every kind of IPC object and die at
# random moments, ipcctl ls, show, audit and graph must keep working: every
# run exits 0 (show: 0, or 1 for an object or process that is gone) with
# valid JSON. Afterwards nothing of the churn is left: no object, no file
# in its directory, no process.
# CHURN_RUNS (default 100) ls runs; 500 for the full reliability run.
source "$(dirname "$0")/lib.sh"

: "${CHURN:?CHURN must name the churn helper}"
[[ -d /dev/shm ]] || skip "no /dev/shm"
ensure_mqueue
runs=${CHURN_RUNS:-100}

mkdir "$WORK/churn"
# glibc's sem_open makes a temporary /dev/shm/sem.XXXXXX and links it to its
# name: a child killed in between leaves the temporary behind. Those made
# during the run are the churn's; note what was there before.
ls /dev/shm >"$WORK/shm.before" 2>/dev/null || true
"$CHURN" 3600 "$WORK/churn" 8 >"$WORK/churn.out" 2>&1 </dev/null &
churn=$!
CLEANUP+=("kill -TERM $churn 2>/dev/null; wait $churn 2>/dev/null; kill -KILL -- -$churn 2>/dev/null")
sleep 0.3

# The churn's SysV keys: 0x63680000 + ((PID & 0xff) << 12) + slot, slot < 4096,
# so the first five hex digits of every one are these.
key_prefix=$(printf '%05x' $(((0x63680000 >> 12) + (churn & 0xff))))
# jq: true for an object the churn made (named or keyed in its range), and
# for one a process of a churn holds (the children keep the helper's name).
# shellcheck disable=SC2016  # $n, $d, $k are jq's
made_by_churn='(.name // "" | startswith($n) or startswith($d)) or
  (.key // "0x0" | ltrimstr("0x") | ascii_downcase | startswith($k))'
held_by_churn='(.holders | any(.comm == "churn")) or (.type == "signal" and .name == "churn")'

# verdicts REF...: for the `show --json` document of each ($WORK/show.K.json,
# K counting from 0), "VALID HAS": it is one JSON document of the ipcctl schema, and it holds REF. One jq pass
# over them all (jq's start-up is most of a check's time); each on its own
# when that pass fails, which an invalid or missing document makes it do.
# shellcheck disable=SC2016  # $d, $k, $r, $v are jq's
verdict_jq='($d | type == "object" and .schema == "ipcctl/1" and (.objects | type) == "array") as $v
  | "\($v) \($v and any($d.objects[]; type == "object" and .ref == $r))"'
verdicts() {
  local refs=("$@") files=() k all
  for k in "${!refs[@]}"; do files+=("$WORK/show.$k.json"); done
  if all=$(jq -rn "[inputs] as \$all | if (\$all | length) != $# then error(\"a document is missing\") else
    range($#) as \$k | \$all[\$k] as \$d | \$ARGS.positional[\$k] as \$r | $verdict_jq end" \
    "${files[@]}" --args "${refs[@]}" 2>/dev/null); then
    echo "$all"
    return 0
  fi
  for k in "${!files[@]}"; do
    jq -rs --arg r "${refs[k]}" "if length == 1 then .[0] as \$d | $verdict_jq else \"false false\" end" \
      "${files[k]}" 2>/dev/null || echo "false false"
  done
}

# show_refs: `ipcctl show --json REF` on a few refs of the last ls --json
# output: two objects held by the churn's processes (of two types: they go
# as the process does), one it made and left (SysV, POSIX: they stay till
# the end) and one of the machine's; `ipcctl show REF` on the first. A ref
# may have vanished since: exit 1 with "REF: no such object" (and, with
# --json, still a valid document); anything else is a failure.
show_refs() {
  local refs=() rcs=() verdict=() ref rc k
  mapfile -t refs < <(jq -r --arg n "/ipcchurn-$churn-" --arg d "$WORK/churn/" --arg k "$key_prefix" \
    ".objects[] | (if $held_by_churn then \"held\" elif $made_by_churn then \"made\" else \"machine\" end) as \$w
      | \"\(\$w)\t\(.type)\t\(.ref)\"" "$WORK/ls.json" | shuf |
    awk -F'\t' '$1 == "held" && !seen[$2]++ && held++ < 2 { print $3 } $1 != "held" && !seen[$1]++ { print $3 }')
  if ((${#refs[@]} == 0)); then
    fail "ls run $i: no ref to show in the ls output"
    show_bad=$((show_bad + 1))
    return 0
  fi
  for k in "${!refs[@]}"; do
    rc=0
    "$IPCCTL" show --json "${refs[k]}" >"$WORK/show.$k.json" 2>"$WORK/show.$k.err" || rc=$?
    rcs[k]=$rc
  done
  mapfile -t verdict < <(verdicts "${refs[@]}")
  for k in "${!refs[@]}"; do
    ref=${refs[k]} rc=${rcs[k]}
    show_runs=$((show_runs + 1))
    if ((rc == 0)) && [[ ${verdict[k]:-} == "true true" ]]; then
      shown=$((shown + 1))
    elif ((rc == 0)); then
      fail "show --json $ref: exit 0 without valid JSON holding the object: $(head -c 300 "$WORK/show.$k.json")"
      show_bad=$((show_bad + 1))
    elif ((rc == 1)) && grep -qF "$ref: no such object" "$WORK/show.$k.err"; then
      if [[ ${verdict[k]:-} == "true "* ]]; then
        vanished=$((vanished + 1))
      else
        fail "show --json $ref: exit 1 (vanished) without a valid document: $(head -c 300 "$WORK/show.$k.json")"
        show_bad=$((show_bad + 1))
      fi
    else
      fail "show --json $ref: exit $rc: $(head -c 300 "$WORK/show.$k.err")"
      show_bad=$((show_bad + 1))
    fi
  done
  # The text form, on the first: the block is headed by the ref.
  ref=${refs[0]} rc=0
  "$IPCCTL" show "$ref" >"$WORK/show.txt" 2>"$WORK/show.err" || rc=$?
  show_runs=$((show_runs + 1))
  if ((rc == 0)) && grep -qxF "$ref" "$WORK/show.txt"; then
    shown=$((shown + 1))
  elif ((rc == 1)) && grep -qF "$ref: no such object" "$WORK/show.err"; then
    vanished=$((vanished + 1))
  else
    fail "show $ref: exit $rc, stderr: $(head -c 300 "$WORK/show.err"), stdout: $(head -c 300 "$WORK/show.txt")"
    show_bad=$((show_bad + 1))
  fi
}

bad=0 show_runs=0 shown=0 vanished=0 show_bad=0
for ((i = 1; i <= runs; i++)); do
  listed=no
  if ! "$IPCCTL" ls --json >"$WORK/ls.json" 2>"$WORK/ls.err"; then
    fail "ls run $i: exit $?: $(head -c 300 "$WORK/ls.err")"
    bad=$((bad + 1))
  elif ! jq -e '.schema == "ipcctl/1" and (.objects | type) == "array"' "$WORK/ls.json" >/dev/null 2>&1; then
    fail "ls run $i: invalid JSON: $(head -c 300 "$WORK/ls.json")"
    bad=$((bad + 1))
  else
    listed=yes
  fi
  if ((i % 10 == 0)); then
    # A process of the churn, if one is there: show it (it may be gone by then).
    pid=$(pgrep -g "$churn" | grep -vx "$churn" | head -n1 || true)
    if [[ -n $pid ]]; then
      rc=0
      "$IPCCTL" show --json "pid:$pid" >"$WORK/show.json" 2>/dev/null || rc=$?
      if ((rc == 0)) && ! jq -e '.objects | type == "array"' "$WORK/show.json" >/dev/null 2>&1; then
        fail "show pid:$pid: invalid JSON"
      elif ((rc != 0 && rc != 1)); then
        fail "show pid:$pid: exit $rc"
      fi
    fi
    [[ $listed == yes ]] && show_refs
    for cmd in "audit --json --fail-on none" "graph -F json"; do
      # shellcheck disable=SC2086  # the words of the command
      "$IPCCTL" $cmd >"$WORK/out.json" 2>/dev/null || fail "$cmd during churn: exit $?"
      jq -e 'type == "object"' "$WORK/out.json" >/dev/null 2>&1 || fail "$cmd during churn: invalid JSON"
    done
  fi
done
((bad == 0)) && ok "$runs runs of ls --json during churn: all exit 0 with valid JSON"
# Some of the refs must still name an object when shown (the machine's
# objects and what the churn's children left behind stay), or the checks
# above checked nothing.
if ((runs >= 10)); then
  if ((show_bad == 0 && shown > 0)); then
    ok "$show_runs runs of show REF on refs of the ls output: $shown shown, $vanished gone since (exit 1, no such object)"
  else
    fail "show REF: $show_runs runs, $shown shown, $vanished gone, $show_bad failed: some must show their object, none may fail"
  fi
fi

kill -TERM "$churn" 2>/dev/null || true
wait "$churn" 2>/dev/null || true
if grep -q '^children=[0-9]' "$WORK/churn.out"; then
  ok "churn: $(cat "$WORK/churn.out") (processes that came and went, and how they ended)"
  grep -q ' clean_kept_socket=0$' "$WORK/churn.out" && ok "children that cleaned up removed their socket files" ||
    fail "children that cleaned up left their socket files: $(cat "$WORK/churn.out")"
else
  fail "churn did not finish: $(cat "$WORK/churn.out")"
fi
# sem_open temporaries of killed children: listed by ipcctl as orphaned
# POSIX semaphores, and removed by it.
temps=()
for f in /dev/shm/sem.??????; do
  [[ -e $f ]] || continue
  grep -qxF "${f#/dev/shm/}" "$WORK/shm.before" || temps+=("posix-sem:/${f#/dev/shm/sem.}")
done
if ((${#temps[@]} > 0)); then
  "$IPCCTL" rm "${temps[@]}" >/dev/null 2>&1 || true
  echo "note: ${#temps[@]} sem_open temporaries of killed children removed with ipcctl rm"
  for t in "${temps[@]}"; do
    [[ -e /dev/shm/sem.${t#posix-sem:/} ]] && fail "ipcctl rm left $t"
  done
fi
# Socket files of children that were killed or did not clean up: the churn
# leaves them (nothing listens on them any more), and ipcctl rm removes them
# as the stale socket files they are.
mapfile -t socks < <(find "$WORK/churn" -type s)
if ((${#socks[@]} > 0)); then
  rc=0
  "$IPCCTL" rm "${socks[@]}" >"$WORK/rm.out" 2>&1 || rc=$?
  echo "note: ${#socks[@]} socket files of children that were killed or did not clean up removed with ipcctl rm"
  ((rc == 0)) || fail "ipcctl rm of the churn's stale socket files: exit $rc: $(head -c 300 "$WORK/rm.out")"
fi
left=$(find "$WORK/churn" -type s)
[[ -z $left ]] && ok "no socket file of the churn is left" || fail "socket files left: $(head -c 300 <<<"$left")"
left=$(ls -A "$WORK/churn")
[[ -z $left ]] && ok "the churn's directory is empty (FIFOs, lock files, socket files)" ||
  fail "left in the churn's directory: $(head -c 300 <<<"$left")"
# What the churn made is gone, including what its killed children left.
rc=0
"$IPCCTL" ls --json -t sysv,posix >"$WORK/ls.json" 2>"$WORK/ls.err" || rc=$?
if ((rc != 0)); then
  fail "ls -t sysv,posix after the churn: exit $rc: $(head -c 300 "$WORK/ls.err")"
elif ! left=$(jq -r --arg n "/ipcchurn-$churn-" --arg d "$WORK/churn/" --arg k "$key_prefix" \
  "[.objects[] | select($made_by_churn) | .ref] | join(\" \")" "$WORK/ls.json"); then
  fail "ls -t sysv,posix after the churn: invalid JSON"
else
  [[ -z $left ]] && ok "no object of the churn is left" || fail "left behind: $left"
fi
# No process of the churn is left. Grandchildren (the pipe holders) die
# with their parent and are reaped by init: zombies are not counted, and
# the dying get a few seconds.
live_of_churn() {
  local p
  for p in $(pgrep -g "$churn"); do
    [[ $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) == [^Z] ]] && printf '%s ' "$p"
  done
  return 0
}
for ((t = 0; t < 50; t++)); do
  left=$(live_of_churn)
  [[ -z $left ]] && break
  sleep 0.1
done
[[ -z $left ]] && ok "no process of the churn is left" || fail "processes of the churn left: $left"
finish
