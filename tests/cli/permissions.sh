#!/bin/bash
# The permission matrix: every ipcctl command, run as nobody against
# root-owned objects of every type (SysV, POSIX, FIFO, pipe, unix socketpair,
# listening socket file and abstract socket, TCP, UDP, eventfd, memfd,
# signalfd, flock/POSIX/OFD locks, a pending signal). Each either works, or
# shows what it could see with a warning, or fails with exit 1 and a clear
# "not permitted"/"denied" line (rm of a type ipcctl never removes is bad
# usage, exit 2, as for root); never a crash (exit > 2), never a silent
# gap, never a change to an object nobody may not change: root's ls --json
# view of each object (holders, owner, mode, unread bytes, messages) is the
# same before and after. Also: rm --orphaned as nobody leaves root's orphans,
# mk as nobody over root's names replaces nothing, and show pid: and
# graph --around a root process warn. Prints the matrix.
source "$(dirname "$0")/lib.sh"

[[ $(id -u) == 0 ]] || skip "needs root to create root's objects and to switch to nobody"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"
ensure_mqueue

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" "$@"; }
tag=ipcctl-perm-$$

fixture msg sysv-msg messages=2 size=8
fixture shm sysv-shm
fixture sem sysv-sem
fixture mq posix-mq name="/$tag-mq"
fixture pshm posix-shm name="/$tag-shm"
fixture psem posix-sem name="/$tag-sem"
chmod 0755 "$WORK"
fixture fifo fifo path="$WORK/held.fifo"
fixture pipe pipe
fixture spair socketpair
fixture ulisten unix-listen
fixture tcp tcp
fixture udp udp
fixture efd eventfd
fixture mfd memfd
fixture sfd signalfd
fixture lflock lock-flock
fixture lposix lock-posix
fixture lofd lock-ofd
fixture sig signal-pending
# The socket file's directory is searchable: rm as nobody gets past stat to
# the unlink the kernel refuses.
chmod 0755 "$(dirname "$(fx ulisten path)")"

# view SEL LS-ARGS...: root's ls --json view of the objects the jq condition
# SEL picks, sorted. A lock's ref and id are its line in /proc/locks, which
# moves when other locks come and go: they are left out. (A queue's times
# are kept: no ls reads /dev/mqueue/NAME, whose read would set them.)
view() {
  local sel=$1
  shift
  "$IPCCTL" ls --json "$@" 2>/dev/null | jq -cS "[.objects[] | select($sel)
    | if .type == \"lock\" then del(.ref, .id) else . end]
    | sort_by(.ref, .inode)"
}

# lock_ref INODE: the ref of the one lock on that inode, as root lists it now.
lock_ref() {
  "$IPCCTL" ls --json -t lock 2>/dev/null | jq -r --argjson i "$1" '[.objects[] | select(.inode == $i) | .ref] | first // "lock:none"'
}

# file_facts PATH: type, inode, mode and owner of a file, or why not.
file_facts() {
  [[ -n $1 ]] || return 0
  stat -c '%F %i %a %U:%G' "$1" 2>&1 || true
}

# The rows: a label, the ref nobody is given, the jq condition that picks
# what the ref names in a listing, and the file (if any) that must stay: a
# socket's listing does not change when its file is unlinked.
labels=() refs=() sels=() files=()
row() {
  labels+=("$1")
  refs+=("$2")
  sels+=("${3:-.ref == \"$2\"}")
  files+=("${4:-}")
}
row sysv-msg "sysv-msg:$(fx msg id)"
row sysv-shm "sysv-shm:$(fx shm id)"
row sysv-sem "sysv-sem:$(fx sem id)"
row posix-mq "posix-mq:/$tag-mq"
row posix-shm "posix-shm:/$tag-shm"
row posix-sem "posix-sem:/$tag-sem"
row fifo "fifo:$WORK/held.fifo" "" "$WORK/held.fifo"
row pipe "pipe:$(fx pipe inode)"
row unix-socketpair "unix:$(fx spair inode)"
row unix-listen "unix:$(fx ulisten inode)" "" "$(fx ulisten path)"
row unix-listen-path "unix:$(fx ulisten path)" ".type == \"unix\" and .name == \"$(fx ulisten path)\"" "$(fx ulisten path)"
row unix-abstract "unix:$(fx ulisten ainode)"
row tcp-listen "tcp:$(fx tcp inode)"
row tcp-estab "tcp:$(fx tcp sinode)"
row udp "udp:$(fx udp inode)"
if [[ $(fx efd id) == -1 ]]; then
  echo "skipped: the eventfd row (no eventfd-id in fdinfo before Linux 5.13)"
else
  row eventfd "eventfd:$(fx efd id)"
fi
row memfd "memfd:$(fx mfd inode)"
row signalfd "signalfd:$(fx sfd pid):$(fx sfd fd)"
for name in lflock lposix lofd; do
  row "lock-${name#l}" "lock:$(fx "$name" inode)" ".type == \"lock\" and .inode == $(fx "$name" inode)"
done
row signal-pending "signal:$(fx sig pid)"

# Types ipcctl rm never removes (exit 2, as for root: they go when their
# holders close them).
unremovable=" pipe tcp udp eventfd memfd signalfd lock signal "

# outcome ARGS...: runs the command as nobody; prints ok (0), warned (0 with
# warnings), refused (1 with a permission message), exists (1: mk over an
# existing name), no-file (1: refused, a socket with no file), in-use (1:
# refused as in use, before any permission matters), unseen (1, not seen,
# and says unreadable processes may hold it), missing (1, not seen),
# failed (1, another failure), unremovable (2: a type rm never removes), or
# BAD:<why>. Its stdout and stderr stay in $WORK/out and $WORK/err.
outcome() {
  local rc=0 err
  as_nobody "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  err=$(cat "$WORK/err")
  if ((rc > 2)); then echo "BAD:exit-$rc"; return; fi
  if ((rc == 2)); then
    if grep -q 'cannot be removed: it goes when' <<<"$err"; then echo unremovable
    else echo "BAD:usage:$err"; fi
    return
  fi
  if ((rc == 0)); then [[ $err == *warning* ]] && echo warned || echo ok; return; fi
  if grep -qiE 'not permitted|permission denied' <<<"$err"; then echo refused
  elif grep -q 'already exists' <<<"$err"; then echo exists
  elif grep -q ': refused: it has no file to remove' <<<"$err"; then echo no-file
  elif grep -q ': refused: ' <<<"$err"; then echo in-use
  elif grep -q 'no such object, or held only by' <<<"$err"; then echo unseen
  elif grep -q 'no such object' <<<"$err"; then echo missing
  elif grep -q ': failed: ' <<<"$err"; then echo failed
  else echo "BAD:exit-1:$err"; fi
}

# short TEXT: TEXT with this run's tag and directory as TAG and $WORK, for the
# matrix.
short() {
  local t=${1//$tag/TAG}
  echo "${t//$WORK/\$WORK}"
}

# kept LABEL BEFORE AFTER: root's view did not change; prints same or CHANGED.
kept() {
  if [[ $2 == "$3" ]]; then
    ok "$1: unchanged (holders, owner, mode, content)" >&2
    echo same
  else
    fail "$1: changed: before $2, after $3"
    echo CHANGED
  fi
}

printf '%-17s %-10s %-7s %-11s %-11s %-7s %s\n' OBJECT ls show rm rm-force kept REF >"$WORK/matrix"
for i in "${!refs[@]}"; do
  label=${labels[i]} ref=${refs[i]} sel=${sels[i]} file=${files[i]}
  type=${ref%%:*}
  if [[ $type == lock ]]; then ref=$(lock_ref "${sel##* }"); fi
  before=$(view "$sel" -t "$type")
  if [[ $before == "[]" ]]; then
    fail "$label: root does not list $ref"
    continue
  fi
  root_holders=$(jq '[.[] | .holders[]?] | length' <<<"$before")
  before+=$(file_facts "$file")

  # ls: what nobody cannot list, it must say it cannot see, in text and JSON.
  listed=no
  nobody_ls=$(as_nobody ls --json -t "$type" 2>/dev/null) || fail "$label: ls --json -t $type as nobody: exit $?"
  jq -e "any(.objects[]; $sel)" <<<"$nobody_ls" >/dev/null 2>&1 && listed=yes
  ls_out=$(outcome ls -t "$type")
  if [[ $listed == no && $ls_out != warned ]]; then fail "$label: not listed and no warning"; fi
  if [[ $listed == no ]] && ! jq -e '.warnings | length > 0' <<<"$nobody_ls" >/dev/null 2>&1; then
    fail "$label: not listed by ls --json and no JSON warning"
  fi

  # show: what it cannot see of the object's holders, it must say.
  show_out=$(outcome show "$ref")
  case $show_out in
    ok | warned | unseen | refused) ok "$label: show as nobody: $show_out" ;;
    *) fail "$label: show as nobody: $show_out" ;;
  esac
  seen_holders=$(as_nobody show --json "$ref" 2>/dev/null | jq "[.objects[] | select($sel) | .holders[]?] | length" 2>/dev/null) ||
    seen_holders=0
  if [[ $show_out == ok ]] && ((seen_holders < root_holders)); then
    fail "$label: show as nobody saw $seen_holders of $root_holders holders without a warning"
  fi

  # rm, rm --force: never exit 0 for what nobody may not remove.
  rm_out=$(outcome rm "$ref")
  force_out=$(outcome rm --force "$ref")
  if [[ $unremovable == *" $type "* ]]; then
    want='unremovable'
  elif [[ $label == unix-abstract ]]; then
    want='no-file'
  elif [[ $label == unix-socketpair ]]; then
    # A socket with no name at all: ipcctl says "failed: its name is
    # unknown" where it means it has no file (as for an abstract socket);
    # its wording is not checked here, its exit status and the socket are.
    want='no-file|in-use|failed'
  else
    want='refused|in-use|unseen|missing'
  fi
  [[ $rm_out =~ ^($want)$ ]] && ok "$label: rm as nobody: $rm_out" || fail "$label: rm as nobody: $rm_out (want $want)"
  want=${want/in-use|/}
  [[ $force_out =~ ^($want)$ ]] && ok "$label: rm --force as nobody: $force_out" ||
    fail "$label: rm --force as nobody: $force_out (want $want)"

  after=$(view "$sel" -t "$type")$(file_facts "$file")
  same=$(kept "$label" "$before" "$after")
  printf '%-17s %-10s %-7s %-11s %-11s %-7s %s\n' "$label" "$ls_out/$listed" "$show_out" "$rm_out" "$force_out" \
    "$same" "$(short "$ref")" >>"$WORK/matrix"
done

# --- rm --orphaned as nobody: root's orphans (root's dry run calls them
# orphaned) all stay, and each refusal says why. -u root: nobody's own
# orphans elsewhere on the machine are not this test's to remove.
mkdir -m 0755 "$WORK/orphans"
orphans=()
for made in "sysv-shm --size 4K" "posix-shm /$tag-orphan-shm --size 1K" "posix-mq /$tag-orphan-mq --maxmsg 1 --msgsize 16" \
  "fifo $WORK/orphans/idle.fifo"; do
  # shellcheck disable=SC2086  # the arguments are words
  run_ipcctl mk $made
  ((RC == 0)) || { echo "FAIL: root could not mk $made: $ERR" >&2; exit 1; }
  orphans+=("$OUT")
  CLEANUP+=("'$IPCCTL' rm --force '$OUT' >/dev/null 2>&1")
done
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$WORK/orphans/stale.sock"
orphans+=("unix:$WORK/orphans/stale.sock")
osel=$(printf '"%s",' "${orphans[@]}")
osel=".ref | IN(${osel%,})"
oview() { view "$osel" -t sysv-shm,posix-shm,posix-mq,fifo,unix --scan "$WORK/orphans"; }
before=$(oview)
expect "root sees the ${#orphans[@]} orphans" "$before" length "${#orphans[@]}"
# --ignore-unreadable: a process guarded even from root must not hold the
# POSIX ones back.
dry=$("$IPCCTL" rm --orphaned --ignore-unreadable --dry-run -u root --scan "$WORK/orphans" 2>/dev/null) || true
for ref in "${orphans[@]}"; do
  [[ $dry == *"would remove $ref:"* ]] && ok "root's dry run calls $ref orphaned" || fail "root's dry run: $ref not orphaned"
done

for args in "--orphaned" "--orphaned --ignore-unreadable --force"; do
  # shellcheck disable=SC2086  # the options are words
  o=$(outcome rm $args -u root --scan "$WORK/orphans")
  removed=$(grep -c '^removed ' "$WORK/out" || true)
  [[ $o == refused ]] && ok "rm $args as nobody: $o" || fail "rm $args as nobody: $o (want refused: exit 1, not permitted)"
  ((removed == 0)) && ok "rm $args as nobody: removed nothing of root's" || fail "rm $args as nobody: removed $removed of root's"
  grep -qE "${orphans[0]}: .*(not permitted|denied)" "$WORK/err" && ok "rm $args as nobody: says why ${orphans[0]} stays" ||
    fail "rm $args as nobody: no refusal for ${orphans[0]}: $(cat "$WORK/err")"
  same=$(kept "rm $args" "$before" "$(oview)")
  printf '%-52s %-8s %s\n' "rm $args -u root" "$o" "$same" >>"$WORK/commands"
done

# --- mk as nobody over names root owns: exit 1, and nothing is replaced.
mkdir -m 0700 "$WORK/rootonly"
fixture rootfifo fifo path="$WORK/rootonly/held.fifo"
for made in "posix-shm /$tag-shm --size 1K" "posix-mq /$tag-mq" "fifo $WORK/rootonly/held.fifo"; do
  read -r type name _ <<<"$made"
  ref=$type:$name
  before=$(view ".ref == \"$ref\"" -t "$type" --scan "$WORK")
  # shellcheck disable=SC2086  # the arguments are words
  o=$(outcome mk $made)
  [[ $o == exists || $o == refused ]] && ok "mk $made as nobody: $o" || fail "mk $made as nobody: $o (want exit 1)"
  after=$(view ".ref == \"$ref\"" -t "$type" --scan "$WORK")
  [[ $before != "[]" ]] || fail "mk $made: root does not list $ref"
  same=$(kept "mk $made" "$before" "$after")
  printf '%-52s %-8s %s\n' "$(short "mk $made") (root's)" "$o" "$same" >>"$WORK/commands"
done

# --- a root process: shown, with a warning for what nobody cannot read.
rootpid=$(fx pipe rpid)
for cmd in "show pid:$rootpid" "graph --around $rootpid"; do
  o=$(outcome $cmd)
  [[ $o == warned ]] && ok "$cmd as nobody: $o" || fail "$cmd as nobody: $o (want warned)"
  printf '%-52s %-8s\n' "${cmd/$rootpid/ROOTPID}" "$o" >>"$WORK/commands"
done

for cmd in "limits" "audit --fail-on none" "graph" "export" "ls --summary" "mk posix-shm /$tag-own --size 1K"; do
  o=$(outcome $cmd)
  printf '%-52s %-8s\n' "$(short "$cmd")" "$o" >>"$WORK/commands"
  [[ $o == ok || $o == warned ]] && ok "$cmd as nobody: $o" || fail "$cmd as nobody: $o"
done
as_nobody rm "posix-shm:/$tag-own" >/dev/null 2>&1 || fail "nobody could not remove its own segment"

echo
cat "$WORK/matrix"
echo
printf '%-52s %-8s %s\n' COMMAND outcome kept
cat "$WORK/commands"
finish
