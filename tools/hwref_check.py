#!/usr/bin/env python3
"""hwref_check: make test's stage for tools/hwref.

Runs `hwref --short` three times, as it is, with HWREF_NO_PKU=1 (the path
a CPU without PKU takes) and under qemu-x86_64 -cpu max, and checks each output: every "# bench" line parses,
the CPU/XCR0/TSC header is there, every strategy named on the
"# strategies:" line has its switch replays (measured, or skipped with a
reason), the lines that need PKU are skipped exactly when PKU is absent (and
the others measured), the strategies are kernel/strategy/list.h's, and the
last line's counts match the lines.  Then the replays are checked against
the kernel's own code (tools/hwref_drift.py).

  hwref_check.py build/hwref build/pkrulab.elf

Prints "ok"/"FAIL" per check and "hwref: N passed, N failed"; exit 0 when
every check passed.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hwref_drift  # noqa: E402
import pkrulog  # noqa: E402

SWITCH_ROWS = ("switch", "switch_dirty_avx")
# What each line needs beyond XSAVE (SDM): RDPKRU/WRPKRU need PKU and OSPKE
# (CR4.PKE); user XSAVE/XRSTOR carry PKRU when XCR0[9] = 1.  By strategy, as
# its descriptor in kernel/strategy/ says: a path that keeps PKRU in the
# task (.wrpkru_at_switch_in: explicit, hybrid) has RDPKRU/WRPKRU, one that
# runs with XCR0[9] (.xcr0_pkru: xsave, hybrid, xsave_deferred) XRSTORs
# PKRU; unmanaged needs neither.  The strategies are list.h's.
STRATEGIES = hwref_drift.strategy_list()
_DESCRIPTORS = {name: hwref_drift.descriptor(name) for name in STRATEGIES}
INSN_STRATEGIES = tuple(n for n, d in _DESCRIPTORS.items()
                        if hwref_drift.descriptor_flag(d, "wrpkru_at_switch_in"))
XCR0_STRATEGIES = tuple(n for n, d in _DESCRIPTORS.items()
                        if hwref_drift.descriptor_flag(d, "xcr0_pkru"))
INSN_LINES = ("rdpkru", "wrpkru_same", "wrpkru_diff", "linux_pkfault_roundtrip")
XCR0_LINES = ("xsave", "xsave_dirty_avx", "xsaveopt", "xsaveopt_dirty_avx",
              "xsavec", "xsavec_dirty_avx", "xrstor", "xrstor_dirty_avx",
              "linux_pkfault_roundtrip")
# Lines that must be there whatever the CPU (measured or skipped).
REQUIRED_LINES = tuple(dict.fromkeys(INSN_LINES + XCR0_LINES)) + (
    "xsave_nopkru", "xsaveopt_nopkru", "xsavec_nopkru", "xrstor_nopkru",
    "linux_null_syscall", "linux_yield_pingpong", "linux_signal_roundtrip")
NO_PKU_WORDS = ("no PKU", "PKU (", "OSPKE", "XCR0[9]")


def needs(name: str, config: str) -> tuple[bool, bool]:
    """(needs RDPKRU/WRPKRU, needs XCR0[9]) for one line."""
    if name in SWITCH_ROWS:
        return config in INSN_STRATEGIES, config in XCR0_STRATEGIES
    if config != pkrulog.NO_CONFIG:
        return False, False
    return name in INSN_LINES, name in XCR0_LINES


def pku_facts(log: pkrulog.ParsedLog, text: str) -> tuple[bool, bool]:
    """(RDPKRU/WRPKRU usable, XCR0[9] set) as the log's header says; the
    forced no-PKU path counts as neither."""
    features = next((l for l in text.splitlines() if l.startswith("# cpu: features:")), "")
    if "HWREF_NO_PKU" in features or "+pku" not in features.split():
        return False, False
    try:
        xcr0_pkru = bool(int(log.meta.xcr0, 16) & 0x200)
    except ValueError:
        xcr0_pkru = False
    return "+ospke" in features.split(), xcr0_pkru


def check_log(text: str, forced: bool = False) -> list[tuple[bool, str]]:
    """[(ok, what)] for one `hwref --short` output."""
    log = pkrulog.parse_log(text)
    results: list[tuple[bool, str]] = []

    def check(ok: bool, what: str) -> None:
        results.append((bool(ok), what))

    check(not log.warnings, "every line parses (%s)" % ("; ".join(log.warnings) or "no warning"))
    check(log.meta.brand and log.meta.family and log.meta.xcr0 and "tsc=" in log.meta.timing,
          "header names the CPU, XCR0 and the TSC frequency")
    units = {r.unit for r in log.bench.values() if r.skipped is None}
    check(units <= {"tsc"}, "measured lines are in unit=tsc (%s)" % (", ".join(units) or "none"))
    missing = [n for n in REQUIRED_LINES if (n, pkrulog.NO_CONFIG) not in log.bench]
    check(not missing, "every instruction and Linux line present%s"
          % (": missing " + ", ".join(missing) if missing else ""))
    check(log.meta.strategies, "a '# strategies:' line names the strategies")
    absent = ["%s[%s]" % (row, s) for s in log.meta.strategies for row in SWITCH_ROWS
              if (row, s) not in log.bench]
    check(log.meta.strategies and not absent,
          "every strategy's replay ran or was skipped%s"
          % (": absent " + ", ".join(absent) if absent else ""))
    empty = [k for k, r in log.bench.items() if r.skipped is not None and not r.skipped.strip()]
    check(not empty, "every skipped line says why")
    has_insns, has_xcr0 = pku_facts(log, text)
    wrong = []
    for (name, config), r in log.bench.items():
        need_insns, need_xcr0 = needs(name, config)
        possible = (has_insns or not need_insns) and (has_xcr0 or not need_xcr0)
        says_no_pku = r.skipped is not None and any(w in r.skipped for w in NO_PKU_WORDS)
        label = "%s[%s]" % (name, config)
        if not possible and r.skipped is None:
            wrong.append(label + " measured, but this CPU/OS cannot run it")
        elif says_no_pku and possible:
            wrong.append("%s skipped for PKU: %s" % (label, r.skipped))
        elif forced and not possible and "HWREF_NO_PKU" not in (r.skipped or ""):
            wrong.append(label + " skip reason does not name HWREF_NO_PKU")
    check(not wrong, "PKU lines follow RDPKRU/WRPKRU %s, XCR0[9] %s; the others measured%s"
          % ("usable" if has_insns else "unusable", "set" if has_xcr0 else "clear",
             ": " + "; ".join(wrong) if wrong else ""))
    s = log.hwref_summary
    measured = sum(r.skipped is None for r in log.bench.values())
    skipped = len(log.bench) - measured
    check(s is not None and s == (measured, skipped, 0),
          "last line counts the lines: %s vs %d measured, %d skipped, 0 failed"
          % (s, measured, skipped))
    return results


# QEMU's user mode with -cpu max: XCR0[9] = 1 (PKRU in the XSAVE state)
# but CR4.PKE = 0, so the XSAVE-with-PKRU lines and the xsave/xsave_deferred
# replays run there even on a host without PKU (emulated: no timing value).
QEMU_USER = ("qemu-x86_64", "-cpu", "max")
RUNS = (("", (), False), ("HWREF_NO_PKU=1 ", (), True),
        ("qemu-x86_64 -cpu max: ", QEMU_USER, False))


def run_hwref(binary: str, prefix: tuple, forced: bool) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.pop("HWREF_NO_PKU", None)
    if forced:
        env["HWREF_NO_PKU"] = "1"
    p = subprocess.run(list(prefix) + [binary, "--short"], capture_output=True, text=True,
                       env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: %s HWREF_BINARY KERNEL_ELF  (e.g. %s)" % (os.path.basename(sys.argv[0]),
                                                     __doc__.split("\n\n")[2].strip()),
              file=sys.stderr)
        return 2
    binary, kernel = argv
    passed = failed = 0

    def result(ok: bool, what: str) -> None:
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        passed += ok
        failed += not ok

    out_dir = os.path.join(os.path.dirname(binary), "hwref-logs")
    os.makedirs(out_dir, exist_ok=True)
    for n, (label, prefix, forced) in enumerate(RUNS):
        try:
            rc, out, err = run_hwref(binary, prefix, forced)
        except (OSError, subprocess.SubprocessError) as e:
            result(False, "%shwref --short runs: %s%s" % (
                label, e, " (tools/install-deps.sh installs qemu-user)" if prefix else ""))
            continue
        with open(os.path.join(out_dir, "short-%d.log" % n), "w") as f:
            f.write(out)
        result(rc == 0, "%shwref --short exits 0 (status %d%s)"
               % (label, rc, ", " + err.strip() if err.strip() else ""))
        for ok, what in check_log(out, forced):
            result(ok, label + what)
        named = list(pkrulog.parse_log(out).meta.strategies)
        result(named == STRATEGIES, "%sits strategies are kernel/strategy/list.h's (%s%s)"
               % (label, " ".join(named) or "none", "" if named == STRATEGIES else
                  "; list.h: %s: rebuild hwref" % " ".join(STRATEGIES)))
        if prefix:
            log = pkrulog.parse_log(out)
            ran = [k for k, r in log.bench.items() if needs(*k)[1] and not needs(*k)[0]
                   and r.skipped is None]
            replays = [(row, c) for row in SWITCH_ROWS for c in ("xsave", "xsave_deferred")]
            result(pku_facts(log, out)[1] and all(k in ran for k in replays),
                   "%sthe XCR0[9] path ran: %d lines (%s)" % (
                       label, len(ran), ", ".join("%s[%s]" % k for k in ran)))
    try:
        k, h = (hwref_drift.parse_objdump(hwref_drift.objdump(p)) for p in (kernel, binary))
    except (OSError, subprocess.CalledProcessError) as e:
        result(False, "disassemble %s and %s: %s" % (kernel, binary, e))
    else:
        for strategy, ok, text in hwref_drift.compare(k, h):
            result(ok, "replay of %s matches the kernel's switch path: %s" % (strategy, text))
    print("hwref: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
