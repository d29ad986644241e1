#!/usr/bin/env bash
# Drives the bash completions as bash does: sources bash-completion and
# completions/bash/*, sets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT the way
# readline splits a line (':' and '=' are words of their own), calls the
# completion function and checks COMPREPLY: subcommands and long options
# exactly as --help lists them, types, columns, checks, pids, and the ref of a
# segment this test creates with `ipcctl mk` (and removes at the end).
# Needs IPCCTL; IPCBENCH and IPCTRACE are checked when set.
set -uo pipefail
src=${SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${IPCCTL:?set IPCCTL to the ipcctl executable}"

failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

have_bash_completion=no
for f in /usr/share/bash-completion/bash_completion; do
  if [ -r "$f" ]; then
    # shellcheck disable=SC1090
    source "$f"
    have_bash_completion=yes
  fi
done
echo "bash-completion loaded: $have_bash_completion"

for exe in ipcctl ipcbench ipctrace; do
  bash -n "$src/completions/bash/$exe" || fail "bash -n completions/bash/$exe"
  # shellcheck disable=SC1090
  source "$src/completions/bash/$exe"
done

# complete FUNCTION LINE: COMPREPLY for the cursor at the end of LINE.
complete_line() {
  local fn=$1 line=$2 word="" c i
  COMP_WORDS=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    case $c in
      ' ') [ -n "$word" ] && COMP_WORDS+=("$word"); word="" ;;
      ':' | '=')
        [ -n "$word" ] && COMP_WORDS+=("$word")
        COMP_WORDS+=("$c"); word="" ;;
      *) word+=$c ;;
    esac
  done
  # The word under the cursor, empty after a space.
  if [ -n "$word" ] || [ "${line: -1}" = " " ]; then
    COMP_WORDS+=("$word")
  fi
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=$line COMP_POINT=${#line}
  COMPREPLY=()
  "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
  REPLY_LINES=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u)
}

# expect_has FUNCTION LINE WORD...: each WORD is offered.
expect_has() {
  local fn=$1 line=$2 w
  shift 2
  complete_line "$fn" "$line"
  checks=$((checks + 1))
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$REPLY_LINES" || fail "'$line<TAB>' does not offer '$w' (got: $(echo $REPLY_LINES))"
  done
}

# expect_none FUNCTION LINE: nothing is offered.
expect_none() {
  complete_line "$1" "$2"
  checks=$((checks + 1))
  [ -z "$REPLY_LINES" ] || fail "'$2<TAB>' offers $(echo $REPLY_LINES), expected nothing"
}

# expect_exactly FUNCTION LINE WORDS: the offers are these (newline separated).
expect_exactly() {
  complete_line "$1" "$2"
  checks=$((checks + 1))
  local want
  want=$(sort -u <<<"$3")
  [ "$REPLY_LINES" = "$want" ] ||
    fail "'$2<TAB>': $(diff <(echo "$want") <(echo "$REPLY_LINES") | grep '^[<>]' | sed 's/^</missing/; s/^>/extra/' | tr '\n' ' ')"
}

# help_longs EXE [SUB]: the long options --help lists.
help_longs() {
  "$@" --help | awk '/^Options:/ { on = 1; next } /^$/ { on = 0 } on && $1 ~ /^-/ { print $1 }' |
    tr ',' '\n' | grep '^--' | sort -u
}
# help_subcommands EXE: every subcommand name and alias of --help.
help_subcommands() {
  "$1" --help | awk '/^Subcommands:/ { on = 1; next } /^$/ { on = 0 } on { print }' |
    sed -E 's/^ +//; s/  .*//' | tr ',' '\n' | sed 's/ //g' | grep . | sort -u
}

# --- ipcctl ----------------------------------------------------------------
expect_exactly _ipcctl "$IPCCTL " "$(help_subcommands "$IPCCTL")"
expect_exactly _ipcctl "$IPCCTL --" "$(help_longs "$IPCCTL")"
for sub in $(help_subcommands "$IPCCTL"); do
  [ "$sub" = help ] && continue
  expect_exactly _ipcctl "$IPCCTL $sub --" "$(help_longs "$IPCCTL" "$sub")"
done
expect_has _ipcctl "$IPCCTL help " ls show rm
expect_exactly _ipcctl "$IPCCTL ls -t " "$("$IPCCTL" ls --list-types | awk '{ print $1 }')"
expect_exactly _ipcctl "$IPCCTL ls --type sysv" $'sysv\nsysv-msg\nsysv-shm\nsysv-sem'
expect_exactly _ipcctl "$IPCCTL ls --type=posix-" $'posix-mq\nposix-shm\nposix-sem'
expect_has _ipcctl "$IPCCTL ls -t pipe,sysv-s" pipe,sysv-shm pipe,sysv-sem
expect_has _ipcctl "$IPCCTL rm -t " sysv-shm posix-mq fifo
expect_exactly _ipcctl "$IPCCTL mk " $'sysv-msg\nsysv-shm\nsysv-sem\nposix-mq\nposix-shm\nposix-sem\nfifo'
expect_has _ipcctl "$IPCCTL ls -o RE" REF
expect_has _ipcctl "$IPCCTL ls -o +REF,NAT" +REF,NATTCH
expect_has _ipcctl "$IPCCTL ls --sort -SI" -SIZE
expect_has _ipcctl "$IPCCTL ls -p $$" "$$"
expect_has _ipcctl "$IPCCTL ls -u roo" root
expect_exactly _ipcctl "$IPCCTL limits --color " $'auto\nalways\nnever'
if "$IPCCTL" audit --list-checks >/dev/null 2>&1; then
  expect_exactly _ipcctl "$IPCCTL audit --check " "$("$IPCCTL" audit --list-checks | awk '{ print $1 }')"
fi

# A live object: its ref is offered by show and rm, and gone once removed.
if ref=$("$IPCCTL" mk sysv-shm --size 4096 2>/dev/null) && [ -n "$ref" ]; then
  trap '"$IPCCTL" rm --force "$ref" >/dev/null 2>&1' EXIT
  id=${ref#sysv-shm:}
  echo "created $ref"
  expect_has _ipcctl "$IPCCTL show sysv-shm" "$ref"
  expect_has _ipcctl "$IPCCTL rm sysv" "$ref"
  expect_none _ipcctl "$IPCCTL rm pipe:"
  if [ $have_bash_completion = yes ]; then
    # readline splits at ':'; what is offered is what follows it.
    expect_has _ipcctl "$IPCCTL show sysv-shm:" "$id"
    expect_has _ipcctl "$IPCCTL show sysv-shm:${id:0:1}" "$id"
  fi
  "$IPCCTL" rm "$ref" >/dev/null || fail "ipcctl rm $ref"
  trap - EXIT
  complete_line _ipcctl "$IPCCTL show sysv-shm"
  checks=$((checks + 1))
  ! grep -qxF -- "$ref" <<<"$REPLY_LINES" || fail "$ref is still offered after its removal"
else
  fail "ipcctl mk sysv-shm --size 4096 failed: no live ref to complete"
fi

# --- ipcbench --------------------------------------------------------------
if [ -n "${IPCBENCH:-}" ] && [ -x "$IPCBENCH" ]; then
  expect_exactly _ipcbench "$IPCBENCH --" "$(help_longs "$IPCBENCH")"
  expect_exactly _ipcbench "$IPCBENCH -m " "$("$IPCBENCH" --list | awk '{ print $1; print $2 }')"
  expect_has _ipcbench "$IPCBENCH -m pipe,shm-f" pipe,shm-futex
  expect_exactly _ipcbench "$IPCBENCH -t " $'latency\nthroughput\nboth'
  expect_exactly _ipcbench "$IPCBENCH --poll " $'block\nspin'
  expect_exactly _ipcbench "$IPCBENCH --timer=" $'auto\ntsc\nmonotonic'
fi

# --- ipctrace --------------------------------------------------------------
if [ -n "${IPCTRACE:-}" ] && [ -x "$IPCTRACE" ]; then
  expect_exactly _ipctrace "$IPCTRACE --" "$(help_longs "$IPCTRACE"; echo --)"
  # The mechanisms the help lists after "Mechanisms (-e):".
  mechanisms=$("$IPCTRACE" --help | sed -n '/^Mechanisms (-e):/,/^$/p' |
    sed 's/^Mechanisms (-e)://; s/or the families//; s/[,.]/ /g' | tr ' ' '\n' | grep .)
  [ -n "$mechanisms" ] || fail "ipctrace --help lists no mechanisms"
  expect_exactly _ipctrace "$IPCTRACE -e " "$mechanisms"
  expect_has _ipctrace "$IPCTRACE -e pipe,uni" pipe,unix
  expect_has _ipctrace "$IPCTRACE -p $$" "$$"
  expect_has _ipctrace "$IPCTRACE --json ech" echo
fi

echo "$checks checks, $failures failures"
[ $failures -eq 0 ]
