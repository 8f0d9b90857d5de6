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

  hwref_drift.py build/pkrulab.elf build/hwref

Prints one line per strategy and "hwref-drift: N passed, N failed"; exit 0
when every strategy matched, 1 when one drifted, 2 on a usage error.
"""

import collections
import os
import re
import subprocess
import sys

# Strategy -> the kernel functions of its switch path: switch-out, switch-in,
# return to user mode (None: it has none).  THE place to edit when the kernel's
# strategy functions are renamed; the replay side is hwref_<strategy>_<phase>.
KERNEL_SWITCH_PATH = {
    "xsave": ("xsave_switch_out", "xsave_switch_in", None),
    "explicit": ("pkru_task_switch_out", "explicit_switch_in", None),
    "hybrid": ("pkru_task_switch_out", "hybrid_switch_in", None),
    "xsave_deferred": ("deferred_switch_out", "deferred_switch_in", "deferred_return_to_user"),
    "unmanaged": ("unmanaged_switch_out", "unmanaged_switch_in", None),
}
PHASES = ("switch_out", "switch_in", "return_to_user")

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
    """[(strategy, matched, explanation)] for every row of the table."""
    results = []
    for strategy, ksyms in (table or KERNEL_SWITCH_PATH).items():
        hsyms = tuple(None if k is None else "hwref_%s_%s" % (strategy, phase)
                      for phase, k in zip(PHASES, ksyms))
        kseq, kmiss = phase_sequences(kernel, ksyms)
        hseq, hmiss = phase_sequences(hwref, hsyms)
        if kmiss or hmiss:
            results.append((strategy, False, "function not found: %s (edit KERNEL_SWITCH_PATH "
                            "in tools/hwref_drift.py?)" % ", ".join(kmiss + hmiss)))
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
        kernel, hwref = parse_objdump(objdump(argv[0])), parse_objdump(objdump(argv[1]))
        strategies = kernel_strategies(argv[0])
    except (OSError, subprocess.CalledProcessError) as err:
        print("hwref_drift.py: cannot disassemble: %s" % err, file=sys.stderr)
        return 2
    passed = failed = 0
    for strategy, ok, text in compare(kernel, hwref):
        print("%s %s: %s" % ("ok  " if ok else "FAIL", strategy, text))
        passed += ok
        failed += not ok
    for name in strategies:
        if name not in KERNEL_SWITCH_PATH:
            print("note: the kernel has strategy_%s, which hwref does not replay" % name)
    print("hwref-drift: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
