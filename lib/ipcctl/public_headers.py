#!/usr/bin/env python3
# The headers libipcctl-dev installs: the public ones lib/ipcctl/meson.build
# names, and every <ipcctl/...> header they include, transitively, so that an
# installed header never includes one that is not installed.
#   public_headers.py DIR HEADER...          prints the closure, one a line
#   public_headers.py --check DIR HEADER...  also fails (exit 1) naming each
#       header of the closure that does not declare its API between
#       IPCCTL_API_BEGIN and IPCCTL_API_END: its functions would be hidden in
#       libipcctl.so and a program calling them would not link.
# DIR is lib/ipcctl; HEADER is relative to it ("query/filter.hpp").
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*<ipcctl/([^>]+)>', re.M)


def closure(root, headers):
    seen, todo, missing = set(), list(headers), []
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        try:
            text = open(f'{root}/{h}', encoding='utf-8').read()
        except OSError:
            missing.append(h)
            continue
        todo.extend(INCLUDE.findall(text))
    return sorted(seen), missing


def main(argv):
    check = argv[:1] == ['--check']
    if check:
        argv = argv[1:]
    if len(argv) < 2:
        print('usage: public_headers.py [--check] DIR HEADER...', file=sys.stderr)
        return 2
    root, headers = argv[0], argv[1:]
    found, missing = closure(root, headers)
    for h in missing:
        print(f'public_headers.py: {h}: no such header in {root}', file=sys.stderr)
    bad = []
    if check:
        for h in found:
            if h == 'api.hpp' or h in missing:
                continue
            text = open(f'{root}/{h}', encoding='utf-8').read()
            begin, end = text.find('IPCCTL_API_BEGIN'), text.rfind('IPCCTL_API_END')
            if begin < 0 or end < begin:
                bad.append(h)
        for h in bad:
            print(f'{h}: installed, but declares nothing between IPCCTL_API_BEGIN and IPCCTL_API_END', file=sys.stderr)
    else:
        print('\n'.join(h for h in found if h not in missing))
    return 1 if missing or bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
