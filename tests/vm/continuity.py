#!/usr/bin/env python3
"""Did a migrated guest's count go on without a gap?

  continuity.py PREFIX SOURCE_OUTPUT DESTINATION_OUTPUT

The guest's console is one stream cut in two: the source's output may end in
the middle of a line, which the destination's first bytes finish. So the two
files are joined, and every "PREFIX: N" line of the whole must be the one
before plus one. Prints the count at the cut; exit 1 on a gap or a repeat.
"""
import re
import sys


def counts(text, prefix):
    return [int(n) for n in re.findall(r'^%s: (\d+)$' % re.escape(prefix), text, re.M)]


def main(prefix, src_path, dst_path):
    src = open(src_path, errors='replace').read().replace('\r', '')
    dst = open(dst_path, errors='replace').read().replace('\r', '')
    whole = counts(src + dst, prefix)
    before = counts(src, prefix)
    if len(whole) <= len(before) + 1:
        print(f'the destination printed no count of its own after {before[-1:]}')
        return 1
    for a, b in zip(whole, whole[1:]):
        if b != a + 1:
            print(f'the count went from {a} to {b}')
            return 1
    cut = len(before) if src.endswith('\n') else len(before) - 1
    print(f'the source counted to {whole[cut - 1]}, the destination from {whole[cut]}')
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
