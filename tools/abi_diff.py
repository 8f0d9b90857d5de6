#!/usr/bin/env python3
"""abi_diff: pkrulab's linux.abi_* output against Linux 6.12's, line for line.

The abi programs (tests/linux/progs/abi_*.c) print one observation a line.
tools/linux-reference.sh runs them under Linux 6.12; their output is kept
in tools/testdata/abi-linux-6.12/NAME.txt.  A pkrulab run prints the same
lines as "# [NAME] ..." (pkrulab's own "# [NAME] linux: ..." diagnostics
are the kernel's, not the program's, and are left out).  Lines that differ
for a known reason are listed in known-differences.txt, one a line:

    NAME | REGEX | reason [| log: REGEX]

REGEX is matched (re.search) against both sides' lines of program NAME; the
lines it matches are left out of the comparison.  "log: REGEX", if given,
must match a line of the pkrulab log (a refused flag's log line).

  abi_diff.py check LOG [--ref DIR]        compare; "abi-diff: N passed, N failed"
  abi_diff.py extract REFLOG DIR NAME...   write DIR/NAME.txt from a
                                           linux-reference.sh serial log
"""

import argparse
import dataclasses
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkrulog  # noqa: E402

REF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata", "abi-linux-6.12")
REF_RUN_RE = re.compile(r"^#ref: run (\S+) ")
REF_END_RE = re.compile(r"^#ref: end (\S+) ")
KMSG_RE = re.compile(r"^\[\s*\d+\.\d+\] ")


@dataclasses.dataclass
class KnownDifference:
    name: str
    pattern: re.Pattern
    reason: str
    log: re.Pattern | None = None


def parse_known(text: str) -> list[KnownDifference]:
    """The known-differences file; ValueError names a bad line."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) not in (3, 4) or not all(fields[:3]):
            raise ValueError("line %d: want NAME | REGEX | reason [| log: REGEX]" % number)
        log = None
        if len(fields) == 4:
            if not fields[3].startswith("log: "):
                raise ValueError("line %d: the fourth field must be 'log: REGEX'" % number)
            log = re.compile(fields[3][5:])
        out.append(KnownDifference(fields[0], re.compile(fields[1]), fields[2], log))
    return out


def program_lines(text: str) -> dict[str, list[str]]:
    """Each abi program's own output lines in a pkrulab log (tools/pkrulog.py)."""
    return pkrulog.program_output(text, "abi_")


def reference_lines(text: str, name: str) -> list[str] | None:
    """NAME's output in a linux-reference.sh serial log (kernel messages dropped)."""
    lines, inside = None, False
    for line in pkrulog.clean_lines(text):
        m = REF_RUN_RE.match(line)
        if m and m.group(1) == name:
            lines, inside = [], True
            continue
        m = REF_END_RE.match(line)
        if inside and m and m.group(1) == name:
            inside = False
            continue
        if inside and not KMSG_RE.match(line) and not line.startswith("#ref:"):
            lines.append(line.rstrip())
    return lines


def compare(name: str, ours: list[str], linux: list[str], known: list[KnownDifference],
            log_text: str) -> tuple[bool, list[str]]:
    """(passed, messages) for one program."""
    mine = [k for k in known if k.name == name]
    msgs = []

    def keep(line: str) -> bool:
        return not any(k.pattern.search(line) for k in mine)

    a, b = [l for l in ours if keep(l)], [l for l in linux if keep(l)]
    ok = a == b
    if not ok:
        msgs += ["%s: differs from Linux 6.12 (--- Linux, +++ pkrulab):" % name]
        msgs += ["  " + d for d in difflib.unified_diff(b, a, "linux-6.12", "pkrulab",
                                                          lineterm="", n=1)]
    for k in mine:
        theirs = [l for l in linux if k.pattern.search(l)]
        if not theirs:
            msgs.append("%s: known difference /%s/ matches no Linux line" % (name, k.pattern.pattern))
            ok = False
        elif theirs == [l for l in ours if k.pattern.search(l)]:
            msgs.append("%s: note: known difference /%s/ no longer differs" % (name, k.pattern.pattern))
        if k.log and not any(k.log.search(l) for l in log_text.splitlines()):
            msgs.append("%s: the log line /%s/ of a refused flag is missing" % (name, k.log.pattern))
            ok = False
    return ok, msgs


def cmd_check(args: argparse.Namespace) -> int:
    with open(args.log, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    with open(os.path.join(args.ref, "known-differences.txt")) as f:
        known = parse_known(f.read())
    got = program_lines(text)
    names = sorted(n[:-4] for n in os.listdir(args.ref) if n.startswith("abi_") and n.endswith(".txt"))
    passed = failed = 0
    for name in names:
        with open(os.path.join(args.ref, name + ".txt")) as f:
            linux = f.read().splitlines()
        if name not in got:
            print("abi-diff: %s: no output in %s" % (name, args.log))
            failed += 1
            continue
        ok, msgs = compare(name, got[name], linux, known, text)
        for m in msgs:
            print("abi-diff: " + m)
        print("abi-diff: %s: %s (%d lines, %d known differences)"
              % (name, "same as Linux 6.12" if ok else "DIFFERS", len(linux),
                 sum(1 for k in known if k.name == name)))
        passed += ok
        failed += not ok
    print("abi-diff: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed else 1


def cmd_extract(args: argparse.Namespace) -> int:
    with open(args.reflog, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    for name in args.names:
        lines = reference_lines(text, name)
        if lines is None:
            print("abi_diff.py: %s: not in %s" % (name, args.reflog), file=sys.stderr)
            return 1
        with open(os.path.join(args.dir, name + ".txt"), "w") as f:
            f.write("".join(l + "\n" for l in lines))
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("log")
    c.add_argument("--ref", default=REF_DIR)
    e = sub.add_parser("extract")
    e.add_argument("reflog")
    e.add_argument("dir")
    e.add_argument("names", nargs="+")
    args = ap.parse_args(argv)
    return cmd_check(args) if args.cmd == "check" else cmd_extract(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
