#!/usr/bin/env bash
# Every man page renders with no groff warning: scdoc turns man/*.scd into
# roff as the build does, then `groff -man -ww -z` must print nothing.
# Exit 77 (skip) when scdoc or groff is missing.
set -uo pipefail
src=${SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}

for tool in scdoc groff; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0 pages=0
for scd in "$src"/man/*.scd; do
  page=$(basename "$scd" .scd)
  if ! scdoc < "$scd" > "$tmp/$page" 2> "$tmp/$page.err"; then
    echo "FAIL: scdoc $page: $(cat "$tmp/$page.err")"
    status=1
    continue
  fi
  groff -man -ww -z "$tmp/$page" > "$tmp/$page.out" 2>&1
  rc=$?
  if [ $rc -ne 0 ] || [ -s "$tmp/$page.out" ]; then
    echo "FAIL: groff -man -ww -z $page (exit $rc):"
    sed 's/^/  /' "$tmp/$page.out"
    status=1
  else
    echo "ok: $page"
  fi
  pages=$((pages + 1))
done
[ $pages -gt 0 ] || { echo "FAIL: no man pages under $src/man"; status=1; }
exit $status
