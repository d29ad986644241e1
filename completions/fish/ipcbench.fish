# fish completion for ipcbench(1): options, mechanisms and families as
# `ipcbench --list` prints them, tests, polling modes, timers.

function __ipcbench_mechanisms
    set -l argv0 (commandline -opc)[1]
    command -q -- $argv0; or set argv0 ipcbench
    set -l head (string match -r '^.*,' -- (commandline -ct | string replace -r '^-[^=]*=' ''))
    # "NAME FAMILY description": both names and families select.
    for word in ($argv0 --list 2>/dev/null | string replace -r '^(\S+)\s+(\S+).*' '$1\n$2' | sort -u)
        printf "%s%s\n" "$head" $word
    end
end

complete -c ipcbench -f
complete -c ipcbench -s h -l help -d 'print help and exit'
complete -c ipcbench -s V -l version -d 'print the version and exit'
complete -c ipcbench -s l -l list -d 'describe every mechanism and exit'
complete -c ipcbench -s m -l mechanism -x -a '(__ipcbench_mechanisms)' -d 'mechanisms or families'
complete -c ipcbench -s t -l test -x -a 'latency throughput both' -d 'latency, throughput or both'
complete -c ipcbench -s s -l size -x -d 'message sizes (64,4K,64K,1M)'
complete -c ipcbench -s c -l cpus -x -a none -d 'pin the two sides to CPUs A,B'
complete -c ipcbench -s d -l duration -x -d 'seconds per measurement'
complete -c ipcbench -s n -l iterations -x -d 'round trips or messages per measurement'
complete -c ipcbench -s w -l warmup -x -d 'round trips or messages discarded first'
complete -c ipcbench -s r -l repeat -x -d 'run each measurement N times'
complete -c ipcbench -l poll -x -a 'block spin' -d 'receive by blocking or by busy-polling'
complete -c ipcbench -l threads -d 'run the two sides as threads of one process'
complete -c ipcbench -l rate -x -d 'latency open loop: round trips per second'
complete -c ipcbench -l timer -x -a 'auto tsc monotonic' -d 'per-sample clock'
complete -c ipcbench -s J -l json -d 'print JSON'
complete -c ipcbench -l csv -d 'print CSV, one line per measurement'
complete -c ipcbench -l svg -r -F -d 'also write a chart to FILE'
complete -c ipcbench -s q -l quiet -d 'no progress line'
