#!/usr/bin/env python3
"""Checks that each executable's man page and its --help agree.

For every executable (and, for ipcctl, every subcommand) each long option that
--help lists appears in the man page (in the subcommand's own section), and
each option the page documents (its definition lines and synopsis lines) is
one --help lists. A subcommand without a section, or a section for a
subcommand that does not exist, is an error too.

Usage: help_man.py MAN_DIR EXE... (the built executables; the page of each is
MAN_DIR/<name>.1.scd). Prints every mismatch; exits 1 if there is one.
"""
import os
import re
import subprocess
import sys

LONG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# Options on the first line of a --help entry, e.g. "  -t,--type TYPES".
ENTRY = re.compile(r"^\s+(-[^\s]+)")

problems = []


def problem(text):
    problems.append(text)
    print("FAIL: " + text)


def help_text(argv):
    r = subprocess.run(argv + ["--help"], capture_output=True, text=True)
    if r.returncode != 0:
        problem(f"{' '.join(argv)} --help exits {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def help_sections(text):
    """{'Options': [lines], 'Subcommands': [lines]} from CLI11's help."""
    sections, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\w[\w ]*):$", line)
        if m:
            current = sections.setdefault(m.group(1), [])
        elif not line.strip():
            current = None
        elif current is not None:
            current.append(line)
    return sections


def help_options(text):
    """{'--type': {'-t'}, ...}: each long option with its short names."""
    opts = {}
    for line in help_sections(text).get("Options", []):
        m = ENTRY.match(line)
        if m:
            names = m.group(1).split(",")
            for o in names:
                if o.startswith("--"):
                    opts[o] = {n for n in names if re.fullmatch(r"-\w", n)}
    return opts


def help_subcommands(text):
    subs = []
    for line in help_sections(text).get("Subcommands", []):
        m = re.match(r"^\s+([a-z][\w-]*)", line)
        if m and m.group(1) != "help":
            subs.append(m.group(1))
    return subs


def man_sections(path):
    """[(heading, [lines])] of an scdoc page."""
    sections = [("", [])]
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith("# "):
                sections.append((line[2:].strip(), []))
            else:
                sections[-1][1].append(line)
    return sections


def documented(lines, prog, sub=None):
    """Options on definition lines (a bold option line followed by an
    indented description) and on synopsis lines (*prog sub* [...])."""
    opts = set()
    synopsis = re.compile(r"^\*%s\*?\s*\*?%s\*" % (re.escape(prog), re.escape(sub or "")))
    for i, line in enumerate(lines):
        definition = line.startswith("*-") and i + 1 < len(lines) and lines[i + 1].startswith("\t")
        if definition or (sub and synopsis.match(line)):
            opts.update(LONG.findall(line))
    return opts


def mentioned(lines):
    return set(LONG.findall("\n".join(lines)))


def check_single(exe, page):
    name = os.path.basename(exe)
    sections = man_sections(page)
    lines = [l for _, ls in sections for l in ls]
    in_help = help_options(help_text([exe]))
    for opt in sorted(set(in_help) - mentioned(lines)):
        problem(f"{name}: {opt} is in --help but not in {os.path.basename(page)}")
    for opt in sorted(documented(lines, name) - set(in_help)):
        problem(f"{name}: {opt} is documented in {os.path.basename(page)} but not in --help")
    return len(in_help)


def check_subcommands(exe, page):
    name = os.path.basename(exe)
    top = help_text([exe])
    subs = help_subcommands(top)
    if not subs:
        problem(f"{name}: --help lists no subcommands")
    sections = man_sections(page)
    all_lines = [l for _, ls in sections for l in ls]
    checked = 0
    for opt in sorted(set(help_options(top)) - mentioned(all_lines)):
        problem(f"{name}: {opt} is in --help but not in {os.path.basename(page)}")
    # A heading that starts with a lowercase word names a subcommand ("ls OPTIONS").
    by_sub = {}
    for heading, lines in sections:
        word = heading.split(" ")[0] if heading else ""
        if re.fullmatch(r"[a-z][a-z0-9-]*", word):
            by_sub.setdefault(word, []).extend(lines)
    for word in sorted(set(by_sub) - set(subs)):
        problem(f"{name}: the page has a section for '{word}', which is not a subcommand")
    # Options every subcommand takes (-q) are documented once, in a
    # "COMMON OPTIONS" section, rather than in each subcommand's.
    common = set()
    for heading, lines in sections:
        if heading == "COMMON OPTIONS":
            common |= documented(lines, name)
    for sub in subs:
        in_help = help_options(help_text([exe, sub]))
        checked += len(in_help)
        if sub not in by_sub:
            problem(f"{name} {sub}: no section in {os.path.basename(page)}")
            continue
        lines = by_sub[sub]
        # A section may name an option by its short form ("-t, -u as in ls")
        # when the page spells out the long one elsewhere.
        text = "\n".join(lines)
        in_page = mentioned(all_lines)
        for opt in sorted(set(in_help) - {"--help"} - common - mentioned(lines)):
            shorts = [s for s in in_help[opt] if re.search(r"\*%s\*" % re.escape(s), text)]
            if not (shorts and opt in in_page):
                problem(f"{name} {sub}: {opt} is in --help but not in the '{sub}' section")
        for opt in sorted(documented(lines, name, sub) - set(in_help)):
            problem(f"{name} {sub}: {opt} is documented in the '{sub}' section but not in --help")
    return checked


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    man_dir, exes = sys.argv[1], sys.argv[2:]
    for exe in exes:
        name = os.path.basename(exe)
        page = os.path.join(man_dir, name + ".1.scd")
        if not os.path.exists(page):
            problem(f"{name}: no man page {page}")
            continue
        if help_subcommands(help_text([exe])):
            n = check_subcommands(exe, page)
        else:
            n = check_single(exe, page)
        print(f"{name}: {n} options from --help checked against {os.path.basename(page)}")
    print(f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
