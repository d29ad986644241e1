#!/bin/bash
# ipcctl limits: the JSON document and its names, the SysV use following a
# real segment, the table with its 80% mark on a hand-made tree, and bad
# usage exiting 2 with one line on stderr.
source "$(dirname "$0")/lib.sh"

HIGH=$TESTS_DIR/data/proc/limits/high
NAMES='["msgmni","msgmax","msgmnb","shmmax","shmall","shmmni","semmsl","semmns","semopm","semmni",
  "queues_max","msg_max","msgsize_max","RLIMIT_MSGQUEUE","/dev/shm","pipe-max-size",
  "pipe-user-pages-soft","pipe-user-pages-hard","file-max","nr_open","max_dgram_qlen","somaxconn"]'
KEYS='["name","group","sysctl","limit","unlimited","used","percent","unit","description"]'

# limits_json ARGS...: `ipcctl limits --json ARGS` into $DOC; exits 0 with a JSON object.
limits_json() {
  run_ipcctl limits --json "$@"
  if ((RC != 0)); then
    echo "FAIL: ipcctl limits --json $*: exit $RC; stderr: $ERR" >&2
    exit 1
  fi
  if ! jq -e 'type == "object"' <<<"$OUT" >/dev/null 2>&1; then
    echo "FAIL: ipcctl limits --json $*: not a JSON object: ${OUT:0:300}" >&2
    exit 1
  fi
  DOC=$OUT
}

shmmni_used() { jq '.limits[] | select(.name == "shmmni") | .used' <<<"$DOC"; }

# --- the document -------------------------------------------------------------
limits_json
expect "schema" "$DOC" .schema '"ipcctl/1"'
expect "warnings is an array of strings" "$DOC" '.warnings | map(type) | unique - ["string"]' '[]'
expect "every expected name is there" "$DOC" "$NAMES - [.limits[].name]" '[]'
expect "every limit has every key" "$DOC" "[.limits[] | select(($KEYS - keys) != []) | .name]" '[]'
expect "limit, used and percent are numbers or null" "$DOC" \
  '[.limits[] | select([.limit, .used, .percent] | map(type) | any(IN("number", "null") | not)) | .name]' '[]'
expect "shmmni is kernel.shmmni of sysv-shm" "$DOC" \
  '.limits[] | select(.name == "shmmni") | [.group, .sysctl, .unit]' '["sysv-shm","kernel.shmmni","segments"]'
expect_true "shmmni's limit is the sysctl's value" "$DOC" \
  ".limits[] | select(.name == \"shmmni\") | .limit == $(cat /proc/sys/kernel/shmmni)"

# --- SysV use follows a real segment -------------------------------------------
if ! command -v ipcmk >/dev/null || [[ ! -r /proc/sysvipc/shm ]]; then
  echo "note: no ipcmk or /proc/sysvipc: segment check left out"
else
  # Other processes may create or remove segments meanwhile: try a few times.
  passed=0
  for attempt in 1 2 3; do
    limits_json
    before=$(shmmni_used)
    id=$(ipcmk -M 4096 | grep -o '[0-9]*$')
    CLEANUP+=("ipcrm -m $id 2>/dev/null")
    limits_json
    after=$(shmmni_used)
    ipcrm -m "$id"
    if [[ $after == $((before + 1)) ]]; then
      passed=1
      break
    fi
    echo "attempt $attempt: shmmni used $before before ipcmk -M, $after after"
  done
  if ((passed)); then ok "shmmni used grows by one with a new segment"; else fail "shmmni used did not grow by one"; fi
fi

# --- the table, on the hand-made tree -----------------------------------------
# check WHAT COMMAND...: ok when COMMAND succeeds, a failure otherwise.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# shellcheck disable=SC2317  # called through check
matches() { [[ $1 =~ $2 ]]; }
# shellcheck disable=SC2317  # called through check
contains() { [[ $1 == *"$2"* ]]; }

run_ipcctl limits --proc-root "$HIGH"
check "table on the hand-made tree: exit 0" test "$RC" = 0
check "table headings: '$(head -n1 <<<"$OUT")'" \
  matches "$(head -n1 <<<"$OUT")" '^GROUP +NAME +LIMIT +USED +USE% +DESCRIPTION$'
check "shmmni at 100% is marked: '$(grep shmmni <<<"$OUT")'" grep -Eq '^sysv-shm +shmmni +4 +4 +100%! ' <<<"$OUT"
check "msgmni at 50% is not marked: '$(grep msgmni <<<"$OUT")'" grep -Eq '^sysv-msg +msgmni +4 +2 +50% ' <<<"$OUT"
check "no colour in a pipe" matches "$OUT" '^[^'$'\033'']*$'
check "the malformed msgmax is a warning" contains "$ERR" "ipcctl: warning: /proc/sys/kernel/msgmax: expected 1 number"
run_ipcctl limits --proc-root "$HIGH" --color=always
check "--color=always colours the high rows" contains "$OUT" $'\033[1;31msysv-shm'
run_ipcctl limits --proc-root "$HIGH" --raw --noheadings
rows=$(grep -c '' <<<"$OUT")
check "--raw --noheadings: one line per limit ($rows)" test "$rows" = 22
limits_json --proc-root "$HIGH"
expect "JSON percent on the hand-made tree" "$DOC" \
  '[.limits[] | select(.name == "shmmni" or .name == "file-max" or .name == "msgmax") | .percent]' '[null,100,90]'
expect "JSON warnings on the hand-made tree" "$DOC" \
  '[.warnings[] | select(test("msgmax|pipe-user-pages-hard|somaxconn"))] | length' '3'

# --- bad usage ------------------------------------------------------------------
usage_error() {
  run_ipcctl "$@"
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '' || true)
  if ((RC == 2)) && [[ -z $OUT ]] && ((lines == 1)) && [[ $ERR =~ ^ipcctl:\  ]]; then
    ok "ipcctl $*: exit 2, '$ERR'"
  else
    fail "ipcctl $*: expected exit 2 and one line on stderr, got exit $RC, stdout '${OUT:0:100}', stderr '$ERR'"
  fi
}
usage_error limits extra
usage_error limits --bogus
usage_error limits --color=sometimes
usage_error limits --json --raw

finish
