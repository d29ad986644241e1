#!/bin/bash
# ipcctl ls on shared mappings: anonymous shared memory (MAP_SHARED |
# MAP_ANONYMOUS, inherited across fork) and a regular file mapped MAP_SHARED.
# What two processes map is listed by default; what one maps, only with -t.
source "$(dirname "$0")/lib.sh"

fixture two anon-shm size=16384 access2=r
fixture one anon-shm size=4096 holders=1
fixture f2 mapped-file name=two.db-shm size=12288 map=4096
fixture f1 mapped-file name=one.db-shm size=8192 map=4096 holders=1

anon2="anon-shm:$(fx two inode)" anon1="anon-shm:$(fx one inode)"
file2="mapped-file:$(fx f2 path)" file1="mapped-file:$(fx f1 path)"

has() { jq -e --arg r "$1" 'any(.objects[]; .ref == $r)' <<<"$LS" >/dev/null; }

# --- by default: what two processes map, not what one does
ls_json
for ref in "$anon2" "$file2"; do
  if has "$ref"; then ok "default ls lists $ref (two processes)"; else fail "default ls does not list $ref"; fi
done
for ref in "$anon1" "$file1"; do
  if has "$ref"; then fail "default ls lists $ref, which one process maps"; else ok "default ls leaves out $ref (one process)"; fi
done

# --- anon-shm: -t lists both, with size, holders and their access
ls_json -t anon-shm
expect "-t anon-shm: types listed" "$LS" '[.objects[].type] | unique' '["anon-shm"]'
if o=$(obj "$anon2"); then
  expect_str "$anon2 type" "$o" .type anon-shm
  expect "$anon2 inode" "$o" .inode "$(fx two inode)"
  expect "$anon2 size" "$o" .size "$(fx two size)"
  expect "$anon2 detail.mapped_bytes" "$o" .detail.mapped_bytes "$(fx two size)"
  expect_holders "$anon2" "$o" "$(fx two pid):null:rw:map" "$(fx two pid2):null:r:map"
fi
if o=$(obj "$anon1"); then
  expect "$anon1 size" "$o" .size "$(fx one size)"
  expect_holders "$anon1" "$o" "$(fx one pid):null:rw:map"
fi

# --- mapped-file: the path, the file's size (not the 4096 mapped), holders
ls_json -t mapped-file
expect "-t mapped-file: types listed" "$LS" '[.objects[].type] | unique' '["mapped-file"]'
if o=$(obj "$file2"); then
  expect_str "$file2 name" "$o" .name "$(fx f2 path)"
  expect "$file2 inode" "$o" .inode "$(fx f2 inode)"
  expect "$file2 size (the file's)" "$o" .size "$(fx f2 size)"
  expect "$file2 detail.mapped_bytes" "$o" .detail.mapped_bytes "$(fx f2 map)"
  expect "$file2 detail.deleted" "$o" .detail.deleted false
  expect_holders "$file2" "$o" "$(fx f2 pid):null:rw:map" "$(fx f2 pid2):null:rw:map"
fi
if o=$(obj "$file1"); then
  expect "$file1 size" "$o" .size "$(fx f1 size)"
  expect_holders "$file1" "$o" "$(fx f1 pid):null:rw:map"
fi
expect_true "-t mapped-file: nothing other kinds list" "$LS" \
  '[.objects[].name | select(startswith("/dev/") or startswith("/SYSV") or startswith("/memfd:"))] == []' \
  '[.objects[].name]'

# --- -Q and -o
ls_json -t anon-shm,mapped-file -Q 'nholders > 1'
for ref in "$anon2" "$file2"; do
  if has "$ref"; then ok "-Q 'nholders > 1' keeps $ref"; else fail "-Q 'nholders > 1' drops $ref"; fi
done
for ref in "$anon1" "$file1"; do
  if has "$ref"; then fail "-Q 'nholders > 1' keeps $ref"; else ok "-Q 'nholders > 1' drops $ref"; fi
done
run_ipcctl ls -t anon-shm -n -b -o REF,SIZE,NHOLDERS -Q "inode == $(fx two inode)"
((RC == 0)) || fail "ls -o: exit $RC: $ERR"
if [[ $(tr -s ' ' <<<"$OUT") == "$anon2 $(fx two size) 2" ]]; then ok "ls -o REF,SIZE,NHOLDERS"; else fail "ls -o: got '$OUT'"; fi
run_ipcctl ls -t mapped-file -n -b -o NAME,MAPPED_BYTES -Q "inode == $(fx f2 inode)"
if [[ $(tr -s ' ' <<<"$OUT") == "$(fx f2 path) $(fx f2 map)" ]]; then ok "ls -o NAME,MAPPED_BYTES"; else fail "ls -o mapped-file: got '$OUT' $ERR"; fi

# --- show REF: a single process's region too
for ref in "$anon2" "$anon1" "$file2" "$file1"; do
  run_ipcctl show --json "$ref"
  if ((RC == 0)) && [[ $(jq -r '.objects[0].ref' <<<"$OUT" 2>/dev/null) == "$ref" ]]; then
    ok "show $ref"
  else
    fail "show $ref: exit $RC, $ERR ${OUT:0:200}"
  fi
done

# --- without root: the fixtures' maps (root's) cannot be read, and ls says so
if ((EUID == 0)) && command -v setpriv >/dev/null &&
  setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" --version >/dev/null 2>&1; then
  RC=0
  ERR=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IPCCTL" ls -t anon-shm 2>&1 >/dev/null) || RC=$?
  ((RC == 0)) || fail "ls -t anon-shm as nobody: exit $RC: $ERR"
  if [[ $ERR == *"anon-shm and mapped-file leave out the mappings of"*"whose maps were not readable"* ]]; then
    ok "ls -t anon-shm as nobody says what it could not see"
  else
    fail "ls -t anon-shm as nobody: no warning of unreadable maps: $ERR"
  fi
else
  echo "skipped: the unprivileged check (needs root, setpriv and a binary nobody can run)"
fi

# --- neither can be removed, and rm says why
run_ipcctl rm "$anon2"
((RC != 0)) && ok "rm $anon2 refused (exit $RC)" || fail "rm $anon2 succeeded"

finish
