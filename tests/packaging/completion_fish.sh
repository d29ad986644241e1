#!/usr/bin/env bash
# The fish completions: `fish -n` on each, then `complete -C` on real command
# lines (the executables on PATH under their own names, as installed):
# subcommands and long options exactly as --help lists them, types, values
# after a comma, and the ref of a segment this test creates and removes.
# Needs IPCCTL; IPCBENCH and IPCTRACE are checked when set. Exit 77 without fish.
set -uo pipefail
src=${SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${IPCCTL:?set IPCCTL to the ipcctl executable}"
command -v fish >/dev/null || { echo "SKIP: fish is not installed"; exit 77; }

failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tmp=$(mktemp -d)
ref=""
cleanup() {
  [ -n "$ref" ] && "$IPCCTL" rm --force "$ref" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/bin"
ln -s "$IPCCTL" "$tmp/bin/ipcctl"
[ -n "${IPCBENCH:-}" ] && [ -x "$IPCBENCH" ] && ln -s "$IPCBENCH" "$tmp/bin/ipcbench"
[ -n "${IPCTRACE:-}" ] && [ -x "$IPCTRACE" ] && ln -s "$IPCTRACE" "$tmp/bin/ipctrace"
export PATH="$tmp/bin:$PATH"

for f in "$src"/completions/fish/*.fish; do
  fish --no-config -n "$f" || fail "fish -n $(basename "$f")"
done

# offers LINE: the candidates `complete -C LINE` prints, one a line, sorted.
offers() {
  fish --no-config -c 'for f in $argv[2..-1]; source $f; end; complete -C $argv[1]' \
    "$1" "$src"/completions/fish/*.fish 2>&1 | cut -f1 | sort -u
}
expect_has() {
  local line=$1 got w
  shift
  got=$(offers "$line")
  checks=$((checks + 1))
  for w in "$@"; do
    grep -qxF -- "$w" <<<"$got" || fail "'$line<TAB>' does not offer '$w' (got: $(echo $got))"
  done
}
expect_exactly() {
  local got want
  got=$(offers "$1")
  want=$(sort -u <<<"$2")
  checks=$((checks + 1))
  [ "$got" = "$want" ] ||
    fail "'$1<TAB>': $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^</missing/; s/^>/extra/' | tr '\n' ' ')"
}
help_longs() {
  "$@" --help | awk '/^Options:/ { on = 1; next } /^$/ { on = 0 } on && $1 ~ /^-/ { print $1 }' |
    tr ',' '\n' | grep '^--' | sort -u
}
help_subcommands() {
  "$1" --help | awk '/^Subcommands:/ { on = 1; next } /^$/ { on = 0 } on { print }' |
    sed -E 's/^ +//; s/  .*//' | tr ',' '\n' | sed 's/ //g' | grep . | sort -u
}

expect_exactly "ipcctl " "$(help_subcommands ipcctl)"
for sub in $(help_subcommands ipcctl); do
  [ "$sub" = help ] && continue
  expect_exactly "ipcctl $sub --" "$(help_longs ipcctl "$sub")"
done
expect_exactly "ipcctl ls -t " "$(ipcctl ls --list-types | awk '{ print $1 }')"
expect_has "ipcctl ls --type=sysv-s" --type=sysv-shm --type=sysv-sem
expect_has "ipcctl ls -t pipe,posix-" pipe,posix-mq pipe,posix-shm
expect_has "ipcctl ls -o +REF,NAT" +REF,NATTCH
expect_exactly "ipcctl mk " $'sysv-msg\nsysv-shm\nsysv-sem\nposix-mq\nposix-shm\nposix-sem\nfifo'
expect_exactly "ipcctl limits --color " $'auto\nalways\nnever'
expect_has "ipcctl ls -p $$" "$$"

if ref=$(ipcctl mk sysv-shm --size 4096 2>/dev/null) && [ -n "$ref" ]; then
  echo "created $ref"
  expect_has "ipcctl show sysv-shm:" "$ref"
  expect_has "ipcctl rm $ref" "$ref"
  ipcctl rm "$ref" >/dev/null || fail "ipcctl rm $ref"
  got=$(offers "ipcctl show sysv-shm:")
  checks=$((checks + 1))
  ! grep -qxF -- "$ref" <<<"$got" || fail "$ref is still offered after its removal"
  ref=""
else
  ref=""
  fail "ipcctl mk sysv-shm --size 4096 failed: no live ref to complete"
fi

if [ -e "$tmp/bin/ipcbench" ]; then
  expect_exactly "ipcbench --" "$(help_longs ipcbench)"
  expect_exactly "ipcbench -m " "$(ipcbench --list | awk '{ print $1; print $2 }')"
  expect_exactly "ipcbench --poll " $'block\nspin'
fi
if [ -e "$tmp/bin/ipctrace" ]; then
  expect_exactly "ipctrace --" "$(help_longs ipctrace)"
  expect_has "ipctrace -e pipe,sysv-" pipe,sysv-msg pipe,sysv-shm pipe,sysv-sem
  expect_has "ipctrace --json ech" echo
fi

echo "$checks checks, $failures failures"
[ $failures -eq 0 ]
