# Shared by ipctrace's cli tests: run ipctrace on trace_workload, then check
# its JSON Lines with jq. Run with IPCTRACE and TRACE_WORKLOAD set (see
# meson.build). Exit status: 0 pass, 1 fail, 77 skip.
# shellcheck disable=SC2016  # '$x' in single quotes is jq's
set -euo pipefail

: "${IPCTRACE:?IPCTRACE must name the ipctrace binary}"
: "${TRACE_WORKLOAD:?TRACE_WORKLOAD must name the trace_workload binary}"

command -v jq >/dev/null || { echo "FAIL: jq is required (apt-get install -y jq)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ipctrace-cli.XXXXXX)
chmod 0755 "$WORK"
FAILS=0
declare -a CLEANUP=()
on_exit() {
  local rc=$? i
  set +e
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}"; done
  rm -rf "$WORK"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM HUP

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
finish() {
  if ((FAILS > 0)); then echo "$FAILS check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}

# ptrace may be forbidden (a container without CAP_SYS_PTRACE, seccomp'd CI).
"$IPCTRACE" -e signal -- true >/dev/null 2>"$WORK/probe.err" ||
  skip "ipctrace cannot trace here: $(cat "$WORK/probe.err")"

# fact KEY: a fact the workload wrote to $FACTS.
fact() {
  local v
  v=$(sed -n "s|^$1=||p" "$FACTS" | head -n1)
  [[ -n $v ]] || { echo "FAIL: the workload reported no '$1'" >&2; exit 1; }
  printf '%s' "$v"
}

# q JQ-FILTER [--arg...]: runs a filter over all events (slurped) of $TRACE.
q() {
  local filter=$1
  shift
  jq -sc "$@" "$filter" "$TRACE"
}

# expect WHAT GOT WANT
expect() {
  if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: expected $3, got $2"; fi
}

# The keys every event carries (null where they do not apply).
EVENT_KEYS='["time","mono_ns","pid","tid","comm","syscall","mechanism","op","ref","fd","direction","bytes_requested","bytes","exact","result","errno","duration_ns","peers","detail","payload_hex"]'

check_schema() {
  expect "every event has every key, and no other" \
    "$(q "[.[] | select((keys_unsorted - $EVENT_KEYS) != [] or ($EVENT_KEYS - keys_unsorted) != [])] | length")" 0
  expect "times are RFC 3339 UTC with microseconds" \
    "$(q '[.[] | select(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$") | not)] | length')" 0
  expect "refs are MECHANISM:..." \
    "$(q '[.[] | select(.ref != null and (.mechanism as $m | .ref | startswith($m + ":") | not))] | length')" 0
}
