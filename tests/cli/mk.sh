#!/bin/bash
# ipcctl mk: every type is created with the asked mode, size and values and
# then listed by ls; creating what exists is refused (exit 1) and leaves it
# as it was; bad input exits 2 with one line and creates nothing.
source "$(dirname "$0")/lib.sh"

[[ -d /dev/shm ]] || skip "no /dev/shm"
[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel"

# ls finds queues under /dev/mqueue: mount it if it is not (mk itself needs no mount).
ensure_mqueue

tag=ipcctl-mk-$$
key=$(printf '0x%08x' $((0x6d6b0000 + ($$ & 0xffff))))

# mk_ok WHAT ARGS...: ipcctl mk must exit 0 and print one ref; leaves $REF.
mk_ok() {
  local what=$1
  shift
  run_ipcctl mk "$@"
  REF=$OUT
  if ((RC != 0)); then
    fail "$what: mk $*: exit $RC, stderr: $ERR"
    return 1
  fi
  if [[ $(wc -l <<<"$OUT") != 1 || $OUT != *:* ]]; then
    fail "$what: mk $*: expected one ref, got: $OUT"
    return 1
  fi
  ok "$what: created $REF"
}

# --- sysv-shm, with a given key
if mk_ok sysv-shm sysv-shm "$key" --size 8K --mode 0640; then
  CLEANUP+=("ipcrm -m ${REF#sysv-shm:}")
  ls_json -t sysv-shm
  if o=$(obj "$REF"); then
    expect_str "sysv-shm key" "$o" .key "$key"
    expect_str "sysv-shm mode" "$o" .mode 0640
    expect "sysv-shm size" "$o" .size 8192
  fi
  run_ipcctl mk sysv-shm "$key" --size 4K
  expect "sysv-shm: creating an existing key exits 1" "{\"rc\":$RC}" .rc 1
  [[ $ERR == *"already exists"* ]] && ok "sysv-shm: says it exists" || fail "sysv-shm: message: $ERR"
  ls_json -t sysv-shm
  if o=$(obj "$REF"); then expect "sysv-shm: the existing segment is untouched" "$o" '[.size, .mode]' '[8192, "0640"]'; fi
  ipcrm -m "${REF#sysv-shm:}"
fi

# --- sysv-sem, key from a path; JSON output
touch "$WORK/keyfile"
run_ipcctl mk sysv-sem --key-from "$WORK/keyfile" --proj 9 --nsems 3 --value 4 --json
if ((RC == 0)); then
  REF=$(jq -r .ref <<<"$OUT")
  CLEANUP+=("ipcrm -s ${REF#sysv-sem:}")
  want_key=$(printf '0x%08x' $(((9 << 24) | ($(stat -c %d "$WORK/keyfile") & 0xff) << 16 | ($(stat -c %i "$WORK/keyfile") & 0xffff))))
  expect "sysv-sem --json: values" "$OUT" .detail.values '[4,4,4]'
  expect_str "sysv-sem --json: key like ftok" "$OUT" .key "$want_key"
  ls_json -t sysv-sem
  if o=$(obj "$REF"); then
    expect_str "sysv-sem key" "$o" .key "$want_key"
    expect "sysv-sem nsems and values" "$o" '[.detail.nsems, .detail.values]' '[3, [4,4,4]]'
    expect_str "sysv-sem mode" "$o" .mode 0600
  fi
  ipcrm -s "${REF#sysv-sem:}"
else
  fail "mk sysv-sem --key-from: exit $RC: $ERR"
fi

# --- sysv-msg, private
if mk_ok sysv-msg sysv-msg private --mode 600; then
  CLEANUP+=("ipcrm -q ${REF#sysv-msg:}")
  ls_json -t sysv-msg
  if o=$(obj "$REF"); then
    expect_str "sysv-msg key" "$o" .key 0x00000000
    expect_str "sysv-msg mode" "$o" .mode 0600
  fi
  ipcrm -q "${REF#sysv-msg:}"
fi

# --- posix-mq (created without the mount too; listed only with it)
CLEANUP+=("rm -f /dev/mqueue/$tag")
if mk_ok posix-mq posix-mq "$tag" --maxmsg 5 --msgsize 256 --mode 0660; then
  expect_str "posix-mq ref is normalised" "{}" "\"$REF\"" "posix-mq:/$tag"
  if [[ $have_mq == yes ]]; then
    ls_json -t posix-mq
    if o=$(obj "posix-mq:/$tag"); then
      expect "posix-mq attributes" "$o" '[.detail.maxmsg, .detail.msgsize, .detail.messages]' '[5, 256, 0]'
      expect_str "posix-mq mode" "$o" .mode 0660
    fi
    run_ipcctl mk posix-mq "/$tag"
    expect "posix-mq: creating an existing queue exits 1" "{\"rc\":$RC}" .rc 1
    rm -f "/dev/mqueue/$tag"
  fi
fi

# --- posix-shm
CLEANUP+=("rm -f /dev/shm/$tag")
if mk_ok posix-shm posix-shm "/$tag" --size 1M; then
  ls_json -t posix-shm
  if o=$(obj "posix-shm:/$tag"); then expect "posix-shm size and mode" "$o" '[.size, .mode]' '[1048576, "0600"]'; fi
  run_ipcctl mk posix-shm "/$tag" --size 4K
  expect "posix-shm: creating an existing object exits 1" "{\"rc\":$RC}" .rc 1
  expect "posix-shm: the existing object keeps its size" "{\"s\":$(stat -c %s "/dev/shm/$tag")}" .s 1048576
  rm -f "/dev/shm/$tag"
fi

# --- posix-sem
CLEANUP+=("rm -f /dev/shm/sem.$tag")
if mk_ok posix-sem posix-sem "$tag" --value 7 --mode 0644; then
  ls_json -t posix-sem
  if o=$(obj "posix-sem:/$tag"); then
    expect "posix-sem value" "$o" .detail.value 7
    expect_str "posix-sem mode" "$o" .mode 0644
  fi
  rm -f "/dev/shm/sem.$tag"
fi

# --- fifo
if mk_ok fifo fifo "$WORK/ctl" --mode 0620; then
  expect_str "fifo ref is the absolute path" "{}" "\"$REF\"" "fifo:$WORK/ctl"
  ls_json -t fifo --scan "$WORK"
  if o=$(obj "fifo:$WORK/ctl"); then expect_str "fifo mode" "$o" .mode 0620; fi
  run_ipcctl mk fifo "$WORK/ctl"
  expect "fifo: creating an existing path exits 1" "{\"rc\":$RC}" .rc 1
  expect_str "fifo: the existing FIFO keeps its mode" "{}" "\"$(stat -c %a "$WORK/ctl")\"" 620
  rm -f "$WORK/ctl"
fi
touch "$WORK/plain"
run_ipcctl mk fifo "$WORK/plain"
expect "fifo over a regular file exits 1" "{\"rc\":$RC}" .rc 1
[[ -f $WORK/plain && ! -p $WORK/plain ]] && ok "the regular file is untouched" || fail "the regular file changed"

# --- bad input: exit 2, one line, nothing created
before=$(cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | wc -l; ls /dev/shm /dev/mqueue 2>/dev/null | wc -l)
long=$(printf 'x%.0s' {1..256})
bad=(
  "sysv-shm --size 1Q" "sysv-shm --size -5" "sysv-shm --size 99999999999999999999" "sysv-shm"
  "sysv-msg --mode 9999" "sysv-msg --mode abc" "sysv-msg --mode 17777" "sysv-shm --size 4K --mode 4600"
  "sysv-msg 0x100000000" "sysv-msg -- -1" "sysv-msg nokey" "sysv-msg --key-from /nonexistent/x"
  "sysv-sem --nsems 0" "sysv-sem --value 40000" "sysv-msg --size 4K"
  "posix-shm /a/b" "posix-shm ../x" "posix-shm ''" "posix-mq" "posix-shm $long" "posix-mq /$tag --maxmsg 0"
  "fifo /nonexistent/dir/$tag" "fifo $WORK/" "bogus-type x" "pipe x"
)
for args in "${bad[@]}"; do
  eval "run_ipcctl mk $args"
  what="mk ${args:0:60}"
  if ((RC != 2)); then
    fail "$what: exit $RC, expected 2 (stderr: $ERR)"
  elif [[ $(wc -l <<<"$ERR") != 1 || $ERR != "ipcctl: "* ]]; then
    fail "$what: expected a one-line error, got: $ERR"
  elif [[ -n $OUT ]]; then
    fail "$what: printed on stdout: $OUT"
  else
    ok "$what: exit 2: $ERR"
  fi
done
after=$(cat /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem | wc -l; ls /dev/shm /dev/mqueue 2>/dev/null | wc -l)
[[ $before == "$after" ]] && ok "bad input created nothing" || fail "bad input changed the objects: $before -> $after"

finish
