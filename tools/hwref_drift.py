#!/usr/bin/env python3
"""hwref_drift: check that tools/hwref's strategy replays still match the kernel.

tools/hwref replays, in user mode, the save/restore/PKRU instructions each
strategy runs at switch-out, switch-in and (xsave_deferred) the return to
user mode.  This check disassembles both binaries (objdump -d), collects the
XSAVE-family, XRSTOR-family, RDPKRU, WRPKRU and XSETBV instructions of each
phase's function and of every function it calls or tail-jumps to, and fails
when a phase's instructions differ between the kernel and the replay.  The
comparison is of the instructions as a multiset per phase: gcc lays the two
builds' branches out differently (xsaveopt/xsave fallback), so static order
within a phase says nothing.  The RFBM an instruction gets is not compared.

The strategies are the kernel's own list, read from the source:
kernel/strategy/list.h names them (one STRATEGY(ENUM, name) line each) and
each one's descriptor (const struct pkru_strategy strategy_<name>, in
kernel/strategy/) names the kernel functions of its phases (.switch_out,
.switch_in, .return_to_user); the replay side is hwref_<name>_<phase>.  A
strategy added to list.h is checked at once, and fails until it has a
replay (tools/hwref/replay.c does not build without one either).

  hwref_drift.py build/pkrulab.elf build/hwref

Prints one line per strategy and "hwref-drift: N passed, N failed"; exit 0
when every strategy matched, 1 when one drifted, 2 on a usage error.
"""

import collections
import os
import re
import subprocess
import sys

# The repository root (this file is tools/hwref_drift.py) and the strategies.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRATEGY_DIR = os.path.join("kernel", "strategy")
PHASES = ("switch_out", "switch_in", "return_to_user")

# STRATEGY(ENUM, name) at the start of a line of list.h (comments are /* */ prose).
LIST_RE = re.compile(r"^\s*STRATEGY\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
# ".field = value," inside a descriptor's initializer.
FIELD_RE = re.compile(r"^\s*\.(\w+)\s*=\s*(.*?),?\s*$", re.M)


class SourceError(Exception):
    """The strategy list or a descriptor cannot be read from the source."""


def strategy_list(root: str = ROOT) -> list[str]:
    """The strategy names of kernel/strategy/list.h, in its order."""
    path = os.path.join(root, STRATEGY_DIR, "list.h")
    try:
        with open(path) as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    except OSError as err:
        raise SourceError("cannot read %s: %s" % (path, err)) from err
    names = [m.group(2) for m in LIST_RE.finditer(text)]
    if not names:
        raise SourceError("%s registers no STRATEGY()" % path)
    return names


def descriptor(name: str, root: str = ROOT) -> dict[str, str]:
    """{field: initializer text} of `const struct pkru_strategy strategy_<name>`,
    found in kernel/strategy/<name>.c or else any kernel/strategy/*.c."""
    sdir = os.path.join(root, STRATEGY_DIR)
    own = os.path.join(sdir, name + ".c")
    try:
        others = sorted(os.path.join(sdir, f) for f in os.listdir(sdir) if f.endswith(".c"))
    except OSError as err:
        raise SourceError("cannot list %s: %s" % (sdir, err)) from err
    start = re.compile(r"\bconst\s+struct\s+pkru_strategy\s+strategy_%s\s*=\s*\{" % name)
    for path in [own] + [p for p in others if p != own]:
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        m = start.search(text)
        if m:
            body = text[m.end():text.index("};", m.end())]
            return {f.group(1): f.group(2).strip() for f in FIELD_RE.finditer(body)}
    raise SourceError("no descriptor strategy_%s in %s/*.c" % (name, STRATEGY_DIR))


def kernel_switch_paths(root: str = ROOT) -> dict[str, tuple]:
    """{strategy: (switch-out, switch-in, return-to-user function or None)}
    for every strategy of list.h, from its descriptor's hooks."""
    table = {}
    for name in strategy_list(root):
        d = descriptor(name, root)
        fns = tuple(None if d.get(p) in (None, "NULL") else d[p] for p in PHASES)
        if fns[0] is None or fns[1] is None:
            raise SourceError("strategy_%s names no .switch_out or .switch_in" % name)
        table[name] = fns
    return table


def descriptor_flag(d: dict[str, str], field: str) -> bool:
    """A bool field of a descriptor (absent: false, as C zero-initializes it)."""
    return d.get(field, "false") == "true"

INTERESTING_RE = re.compile(r"^(?:(xsave|xsaveopt|xsavec|xsaves|xrstor|xrstors)(?:64)?"
                            r"|(rdpkru|wrpkru|xsetbv))$")
FUNC_RE = re.compile(r"^[0-9a-f]+ <(?P<name>[^>]+)>:$")
INSN_RE = re.compile(r"^\s*[0-9a-f]+:\s+(?P<mnemonic>[a-z][a-z0-9.]*)(?:\s+(?P<operands>.*))?$")
# A direct call or jump to the start of a function: "call 103670 <fpu_save>".
TARGET_RE = re.compile(r"^[0-9a-f]+ <(?P<name>[^>+]+)>$")
MAX_DEPTH = 8


def parse_objdump(text: str) -> dict[str, list[tuple[str, str]]]:
    """{function: [(mnemonic, direct call/jump target or "")]} of objdump -d text."""
    funcs: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        m = FUNC_RE.match(line)
        if m:
            current = funcs.setdefault(m.group("name"), [])
            continue
        m = INSN_RE.match(line)
        if m and current is not None:
            mnemonic = m.group("mnemonic")
            target = ""
            if mnemonic.startswith(("call", "jmp")):
                t = TARGET_RE.match((m.group("operands") or "").strip())
                if t and not t.group("name").endswith("@plt"):
                    target = t.group("name")
            current.append((mnemonic, target))
    return funcs


def normalise(mnemonic: str) -> str | None:
    """"xsaveopt64" -> "xsaveopt"; None for an instruction not compared."""
    m = INTERESTING_RE.match(mnemonic)
    return (m.group(1) or m.group(2)) if m else None


def closure(funcs: dict[str, list[tuple[str, str]]], name: str, depth: int = 0,
            seen: frozenset[str] = frozenset()) -> list[str]:
    """The compared instructions of `name` and, in place, of what it calls."""
    out: list[str] = []
    if name in seen or depth > MAX_DEPTH:
        return out
    for mnemonic, target in funcs.get(name, []):
        n = normalise(mnemonic)
        if n:
            out.append(n)
        elif target and target != name and target in funcs:
            out += closure(funcs, target, depth + 1, seen | {name})
    return out


def phase_sequences(funcs: dict[str, list[tuple[str, str]]], symbols: tuple
                    ) -> tuple[dict[str, list[str]], list[str]]:
    """({phase: instructions}, [missing function names]) for one strategy."""
    seqs: dict[str, list[str]] = {}
    missing = []
    for phase, sym in zip(PHASES, symbols):
        if sym is None:
            continue
        if sym not in funcs:
            missing.append(sym)
            continue
        seqs[phase] = closure(funcs, sym)
    return seqs, missing


def compare(kernel: dict[str, list[tuple[str, str]]], hwref: dict[str, list[tuple[str, str]]],
            table: dict[str, tuple] | None = None) -> list[tuple[str, bool, str]]:
    """[(strategy, matched, explanation)] for every row of the table
    (default: every strategy of kernel/strategy/list.h)."""
    results = []
    for strategy, ksyms in (table if table is not None else kernel_switch_paths()).items():
        hsyms = tuple(None if k is None else "hwref_%s_%s" % (strategy, phase)
                      for phase, k in zip(PHASES, ksyms))
        kseq, kmiss = phase_sequences(kernel, ksyms)
        hseq, hmiss = phase_sequences(hwref, hsyms)
        if kmiss or hmiss:
            why = []
            if kmiss:
                why.append("not in the kernel: %s (named by strategy_%s's hooks in %s/; "
                           "rebuild the kernel?)" % (", ".join(kmiss), strategy, STRATEGY_DIR))
            if hmiss:
                why.append("not in hwref: %s (write the replay in tools/hwref/replay.c, or "
                           "rebuild hwref)" % ", ".join(hmiss))
            results.append((strategy, False, "function not found: " + "; ".join(why)))
            continue
        diffs = []
        for phase in kseq:
            if collections.Counter(kseq[phase]) != collections.Counter(hseq[phase]):
                diffs.append("%s: kernel [%s], replay [%s]" % (
                    phase, " ".join(kseq[phase]), " ".join(hseq[phase])))
        # A replay phase the kernel lacks (return_to_user) is drift too.
        for phase in PHASES:
            extra = "hwref_%s_%s" % (strategy, phase)
            if phase not in kseq and extra in hwref:
                diffs.append("%s: the replay has %s, the kernel none" % (phase, extra))
        text = "; ".join(diffs) if diffs else "; ".join(
            "%s [%s]" % (p, " ".join(s)) for p, s in kseq.items())
        results.append((strategy, not diffs, text))
    return results


def objdump(path: str) -> str:
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], check=True,
                          capture_output=True, text=True).stdout


def kernel_strategies(path: str) -> list[str]:
    """Names of the kernel's strategy_<name> objects (data symbols), for a note."""
    out = subprocess.run(["nm", path], check=True, capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "DdRr" and parts[2].startswith("strategy_"):
            names.append(parts[2][len("strategy_"):])
    return names


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: %s KERNEL_ELF HWREF_BINARY  (e.g. %s)" % (os.path.basename(sys.argv[0]),
                                                     __doc__.split("\n\n")[2].strip()),
              file=sys.stderr)
        return 2
    try:
        table = kernel_switch_paths()
    except SourceError as err:
        print("hwref_drift.py: %s" % err, file=sys.stderr)
        return 2
    try:
        kernel, hwref = parse_objdump(objdump(argv[0])), parse_objdump(objdump(argv[1]))
        strategies = kernel_strategies(argv[0])
    except (OSError, subprocess.CalledProcessError) as err:
        print("hwref_drift.py: cannot disassemble: %s" % err, file=sys.stderr)
        return 2
    passed = failed = 0
    for strategy, ok, text in compare(kernel, hwref, table):
        print("%s %s: %s" % ("ok  " if ok else "FAIL", strategy, text))
        passed += ok
        failed += not ok
    for name in strategies:
        if name not in table:
            print("note: the kernel has strategy_%s, which %s/list.h does not list (a kernel "
                  "built from another tree?)" % (name, STRATEGY_DIR))
    print("hwref-drift: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
