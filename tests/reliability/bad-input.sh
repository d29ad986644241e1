#!/bin/bash
# Bad input to all three executables: every subcommand and option of
# ipcctl, ipcbench and ipctrace given junk (ids, refs, keys, sizes, modes,
# names, paths, durations, columns, filters, mechanisms, message sizes, CPU
# lists, pids that do not exist, output files in directories that do not
# exist, numbers that overflow, empty strings, control bytes, unicode).
# Each case must exit with its status (2 bad usage, 1 well-formed but naming
# nothing; "1|2" where either reading is fair), print exactly one line on
# stderr starting with the program's name, print nothing on stdout, and
# neither create nor remove any object: the SysV, /dev/shm and /dev/mqueue
# listings (in a private IPC namespace when run as root) and this test's
# directory are compared around every case. Prints how many inputs it tried.
# Cases marked '#-' fail today and are left out, each under a comment naming
# the fix it waits for; BAD_INPUT_ALL=1 runs them too.
source "$(dirname "$0")/lib.sh"
private_namespace "$@"
# rm --orphaned with a selection it should refuse must have nothing else to remove.
[[ $PRIVATE_NS == yes ]] || skip "needs root and unshare(1) for a private IPC namespace"

TAG=ipcctl-bad-$$
NOPID=4194303    # above any pid_max default: no such process
BIG=99999999999999999999999
LONG=$(printf 'x%.0s' {1..300})
NODIR=/nonexistent-$TAG

# Objects that exist, so that bad options next to good refs can be tried:
# the comparison around each case shows they are still there afterwards.
SHM_REF=$("$IPCCTL" mk sysv-shm --size 4K) || { echo "FAIL: ipcctl mk sysv-shm failed" >&2; exit 1; }
CLEANUP+=("'$IPCCTL' rm --force '$SHM_REF' >/dev/null")
SEM_REF=$("$IPCCTL" mk sysv-sem) || { echo "FAIL: ipcctl mk sysv-sem failed" >&2; exit 1; }
CLEANUP+=("'$IPCCTL' rm --force '$SEM_REF' >/dev/null")
"$IPCCTL" mk posix-shm "/$TAG" --size 4K >/dev/null
CLEANUP+=("'$IPCCTL' rm --force 'posix-shm:/$TAG' >/dev/null")
STATE_DIR=$WORK/objects  # compared too: where mk fifo might create
mkdir "$STATE_DIR"
mkfifo "$STATE_DIR/fifo"
echo "objects kept: $SHM_REF $SEM_REF posix-shm:/$TAG fifo:$STATE_DIR/fifo"

# One case per line: STATUS TOOL ARGS... (shell words; variables expand).
# Lines starting with '#' are comments; '#-' marks a case that fails today,
# with the reason above it, left out until its fix lands.
# None is left out today: the failures once listed here ([empty], [newline],
# [nopid], [scan], [name], [overflow], [dot], [ipctrace]) are fixed.
cases=$(cat <<'EOF'
# --- ipcctl, any command
2 ipcctl
2 ipcctl ''
2 ipcctl frobnicate
2 ipcctl --frobnicate
2 ipcctl $'\xff\xfe'
2 ipcctl help nosuch
2 ipcctl ls --frobnicate
2 ipcctl ls extra-argument
# --- ls: types, columns, sort, pids, users, filters, scan
2 ipcctl ls -t nosuch
2 ipcctl ls -t ''
2 ipcctl ls -t ,,
2 ipcctl ls -t sysv,nosuch
2 ipcctl ls -t $'sysv\x01'
2 ipcctl ls -t 'sysv-shm☃'
2 ipcctl ls -t $'sysv\nshm'
2 ipcctl show $'sysv-shm:1\nx'
2 ipcctl mk fifo $'/tmp/x\ny/z'
2 ipctrace -e $'pi\npe' -- true
2 ipcctl ls -o NOSUCH
2 ipcctl ls -o ''
2 ipcctl ls -o ,,
2 ipcctl ls -o +NOSUCH
2 ipcctl ls -o 'REF,REF;rm'
2 ipcctl ls --sort NOSUCH
2 ipcctl ls --sort ''
2 ipcctl ls --sort -
2 ipcctl ls --sort --
2 ipcctl ls -p 0
2 ipcctl ls -p -1
2 ipcctl ls -p abc
2 ipcctl ls -p ''
2 ipcctl ls -p ,
2 ipcctl ls -p 1,,x
2 ipcctl ls -p $BIG
2 ipcctl ls -p 4194305
2 ipcctl ls -p 0x10
1 ipcctl ls -p $NOPID
1 ipcctl rm -p $NOPID
2 ipcctl ls -u nosuch-user-$TAG
2 ipcctl ls -u ''
2 ipcctl ls -Q ''
2 ipcctl export -t ''
2 ipcctl ls -u $BIG
2 ipcctl ls -u -1
2 ipcctl ls -Q 'nattch =='
2 ipcctl ls -Q 'nosuch == 1'
2 ipcctl ls -Q '((('
2 ipcctl ls -Q 'size > 4Q'
2 ipcctl ls -Q "comm =~ '['"
2 ipcctl ls -Q 'comm =~ "["'
2 ipcctl ls -Q "size > $BIG"
2 ipcctl ls -Q $'\xff\xfe'
2 ipcctl ls -Q 'type == "sysv-shm" and'
2 ipcctl ls -Q 'not'
2 ipcctl ls -Q '"unterminated'
2 ipcctl ls -Q 'name =~ "(?i)x"'
2 ipcctl ls -Q 'name =~ "x\z"'
2 ipcctl ls -Q 'name =~ "(a)\1"'
2 ipcctl ls -Q 'name =~ "((a{10}){10}){11}"'
2 ipcctl ls -Q 'name =~ "(abcdef){999}"'
2 ipcctl ls --json --jsonl
1|2 ipcctl ls --scan $NODIR
2 ipcctl ls --scan /etc/hostname
2 ipcctl ls --scan ''
1|2 ipcctl ls --proc-root $NODIR
# --- show: refs of every shape
2 ipcctl show
2 ipcctl show ''
2 ipcctl show nosuch:1
2 ipcctl show :
2 ipcctl show sysv-shm:
2 ipcctl show sysv-shm:abc
2 ipcctl show sysv-shm:-1
2 ipcctl show sysv-shm:$BIG
2 ipcctl show sysv-shm:key=0xZZ
2 ipcctl show sysv-shm:key=
2 ipcctl show sysv-shm:key=0x1FFFFFFFF
2 ipcctl show posix-mq:noslash
2 ipcctl show posix-mq:/a/b
2 ipcctl show posix-shm:$LONG
2 ipcctl show pipe:abc
2 ipcctl show pipe:-5
2 ipcctl show $'\x01\x02\x03'
2 ipcctl show 'sysv-shm:1 2'
1 ipcctl show sysv-shm:2147483646
1 ipcctl show sysv-shm:key=0x7e570bad
1 ipcctl show posix-shm:/$TAG-nosuch
1 ipcctl show posix-mq:/$TAG-nosuch
1 ipcctl show pipe:1
1 ipcctl show fifo:$NODIR/fifo
# out of range for their kind, or a namespace no object can be in: bad usage
2 ipcctl show sysv-shm:2147483648
2 ipcctl show sysv-msg:key=0x1@ipc:99999999999
2 ipcctl show sysv-shm:1@ipc:1
2 ipcctl show posix-shm:/x@ipc:1
2 ipcctl show posix-sem:/x@ipc:4026531839
2 ipcctl show posix-mq:/x@ipc:1
2 ipcctl show posix-mq:/x@net:4026531840
2 ipcctl show pid:4194305
2 ipcctl show pid:$BIG
2 ipcctl show signal:0
2 ipcctl show signalfd:1:2147483648
2 ipcctl show eventfd:2147483648
2 ipcctl show sysv-shm:1 posix-shm:/x@ipc:1
# --- mk: types, sizes, modes, keys, names, counts
2 ipcctl mk
2 ipcctl mk nosuch /$TAG-x
2 ipcctl mk '' /$TAG-x
2 ipcctl mk pipe
2 ipcctl mk sysv-shm
2 ipcctl mk sysv-shm --size 0
2 ipcctl mk sysv-shm --size -1
2 ipcctl mk sysv-shm --size 4Q
2 ipcctl mk sysv-shm --size ''
2 ipcctl mk sysv-shm --size $BIG
2 ipcctl mk sysv-shm --size 99999999999G
2 ipcctl mk sysv-shm --size 4K --mode 999
2 ipcctl mk sysv-shm --size 4K --mode 10000
2 ipcctl mk sysv-shm --size 4K --mode rwx
2 ipcctl mk sysv-shm --size 4K --mode ''
2 ipcctl mk sysv-shm --size 4K --mode -1
2 ipcctl mk sysv-shm 0xZZ --size 4K
2 ipcctl mk sysv-shm 0x100000000 --size 4K
2 ipcctl mk sysv-shm $BIG --size 4K
2 ipcctl mk sysv-shm '' --size 4K
2 ipcctl mk sysv-msg --size 4K
2 ipcctl mk sysv-msg --nsems 3
2 ipcctl mk sysv-sem --nsems 0
2 ipcctl mk sysv-sem --nsems -1
2 ipcctl mk sysv-sem --nsems $BIG
2 ipcctl mk sysv-sem --nsems abc
2 ipcctl mk sysv-sem --value -1
2 ipcctl mk sysv-sem --value $BIG
2 ipcctl mk sysv-shm --size 4K --proj 5
2 ipcctl mk sysv-shm --size 4K --key-from /etc/hostname --proj 0
2 ipcctl mk sysv-shm --size 4K --key-from /etc/hostname --proj 256
2 ipcctl mk sysv-shm 0x7e570bad --size 4K --key-from /etc/hostname
1|2 ipcctl mk sysv-shm --size 4K --key-from $NODIR/key
2 ipcctl mk posix-shm
2 ipcctl mk posix-shm /a/b --size 4K
2 ipcctl mk posix-shm / --size 4K
2 ipcctl mk posix-shm /$LONG --size 4K
2 ipcctl mk posix-shm /$TAG-x --size 1Q
2 ipcctl mk posix-shm $'/\x01\x02' --size 4K
2 ipcctl mk posix-mq /$TAG-x --maxmsg 0
2 ipcctl mk posix-mq /$TAG-x --maxmsg -5
2 ipcctl mk posix-mq /$TAG-x --maxmsg $BIG
2 ipcctl mk posix-mq /$TAG-x --msgsize 0
2 ipcctl mk posix-mq /$TAG-x --msgsize abc
2 ipcctl mk posix-mq /$TAG-x --size 4K
2 ipcctl mk posix-sem /$TAG-x --value -1
2 ipcctl mk posix-sem /$TAG-x --value $BIG
2 ipcctl mk fifo
2 ipcctl mk fifo ''
1|2 ipcctl mk fifo $NODIR/fifo
1 ipcctl mk posix-shm /$TAG --size 4K
# --- rm: refs, selections, durations
2 ipcctl rm
2 ipcctl rm ''
2 ipcctl rm nosuch:1
2 ipcctl rm sysv-shm:abc
2 ipcctl rm pipe:1
1|2 ipcctl rm unix:1
1 ipcctl rm sysv-shm:2147483646
1 ipcctl rm posix-shm:/$TAG-nosuch
1 ipcctl rm fifo:$NODIR/fifo
2 ipcctl rm sysv-shm:2147483648
2 ipcctl rm sysv-shm:1@ipc:1
2 ipcctl rm posix-shm:/x@ipc:1
2 ipcctl rm posix-mq:/x@ipc:1
2 ipcctl rm --dry-run $SHM_REF sysv-sem:2147483648
2 ipcctl rm --orphaned --older-than 5x
2 ipcctl rm --orphaned --older-than ''
2 ipcctl rm --orphaned --older-than -5m
2 ipcctl rm --orphaned --older-than ${BIG}d
2 ipcctl rm --orphaned -Q 'junk =='
2 ipcctl rm --orphaned -t nosuch
2 ipcctl rm --orphaned -p abc
2 ipcctl rm --orphaned -u nosuch-user-$TAG
1|2 ipcctl rm --orphaned --scan $NODIR
2 ipcctl rm $SHM_REF --older-than junk
2 ipcctl rm --force $SEM_REF --older-than 5x
2 ipcctl rm posix-shm:/$TAG --frobnicate
2 ipcctl rm --dry-run fifo:$STATE_DIR/fifo -Q '((('
# --- limits, audit, graph, export
2 ipcctl limits --json --raw
2 ipcctl limits --color sometimes
2 ipcctl limits --color ''
2 ipcctl limits extra-argument
2 ipcctl audit --check nosuch
2 ipcctl audit --check ''
2 ipcctl audit --skip nosuch
2 ipcctl audit --fail-on severe
2 ipcctl audit --fail-on ''
2 ipcctl audit --stale 5x
2 ipcctl audit --stale ''
2 ipcctl audit --stale ${BIG}h
1|2 ipcctl audit --scan $NODIR
2 ipcctl graph --format png
2 ipcctl graph --format ''
2 ipcctl graph --depth 0
2 ipcctl graph --depth -1
2 ipcctl graph --depth $BIG
2 ipcctl graph --around 0
2 ipcctl graph --around abc
2 ipcctl graph --around $BIG
1 ipcctl graph --around $NOPID
1 ipcctl graph --svg $NODIR/graph.svg
2 ipcctl export --format json
2 ipcctl export --format ''
2 ipcctl export -t nosuch
1|2 ipcctl export -o $NODIR/ipc.prom
# --- ipcbench: mechanisms, tests, sizes, cpus, counts, durations, files
2 ipcbench extra-argument
2 ipcbench --frobnicate
2 ipcbench -m nosuch
2 ipcbench -m ''
2 ipcbench -m ,
2 ipcbench -m pipe,nosuch
2 ipcbench -m $'\xff'
2 ipcbench -m $'pipe\nfifo'
2 ipcbench -m pipe --svg $'a\tb.svg'
2 ipcbench -t speed
2 ipcbench -t ''
2 ipcbench -t ,
2 ipcbench -m pipe -s 12Q
2 ipcbench -m pipe -s ''
2 ipcbench -m pipe -s 0
2 ipcbench -m pipe -s -1
2 ipcbench -m pipe -s 64,,
2 ipcbench -m pipe -s $BIG
2 ipcbench -m pipe -s 1T
2 ipcbench -m pipe -s 16G
2 ipcbench -m pipe -c 0
2 ipcbench -m pipe -c ''
2 ipcbench -m pipe -c 0,4096
2 ipcbench -m pipe -c a,b
2 ipcbench -m pipe -c 0,0,0
2 ipcbench -m pipe -c -1,0
2 ipcbench -m pipe -c $BIG,0
2 ipcbench -m pipe -d 0
2 ipcbench -m pipe -d -1
2 ipcbench -m pipe -d abc
2 ipcbench -m pipe -d nan
2 ipcbench -m pipe -d inf
2 ipcbench -m pipe -d 1e400
2 ipcbench -m pipe -d 3601
2 ipcbench -m pipe -n -1
2 ipcbench -m pipe -n abc
2 ipcbench -m pipe -n $BIG
2 ipcbench -m pipe -w -1
2 ipcbench -m pipe -w $BIG
2 ipcbench -m pipe -r 0
2 ipcbench -m pipe -r 1001
2 ipcbench -m pipe -r abc
2 ipcbench -m pipe --poll sometimes
2 ipcbench -m pipe --poll ''
2 ipcbench -m pipe --rate -1
2 ipcbench -m pipe --rate abc
2 ipcbench -m pipe --rate nan
2 ipcbench -m pipe --rate inf
2 ipcbench -m pipe --timer nosuch
2 ipcbench -m pipe --json --csv
1 ipcbench -m pipe -n 10 --svg $NODIR/chart.svg
2 ipcbench -m pipe -n 10 --svg ''
2 ipcbench -m pipe -n 0
2 ipcbench -m pipe -n 10 --rate 0
2 ipcbench -m pipe -t latency --rate 0.01
2 ipcbench -m pipe -t latency --rate 0.01 -n 1000
2 ipcbench -m pipe -n 10 -s 4
2 ipcbench -m pipe -n 10 -c 0,1,
2 ipcbench -m pipe -n 10 -c 0,,1
2 ipcbench -m pipe -n 10 -c +0,0
2 ipcbench -m pipe, -n 10
2 ipcbench -m pipe -t latency, -n 10
# --- ipctrace: commands, pids, options, files
2 ipctrace
2 ipctrace --frobnicate -- true
2 ipctrace -p 1 -- true
2 ipctrace -p 0
2 ipctrace -p -5
2 ipctrace -p abc
2 ipctrace -p ''
2 ipctrace -p ,
2 ipctrace -p $BIG
1 ipctrace -p $NOPID
2 ipctrace -x -- true
2 ipctrace -c --interval -1 -- true
2 ipctrace -c --interval abc -- true
2 ipctrace -c --interval nan -- true
2 ipctrace -s -1 -- true
2 ipctrace -s abc -- true
2 ipctrace -s $BIG -- true
2 ipctrace -e nosuch -- true
2 ipctrace -e , -- true
2 ipctrace -e lock -- true
2 ipctrace --pid abc -- true
2 ipctrace --pid 0 -- true
2 ipctrace --pid $BIG -- true
1 ipctrace -o $NODIR/trace.txt -- true
1|2 ipctrace -o '' -- true
1 ipctrace -- $NODIR/command
1 ipctrace -- ''
2 ipctrace --system --duration 0
2 ipctrace --system --duration inf
2 ipctrace --duration 0 -- true
2 ipctrace -c --interval 0 -- true
2 ipctrace --interval 1 -- true
2 ipctrace --channel garbage -- true
2 ipctrace --channel pipe:abc -- true
2 ipctrace --channel sysv-shm:key=0x1 -- true
2 ipctrace --channel pipe:1, -- true
2 ipctrace --comm a, -- true
2 ipctrace --pid 1, -- true
2 ipctrace -e pipe, -- true
EOF
)

# undo_changes BEFORE AFTER: removes what a failed case created (all ours:
# the namespace is private), so that the next cases start from the same state.
undo_changes() {
  local kind key id rest
  while read -r kind key id rest; do
    case $kind in
    shm) ipcrm -m "$id" ;;
    msg) ipcrm -q "$id" ;;
    sem) ipcrm -s "$id" ;;
    /dev/shm/* | /dev/mqueue/* | "$STATE_DIR"/*) rm -rf "$kind" ;;
    esac
  done < <(comm -13 <(echo "$1") <(echo "$2"))
}

# run_case STATUS TOOL ARGS...: one case; records its verdict.
tried=0
declare -a failed=()
run_case() {
  local want=$1 tool=$2 exe
  shift 2
  case $tool in
  ipcctl) exe=$IPCCTL ;;
  ipcbench) exe=$IPCBENCH ;;
  ipctrace) exe=$IPCTRACE ;;
  esac
  local shown
  shown="$tool$(printf ' %q' "$@")"
  tried=$((tried + 1))
  local before after rc=0 problems=()
  before=$(ipc_state)
  timeout -k 2 20 "$exe" "$@" >"$WORK/.case.out" 2>"$WORK/.case.err" </dev/null || rc=$?
  after=$(ipc_state)
  if [[ "|$want|" != *"|$rc|"* ]]; then
    case $rc in
    124 | 137) problems+=("hung (killed after 20 s)") ;;
    0) problems+=("exit 0, expected $want") ;;
    *) problems+=("exit $rc, expected $want") ;;
    esac
  fi
  # Warnings about what could not be read are context, not the error line.
  local lines
  lines=$(LC_ALL=C grep -v -c "^$tool: warning: " "$WORK/.case.err" || true)
  if [[ $lines != 1 ]]; then
    problems+=("$lines lines on stderr")
  elif ! LC_ALL=C grep -v "^$tool: warning: " "$WORK/.case.err" | LC_ALL=C grep -q "^$tool: ."; then
    problems+=("stderr does not start with '$tool: '")
  fi
  if [[ -s $WORK/.case.out ]]; then
    problems+=("stdout not empty: $(head -c 120 "$WORK/.case.out" | tr '\n' ' ')")
  fi
  if [[ $before != "$after" ]]; then
    problems+=("objects changed: $( (diff <(echo "$before") <(echo "$after") || true) | grep '^[<>]' | tr '\n' ' ')")
    undo_changes "$before" "$after"
  fi
  if ((${#problems[@]} == 0)); then
    ok "[$rc] $shown: $(head -c 160 "$WORK/.case.err")"
  else
    local why
    why=$(printf '%s; ' "${problems[@]}")
    fail "$shown: ${why%; } | stderr: $(head -c 300 "$WORK/.case.err" | tr '\n' '|')"
    failed+=("$shown")
  fi
}

left_out=0
while IFS= read -r line; do
  if [[ $line == '#-'[0-9]* ]]; then
    left_out=$((left_out + 1))
    [[ ${BAD_INPUT_ALL:-} == 1 ]] || continue
    line=${line#\#-}
  fi
  [[ -z $line || $line == \#* ]] && continue
  read -r want tool rest <<<"$line"
  eval "words=($rest)"
  run_case "$want" "$tool" "${words[@]}"
done <<<"$cases"

echo
echo "$tried bad inputs tried, ${#failed[@]} failed; $left_out known failures left out (BAD_INPUT_ALL=1 runs them)"
for f in "${failed[@]}"; do echo "  failed: $f"; done
finish
