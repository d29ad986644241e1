# fish completion for ipcctl(1): subcommands, their options, types, columns,
# checks, and the refs of the objects that exist now for show and rm.

set -l commands ls list show mk create rm remove limits audit graph export help

function __ipcctl_prog
    set -l argv0 (commandline -opc)[1]
    command -q -- $argv0; and echo $argv0; or echo ipcctl
end

function __ipcctl_first_column
    # Each line "NAME description" of an ipcctl listing, as fish candidates.
    set -l prog (__ipcctl_prog)
    $prog $argv 2>/dev/null | string trim | string replace -r '^(\S+)\s+(.*)$' '$1\t$2'
end

# For a comma separated value: the items, each after what is typed before its comma.
function __ipcctl_comma_list
    set -l token (commandline -ct | string replace -r '^-[^=]*=' '')
    set -l head (string match -r '^.*,' -- $token)
    for item in $argv
        printf "%s%s\n" "$head" $item
    end
end

function __ipcctl_types
    __ipcctl_comma_list (__ipcctl_first_column ls --list-types)
end

function __ipcctl_columns
    __ipcctl_comma_list (__ipcctl_first_column ls --list-columns)
end

function __ipcctl_checks
    __ipcctl_comma_list (__ipcctl_first_column audit --list-checks)
end

function __ipcctl_refs
    set -l prog (__ipcctl_prog)
    $prog ls --raw --noheadings -o REF $argv 2>/dev/null
end

function __ipcctl_pids
    __ipcctl_comma_list (__fish_complete_pids)
end

complete -c ipcctl -f
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'print help and exit'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -s V -l version -d 'print the version and exit'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a 'ls list' -d 'list IPC objects and the processes that hold them'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a show -d 'show everything known about IPC objects'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a 'mk create' -d 'create an IPC object'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a 'rm remove' -d 'remove IPC objects, safely'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a limits -d 'show every IPC limit with its current use'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a audit -d 'find what is wrong: open permissions, leaks, stuck channels, limits'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a graph -d 'draw who talks to whom: processes joined by their IPC objects'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a export -d 'write the machine\'s IPC as metrics (Prometheus text format)'
complete -c ipcctl -n "not __fish_seen_subcommand_from $commands" -a help -d 'show help for a command'
complete -c ipcctl -n "__fish_seen_subcommand_from help" -a "$commands"

# Options every subcommand has, and those the listing ones share.
complete -c ipcctl -n "__fish_seen_subcommand_from $commands" -s h -l help -d 'print help and exit'
complete -c ipcctl -n "__fish_seen_subcommand_from $commands; and not __fish_seen_subcommand_from help" -s q -l quiet -d 'do not print warnings on stderr'
set -l select ls list rm remove audit graph
complete -c ipcctl -n "__fish_seen_subcommand_from ls list audit graph export" -s t -l type -x -a '(__ipcctl_types)' -d 'only these types'
complete -c ipcctl -n "__fish_seen_subcommand_from $select" -s p -l pid -x -a '(__ipcctl_pids)' -d 'only objects these processes hold'
complete -c ipcctl -n "__fish_seen_subcommand_from $select" -s u -l user -x -a '(__fish_complete_users)' -d 'objects owned by USER or held by its processes'
complete -c ipcctl -n "__fish_seen_subcommand_from $select" -s Q -l filter -x -d 'filter expression'
complete -c ipcctl -n "__fish_seen_subcommand_from $select show" -s A -l all-namespaces -d 'every IPC and network namespace (containers)'
complete -c ipcctl -n "__fish_seen_subcommand_from $select show" -s N -l namespace -x -a '(__fish_complete_pids)' -d 'only the namespace of PID, an inode or a namespace file'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -s N -l namespace -x -a '(__fish_complete_pids)' -d 'create it in the IPC namespace of PID'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list rm remove audit" -l scan -x -a '(__fish_complete_directories)' -d 'also FIFOs and socket files under DIR'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list show audit limits mk create rm remove" -s J -l json -d 'print JSON'

# ls
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -s s -l summary -d 'counts and bytes per type and per owner'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list show" -l no-probe -d 'do not open pipes to measure their unread bytes'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l jsonl -d 'one JSON object per line'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l csv -d 'print CSV (RFC 4180)'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -s W -l wrap -d 'wrap wide cells rather than cut them'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l no-truncate -d 'neither cut nor wrap: one line per object'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l color -x -a 'auto always never' -d 'colour types, states, errors and warnings'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list limits" -s r -l raw -d 'cells separated by one space'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list limits" -s n -l noheadings -d 'do not print headings'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list show limits" -s b -l bytes -d 'sizes in bytes'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -s o -l output -x -a '(__ipcctl_columns)' -d 'columns to print'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l sort -x -a '(__ipcctl_columns)' -d 'sort by COL, -COL descending'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l list-columns -d 'describe every column and exit'
complete -c ipcctl -n "__fish_seen_subcommand_from ls list" -l list-types -d 'describe every type and exit'

# show and rm: refs of existing objects, or paths
complete -c ipcctl -n "__fish_seen_subcommand_from show" -a '(__ipcctl_refs)' -d ref
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -a '(__ipcctl_refs -t sysv,posix,fifo)' -d ref
complete -c ipcctl -n "__fish_seen_subcommand_from show rm remove; and string match -q -- '/*' (commandline -ct)" -F

# mk
set -l mk_types sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem fifo
complete -c ipcctl -n "__fish_seen_subcommand_from mk create; and not __fish_seen_subcommand_from $mk_types" -a "$mk_types" -d type
complete -c ipcctl -n "__fish_seen_subcommand_from mk create; and __fish_seen_subcommand_from fifo" -F
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -s s -l size -x -d 'size of sysv-shm or posix-shm'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l nsems -x -d 'sysv-sem: number of semaphores'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l value -x -d 'initial semaphore value'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l maxmsg -x -d 'posix-mq: most messages queued'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l msgsize -x -d 'posix-mq: largest message in bytes'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -s m -l mode -x -d 'permission bits in octal'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l key-from -r -F -d 'SysV: make the key from PATH'
complete -c ipcctl -n "__fish_seen_subcommand_from mk create" -l proj -x -d 'with --key-from: the project id'

# rm
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -s t -l type -x -a '(__ipcctl_comma_list sysv-msg sysv-shm sysv-sem posix-mq posix-shm posix-sem fifo unix sysv posix)' -d 'remove objects of these types'
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -l orphaned -d 'only objects nobody uses any more'
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove audit" -l ignore-unreadable -d 'count unreadable processes as holding nothing'
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -l older-than -x -d 'only objects unchanged for DURATION'
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -s f -l force -d 'remove objects in use'
complete -c ipcctl -n "__fish_seen_subcommand_from rm remove" -s n -l dry-run -d 'print what would be removed, change nothing'

# limits
complete -c ipcctl -n "__fish_seen_subcommand_from limits" -l color -x -a 'auto always never' -d 'colour the rows above 80% use'

# audit
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l check -x -a '(__ipcctl_checks)' -d 'run only these checks'
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l skip -x -a '(__ipcctl_checks)' -d 'do not run these checks'
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l fail-on -x -a 'info low medium high none' -d 'exit 1 at this severity or more'
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l stale -x -d 'how long without a read makes a queue stale'
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l lock-wait -x -d 'how long a lock waiter must have waited'
complete -c ipcctl -n "__fish_seen_subcommand_from audit" -l list-checks -d 'describe every check and exit'

# graph
complete -c ipcctl -n "__fish_seen_subcommand_from graph" -l around -x -a '(__fish_complete_pids)' -d 'only PID and its neighbours'
complete -c ipcctl -n "__fish_seen_subcommand_from graph" -l depth -x -d 'with --around: how many hops'
complete -c ipcctl -n "__fish_seen_subcommand_from graph" -s F -l format -x -a 'dot mermaid json' -d 'output format'
complete -c ipcctl -n "__fish_seen_subcommand_from graph" -l svg -r -F -d 'render to FILE as SVG'

# export
complete -c ipcctl -n "__fish_seen_subcommand_from export" -s F -l format -x -a prometheus -d 'metrics format'
complete -c ipcctl -n "__fish_seen_subcommand_from export" -s o -l output -r -F -d 'write to FILE atomically'
complete -c ipcctl -n "__fish_seen_subcommand_from export" -l per-object -d 'also one series per object'
