#!/bin/bash
# Root's rm against a directory swap (issue 21, item 1). Another user
# (uid 65534) owns a directory u with a directory d holding their FIFO x,
# and a symlink s to root's 0700 directory secret, which holds root's 0600
# file x. The user swaps d and s (renameat2 RENAME_EXCHANGE) in a loop
# while root runs `ipcctl rm fifo:u/d/x` and `ipcctl rm --orphaned --scan u`
# many times, each unlink delayed by strace to widen the window between
# ipcctl's check and its removal. rm must never remove root's file: it
# removes the FIFO through its directory held open, or refuses. Before the
# fix, rm checked the path and then unlinked it by name, and root's file
# went within a few tries.
#   RM_RACE_TRIES (default 150) tries of each command, within 12 s each.
source "$(dirname "$0")/lib.sh"
: "${ATTACKER:?ATTACKER must name the attacker binary}"
private_namespace "$@"
need_attacker

tries=${RM_RACE_TRIES:-150}
secret=$WORK/secret u=$WORK/u
mkdir -m 0700 "$secret"
make_secret() {
  rm -f "$secret/x"
  echo "root's data" >"$secret/x"
  chmod 0600 "$secret/x"
  secret_was=$(stat -c '%i %a %s' "$secret/x")
}
mkdir -m 0755 "$u"
chown 65534:65534 "$u"
run_as_nobody mkdir "$u/d"
run_as_nobody ln -s "$secret" "$u/s"

attacker=""
stop_attacker() {
  [[ -n $attacker ]] || return 0
  kill -TERM "$attacker" 2>/dev/null
  kill -CONT "$attacker" 2>/dev/null
  wait "$attacker" 2>/dev/null
  attacker=""
}
CLEANUP+=(stop_attacker)

# Between tries the attacker is stopped, d made the directory again and
# the FIFO put back, so that every try starts from the state rm listed.
reset_state() {
  kill -STOP "$attacker"
  # Stopped only once it is back from the swap it was in.
  while [[ $(awk '{print $3}' "/proc/$attacker/stat" 2>/dev/null) == [RSD] ]]; do :; done
  [[ -L $u/d ]] && "$ATTACKER" exchange "$u/d" "$u/s" 0 >/dev/null
  [[ -p $u/d/x ]] || run_as_nobody mkfifo "$u/d/x"
  kill -CONT "$attacker"
}

secret_intact() { [[ -f $secret/x && $(stat -c '%i %a %s' "$secret/x") == "$secret_was" ]]; }

# race NAME IPCCTL-ARGS...: the tries of one command.
race() {
  local name=$1 i removed=0 refused=0 other=0 err
  shift
  make_secret
  # setpriv execs the attacker: $! is its pid, for STOP and CONT.
  setpriv --reuid=65534 --regid=65534 --clear-groups "$ATTACKER" exchange "$u/d" "$u/s" 60 >/dev/null &
  attacker=$!
  local end=$((SECONDS + 12))
  for ((i = 1; i <= tries && SECONDS < end; i++)); do
    reset_state
    err=$(strace -f -qq -o /dev/null -e trace=unlink,unlinkat -e inject=unlink,unlinkat:delay_enter=20000 \
      "$IPCCTL" "$@" 2>&1 >/dev/null | grep -v 'warning:') || true
    if ! secret_intact; then
      fail "$name: root's file $secret/x was removed or changed through the swap, on try $i: $err"
      stop_attacker
      return
    fi
    if [[ -p $u/d/x || -p $u/s/x ]]; then
      if [[ $err == *"is a symbolic link"* || $err == *"changed while it was opened"* ||
        $err == *"no such object"* || $err == *"no longer exists"* ||
        $err == *"now names another file"* || $err == *"no object matches"* ]]; then
        refused=$((refused + 1))
      else
        other=$((other + 1))
        echo "try $i: the FIFO stayed, and rm said: ${err:-nothing}"
      fi
    else
      removed=$((removed + 1))
    fi
  done
  stop_attacker
  echo "$name: $((i - 1)) tries: the FIFO removed $removed times, refused $refused times, $other other"
  ok "$name: root's file survived $((i - 1)) tries against the swap"
  ((other == 0)) && ok "$name: each refusal said why on one line" || fail "$name: $other tries ended unexplained"
  ((refused > 0)) && ok "$name: the swap was met (refused $refused times)" ||
    fail "$name: the swap never met rm: the test proved nothing"
}

race "rm fifo:PATH" rm "fifo:$u/d/x"
race "rm --orphaned --scan" rm --orphaned --ignore-unreadable -t fifo --scan "$u"
finish
