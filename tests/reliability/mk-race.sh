#!/bin/bash
# Root's mk fifo against a file swap (issue 21, item 2). Another user
# (uid 65534) owns the directory u where root makes the FIFO u/f with mode
# 0666; whenever u/f is a FIFO, the user puts a symlink to root's 0600 file
# secret in its place. Root runs `ipcctl mk fifo u/f --mode 0666` many
# times, each creation delayed at its end by strace to widen the window
# between making the FIFO and what follows. root's file must keep its mode
# and content: mk changes nothing by path after making the FIFO (umask 0,
# and only a descriptor of what it made). Before the fix, mk chmod'ed the
# path, and root's file became 0666 within a few tries.
#   MK_RACE_TRIES (default 150) tries, within 12 s.
source "$(dirname "$0")/lib.sh"
: "${ATTACKER:?ATTACKER must name the attacker binary}"
private_namespace "$@"
need_attacker

tries=${MK_RACE_TRIES:-150}
secret=$WORK/secret u=$WORK/u
echo "root's data" >"$secret"
chmod 0600 "$secret"
secret_was=$(stat -c '%i %a %U %s' "$secret")
mkdir -m 0755 "$u"
chown 65534:65534 "$u"

attacker=""
stop_attacker() {
  [[ -n $attacker ]] || return 0
  kill -TERM "$attacker" 2>/dev/null
  wait "$attacker" 2>/dev/null
  attacker=""
}
CLEANUP+=(stop_attacker)
# setpriv execs the attacker: $! is its pid.
setpriv --reuid=65534 --regid=65534 --clear-groups "$ATTACKER" replace "$u/f" "$secret" 60 >/dev/null &
attacker=$!

made=0 refused=0 other=0 end=$((SECONDS + 12))
for ((i = 1; i <= tries && SECONDS < end; i++)); do
  rm -f "$u/f"
  rc=0
  err=$(strace -f -qq -o /dev/null -e trace=mknod,mknodat -e inject=mknod,mknodat:delay_exit=20000 \
    "$IPCCTL" mk fifo "$u/f" --mode 0666 2>&1 >/dev/null) || rc=$?
  if [[ $(stat -c '%i %a %U %s' "$secret") != "$secret_was" ]]; then
    fail "mk fifo: root's file $secret changed through the symlink, on try $i: $(stat -c '%a %U' "$secret"); $err"
    finish
  fi
  if ((rc == 0)); then
    made=$((made + 1))
  elif ((rc == 1)) && [[ $err == *"was replaced by another file right after it was made"* ]]; then
    refused=$((refused + 1))
  else
    other=$((other + 1))
    echo "try $i: exit $rc: $err"
  fi
done
stop_attacker
echo "mk fifo: $((i - 1)) tries: made $made times, refused $refused times, $other other"
ok "mk fifo: root's file kept its mode and content over $((i - 1)) tries"
((other == 0)) && ok "mk fifo: each refusal said why on one line" || fail "mk fifo: $other tries ended unexplained"
((refused > 0)) && ok "mk fifo: the swap was met (refused $refused times)" ||
  fail "mk fifo: the swap never met mk: the test proved nothing"
finish
