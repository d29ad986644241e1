#!/bin/bash
# While processes create, hold and drop every kind of IPC object and die at
# random moments, ipcctl ls, show, audit and graph must keep working: every
# run exits 0 (show: 0, or 1 for a process that is gone) with valid JSON.
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

bad=0
for ((i = 1; i <= runs; i++)); do
  if ! "$IPCCTL" ls --json >"$WORK/ls.json" 2>"$WORK/ls.err"; then
    fail "ls run $i: exit $?: $(head -c 300 "$WORK/ls.err")"
    bad=$((bad + 1))
  elif ! jq -e '.schema == "ipcctl/1" and (.objects | type) == "array"' "$WORK/ls.json" >/dev/null 2>&1; then
    fail "ls run $i: invalid JSON: $(head -c 300 "$WORK/ls.json")"
    bad=$((bad + 1))
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
    for cmd in "audit --json --fail-on none" "graph -F json"; do
      # shellcheck disable=SC2086  # the words of the command
      "$IPCCTL" $cmd >"$WORK/out.json" 2>/dev/null || fail "$cmd during churn: exit $?"
      jq -e 'type == "object"' "$WORK/out.json" >/dev/null 2>&1 || fail "$cmd during churn: invalid JSON"
    done
  fi
done
((bad == 0)) && ok "$runs runs of ls --json during churn: all exit 0 with valid JSON"

kill -TERM "$churn" 2>/dev/null || true
wait "$churn" 2>/dev/null || true
grep -q '^children=[0-9]' "$WORK/churn.out" && ok "churn: $(cat "$WORK/churn.out") processes came and went" ||
  fail "churn did not finish: $(cat "$WORK/churn.out")"
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
# What the churn made is gone, including what its killed children left.
left=$("$IPCCTL" ls --json -t sysv,posix 2>/dev/null |
  jq -r --arg n "/ipcchurn-$churn-" '[.objects[] | select((.name // "" | startswith($n)) or
    ((.key // "0x0" | ltrimstr("0x") | ascii_downcase) as $k | $k | startswith("6368")))] | map(.ref) | join(" ")')
[[ -z $left ]] && ok "nothing of the churn is left" || fail "left behind: $left"
finish
