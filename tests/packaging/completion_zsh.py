#!/usr/bin/env python3
"""The zsh completions: `zsh -n` on each file, and the options they offer
against --help. For ipcctl every subcommand of --help must be in the
`commands` list, and each subcommand's branch of the `case` (with the shared
`select` specs it expands) must offer exactly the long options its --help
lists; ipcbench's and ipctrace's files exactly theirs. Then zsh completes
real lines in a pseudo-terminal (zpty): subcommands, types, values, and the
ref of a segment this test creates with `ipcctl mk` and removes.

Usage: completion_zsh.py SOURCE_ROOT EXE... Exits 77 when zsh is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

OPTION = re.compile(r"(?<=['{,)*])--[a-z][a-z0-9-]*(?=[\[=+'}, ])")
problems = []


def problem(text):
    problems.append(text)
    print("FAIL: " + text)


def help_text(argv):
    return subprocess.run(argv + ["--help"], capture_output=True, text=True).stdout


def section(text, name):
    m = re.search(r"^%s:\n(.*?)(?:\n\n|\Z)" % name, text, re.M | re.S)
    return m.group(1).splitlines() if m else []


def help_longs(text):
    longs = set()
    for line in section(text, "Options"):
        m = re.match(r"^\s+(-\S+)", line)
        if m:
            longs.update(o for o in m.group(1).split(",") if o.startswith("--"))
    return longs


def help_subcommands(text):
    subs = []
    for line in section(text, "Subcommands"):
        names = re.split(r"\s{2,}", line.strip())[0]
        subs.append([n.strip() for n in names.split(",")])
    return subs


def compare(what, offered, listed):
    for opt in sorted(listed - offered):
        problem(f"{what}: {opt} is in --help but not offered")
    for opt in sorted(offered - listed):
        problem(f"{what}: {opt} is offered but not in --help")


def check_ipcctl(exe, script):
    top = help_text([exe])
    m = re.search(r"commands=\((.*?)\n\s*\)", script, re.S)
    listed = set(re.findall(r"'([\w-]+):", m.group(1))) if m else set()
    # The spec arrays branches expand: select (-t -p -u -Q --scan), ns (-A -N).
    arrays = {}
    for name in ("select", "ns"):
        m_array = re.search(r"\b%s=\((.*?)\n\s*\)" % name, script, re.S)
        specs = []
        for spec in (m_array.group(1) if m_array else "").strip().splitlines():
            spec = spec.strip()
            b = re.search(r"\{(-\w\+?),(--[\w-]+=?)\}", spec)
            specs += [b.group(1), b.group(2)] if b else [spec]
        arrays[name] = specs
    for names in help_subcommands(top):
        for n in names:
            if n not in listed:
                problem(f"_ipcctl: subcommand {n} is not in the commands list")
        if names[0] == "help":
            continue
        branch = re.search(r"^\s+(?:[\w-]+\|)*%s(?:\|[\w-]+)*\)\n(.*?);;" % re.escape(names[0]),
                           script, re.M | re.S)
        if not branch:
            problem(f"_ipcctl: no case branch for {names[0]}")
            continue
        text = branch.group(1)
        # ${select[a,b]}: the a-th to b-th words of the specs (braces expand to two).
        for name, specs in arrays.items():
            for ref in re.findall(r"\$\{?%s(?:\[(\d+),(-?\d+)\])?\}?" % name, text):
                lo = int(ref[0]) if ref[0] else 1
                hi = int(ref[1]) if ref[1] else len(specs)
                hi = len(specs) + hi + 1 if hi < 0 else hi
                text += "\n" + "\n".join("{" + s + " " for s in specs[lo - 1:hi])
        compare(f"_ipcctl {names[0]}", set(OPTION.findall(text)), help_longs(help_text([exe, names[0]])))


# Types LINE and a TAB into an interactive zsh with compinit and the
# completions on fpath; prints what the terminal shows.
ZPTY_DRIVER = r"""
zmodload zsh/zpty || exit 3
zpty z 'TERM=dumb zsh -f -i'
zpty -w z "fpath=($ZDIR \$fpath); autoload -U compinit; compinit -u -D; PS1='> '; zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=1000; unsetopt zle_bracketed_paste; setopt nobeep"
# drain MAX QUIET: reads what zsh prints until it has been quiet for QUIET
# tenths of a second after printing something (a completion that runs
# ipcctl pauses far less), or for MAX seconds.
drain() { local chunk end=$(( SECONDS + $1 )) quiet=0; out=""
  while (( SECONDS < end )); do
    if zpty -r -t z chunk; then out+=$chunk; quiet=0
    elif [[ -n $out ]] && (( ++quiet >= $2 )); then break
    else sleep 0.1; fi
  done }
drain 5 5
zpty -n -w z "$1"$'\t'
drain 8 10
print -r -- "$out"
zpty -d z
"""


def zsh_complete(driver, env, line):
    r = subprocess.run(["zsh", "-f", driver, line], capture_output=True, text=True, env=env)
    return r.returncode, r.stdout.replace("\r", "")


def check_live(src, ipcctl):
    with tempfile.TemporaryDirectory() as tmp:
        driver = os.path.join(tmp, "driver.zsh")
        with open(driver, "w") as f:
            f.write(ZPTY_DRIVER)
        os.mkdir(os.path.join(tmp, "bin"))
        os.symlink(os.path.abspath(ipcctl), os.path.join(tmp, "bin", "ipcctl"))
        env = dict(os.environ, PATH=os.path.join(tmp, "bin") + ":" + os.environ["PATH"],
                   ZDIR=os.path.join(src, "completions", "zsh"))
        rc, _ = zsh_complete(driver, env, "true")
        if rc == 3:
            print("skipped the zpty checks: no zsh/zpty module")
            return

        def expect(line, *words):
            rc, out = zsh_complete(driver, env, line)
            missing = [w for w in words if w not in out]
            if rc != 0 or missing:
                problem(f"zsh: '{line}<TAB>' does not show {missing} (exit {rc}): {out.strip()[-300:]!r}")
            else:
                print(f"ok: zsh completes '{line}'")

        subs = [n for names in help_subcommands(help_text([ipcctl])) for n in names]
        expect("ipcctl ", *subs)
        expect("ipcctl ls -t sysv-", "sysv-msg", "sysv-sem", "sysv-shm")
        expect("ipcctl limits --color ", "always", "auto", "never")
        expect("ipcctl ls -o NATT", "NATTCH")
        r = subprocess.run([ipcctl, "mk", "sysv-shm", "--size", "4096"], capture_output=True, text=True)
        ref = r.stdout.strip()
        if r.returncode != 0 or not ref.startswith("sysv-shm:"):
            problem(f"ipcctl mk sysv-shm failed: {r.stderr.strip()}")
            return
        try:
            expect("ipcctl show " + ref[:-1], ref)
            expect("ipcctl rm " + ref[:-1], ref)
        finally:
            subprocess.run([ipcctl, "rm", "--force", ref], capture_output=True)


def main():
    if not shutil.which("zsh"):
        print("SKIP: zsh is not installed")
        return 77
    src, exes = sys.argv[1], sys.argv[2:]
    zdir = os.path.join(src, "completions", "zsh")
    for f in sorted(os.listdir(zdir)):
        r = subprocess.run(["zsh", "-n", os.path.join(zdir, f)], capture_output=True, text=True)
        if r.returncode != 0:
            problem(f"zsh -n {f}: {r.stderr.strip()}")
        else:
            print(f"ok: zsh -n {f}")
    for exe in exes:
        name = os.path.basename(exe)
        path = os.path.join(zdir, "_" + name)
        if not os.path.exists(path):
            problem(f"no zsh completion for {name}")
            continue
        script = open(path, encoding="utf-8").read()
        if help_subcommands(help_text([exe])):
            check_ipcctl(exe, script)
        else:
            compare(f"_{name}", set(OPTION.findall(script)), help_longs(help_text([exe])))
        print(f"checked _{name} against {name} --help")
    check_live(src, exes[0])
    print(f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
