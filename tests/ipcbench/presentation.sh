#!/bin/bash
# What a person reads: the text fits the width COLUMNS gives (the tables
# leave out their least read columns and say which; notes are numbered
# below), counts are singular or plural as they are, an unpinned placement
# is named once; the chart's axes name their units at each tick and its
# picture is as tall as what is drawn, with no label over another.
source "$(dirname "$0")/lib.sh"

# widest FILE: the longest line, in characters (UTF-8 aware).
widest() { LC_ALL=C.UTF-8 awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$1"; }

rc=0
COLUMNS=80 "$IPCBENCH" -q -m pipe,eventfd,udp4 -n 100 -w 10 -s 64,64K --svg "$WORK/chart.svg" >"$WORK/text" 2>"$WORK/err" || rc=$?
[[ $rc == 0 ]] && ok "a short run: exit 0" || fail "a short run: exit $rc: $(cat "$WORK/err")"
w=$(widest "$WORK/text")
((w <= 80)) && ok "COLUMNS=80: the widest line is $w columns" || fail "COLUMNS=80: a line of $w columns: $(awk 'length($0) > 80' "$WORK/text" | head -n 3)"
grep -q '^MECHANISM .* P50 .* P99 ' "$WORK/text" && ok "COLUMNS=80: the latency table keeps P50 and P99" ||
  fail "COLUMNS=80: no P50 and P99: $(grep '^MECHANISM' "$WORK/text")"
grep -q 'left out to fit 80 columns' "$WORK/text" && ok "COLUMNS=80: the columns left out are named" ||
  fail "COLUMNS=80: nothing says what was left out"
grep -q '^\[1\] capped at 65507B' "$WORK/text" && ok "notes numbered below the table" || fail "no numbered note for udp4's cap"
grep -q 'measurements in' "$WORK/text" && ok "'N measurements' for several" || fail "no 'measurements' line: $(tail -n1 "$WORK/text")"

# Not a terminal, no COLUMNS: the whole table, whatever its width.
"$IPCBENCH" -q -m pipe -t latency -n 100 --cpus none >"$WORK/wide" 2>"$WORK/err" || fail "an unpinned run: exit $?"
grep -q '^MECHANISM .* MIN .* MEAN .* STDDEV .* SAMPLES' "$WORK/wide" && ok "no width: every column" ||
  fail "no width: columns left out: $(grep '^MECHANISM' "$WORK/wide")"
grep -q 'unpinned unpinned' "$WORK/wide" && fail "'unpinned unpinned'" || ok "an unpinned placement named once"
expect_line=$(tail -n1 "$WORK/wide")
[[ $expect_line == "1 measurement in "* ]] && ok "'1 measurement' for one" || fail "one measurement: '$expect_line'"

# The chart.
svg=$WORK/chart.svg
grep -q '>1 GB/s</text>\|>100 MB/s</text>\|>10 MB/s</text>' "$svg" && ok "the throughput axis in MB/s and GB/s" ||
  fail "no MB/s ticks: $(grep -o '>[^<]*</text>' "$svg" | head -n 20 | tr '\n' ' ')"
grep -qE '>[0-9]+\.[0-9]+[KMG]</text>' "$svg" && fail "a tick reads like a count ('100.0K')" || ok "no tick in thousands of something"
grep -q '>64K</text>' "$svg" && ok "the size axis in sizes (64K)" || fail "no 64K tick on the size axis"
height=$(sed -n 's/^<svg [^>]* height="\([0-9]*\)".*/\1/p' "$svg")
lowest=$(grep -o ' y="[0-9.]*"' "$svg" | tr -dc '0-9.\n' | sort -n | tail -n1)
if [[ -n $height && -n $lowest ]] && awk -v h="$height" -v l="$lowest" 'BEGIN { exit !(h >= l && h - l <= 30) }'; then
  ok "no blank band: the last text at y=$lowest of $height"
else
  fail "blank band: height $height, the last text at y=${lowest:-none}"
fi
# The names at the ends of the throughput lines (9 px text): 9 px apart at least.
overlaps=$(grep -o '<text x="[0-9.]*" y="[0-9.]*" font-size="9"' "$svg" | sed 's/.* y="\([0-9.]*\)".*/\1/' | sort -n |
  awk 'NR > 1 && $1 - prev < 9 { n++ } { prev = $1 } END { print n + 0 }')
[[ $overlaps == 0 ]] && ok "no line name over another" || fail "$overlaps line names overlap"
finish
