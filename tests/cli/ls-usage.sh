#!/bin/bash
# ipcctl ls as a command line: bad usage exits 2 with one line on stderr;
# --help and --version; and the selection and output options (-Q, -o, --raw,
# --noheadings, --sort, -t, -p, --jsonl, --summary) on real fixture objects.
# Other processes may create objects while this runs, so every check selects
# the fixture's own objects rather than counting the machine's.
source "$(dirname "$0")/lib.sh"

# usage_error WHAT PATTERN ARGS...: exit 2, nothing on stdout, one line on
# stderr that starts "ipcctl: " and matches PATTERN (an extended regex).
usage_error() {
  local what=$1 pattern=$2
  shift 2
  run_ipcctl "$@"
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '' || true)
  if ((RC != 2)); then
    fail "$what (ipcctl $*): exit status: expected 2, got $RC; stderr: $ERR"
  elif [[ -n $OUT ]]; then
    fail "$what (ipcctl $*): stdout: expected nothing, got: ${OUT:0:200}"
  elif ((lines != 1)); then
    fail "$what (ipcctl $*): stderr: expected one line, got $lines: $ERR"
  elif [[ ! $ERR =~ ^ipcctl:\  ]]; then
    fail "$what (ipcctl $*): stderr: expected 'ipcctl: ...', got: $ERR"
  elif [[ ! $ERR =~ $pattern ]]; then
    fail "$what (ipcctl $*): stderr: expected to match /$pattern/, got: $ERR"
  else
    ok "$what: exit 2, '$ERR'"
  fi
}

# expect_out WHAT WANT ARGS...: ipcctl exits 0 and prints exactly WANT.
expect_out() {
  local what=$1 want=$2
  shift 2
  run_ipcctl "$@"
  if ((RC != 0)); then
    fail "$what (ipcctl $*): exit $RC, expected 0; stderr: $ERR"
  elif [[ $OUT != "$want" ]]; then
    fail "$what (ipcctl $*): expected output:
$want
got:
$OUT"
  else
    ok "$what"
  fi
}

# --- bad usage
usage_error "unknown option" 'bogus' ls --bogus
usage_error "unknown -t type" "'?frob'?" ls -t sysv-shm,frob
usage_error "-Q: incomplete expression" 'position [0-9]+' ls -Q 'nattch =='
usage_error "-Q: unknown column" "nosuchcol.*position [0-9]+|position [0-9]+.*nosuchcol" ls -Q 'nosuchcol == 1'
usage_error "-Q: unbalanced parenthesis" 'position [0-9]+' ls -Q '(nattch == 0'
usage_error "-o: unknown column" 'NOPE' ls -o REF,NOPE
usage_error "--sort: unknown column" 'NOPE' ls --sort NOPE
usage_error "-p: not a pid" 'abc' ls -p abc
usage_error "--json with --jsonl" 'json' ls --json --jsonl
usage_error "no command" '.' 

# --- a near miss names the word meant
usage_error "-o: did you mean" "unknown column 'NAMEE'; did you mean 'NAME'\?" ls -o NAMEE
usage_error "--sort: did you mean" "did you mean 'SIZE'\?" ls --sort SIZEE
usage_error "-t: did you mean" "unknown type 'pipee'; did you mean 'pipe'\?" ls -t pipee
usage_error "unknown command: did you mean" "unknown command 'lss'; did you mean 'ls'\?" lss
usage_error "help COMMAND: did you mean" "unknown command 'lss'; did you mean 'ls'\?" help lss
usage_error "far from every column: no guess" "^ipcctl: -o: unknown column 'QQQQQQ' \(see" ls -o QQQQQQ
usage_error "repeated -Q: the error names which one" '-Q \(#2\): .*position [0-9]+' ls -Q 'nattch == 0' -Q 'nattch =='

# --- help and version
run_ipcctl help
if ((RC == 0)) && [[ $OUT == *Subcommands:* ]] && grep -qE '^  ls[ ,]' <<<"$OUT" && grep -qE '^  audit ' <<<"$OUT" &&
  [[ $OUT != *"ipcctl help [OPTIONS]"* ]]; then
  ok "help: exit 0, the command list"
else
  fail "help: exit $RC, expected the command list, got: ${OUT:0:300} $ERR"
fi
run_ipcctl ls --help
if ((RC == 0)) && [[ $OUT != *Excludes:* ]] &&
  grep -qE '^  -A,--all-namespaces +every .*\(excludes --namespace\)$' <<<"$OUT" &&
  grep -qE '^  -N,--namespace NS +only .*\(excludes --all-namespaces\)$' <<<"$OUT"; then
  ok "ls --help: an exclusion ends its option's description"
else
  fail "ls --help: exit $RC, expected '(excludes --namespace)' at the end of -A's line, got: $(grep -A1 -E -- '-A,|-N,' <<<"$OUT") $ERR"
fi
run_ipcctl --help
if ((RC == 0)) && [[ $OUT == *ls* ]]; then ok "--help: exit 0, names ls"; else fail "--help: exit $RC, output: ${OUT:0:200} $ERR"; fi
run_ipcctl ls --help
if ((RC == 0)) && [[ $OUT == *--json* && $OUT == *--filter* ]]; then ok "ls --help: exit 0, lists options"; else fail "ls --help: exit $RC, output: ${OUT:0:200} $ERR"; fi
run_ipcctl --version
if ((RC == 0)) && [[ $OUT =~ ^ipcctl\ [0-9]+\.[0-9]+ ]]; then ok "--version: $OUT"; else fail "--version: exit $RC, expected 'ipcctl X.Y...', got: $OUT $ERR"; fi

[[ -r /proc/sysvipc/shm ]] || skip "no SysV IPC in this kernel: the option checks use SysV segments"

fixture small sysv-shm size=4096
fixture big sysv-shm size=16384
fixture msg sysv-msg messages=2 size=8
fixture pipe pipe bytes=10
id1=$(fx small id) id2=$(fx big id)
both="ID == $id1 or ID == $id2"

# --- -o, --raw, --noheadings, -Q
expect_out "-o REF,SIZE --raw --noheadings -Q 'ID == N'" "sysv-shm:$id1 4096" \
  ls -t sysv-shm --raw --noheadings -o REF,SIZE -Q "ID == $id1"
expect_out "--raw with headings" "REF SIZE NATTCH
sysv-shm:$id2 16384 2" ls -t sysv-shm --raw -o REF,SIZE,NATTCH -Q "ID == $id2"
expect_out "-o is case-insensitive, -Q compares text with =~" "sysv-shm:$id2 sysv-shm" \
  ls -t sysv-shm --raw --noheadings -o ref,type -Q "ref =~ \"^sysv-shm:$id2\$\""
expect_out "-Q: size suffix, and/or/parentheses" "$id2" \
  ls -t sysv-shm --raw --noheadings -o ID -Q "size >= 16K and ($both)"
expect_out "-Q: not, !=" "$id1" \
  ls -t sysv-shm --raw --noheadings -o ID -Q "($both) and not (SIZE != 4096)"
expect_out "-Q: no match prints nothing" "" \
  ls -t sysv-shm --raw --noheadings -o ID -Q "($both) and nattch == 0"

# --- repeated -Q: all must match; repeated -t: one list
pref="pipe:$(fx pipe inode)"
expect_out "-Q A -Q B -Q C: A and B and C" "$pref" ls -t pipe,sysv-shm --raw --noheadings -o REF \
  -Q "ref == \"$pref\" or ID == $id1" -Q 'type == "pipe"' -Q 'nholders > 0'
expect_out "-Q A -Q B: as -Q '(A) and (B)'" "$id2" \
  ls -t sysv-shm --raw --noheadings -o ID -Q "$both" -Q "size >= 16K"
expect_out "-t A -t B: as -t A,B" "$pref
sysv-shm:$id1" ls -t sysv-shm -t pipe --raw --noheadings -o REF --sort REF -Q "ref == \"$pref\" or ID == $id1"

# --- --sort
expect_out "--sort SIZE" "$id1 4096
$id2 16384" ls -t sysv-shm --raw --noheadings -o ID,SIZE -Q "$both" --sort SIZE
expect_out "--sort -SIZE" "$id2 16384
$id1 4096" ls -t sysv-shm --raw --noheadings -o ID,SIZE -Q "$both" --sort -SIZE

# --- -Q with --json
ls_json -t sysv-shm -Q "$both"
LS_BOTH=$LS
expect "--json -Q: exactly the two segments" "$LS" '[.objects[].ref] | sort' \
  "[\"sysv-shm:$id1\", \"sysv-shm:$id2\"] | sort"

# --- -t sysv: the three SysV types, and nothing else
ls_json -t sysv
expect "-t sysv: only SysV types" "$LS" '[.objects[].type] | unique - ["sysv-msg", "sysv-shm", "sysv-sem"]' '[]'
for ref in "sysv-shm:$id1" "sysv-msg:$(fx msg id)"; do obj "$ref" >/dev/null && ok "-t sysv lists $ref"; done

# --- -p: only what these processes hold
wpid=$(fx pipe wpid)
ls_json -p "$wpid"
obj "pipe:$(fx pipe inode)" >/dev/null && ok "-p $wpid lists the pipe it writes to"
expect "-p $wpid: objects without a holder $wpid (first 3)" "$LS" \
  "[.objects[] | select(.ref != \"signal:$wpid\" and ([.holders[].pid] | index($wpid) == null)) | .ref] | .[:3]" '[]'
expect "-p $wpid: the segments it does not hold are not listed" "$LS" \
  "[.objects[] | select(.ref == \"sysv-shm:$id1\" or .ref == \"sysv-shm:$id2\")] | length" 0
ls_json -p "$(fx small pid2),$wpid"
for ref in "sysv-shm:$id1" "pipe:$(fx pipe inode)"; do obj "$ref" >/dev/null && ok "-p PID,PID lists $ref"; done

# --- --jsonl: one object per line
run_ipcctl ls --jsonl -t sysv-shm -Q "$both"
if ((RC != 0)); then
  fail "ls --jsonl: exit $RC; stderr: $ERR"
else
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    if ! jq -e 'type == "object" and has("ref") and has("holders") and has("detail")' <<<"$line" >/dev/null 2>&1; then
      fail "--jsonl line $n is not one JSON object: ${line:0:200}"
    fi
  done <<<"$OUT"
  expect "--jsonl: the two segments, one per line" "$(jq -sc '[.[].ref] | sort' <<<"$OUT")" . \
    "[\"sysv-shm:$id1\", \"sysv-shm:$id2\"] | sort"
  if ((n == 2)); then ok "--jsonl: 2 lines"; else fail "--jsonl: expected 2 lines, got $n"; fi
  expect "--jsonl objects equal the --json objects" "$(jq -sc 'sort_by(.ref) | map(del(.detail.atime, .detail.dtime))' <<<"$OUT")" . \
    "$(jq -c '.objects | sort_by(.ref) | map(del(.detail.atime, .detail.dtime))' <<<"$LS_BOTH")"
fi
run_ipcctl ls --jsonl -t sysv
if ((RC == 0)) && jq -e -s 'length > 0 and all(type == "object")' <<<"$OUT" >/dev/null &&
  (($(grep -c '' <<<"$OUT") == $(jq -s length <<<"$OUT"))); then
  ok "--jsonl -t sysv: every line one JSON object"
else
  fail "--jsonl -t sysv: exit $RC, expected one JSON object per line; got: ${OUT:0:300} $ERR"
fi

# --- --summary: counts per type
run_ipcctl ls --summary -t sysv-shm,pipe -Q "$both or ref == \"pipe:$(fx pipe inode)\""
if ((RC != 0)); then
  fail "ls --summary: exit $RC; stderr: $ERR"
else
  shm_count=$(awk '$1 == "sysv-shm" { print $2 }' <<<"$OUT")
  pipe_count=$(awk '$1 == "pipe" { print $2 }' <<<"$OUT")
  if [[ $shm_count == 2 && $pipe_count == 1 ]]; then
    ok "--summary: sysv-shm 2, pipe 1"
  else
    fail "--summary: expected rows 'sysv-shm 2' and 'pipe 1', got:
$OUT"
  fi
fi
run_ipcctl ls --summary -t sysv
if ((RC == 0)) && grep -qE '^sysv-shm +[0-9]+' <<<"$OUT" && grep -qE '^sysv-msg +[0-9]+' <<<"$OUT"; then
  ok "--summary -t sysv: a row per type"
else
  fail "--summary -t sysv: exit $RC, expected rows for sysv-shm and sysv-msg, got: $OUT $ERR"
fi

# IPCCTL_THREADS: the same listing on one thread and on several; a value
# out of range is the default.
TREE="$TESTS_DIR/data/proc/tree"
declare -A listed
for t in 1 3 64 0 x; do
  IPCCTL_THREADS=$t run_ipcctl ls --json --proc-root "$TREE"
  ((RC == 0)) || fail "IPCCTL_THREADS=$t ls --json: exit $RC: $ERR"
  listed[$t]=$OUT
done
if [[ ${listed[1]} == "${listed[3]}" && ${listed[1]} == "${listed[64]}" && ${listed[1]} == "${listed[0]}" &&
      ${listed[1]} == "${listed[x]}" ]] && jq -e '.objects | length > 5' <<<"${listed[1]}" >/dev/null; then
  ok "IPCCTL_THREADS: one thread, three, 64 and ignored values list the same objects"
else
  fail "IPCCTL_THREADS: the listing depends on the number of threads"
fi

finish
