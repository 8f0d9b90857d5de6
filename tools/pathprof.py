#!/usr/bin/env python3
"""pathprof.py: where the instructions of a benchmark go, per function.

QEMU's "-d in_asm,exec,nochain" log says which translated blocks ran and
what each one holds; this script adds the instructions up per symbol of the
kernel ELF.  A rep-prefixed string instruction counts once per iteration,
as under -icount.

To isolate one benchmark from the boot around it, log two runs that differ
only in bench_iters= and give both: the difference divided by the
difference in iterations is the cost of one iteration.

    PKRULAB_QEMU_ARGS="-d in_asm,exec,nochain -dfilter 0x100000..0x400000,0x8000000000..0x8200000000 -D a.log" \\
        ./run-qemu.sh --icount -- bench=signal_roundtrip config=xsave bench_iters=20 tests=none
    (again with bench_iters=40 and -D b.log)
    tools/pathprof.py build/pkrulab.elf a.log --more b.log --iters 20

Only python3's standard library and binutils' nm are used.
"""
import argparse
import bisect
import re
import subprocess
import sys
from collections import Counter

TRACE = re.compile(r"^Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/")
INSN = re.compile(r"^(0x[0-9a-f]+):")


def load_symbols(elf):
    out = subprocess.run(["nm", "-n", "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    addrs, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            addrs.append(int(parts[0], 16))
            names.append(parts[2])
    return addrs, names


def symbolize(addr, addrs, names):
    i = bisect.bisect_right(addrs, addr) - 1
    return names[i] if i >= 0 else hex(addr)


def profile(path):
    """Instructions executed per instruction address (a Counter)."""
    blocks = {}      # host address of a translated block -> its insns
    pending = None   # the last IN: block, not yet matched to a host address
    counts = Counter()
    reading = None
    with open(path, errors="replace") as f:
        for line in f:
            if reading is not None:
                m = INSN.match(line)
                if m:
                    reading.append(int(m.group(1), 16))
                    continue
                if line.strip() == "" and reading:
                    pending, reading = reading, None
                continue
            if line.startswith("IN:"):
                reading = []
                continue
            m = TRACE.match(line)
            if m:
                host = m.group(1)
                if pending is not None:
                    blocks[host] = pending
                    pending = None
                for a in blocks.get(host, ()):
                    counts[a] += 1
    return counts


def by_function(counts, addrs, names):
    fn = Counter()
    for a, n in counts.items():
        fn[symbolize(a, addrs, names)] += n
    return fn


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("elf")
    ap.add_argument("log")
    ap.add_argument("--more", help="log of the same run with more iterations")
    ap.add_argument("--iters", type=int, default=1,
                    help="how many more iterations the --more run made")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--insns", metavar="FUNC",
                    help="also list the instructions of FUNC with their counts")
    args = ap.parse_args(argv)

    addrs, names = load_symbols(args.elf)
    base = profile(args.log)
    if args.more:
        more = profile(args.more)
        counts = Counter({a: (more[a] - base[a]) / args.iters
                          for a in set(more) | set(base) if more[a] != base[a]})
    else:
        counts = Counter({a: float(n) for a, n in base.items()})
    fn = by_function(counts, addrs, names)
    total = sum(fn.values())
    unit = "per iteration" if args.more else "in the whole log"
    print(f"{total:.1f} instructions {unit}")
    for name, n in fn.most_common(args.top):
        print(f"{n:10.1f}  {100 * n / total if total else 0:5.1f}%  {name}")
    if args.insns:
        print(f"\n{args.insns}:")
        for a in sorted(counts):
            if symbolize(a, addrs, names) == args.insns:
                print(f"  {a:#x}  {counts[a]:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
