# fish completion for ipctrace(1): options and their values, then the traced
# command and its own arguments.

function __ipctrace_comma_list
    set -l head (string match -r '^.*,' -- (commandline -ct | string replace -r '^-[^=]*=' ''))
    for item in $argv
        printf "%s%s\n" "$head" $item
    end
end

# True until the traced command is on the line.
function __ipctrace_no_command
    set -l words (commandline -opc)
    set -e words[1]
    while set -q words[1]
        switch $words[1]
            case -p --attach -o --output --interval -s --payload -e --mechanisms --pid --comm --channel --spin --cgroup --duration
                set -e words[1]
            case --
                return 1
            case '-*'
            case '*'
                return 1
        end
        set -e words[1]
    end
    return 0
end

complete -c ipctrace -n __ipctrace_no_command -s h -l help -d 'print help and exit'
complete -c ipctrace -n __ipctrace_no_command -s V -l version -d 'print the version and exit'
complete -c ipctrace -n __ipctrace_no_command -s p -l attach -x -a '(__ipctrace_comma_list (__fish_complete_pids))' -d 'trace these running processes'
complete -c ipctrace -n __ipctrace_no_command -s o -l output -r -F -d 'write the trace to FILE'
complete -c ipctrace -n __ipctrace_no_command -l json -d 'JSON Lines: one object per event'
complete -c ipctrace -n __ipctrace_no_command -s c -l summary -d 'a table per channel and direction at exit'
complete -c ipctrace -n __ipctrace_no_command -l interval -x -d 'with -c, print the table every SEC seconds'
complete -c ipctrace -n __ipctrace_no_command -s s -l payload -x -d 'show the first N bytes of each message'
complete -c ipctrace -n __ipctrace_no_command -s x -l hex -d 'show the payload as hex and ASCII'
complete -c ipctrace -n __ipctrace_no_command -s e -l mechanisms -x -a '(__ipctrace_comma_list pipe fifo unix tcp udp sysv-msg sysv-shm sysv-sem posix-mq posix-shm eventfd memfd signal sysv posix socket fd)' -d 'trace only these mechanisms'
complete -c ipctrace -n __ipctrace_no_command -l pid -x -a '(__ipctrace_comma_list (__fish_complete_pids))' -d 'show only events of these processes'
complete -c ipctrace -n __ipctrace_no_command -l comm -x -a '(__ipctrace_comma_list (__fish_complete_proc))' -d 'show only events of processes with these names'
complete -c ipctrace -n __ipctrace_no_command -l channel -x -a '(__ipctrace_comma_list (ipcctl ls --raw --noheadings -o REF 2>/dev/null))' -d 'show only events on these channels'
complete -c ipctrace -n __ipctrace_no_command -l fast -d 'report sends and signals at their entry'
complete -c ipctrace -n __ipctrace_no_command -l spin -x -d 'poll for the next stop this long before sleeping'
complete -c ipctrace -n __ipctrace_no_command -l utc -d 'print times in UTC'
complete -c ipctrace -n __ipctrace_no_command -s a -l system -d 'trace every process with eBPF (root)'
complete -c ipctrace -n __ipctrace_no_command -l cgroup -x -a '(__fish_complete_directories)' -d 'with --system: only processes in this cgroup'
complete -c ipctrace -n __ipctrace_no_command -l duration -x -d 'with --system: stop after SEC seconds'
# The traced command, then its own completions.
complete -c ipctrace -x -a '(__fish_complete_subcommand -p --attach -o --output --interval -s --payload -e --mechanisms --pid --comm --channel --cgroup --duration --spin)'
