#!/usr/bin/env python3
"""Every command in README.md runs as written after its set-up command.

Usage: readme.py SOURCE_ROOT BUILD_ROOT, with IPCCTL, IPCBENCH and IPCTRACE
naming the built executables (IPCBENCH and IPCTRACE may be absent when they
are not built).

The commands are the lines of the README's fenced ```sh blocks and the
prompted lines ("# " for root, "$ ") of its ```console blocks, split at
"&&", with trailing "# comments" removed. A fenced block without a language
is an error: it must say whether it holds commands (sh, console) or not.

The set-up command ("meson setup DIR && ninja -C DIR") names the build
directory: a command's program DIR/PATH must be a built executable under this
build (BUILD_ROOT/PATH, so a directory gives "Is a directory", as it does to a
reader). A bare "ipcctl", "ipcbench" or "ipctrace" is an error: nothing puts
it on PATH before "meson install".

Every command matches one rule below, or the test fails, so a new README
command must be classified here. Commands that change the machine are
skipped by rule (their program must still exist); the others are run, each
in an empty temporary directory, and must exit 0:
  - ipcctl ls, show, limits, graph, audit, export, help and rm --dry-run:
    run as written; a pid given to -p, -N or --pid (812 and 4242 in the
    README are examples) is replaced by this test's own pid;
  - ipcctl rm without --dry-run, ipcctl mk: skipped (they remove or create);
  - ipcbench: run with a tiny budget added (-n 20 -w 5 -q) unless the command
    sets one: the same mechanisms, sizes, placements and output options,
    in a second instead of the README's ~30 s;
  - ipctrace -- CMD: run with CMD replaced by a short pipeline
    (sh -c 'echo readme | cat'); the exit status is the traced command's;
  - ipctrace -p PID: attached to a sleeping child of this test, which it
    follows until the child exits; an -o FILE must then exist (skipped when
    not root and Yama's ptrace_scope forbids attaching to a non-descendant);
  - packaging/bootstrap.sh (installs packages), tests/run.sh (the suite
    this test is part of), meson setup and ninja (this build is made):
    skipped.
"""
import os
import shlex
import subprocess
import sys
import tempfile

TIMEOUT = 20
PLACEHOLDER_PID_OPTIONS = {'-p', '-N', '--pid', '--attach', '--netns-pid'}

source_root, build_root = sys.argv[1], sys.argv[2]
tools = {name: os.environ.get(name.upper()) for name in ('ipcctl', 'ipcbench', 'ipctrace')}
if not tools['ipcctl']:
    sys.exit('readme.py: IPCCTL (and IPCBENCH, IPCTRACE) must name the built executables')
failures = []
counts = {'run': 0, 'skipped': 0}


def fail(where, command, why):
    failures.append(f'{where}: {command}\n    {why}')
    print(f'FAIL {where}: {command}\n    {why}')


def skip(where, command, why):
    counts['skipped'] += 1
    print(f'skip {where}: {command}  ({why})')


def extract(readme):
    """(line number, text) of every command line in the README's fenced blocks."""
    commands, language, start = [], None, 0
    pending = ''
    for number, line in enumerate(readme.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith('```'):
            if language is None:
                language, start = stripped[3:].strip(), number
                if language == '':
                    fail(f'README.md:{number}', '```',
                         'a fenced block without a language: label it sh or console '
                         '(commands this test runs) or text')
            else:
                language = None
            continue
        if language in ('sh', 'bash', 'shell'):
            if not stripped or stripped.startswith('#'):
                continue
            text = stripped
        elif language == 'console':
            if stripped.startswith(('# ', '$ ')):
                text = stripped[2:].strip()
            elif pending:
                text = stripped
            else:
                continue  # output
        else:
            continue
        if text.endswith('\\'):
            pending += text[:-1] + ' '
            continue
        commands.append((number, pending + text))
        pending = ''
    if language is not None:
        fail(f'README.md:{start}', '```' + language, 'the fenced block is never closed')
    return commands


def split(text):
    """The simple commands of a line (argv lists), or raise ValueError."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = '#'
    simple, current = [], []
    for token in lexer:
        if token == '&&':
            simple.append(current)
            current = []
        elif token and all(c in lexer.punctuation_chars for c in token):
            raise ValueError(f"no rule for the shell operator '{token}'")
        else:
            current.append(token)
    simple.append(current)
    if any(not argv for argv in simple):
        raise ValueError('an empty command')
    return simple


def live_pids(argv, pid):
    """argv with the example pid of each pid option replaced by pid."""
    out, replaced = list(argv), []
    for i, arg in enumerate(out[:-1]):
        if arg in PLACEHOLDER_PID_OPTIONS and out[i + 1].isdigit():
            replaced.append(f'{arg} {out[i + 1]} -> {pid}')
            out[i + 1] = str(pid)
    return out, replaced


def run(where, argv, run_argv, expect_file=None, child=None):
    shown = shlex.join(argv)
    counts['run'] += 1
    with tempfile.TemporaryDirectory(prefix='readme-') as cwd:
        try:
            result = subprocess.run(run_argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    timeout=TIMEOUT, text=True, errors='replace')
        except subprocess.TimeoutExpired:
            fail(where, shown, f'did not end within {TIMEOUT} s: {shlex.join(run_argv)}')
            return
        finally:
            if child is not None:
                child.kill()
                child.wait()
        if result.returncode != 0:
            fail(where, shown, f'exit {result.returncode}: {shlex.join(run_argv)}\n    '
                 + result.stderr.strip().replace('\n', '\n    '))
            return
        if expect_file and not os.path.isfile(os.path.join(cwd, expect_file)):
            fail(where, shown, f'{expect_file} was not written: {shlex.join(run_argv)}')
            return
    print(f'ok   {where}: {shown}' + ('' if run_argv[1:] == argv[1:] else
                                     f'\n       as: {shlex.join(run_argv[1:])}'))


def ptrace_scope():
    try:
        with open('/proc/sys/kernel/yama/ptrace_scope', encoding='ascii') as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


def classify(where, argv, build_dir):
    shown = shlex.join(argv)
    program = argv[0]
    if program in ('packaging/bootstrap.sh', 'tests/run.sh'):
        path = os.path.join(source_root, program)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            fail(where, shown, f'{program} is not an executable file of the source tree')
        else:
            skip(where, shown, 'installs Debian packages' if program.startswith('packaging')
                 else 'the whole suite, which this test is part of')
        return
    if program == 'meson' and argv[1:2] == ['setup']:
        skip(where, shown, 'configures a build directory; this build is configured')
        return
    if program == 'ninja':
        skip(where, shown, 'builds; this build is built')
        return
    if program in tools:
        fail(where, shown, f"'{program}' is not on PATH after the set-up command "
             f"(only meson install puts it there): write its path under {build_dir}/")
        return
    if not program.startswith(build_dir + '/'):
        fail(where, shown, 'no rule for this command: classify it in tests/packaging/readme.py')
        return
    path = os.path.join(build_root, program[len(build_dir) + 1:])
    if os.path.isdir(path):
        inside = os.path.join(program, os.path.basename(program))
        fail(where, shown, f'{program}: Is a directory'
             + (f' (the executable is {inside})'
                if os.path.isfile(os.path.join(path, os.path.basename(path))) else ''))
        return
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        fail(where, shown, f'{program}: no such executable in the build ({path})')
        return
    tool = next((name for name, exe in tools.items()
                 if exe and os.path.exists(exe) and os.path.samefile(exe, path)), None)
    if tool is None:
        fail(where, shown, f'{program} is none of the executables the README describes')
        return
    args = argv[1:]
    if tool == 'ipcctl':
        command = args[0] if args else ''
        if command in ('rm', 'remove') and not ({'--dry-run', '-n'} & set(args)):
            skip(where, shown, 'removes objects: only rm --dry-run is run')
        elif command in ('mk', 'create'):
            skip(where, shown, 'creates an object')
        elif command in ('ls', 'list', 'show', 'limits', 'graph', 'audit', 'export', 'help',
                         'rm', 'remove', '--help', '--version'):
            run_args, _ = live_pids(args, os.getpid())
            run(where, argv, [path] + run_args)
        else:
            fail(where, shown, f"no rule for 'ipcctl {command}': classify it in "
                 'tests/packaging/readme.py')
    elif tool == 'ipcbench':
        budget = {'-n', '--iterations', '-d', '--duration'} & set(args)
        run(where, argv, [path] + args + ([] if budget else ['-n', '20', '-w', '5', '-q']))
    elif tool == 'ipctrace':
        if '--' in args:
            cut = args.index('--')
            run(where, argv, [path] + args[:cut] + ['--', 'sh', '-c', 'echo readme | cat'])
        elif {'-p', '--attach'} & set(args) and os.geteuid() != 0 and ptrace_scope() >= 1:
            skip(where, shown, 'attaching to a process that is not a descendant needs root '
                 'under this kernel.yama.ptrace_scope')
        elif {'-p', '--attach'} & set(args):
            child = subprocess.Popen(['sh', '-c', 'sleep 1; echo readme | cat >/dev/null'])
            run_args, _ = live_pids(args, child.pid)
            output = None
            for option in ('-o', '--output'):
                if option in run_args[:-1]:
                    output = run_args[run_args.index(option) + 1]
            run(where, argv, [path] + run_args, expect_file=output, child=child)
        else:
            fail(where, shown, 'no rule for this ipctrace command: classify it in '
                 'tests/packaging/readme.py')


def main():
    with open(os.path.join(source_root, 'README.md'), encoding='utf-8') as f:
        commands = extract(f.read())
    if not commands:
        fail('README.md', '', 'no command found in its fenced sh and console blocks')
    parsed = []
    for number, text in commands:
        try:
            parsed.append((number, split(text)))
        except ValueError as e:
            fail(f'README.md:{number}', text, str(e))
    # The set-up command names the build directory that later commands use.
    build_dirs = {argv[2] for _, line in parsed for argv in line
                  if argv[:2] == ['meson', 'setup'] and len(argv) > 2}
    build_dirs |= {argv[argv.index('-C') + 1] for _, line in parsed for argv in line
                   if argv[0] == 'ninja' and '-C' in argv[:-1]}
    if len(build_dirs) > 1:
        fail('README.md', '', f'the set-up commands name several build directories: {sorted(build_dirs)}')
    build_dir = next(iter(build_dirs), 'build')
    for number, line in parsed:
        for argv in line:
            classify(f'README.md:{number}', argv, build_dir)
    print(f"{len(commands)} command lines: {counts['run']} commands run, "
          f"{counts['skipped']} skipped by rule, {len(failures)} failed")
    if counts['run'] == 0:
        print('FAIL: no README command was run')
        return 1
    return 1 if failures else 0


sys.exit(main())
