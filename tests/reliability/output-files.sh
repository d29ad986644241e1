#!/bin/bash
# Output files where other users can plant names (issue 21, items 5 and 6),
# for every option that writes a file: ipcbench --svg, ipctrace -o, ipcctl
# graph --svg and export -o. Run as root; the planter is uid 65534, in a
# sticky world-writable directory (fs.protected_symlinks and friends are not
# relied on: they are 0 on some machines, and this test does not change them).
# - a symlink of another user's is not followed, as the file or as a
#   directory on the way: the tool exits 1 saying so, the root-only file it
#   points at is unchanged, the symlink still there;
# - a symlink of root's own is followed (export replaces its target);
# - a regular file or FIFO another user put in the sticky directory is not
#   written (as fs.protected_regular and protected_fifos);
# - a character device (a scratch /dev/null made with mknod, and /dev/null and
#   /dev/stdout themselves in a private /dev) is written to, never replaced;
#   export -o /dev/stdout writes to stdout, also as an unprivileged user;
# - a symlink swapped with another user's (renameat2 RENAME_EXCHANGE, in a
#   loop, in a directory of that user's) while ipctrace -o runs many times:
#   the root-only file is never written.
source "$(dirname "$0")/lib.sh"
private_namespace "$@"
[[ $(id -u) == 0 ]] || skip "needs root: the planted names belong to uid 65534"

PRIVATE=$WORK/private
mkdir -m 0700 "$PRIVATE"
SECRET=$PRIVATE/secret
printf 'root only %s\n' "$$" >"$SECRET"
chmod 0600 "$SECRET"
SECRET_SUM=$(sha256sum <"$SECRET")
STICKY=$(mktemp -d "$WORK/sticky.XXXXXX")
chmod 1777 "$STICKY"
echo "fs.protected_symlinks=$(cat /proc/sys/fs/protected_symlinks 2>/dev/null || echo '?')" \
  "protected_regular=$(cat /proc/sys/fs/protected_regular 2>/dev/null || echo '?')"

# The writers: PROG%OPTION%ARGS, FILE standing for the path; MARK is a line
# their output holds.
writers=(
  "ipcbench%--svg%-m pipe -n 10 -q --svg FILE"
  "ipctrace%-o%-o FILE -- sh -c 'echo x | cat >/dev/null'"
  "ipcctl%export: -o%export -o FILE"
)
if command -v dot >/dev/null; then writers+=("ipcctl%graph: --svg%graph --svg FILE"); else echo "note: no dot(1): graph --svg not tried"; fi
mark() {
  case $1 in
  *--svg*) echo '<svg' ;;
  *export*) echo '# HELP' ;;
  *) echo 'pipe:' ;;
  esac
}
bin() {
  case $1 in
  ipcctl) echo "$IPCCTL" ;;
  ipcbench) echo "$IPCBENCH" ;;
  ipctrace) echo "$IPCTRACE" ;;
  esac
}

# write_to W PATH: runs writer W with FILE=PATH (10 s at most: a FIFO with no
# reader blocks a tool that opens it); leaves RC, and stderr in $WORK/err.
write_to() {
  local prog=${1%%%*} rest=${1#*%} args
  args=${rest#*%}
  eval "local words=(${args//FILE/\"\$2\"})"
  RC=0
  timeout 10 "$(bin "$prog")" "${words[@]}" >"$WORK/out" 2>"$WORK/err" </dev/null || RC=$?
}
what() { local prog=${1%%%*} rest=${1#*%}; echo "$prog ${rest#*%}" | sed "s|FILE|$2|"; }
option() { local rest=${1#*%}; echo "${rest%%%*}"; }
secret_kept() {
  if [[ $(sha256sum <"$SECRET") == "$SECRET_SUM" ]]; then ok "$1: the root-only file is unchanged"
  else fail "$1: the root-only file was written"; printf 'root only %s\n' "$$" >"$SECRET"; fi
}
# refused W PATH WHY: exit 1, "PROG: OPTION PATH: WHY".
refused() {
  local w=$1 path=$2 why=$3 prog=${1%%%*} err
  err=$(cat "$WORK/err")
  if ((RC == 1)) && grep -qF -- "$prog: $(option "$w") $path: $why" <<<"$err"; then ok "$(what "$w" "$path"): refused: $why"
  else fail "$(what "$w" "$path"): exit $RC, expected 1 with '$why'; stderr: ${err:0:300}"; fi
}
# written W PATH TARGET: exit 0 and TARGET holds the output.
written() {
  local w=$1 target=$3 err
  err=$(cat "$WORK/err")
  if ((RC == 0)) && grep -qF -- "$(mark "$w")" "$target" 2>/dev/null; then ok "$(what "$w" "$2"): written to $target"
  else fail "$(what "$w" "$2"): exit $RC, expected 0 and the output in $target; stderr: ${err:0:300}"; fi
}

n=0
for w in "${writers[@]}"; do
  n=$((n + 1))
  # Another user's symlink to the root-only file.
  run_as_nobody ln -s "$SECRET" "$STICKY/planted-$n"
  write_to "$w" "$STICKY/planted-$n"
  refused "$w" "$STICKY/planted-$n" "is a symlink owned by uid 65534, not followed"
  secret_kept "$(what "$w" "$STICKY/planted-$n")"
  [[ -L $STICKY/planted-$n && $(stat -c %u "$STICKY/planted-$n") == 65534 ]] &&
    ok "the planted symlink is still there" || fail "$(what "$w" "$STICKY/planted-$n"): the planted symlink was replaced"

  # Another user's dangling symlink, pointing where root may create a file.
  run_as_nobody ln -s "$PRIVATE/made-$n" "$STICKY/dangling-$n"
  write_to "$w" "$STICKY/dangling-$n"
  refused "$w" "$STICKY/dangling-$n" "is a symlink owned by uid 65534, not followed"
  [[ ! -e $PRIVATE/made-$n ]] && ok "no file made through it" || fail "$(what "$w" "$STICKY/dangling-$n"): made $PRIVATE/made-$n"

  # Another user's symlink to root's directory, on the way to the file.
  run_as_nobody ln -s "$PRIVATE" "$STICKY/dir-$n"
  write_to "$w" "$STICKY/dir-$n/secret"
  refused "$w" "$STICKY/dir-$n/secret" "dir-$n is a symlink owned by uid 65534, not followed"
  secret_kept "$(what "$w" "$STICKY/dir-$n/secret")"

  # Root's own symlink: followed.
  echo old >"$PRIVATE/mine-$n"
  ln -s "$PRIVATE/mine-$n" "$STICKY/mine-$n"
  write_to "$w" "$STICKY/mine-$n"
  written "$w" "$STICKY/mine-$n" "$PRIVATE/mine-$n"
  [[ -L $STICKY/mine-$n ]] && ok "root's symlink is still a symlink" || fail "$(what "$w" "$STICKY/mine-$n"): root's symlink was replaced"
  grep -q '^old$' "$PRIVATE/mine-$n" && fail "$(what "$w" "$STICKY/mine-$n"): the old content is still there" || true

  # A regular file and a FIFO another user put in the sticky directory.
  run_as_nobody sh -c "echo theirs >'$STICKY/file-$n' && chmod 0666 '$STICKY/file-$n' && mkfifo -m 0666 '$STICKY/fifo-$n'"
  write_to "$w" "$STICKY/file-$n"
  refused "$w" "$STICKY/file-$n" "is owned by uid 65534 in a sticky directory others can write to, not written"
  [[ $(cat "$STICKY/file-$n") == theirs ]] || fail "$(what "$w" "$STICKY/file-$n"): the file was written"
  write_to "$w" "$STICKY/fifo-$n"
  refused "$w" "$STICKY/fifo-$n" "is owned by uid 65534 in a sticky directory others can write to, not written"

  # A character device: written to, never replaced (directly and through root's symlink).
  rm -f "$WORK/null-$n"
  mknod -m 0666 "$WORK/null-$n" c 1 3
  ln -s "$WORK/null-$n" "$WORK/to-null-$n"
  for path in "$WORK/null-$n" "$WORK/to-null-$n"; do
    write_to "$w" "$path"
    if ((RC == 0)) && [[ -c $WORK/null-$n ]]; then ok "$(what "$w" "$path"): the device is still a device"
    else fail "$(what "$w" "$path"): exit $RC, $(stat -c %F "$WORK/null-$n"); stderr: $(head -c 300 "$WORK/err")"; fi
  done

  # A new file: made with 0666 less the umask.
  write_to "$w" "$PRIVATE/new-$n"
  written "$w" "$PRIVATE/new-$n" "$PRIVATE/new-$n"
done

# --- export -o /dev/null and /dev/stdout, in a private /dev --------------------
# (a tmpfs on /dev in a mount namespace of its own: the machine's /dev is
# never at stake, whatever the tool does).
if unshare --mount --propagation private true 2>/dev/null; then
  cat >"$WORK/dev.sh" <<'EOS'
set -u
mount -t tmpfs -o mode=0755 ipcctl-test-dev /dev || exit 3
mknod -m 0666 /dev/null c 1 3 && ln -s /proc/self/fd/1 /dev/stdout || exit 3
"$IPCCTL" export -o /dev/null 2>/dev/null; echo "null rc=$? $(stat -c %F /dev/null)"
"$IPCCTL" export -o /dev/stdout 2>/dev/null >"$WORK/stdout.prom"; echo "stdout rc=$? $(stat -c %F /dev/stdout) $(grep -c '^# HELP' "$WORK/stdout.prom")"
setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" export -o /dev/stdout 2>/dev/null | grep -c '^# HELP' | sed 's/^/nobody /'
EOS
  res=$(IPCCTL=$IPCCTL WORK=$WORK unshare --mount --propagation private bash "$WORK/dev.sh" 2>&1)
  echo "$res"
  grep -qx 'null rc=0 character special file' <<<"$res" && ok "export -o /dev/null: /dev/null is still a device" ||
    fail "export -o /dev/null: $(grep '^null' <<<"$res")"
  grep -qE '^stdout rc=0 symbolic link [1-9]' <<<"$res" && ok "export -o /dev/stdout: written to stdout, /dev/stdout still a symlink" ||
    fail "export -o /dev/stdout: $(grep '^stdout' <<<"$res")"
  if run_as_nobody test -x "$IPCCTL"; then
    grep -qE '^nobody [1-9]' <<<"$res" && ok "export -o /dev/stdout as uid 65534 (root's symlink is followed)" ||
      fail "export -o /dev/stdout as uid 65534: $(grep '^nobody' <<<"$res")"
  fi
else
  echo "note: no private mount namespace: /dev/null and /dev/stdout not tried"
fi

# --- the swap race --------------------------------------------------------------
# In a directory of uid 65534's, "a" is root's symlink to a file of root's and
# "b" the other user's symlink to the root-only file; the other user swaps
# them (renameat2 RENAME_EXCHANGE, syscall 316 on x86_64) in a loop while
# ipctrace -o DIR/a runs. Each run writes the root file or refuses; none may
# write the root-only one.
if [[ $(uname -m) == x86_64 ]] && command -v perl >/dev/null; then
  RACE=$(mktemp -d "$WORK/race.XXXXXX")
  chown 65534:65534 "$RACE"
  ln -s "$PRIVATE/race-ok" "$RACE/a"
  run_as_nobody ln -s "$SECRET" "$RACE/b"
  setpriv --reuid=65534 --regid=65534 --clear-groups perl -e 'chdir $ARGV[0] or die; my ($a, $b, $end) = ("a", "b", time + 60);
    while (time < $end) { syscall(316, -100, $a, -100, $b, 2) == 0 or die "renameat2: $!" }' "$RACE" &
  attacker=$!
  CLEANUP+=("kill $attacker 2>/dev/null")
  runs=0 wrote=0 refusals=0 other=0
  for ((i = 0; i < 150; i++)); do
    rc=0
    timeout 10 "$IPCTRACE" -o "$RACE/a" -- true 2>"$WORK/err" || rc=$?
    runs=$((runs + 1))
    if ((rc == 0)); then wrote=$((wrote + 1))
    elif ((rc == 1)) && grep -q 'not followed' "$WORK/err"; then refusals=$((refusals + 1))
    else other=$((other + 1)); echo "run $i: exit $rc: $(head -c 200 "$WORK/err")"; fi
    [[ $(sha256sum <"$SECRET") == "$SECRET_SUM" ]] || break
  done
  kill "$attacker" 2>/dev/null || echo "note: the swapping process had ended"
  wait "$attacker" 2>/dev/null || true
  echo "race: $runs runs: $wrote wrote root's file, $refusals refused the other user's symlink, $other else"
  secret_kept "ipctrace -o through a swapped symlink ($runs runs)"
  ((other == 0)) && ok "every run wrote or refused" || fail "race: $other runs ended otherwise"
  ((wrote > 0 && refusals > 0)) && ok "the race was run both ways" || echo "note: the swap did not land both ways"
else
  echo "note: not x86_64 or no perl: the swap race not tried"
fi

finish
