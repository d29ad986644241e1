# Shared by the cli tests of `ipcctl ls`: start ipc_fixture processes, run
# ipcctl, and check its JSON with jq. Sourced by tests/cli/*.sh, which run
# with IPCCTL, IPC_FIXTURE and TESTS_DIR set (see tests/meson.build).
#
# A test calls fixture NAME KIND [key=value...], reads facts with
# fx NAME KEY, runs ls_json [ipcctl ls args...] (the document lands in $LS),
# picks objects with obj REF, checks with expect*/expect_holders, and ends
# with finish. Every fixture is stopped, and everything created removed, on
# exit, whatever happens. Exit status: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2016  # '$x' in single quotes is jq's, not the shell's
set -euo pipefail

: "${IPCCTL:?IPCCTL must name the ipcctl binary}"
: "${IPC_FIXTURE:?IPC_FIXTURE must name the ipc_fixture binary}"

if ! command -v jq >/dev/null; then
  echo "FAIL: jq is required (apt-get install -y jq)" >&2
  exit 1
fi

WORK=$(mktemp -d /tmp/ipcctl-cli.XXXXXX)
FAILS=0
LS=""
declare -A FIX_PID=() FIX_FD=()
declare -a CLEANUP=()  # extra commands, run last to first on exit

on_exit() {
  local rc=$? name i
  set +e
  for name in "${!FIX_PID[@]}"; do fixture_stop "$name"; done
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

skip() {
  echo "SKIP: $*"
  exit 77
}

# Failures are also counted in a file: checks run in $(...) subshells too.
fail() {
  echo "FAIL: $*" >&2
  FAILS=$((FAILS + 1))
  echo "$*" >>"$WORK/failures"
}

ok() { echo "ok: $*"; }

# Ends the test: 0 when every check passed.
finish() {
  [[ -f $WORK/failures ]] && FAILS=$(wc -l <"$WORK/failures")
  if ((FAILS > 0)); then
    echo "$FAILS check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# --- fixtures -----------------------------------------------------------------

# fixture NAME KIND [key=value...]: starts ipc_fixture, waits for its facts
# line and stores it in the associative array FX_NAME. Fails the test at once
# if the fixture cannot start (its stderr is shown).
fixture() {
  local name=$1
  shift
  local in=$WORK/$name.in out=$WORK/$name.out err=$WORK/$name.err fd i
  mkfifo "$in"
  "$IPC_FIXTURE" "$@" <"$in" >"$out" 2>"$err" &
  FIX_PID[$name]=$!
  exec {fd}>"$in"
  FIX_FD[$name]=$fd
  for ((i = 0; i < 200; i++)); do
    if [[ -s $out && $(tail -c1 "$out" | od -An -c) == *'\n'* ]]; then break; fi
    if ! kill -0 "${FIX_PID[$name]}" 2>/dev/null; then break; fi
    sleep 0.05
  done
  if [[ ! -s $out ]]; then
    echo "FAIL: ipc_fixture $* did not start: $(cat "$err")" >&2
    exit 1
  fi
  declare -gA "FX_$name=()"
  local -n facts="FX_$name"
  local pair
  # shellcheck disable=SC2034  # facts is a nameref: this fills FX_NAME
  for pair in $(head -n1 "$out"); do facts[${pair%%=*}]=${pair#*=}; done
  echo "fixture $name: $*: $(head -n1 "$out")"
}

# fx NAME KEY: one fact of a running fixture.
fx() {
  local -n fx_facts="FX_$1"
  if [[ -z ${fx_facts[$2]+set} ]]; then
    echo "FAIL: fixture $1 reported no '$2'" >&2
    exit 1
  fi
  printf '%s' "${fx_facts[$2]}"
}

# fixture_stop NAME: tells the fixture to clean up and waits for it.
fixture_stop() {
  local name=$1 pid=${FIX_PID[$1]:-} i
  [[ -n $pid ]] || return 0
  local fd=${FIX_FD[$name]}
  { echo quit >&"$fd"; } 2>/dev/null || true
  exec {fd}>&-
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -TERM "$pid" 2>/dev/null && sleep 0.2 && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || echo "warning: fixture $name exited with $?" >&2
  unset "FIX_PID[$name]" "FIX_FD[$name]"
}

# --- running ipcctl -----------------------------------------------------------

# run_ipcctl ARGS...: runs ipcctl, leaving $OUT, $ERR and $RC.
run_ipcctl() {
  RC=0
  "$IPCCTL" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || RC=$?
  OUT=$(cat "$WORK/stdout")
  ERR=$(cat "$WORK/stderr")
}

# ls_json ARGS...: runs `ipcctl ls --json ARGS` into $LS; it must exit 0 with
# a document that keeps the JSON contract (check_contract). Exits the test
# when there is no document to check.
ls_json() {
  run_ipcctl ls --json "$@"
  if ((RC != 0)); then
    echo "FAIL: ipcctl ls --json $*: exit $RC, expected 0; stderr: $ERR" >&2
    exit 1
  fi
  if ! jq -e 'type == "object"' <<<"$OUT" >/dev/null 2>&1; then
    echo "FAIL: ipcctl ls --json $*: not a JSON object: ${OUT:0:300}" >&2
    exit 1
  fi
  LS=$OUT
  check_contract "ls --json${*:+ $*}" "$LS"
}

# The keys every object and holder carries (null when they do not apply).
OBJECT_KEYS='["ref","type","id","key","name","inode","owner","mode","size","holders","peer","namespace","container","detail"]'
HOLDER_KEYS='["pid","comm","fd","access","via"]'

# check_contract WHAT DOC: the document-level rules of DESIGN.md's JSON. One
# jq pass over the document (it can be megabytes) gathers the findings; each
# is then checked on its own, naming at most three offending objects.
check_contract() {
  local what=$1 found
  found=$(jq -c "
    { schema: .schema,
      objects: (.objects | type),
      warnings: (.warnings | if type == \"array\" then map(type) | unique - [\"string\"] else type end),
      missing_keys: [.objects[] | select(($OBJECT_KEYS - keys) != []) | {ref, missing: ($OBJECT_KEYS - keys)}][:3],
      holder_missing_keys: [.objects[] | .ref as \$r | .holders[]? | select(($HOLDER_KEYS - keys) != [])
        | {ref: \$r, missing: ($HOLDER_KEYS - keys)}][:3],
      bad_refs: [.objects[] | . as \$o | select((\$o.ref | type) != \"string\" or (\$o.ref | startswith(\$o.type + \":\") | not)) | \$o.ref][:3],
      bad_containers: [.objects[] | select((.holders | type) != \"array\" or (.detail | type) != \"object\") | .ref][:3],
      bad_via_access: [.objects[] | .ref as \$r | .holders[]? | select((.via | IN(\"fd\", \"map\", \"attach\") | not)
        or (.access | IN(\"r\", \"w\", \"rw\", null) | not)) | {ref: \$r, via, access}][:3],
      bad_pid_fd: [.objects[] | .ref as \$r | .holders[]? | select((.pid | type) != \"number\"
        or ((.fd | type) | IN(\"number\", \"null\") | not)) | {ref: \$r, pid, fd}][:3] }" <<<"$2" 2>&1) || {
    fail "$what: the contract checks could not run: $found"
    return 0
  }
  expect "$what: schema" "$found" .schema '"ipcctl/1"'
  expect "$what: objects is an array" "$found" .objects '"array"'
  expect "$what: warnings is an array of strings" "$found" .warnings '[]'
  expect "$what: objects with a missing key" "$found" .missing_keys '[]'
  expect "$what: holders with a missing key" "$found" .holder_missing_keys '[]'
  expect "$what: refs not of the form TYPE:..." "$found" .bad_refs '[]'
  expect "$what: holders not an array or detail not an object" "$found" .bad_containers '[]'
  expect "$what: holder via not fd/map/attach, or access not r/w/rw/null" "$found" .bad_via_access '[]'
  expect "$what: holders with a non-numeric pid or fd" "$found" .bad_pid_fd '[]'
}

# obj REF: prints the one object of $LS with that ref. When there is not
# exactly one, records a failure (listing the refs of that type) and returns 1.
obj() {
  local ref=$1 n
  n=$(jq --arg r "$ref" '[.objects[] | select(.ref == $r)] | length' <<<"$LS")
  if [[ $n != 1 ]]; then
    local type=${ref%%:*} refs
    refs=$(jq -r --arg t "$type" '[.objects[] | select(.type == $t) | .ref] | .[:20] | join(" ")' <<<"$LS")
    fail "expected one object $ref, found $n; listed $type objects: ${refs:-none}"
    return 1
  fi
  jq -c --arg r "$ref" '.objects[] | select(.ref == $r)' <<<"$LS"
}

# obj_where JQ-CONDITION: like obj, for the one object matching a condition.
obj_where() {
  local cond=$1 n
  n=$(jq "[.objects[] | select($cond)] | length" <<<"$LS")
  if [[ $n != 1 ]]; then
    fail "expected one object where $cond, found $n"
    return 1
  fi
  jq -c ".objects[] | select($cond)" <<<"$LS"
}

# --- checks -------------------------------------------------------------------

# expect WHAT JSON FILTER WANT: jq FILTER on JSON must give WANT (JSON text).
expect() {
  local what=$1 json=$2 filter=$3 want got
  want=$(jq -cn "$4") || {
    fail "$what: bad expected value $4"
    return 0
  }
  if ! got=$(jq -c "$filter" <<<"$json" 2>&1); then
    fail "$what: jq '$filter' failed: $got"
  elif [[ $got == "$want" ]]; then
    ok "$what"
  else
    fail "$what: expected $want, got $got"
  fi
}

# expect_str WHAT JSON FILTER STRING: the filter gives that string.
expect_str() {
  expect "$1" "$2" "$3" "$(jq -cn --arg s "$4" '$s')"
}

# expect_true WHAT JSON CONDITION [SHOW]: CONDITION is true; on failure SHOW
# (default: the object) tells what was there instead.
expect_true() {
  local what=$1 json=$2 cond=$3 show=${4:-.} got
  if ! got=$(jq -c "$cond" <<<"$json" 2>&1); then
    fail "$what: jq '$cond' failed: $got"
  elif [[ $got == true ]]; then
    ok "$what"
  else
    fail "$what: expected $cond, got $(jq -c "$show" <<<"$json")"
  fi
}

# expect_holders WHAT OBJ PID:FD:ACCESS:VIA...: the object's holders are
# exactly these (fd "null" for a mapping), in any order.
expect_holders() {
  local what=$1 json=$2
  shift 2
  local want got
  want=$(printf '%s\n' "$@" | jq -R . | jq -sc 'sort')
  got=$(jq -c '[.holders[] | "\(.pid):\(.fd):\(.access):\(.via)"] | sort' <<<"$json")
  if [[ $got == "$want" ]]; then
    ok "$what: holders"
  else
    fail "$what: holders (pid:fd:access:via): expected $want, got $got"
  fi
}

# expect_time WHAT OBJ FILTER: an RFC 3339 UTC time within 10 minutes of now.
expect_time() {
  expect_true "$1 is RFC 3339 and recent" "$2" \
    "($3 | type) == \"string\" and ($3 | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$\")) and (($3 | fromdateiso8601) - now | fabs) < 600" "$3"
}

# expect_time_or_null WHAT OBJ FILTER: RFC 3339 UTC, or null (never happened).
expect_time_or_null() {
  expect_true "$1 is RFC 3339 or null" "$2" \
    "($3 == null) or (($3 | type) == \"string\" and ($3 | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$\")))" "$3"
}

# ensure_mqueue: mounts the mqueue filesystem at /dev/mqueue if it is not,
# undoing that at exit; sets have_mq=yes or no.
ensure_mqueue() {
  have_mq=yes
  mountpoint -q /dev/mqueue 2>/dev/null && return 0
  grep -qw mqueue /proc/filesystems || { have_mq=no; return 0; }
  [[ -d /dev/mqueue ]] || { mkdir /dev/mqueue && CLEANUP+=("rmdir /dev/mqueue"); }
  if mount -t mqueue none /dev/mqueue 2>/dev/null; then
    CLEANUP+=("umount /dev/mqueue")
  else
    have_mq=no
  fi
}
