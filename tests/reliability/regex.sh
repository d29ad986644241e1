#!/bin/bash
# -Q regexes against cells other users fill (issue 21, item 11): no pattern
# within the documented limits may take more than linear time in the cell.
# Real cells of 2 KB and more: the HOLDERS of a FIFO that one process holds
# through 200 descriptors, and the NAME of a FIFO whose path is 2.5 KB,
# mostly a run of a's. Each pattern is one that a backtracking matcher (or
# libstdc++'s regex_search, which restarts at every byte) takes exponential
# or quadratic time on: "(.?){999}#" took 47 s on one 2 KB cell. Each run
# must end within $LIMIT s (under `timeout 10`), with the right rows or, for
# a pattern that is refused, exit 2 and one line naming what is wrong.
source "$(dirname "$0")/lib.sh"

LIMIT=${REGEX_LIMIT:-4}

# The FIFO with 200 holders: fds 10 to 209 of one sleep.
mkfifo "$WORK/held"
bash -c 'for ((fd = 10; fd < 210; fd++)); do eval "exec $fd<>\"\$1\""; done; exec sleep 300' _ "$WORK/held" &
HOLDER=$!
CLEANUP+=("kill $HOLDER 2>/dev/null")

# The FIFO with a long name: 10 directories of 240 a's, then the FIFO.
dir=$WORK
for _ in $(seq 10); do
  dir=$dir/$(printf 'a%.0s' $(seq 240))
done
mkdir -p "$dir"
LONG=$dir/aaaa
mkfifo "$LONG"

# Wait until the sleep holds all 200 descriptors.
for _ in $(seq 100); do
  [[ $(find /proc/$HOLDER/fd -mindepth 1 2>/dev/null | wc -l) -ge 203 ]] && break
  sleep 0.05
done
holders=$("$IPCCTL" ls --scan "$WORK" -Q "name == '$WORK/held'" -o holders --noheadings --raw | head -n 1)
name=$("$IPCCTL" ls --scan "$WORK" -Q "name =~ 'aaaa$'" -o name --noheadings --raw | head -n 1)
((${#holders} >= 2048)) || fail "the HOLDERS cell is ${#holders} bytes, not 2 KB or more: ${holders:0:200}"
((${#name} >= 2048)) || fail "the NAME cell is ${#name} bytes, not 2 KB or more"
echo "cells: HOLDERS ${#holders} bytes, NAME ${#name} bytes"

# run_case WANT FILTER: ls the two FIFOs with FILTER. WANT is the rows it
# must print (held, long, both or none) or "refused" (exit 2, one line).
run_case() {
  local want=$1 filter=$2 start end rc got ms
  start=$(date +%s%N)
  rc=0
  timeout 10 "$IPCCTL" ls --scan "$WORK" -t fifo -Q "($filter) and name =~ '/(held|aaaa)$'" \
    -o name --noheadings --raw >"$WORK/.out" 2>"$WORK/.err" || rc=$?
  end=$(date +%s%N)
  ms=$(((end - start) / 1000000))
  got=$(sed -e "s|^$WORK/held\$|held|" -e 's|^/.*/aaaa$|long|' "$WORK/.out" | sort | tr '\n' ' ')
  got=${got% }
  case $got in "held long") got=both ;; "") got=none ;; esac
  if ((rc == 124)); then
    fail "$filter: still running after 10 s"
    return
  fi
  if ((ms > LIMIT * 1000)); then
    fail "$filter: took ${ms} ms, more than ${LIMIT} s"
    return
  fi
  if [[ $want == refused ]]; then
    if ((rc == 2)) && [[ $(wc -l <"$WORK/.err") == 1 ]] && grep -q '^ipcctl: -Q: bad regex' "$WORK/.err" &&
      [[ ! -s $WORK/.out ]]; then
      ok "$filter: refused in ${ms} ms: $(cat "$WORK/.err")"
    else
      fail "$filter: want exit 2 and one line, got exit $rc, stdout '$got', stderr: $(head -c 300 "$WORK/.err")"
    fi
    return
  fi
  if ((rc != 0)) || [[ $got != "$want" ]]; then
    fail "$filter: want $want (exit 0), got '$got' (exit $rc): $(grep -v '^ipcctl: warning' "$WORK/.err" | head -c 300)"
    return
  fi
  ok "$filter: $got in ${ms} ms"
}

# The issue's pattern, then the classics of catastrophic backtracking.
run_case none 'holders =~ "(.?){999}#"'
run_case none 'name =~ "(.?){999}#"'
run_case held 'holders =~ "(.?){999}:209,rw"'
run_case none 'name =~ "(a*)*b$"'
run_case none 'name =~ "(a|a)*c$"'
run_case none 'name =~ "(a|aa)*c$"'
run_case none 'holders =~ "(.*){20}x"'
run_case none 'name =~ "(.*){20}x$"'
run_case none 'name =~ "((a+)+)+b"'
run_case none 'name =~ "(((a*)*)*)*#"'
run_case none 'name =~ "^(([a-z/]+)*)*[0-9]$"'
run_case none 'holders =~ "^(\\w+\\s?)+$"'
run_case none 'holders =~ "((s|\\w)+\\[)+#"'
run_case none 'name =~ "(.{0,10}){99}#"'
# a?^n a^n: exponential for a backtracker; a match here, in a run of 240 a's
run_case long 'name =~ "(a?){200}a{200}"'
run_case long 'name =~ "(a{240}/)+aaaa$"'
run_case both 'name =~ "^/(.*/)*[ah][ae]"'
# Within what RE2 and ipcctl refuse: bad usage, at once.
run_case refused 'holders =~ "((a{10}){10}){11}"'
run_case refused 'holders =~ "(abcdef){999}"'
run_case refused 'holders =~ "(a{600})b{600}"'
run_case refused 'holders =~ "(a)\\1"'
run_case refused 'holders =~ "(?=a)"'
finish
