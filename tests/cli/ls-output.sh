#!/bin/bash
# How ipcctl ls prints for people and for spreadsheets: a table fitted to a
# real 80-column terminal (a pty made by script(1)) keeps every holder of a
# pipe two long-named processes hold; -W wraps, --no-truncate keeps one
# line; --csv is RFC 4180 with the table's columns; colour follows --color,
# NO_COLOR and TERM, and never reaches JSON or CSV; times carry their zone.
source "$(dirname "$0")/lib.sh"

command -v script >/dev/null || skip "needs script(1) (util-linux) for a terminal"
unset NO_COLOR  # set only where a check says so

# --- a pipe held by two processes with 15-letter names (comm's most) --------
pub=pub-$(printf '%011d' $$)
sub=sub-$(printf '%011d' $$)
cp "$(command -v sleep)" "$WORK/$pub"
cp "$(command -v sleep)" "$WORK/$sub"
"$WORK/$pub" 300 | "$WORK/$sub" 300 &
CLEANUP+=("pkill -x $pub; pkill -x $sub")
for ((i = 0; i < 100; i++)); do
  ppid_=$(pgrep -x "$pub" || true) spid=$(pgrep -x "$sub" || true)
  [[ -n $ppid_ && -n $spid ]] && break
  sleep 0.05
done
[[ -n $ppid_ && -n $spid ]] || { echo "FAIL: the two pipe holders did not start" >&2; exit 1; }
link=$(readlink "/proc/$ppid_/fd/1")
ino=${link#pipe:[}
ino=${ino%]}
[[ $ino =~ ^[0-9]+$ ]] || { echo "FAIL: $pub's stdout is $link, not a pipe" >&2; exit 1; }
hold_w="$pub[$ppid_]:1,w"
hold_r="$sub[$spid]:0,r"

# on_tty COLS CMD...: runs CMD in a pty of COLS columns; its output, without
# the pty's carriage returns, in $TTY_OUT.
on_tty() {
  local cols=$1
  shift
  printf '%q ' "$@" >"$WORK/tty-cmd"
  TTY_OUT=$(TERM=${TERM_FOR_TTY:-xterm} script -qec "stty cols $cols rows 50; . $WORK/tty-cmd 2>/dev/null" /dev/null </dev/null | tr -d '\r' || true)
}

# widest TEXT: the display width of its longest line (colour codes not counted).
# (mawk counts bytes: the one non-ASCII character, '…', becomes one byte first.)
widest() { sed 's/\x1b\[[0-9;]*m//g; s/…/./g' <<<"$1" | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'; }

# has_holders WHAT TEXT: both holders appear whole in TEXT, each on one line.
has_holders() {
  local what=$1 text=$2 h
  for h in "$hold_w" "$hold_r"; do
    if grep -qF -- "$h" <<<"$text"; then ok "$what: $h is whole"
    else fail "$what: $h is cut or broken: $(printf '\n%s' "$text")"; fi
  done
}

sel=(-p "$ppid_,$spid" -Q "inode == $ino")
# -t pipe: REF UNREAD_BYTES CAPACITY_BYTES HOLDERS; -t pipe,fifo: the
# mixed view, REF OWNER PERMS SIZE DETAIL HOLDERS.
for types in pipe pipe,fifo; do
  NO_COLOR=1 on_tty 80 "$IPCCTL" ls -t "$types" "${sel[@]}"
  has_holders "ls -t $types on 80 columns" "$TTY_OUT"
  w=$(widest "$TTY_OUT")
  ((w <= 80)) && ok "ls -t $types on 80 columns: no line is wider ($w)" ||
    fail "ls -t $types on 80 columns: a line of $w characters: $(printf '\n%s' "$TTY_OUT")"
  [[ $TTY_OUT != *…* ]] && ok "ls -t $types on 80 columns: nothing is cut" ||
    fail "ls -t $types on 80 columns cut a cell: $(printf '\n%s' "$TTY_OUT")"
  # The holders wrap under HOLDERS: the continuation line is blank before it.
  col=$(head -n1 <<<"$TTY_OUT" | awk '{ print index($0, "HOLDERS") }')
  cont=$(grep -F -- "$hold_r" <<<"$TTY_OUT" || true)
  [[ -n $cont && ${cont:0:col-1} =~ ^\ *$ && $(wc -l <<<"$TTY_OUT") == 3 ]] &&
    ok "ls -t $types on 80 columns: the second holder continues under HOLDERS" ||
    fail "ls -t $types on 80 columns: expected a heading, a row and a continuation line: $(printf '\n%s' "$TTY_OUT")"
done

# Narrower: a holder breaks after its pid, never loses a character.
NO_COLOR=1 on_tty 60 "$IPCCTL" ls -t pipe,fifo "${sel[@]}"
joined=$(awk -v c="$(head -n1 <<<"$TTY_OUT" | awk '{ print index($0, "HOLDERS") }')" 'NR > 1 { printf "%s", substr($0, c) }' <<<"$TTY_OUT")
[[ $joined == *"$pub[$ppid_]"*":1,w"*"$sub[$spid]"*":0,r"* ]] &&
  ok "ls on 60 columns: the holder list is whole, wrapped" || fail "ls on 60 columns lost holder text: $(printf '\n%s' "$TTY_OUT")"
w=$(widest "$TTY_OUT")
((w <= 60)) && ok "ls on 60 columns: no line is wider ($w)" || fail "ls on 60 columns: a line of $w characters"

# A FIFO with a long path: NAME is cut by default, wrapped by -W, whole and
# on one line with --no-truncate.
fifo=$WORK/a-rather-long-directory-name-for-a-fifo/and-a-long-fifo-name-too
mkdir -p "${fifo%/*}"
mkfifo "$fifo"
"$WORK/$pub" 300 >"$fifo" &
"$WORK/$sub" 300 <"$fifo" &
for ((i = 0; i < 100; i++)); do
  [[ $(pgrep -xc "$pub") == 2 && $(pgrep -xc "$sub") == 2 ]] && break
  sleep 0.05
done
fsel=(-t fifo -Q "name == \"$fifo\"")
NO_COLOR=1 on_tty 60 "$IPCCTL" ls "${fsel[@]}" -o INODE,NAME,HOLDERS
[[ $TTY_OUT == *…* && $TTY_OUT != *"$fifo"* ]] && ok "ls on 60 columns cuts NAME" ||
  fail "ls on 60 columns: NAME not cut: $(printf '\n%s' "$TTY_OUT")"
NO_COLOR=1 on_tty 30 "$IPCCTL" ls "${fsel[@]}" -o NAME -W
[[ $TTY_OUT != *…* && $(tail -n +2 <<<"$TTY_OUT" | tr -d '\n') == "$fifo" ]] &&
  ok "ls -W on 30 columns: NAME wraps, whole" || fail "ls -W on 30 columns: $(printf '\n%s' "$TTY_OUT")"
w=$(widest "$TTY_OUT")
((w <= 30)) && ok "ls -W on 30 columns: no line is wider ($w)" || fail "ls -W on 30 columns: a line of $w characters"
NO_COLOR=1 on_tty 60 "$IPCCTL" ls "${fsel[@]}" -o INODE,NAME,HOLDERS --no-truncate
[[ $(wc -l <<<"$TTY_OUT") == 2 && $TTY_OUT == *"$fifo"* && $TTY_OUT != *…* ]] &&
  ok "ls --no-truncate on 60 columns: one line per object, whole" ||
  fail "ls --no-truncate on 60 columns: $(printf '\n%s' "$TTY_OUT")"
run_ipcctl ls -W --no-truncate
[[ $RC == 2 && $ERR == *exclude* ]] && ok "-W and --no-truncate exclude each other" ||
  fail "ls -W --no-truncate: exit $RC, $ERR"

# --- --csv ----------------------------------------------------------------
run_ipcctl ls --csv "${sel[@]}" -t pipe -o REF,INODE,UNREAD_BYTES,CAPACITY_BYTES,HOLDERS
holders=$("$IPCCTL" ls "${sel[@]}" -t pipe -n -o HOLDERS)  # not a terminal: whole
want="REF,INODE,UNREAD_BYTES,CAPACITY_BYTES,HOLDERS
pipe:$ino,$ino,0,$("$IPCCTL" ls "${sel[@]}" -t pipe -n -b -o CAPACITY_BYTES | tr -d ' '),\"$holders\""
[[ $RC == 0 && $OUT == "$want" ]] && ok "ls --csv: headings, exact numbers, the holders quoted (they hold commas)" ||
  fail "ls --csv: exit $RC; expected $(printf '\n%s' "$want"), got $(printf '\n%s' "$OUT")"
run_ipcctl ls --csv -n "${sel[@]}" -t pipe -o INODE,REF
[[ $OUT == "$ino,pipe:$ino" ]] && ok "ls --csv -n -o INODE,REF: no headings, the columns of -o" ||
  fail "ls --csv -n -o INODE,REF: $OUT"
# A name with a comma, a quote and a line break: one quoted field, the
# quote doubled, the line break escaped as the table escapes it.
odd=$WORK/$'odd,"name\nx'
mkfifo "$odd"
run_ipcctl ls --csv -n -t fifo --scan "$WORK" -Q "inode == $(stat -c %i "$odd")" -o NAME,INODE
want="\"$WORK/odd,\"\"name\\x0ax\",$(stat -c %i "$odd")"
[[ $OUT == "$want" ]] && ok "ls --csv: a hostile name is one RFC 4180 field on one line" ||
  fail "ls --csv of a hostile name: expected $want, got $OUT"
for other in --json --jsonl --raw; do
  run_ipcctl ls --csv "$other"
  [[ $RC == 2 && $ERR == *"--csv and $other exclude each other"* ]] && ok "--csv and $other exclude each other" ||
    fail "ls --csv $other: exit $RC, $ERR"
done

# --- colour ------------------------------------------------------------------
csel=(-p "$ppid_,$spid" -Q "inode == $ino" -t pipe)
esc=$'\e['
run_ipcctl ls "${csel[@]}" --color=always
[[ $OUT == *"${esc}34mpipe:$ino${esc}0m"* ]] && ok "--color=always colours the ref by its type" ||
  fail "--color=always: no colour: $(cat -v <<<"$OUT")"
run_ipcctl ls "${csel[@]}"
[[ $OUT != *"$esc"* ]] && ok "--color=auto: no colour into a pipe" || fail "--color=auto coloured a pipe: $(cat -v <<<"$OUT")"
on_tty 200 "$IPCCTL" ls "${csel[@]}"
[[ $TTY_OUT == *"${esc}34mpipe:$ino"* ]] && ok "--color=auto: colour on a terminal" ||
  fail "--color=auto on a terminal: no colour: $(cat -v <<<"$TTY_OUT")"
on_tty 200 "$IPCCTL" ls "${csel[@]}" --color=never
[[ $TTY_OUT != *"$esc"* ]] && ok "--color=never: none on a terminal" || fail "--color=never coloured: $(cat -v <<<"$TTY_OUT")"
NO_COLOR=1 on_tty 200 "$IPCCTL" ls "${csel[@]}"
[[ $TTY_OUT != *"$esc"* ]] && ok "NO_COLOR: none on a terminal" || fail "NO_COLOR coloured: $(cat -v <<<"$TTY_OUT")"
TERM_FOR_TTY=dumb on_tty 200 "$IPCCTL" ls "${csel[@]}"
[[ $TTY_OUT != *"$esc"* ]] && ok "TERM=dumb: none on a terminal" || fail "TERM=dumb coloured: $(cat -v <<<"$TTY_OUT")"
for fmt in --json --jsonl --csv; do
  on_tty 200 "$IPCCTL" ls "${csel[@]}" "$fmt" --color=always
  [[ $TTY_OUT != *"$esc"* && $TTY_OUT == *"pipe:$ino"* ]] && ok "ls $fmt --color=always: no colour" ||
    fail "ls $fmt --color=always coloured: $(cat -v <<<"$TTY_OUT")"
done
# Warnings (here: a captured tree without /dev/shm) are yellow on stderr.
run_ipcctl ls --proc-root "$TESTS_DIR/data/proc/tree" -t posix-shm --color=always
[[ $ERR == "${esc}33mipcctl: warning: "* ]] && ok "--color=always colours the warnings" ||
  fail "--color=always: warning not coloured: $(cat -v <<<"$ERR")"
run_ipcctl ls --proc-root "$TESTS_DIR/data/proc/tree" -t posix-shm
[[ $ERR == "ipcctl: warning: "* && $ERR != *"$esc"* ]] && ok "--color=auto: warnings into a file are plain" ||
  fail "--color=auto coloured warnings into a file: $(cat -v <<<"$ERR")"
run_ipcctl ls --color=sometimes
[[ $RC == 2 ]] && ok "--color=sometimes is bad usage" || fail "ls --color=sometimes: exit $RC"

# --- times carry their zone --------------------------------------------------
if [[ -r /proc/sysvipc/msg ]]; then
  fixture q sysv-msg
  qsel=(-t sysv-msg -Q "id == $(fx q id)" -n -o CTIME)
  utc=$(TZ=UTC "$IPCCTL" ls "${qsel[@]}")
  [[ $utc =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ \+0000$ ]] &&
    ok "TZ=UTC: CTIME ends in +0000 ($utc)" || fail "TZ=UTC: CTIME is '$utc'"
  ist=$(TZ=IST-5:30 "$IPCCTL" ls "${qsel[@]}")
  [[ $ist == *" +0530" ]] && ok "TZ=IST-5:30: CTIME ends in +0530 ($ist)" || fail "TZ=IST-5:30: CTIME is '$ist'"
  west=$(TZ=XST8 "$IPCCTL" ls "${qsel[@]}")
  [[ $west == *" -0800" ]] && ok "TZ=XST8: CTIME ends in -0800 ($west)" || fail "TZ=XST8: CTIME is '$west'"
  # The same instant: UTC's clock is 5:30 behind IST's.
  [[ $(date -u -d "${utc% *}" +%s) == $(($(date -u -d "${ist% *}" +%s) - 19800)) ]] &&
    ok "both name the same instant" || fail "UTC '$utc' and IST '$ist' are not the same instant"
  ls_json -t sysv-msg -Q "id == $(fx q id)"
  expect_true "--json keeps RFC 3339 UTC" "$LS" '.objects[0].detail.ctime | test("^[0-9-]{10}T[0-9:]{8}Z$")' .objects[0].detail
fi

# --- the README's JSON example is what ipcctl prints today --------------------
# Its keys, in order, at every level, are those of a real queue's object.
readme=$TESTS_DIR/../README.md
if [[ -r $readme && -d /dev/mqueue ]] && grep -q ' mqueue ' /proc/mounts; then
  example=$(grep -A1 -- "--jsonl\$" "$readme" | grep '^{"ref":"posix-mq:' | head -n1 || true)
  [[ -n $example ]] || fail "README.md: no '--jsonl' example of a posix-mq object after its command"
  fixture mq posix-mq
  run_ipcctl ls -t posix-mq -Q "name == \"$(fx mq name)\" and bytes >= 0" --jsonl
  shape='[paths | map(if type == "number" then "[]" else . end) | join(".")] | unique'
  if [[ -n $example ]]; then
    want=$(jq -c "$shape" <<<"$OUT" 2>&1) got=$(jq -c "$shape" <<<"$example" 2>&1)
    [[ $got == "$want" ]] && ok "README.md's --jsonl example has the keys ipcctl prints" ||
      fail "README.md's --jsonl example is stale: its keys $got, ipcctl's $want"
    want=$(jq -c '[.. | objects | keys_unsorted]' <<<"$OUT") got=$(jq -c '[.. | objects | keys_unsorted]' <<<"$example")
    [[ $got == "$want" ]] && ok "README.md's --jsonl example has them in ipcctl's order" ||
      fail "README.md's --jsonl example has its keys in another order: $got, ipcctl's $want"
  fi
fi

finish
