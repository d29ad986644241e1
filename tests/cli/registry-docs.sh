#!/bin/bash
# The man pages agree with the registry of kinds: every type and family
# `ipcctl ls --list-types` prints is named in ipcctl(1), and every detail
# column `ipcctl ls --list-columns` prints (the detail keys the kinds'
# descriptors list) is described in ipcctl-json(7). A kind or key added to
# the registry without its documentation fails here.
source "$(dirname "$0")/lib.sh"

man1=$TESTS_DIR/../man/ipcctl.1.scd
man7=$TESTS_DIR/../man/ipcctl-json.7.scd
[[ -r $man1 && -r $man7 ]] || { echo "FAIL: man pages not found beside $TESTS_DIR" >&2; exit 1; }

run_ipcctl ls --list-types
((RC == 0)) || fail "ls --list-types: exit $RC: $ERR"
types=$(printf '%s\n' "$OUT" | awk '{ print $1 }')
[[ $(printf '%s\n' "$types" | grep -c .) -ge 16 ]] || fail "ls --list-types: expected every kind, got: $types"
for t in $types; do
  if grep -qF -- "*$t*" "$man1"; then ok "ipcctl(1) names type $t"; else fail "ipcctl(1) does not name the type *$t*"; fi
done

# The common columns are described in ipcctl(1)'s OUTPUT; the detail ones,
# lower case, are the keys of "detail" in ipcctl-json(7).
run_ipcctl ls --list-columns
((RC == 0)) || fail "ls --list-columns: exit $RC: $ERR"
common=" REF TYPE ID KEY NAME INODE UID USER OWNER GID GROUP PERMS SIZE NHOLDERS NHANDLES PIDS COMMS HOLDERS PEER PEER_HOLDERS NS NS_INODE CONTAINER CGROUP DETAIL ERROR "
n=0
for col in $(printf '%s\n' "$OUT" | awk '{ print $1 }'); do
  [[ $common == *" $col "* ]] && continue
  key=${col,,}
  n=$((n + 1))
  if grep -qF -- "*$key*" "$man7"; then ok "ipcctl-json(7) describes $key"; else fail "ipcctl-json(7) does not describe the detail key *$key*"; fi
done
((n >= 60)) || fail "ls --list-columns: expected the detail keys of every kind, found $n"
finish
