#!/bin/bash
# ipcctl graph on real process trees: a pipe is an edge writer -> reader, a
# socketpair an edge both ways, three socketpairs between the same two
# processes one edge with a count, a FIFO with three holders a node of its
# own; --around keeps a neighbourhood; DOT output renders with Graphviz.
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is needed for the socket pairs"

fixture pipe pipe bytes=10
fixture pair socketpair
fixture fifo fifo bytes=10

# Three socketpairs between a parent and its child.
mkfifo "$WORK/py.in"
python3 -c '
import os, socket, sys
pairs = [socket.socketpair() for _ in range(3)]
child = os.fork()
if child == 0:
    for a, b in pairs: a.close()
    sys.stdin.read(); os._exit(0)
for a, b in pairs: b.close()
print(os.getpid(), child, flush=True)
sys.stdin.read()
os.waitpid(child, 0)' <"$WORK/py.in" >"$WORK/py.out" &
py=$!
exec {pyfd}>"$WORK/py.in"
CLEANUP+=("exec $pyfd>&-; wait $py")
for _ in $(seq 100); do [[ -s $WORK/py.out ]] && break; sleep 0.05; done
read -r parent child <"$WORK/py.out"

# A third holder of the FIFO: this shell, reading and writing.
exec {fifofd}<>"$(fx fifo path)"
CLEANUP+=("exec $fifofd>&-")

pids="$$,$(fx pipe wpid),$(fx pipe rpid),$(fx pair pid),$(fx pair pid2),$(fx fifo wpid),$(fx fifo rpid),$parent,$child"
run_ipcctl graph -F json -p "$pids"
expect "graph -F json: exit 0" "{\"rc\":$RC}" .rc 0
G=$OUT
expect "the document" "$G" '[.schema, (.nodes | type), (.edges | type)]' '["ipcctl/1", "array", "array"]'

# edge FROM TO: the one edge between two nodes (in either order for both/none).
edge() {
  jq -c --arg a "$1" --arg b "$2" '[.edges[] | select((.from == $a and .to == $b) or (.direction != "forward" and .from == $b and .to == $a))]' <<<"$G"
}
e=$(edge "p$(fx pipe wpid)" "p$(fx pipe rpid)")
expect "pipe: one edge writer -> reader" "$e" '[.[] | [.type, .direction, .refs]]' "[[\"pipe\", \"forward\", [\"pipe:$(fx pipe inode)\"]]]"
e=$(edge "p$(fx pair pid)" "p$(fx pair pid2)")
expect "socketpair: one edge both ways" "$e" '[.[] | [.type, .direction, .count]]' '[["unix", "both", 1]]'
e=$(edge "p$parent" "p$child")
expect "three socketpairs: one edge with count 3" "$e" '[.[] | [.type, .direction, .count]]' '[["unix", "both", 3]]'

fifo_node=$(jq -r --arg r "fifo:$(fx fifo path)" '.nodes[] | select(.ref == $r) | .id' <<<"$G")
if [[ -n $fifo_node ]]; then
  ok "a FIFO with three holders is a node"
  expect "FIFO: the writer's edge goes into it" "$(edge "p$(fx fifo wpid)" "$fifo_node")" '[.[] | [.direction, .access]]' '[["forward", "w"]]'
  expect "FIFO: the reader's edge comes out of it" "$(edge "$fifo_node" "p$(fx fifo rpid)")" '[.[] | [.direction, .access]]' '[["forward", "r"]]'
else
  fail "no node for fifo:$(fx fifo path): $(jq -c '[.nodes[].ref]' <<<"$G")"
fi
expect "process nodes carry pid, comm and user" "$G" \
  "[.nodes[] | select(.id == \"p$parent\") | [.kind, .pid, .comm, .user]]" "[[\"process\", $parent, \"python3\", \"$(id -un)\"]]"

# --around: the pair's first process and its one neighbour, nothing else.
run_ipcctl graph -F json --around "$(fx pair pid)" -t unix -p "$pids"
expect "--around: only the neighbourhood" "$OUT" '[.nodes[].pid] | sort' "$(printf '[%s,%s]' "$(fx pair pid)" "$(fx pair pid2)" | jq -c sort)"

# DOT and Mermaid.
run_ipcctl graph -p "$pids"
[[ $OUT == "digraph ipc {"* && $OUT == *"p$(fx pipe wpid) -> p$(fx pipe rpid) [dir=forward"* ]] && ok "DOT: the pipe edge" || fail "DOT: ${OUT:0:300}"
if command -v dot >/dev/null; then
  dot -Tsvg -o "$WORK/g.svg" <<<"$OUT" 2>"$WORK/dot.err" && [[ -s $WORK/g.svg ]] && ok "DOT renders with dot -Tsvg" || fail "dot -Tsvg: $(cat "$WORK/dot.err")"
  run_ipcctl graph -p "$pids" --svg "$WORK/g2.svg"
  ((RC == 0)) && grep -q "<svg" "$WORK/g2.svg" && ok "--svg writes an SVG" || fail "--svg: exit $RC: $ERR"
else
  echo "note: Graphviz is not installed: the DOT rendering is not checked"
fi
run_ipcctl graph -F mermaid -p "$pids"
[[ $OUT == "flowchart LR"* && $OUT == *"p$(fx pair pid) <-->"* || $OUT == *"<--> p$(fx pair pid)"* ]] && ok "Mermaid: a both-ways edge" || fail "Mermaid: ${OUT:0:300}"

# Bad input: exit 2; a process that does not exist: exit 1.
for args in "-F png" "--depth 0" "--around abc" "-t nosuch" "-Q 'x =='"; do
  eval "run_ipcctl graph $args"
  ((RC == 2)) && [[ $(grep -c . <<<"$ERR") == 1 ]] && ok "graph $args: exit 2" || fail "graph $args: exit $RC: $ERR"
done
run_ipcctl graph --around 2147483000
expect "--around a pid that does not exist: exit 1" "{\"rc\":$RC}" .rc 1

finish
