#!/usr/bin/env python3
"""hwref_check: make test's stage for tools/hwref.

Runs `hwref --short` twice, as it is and with HWREF_NO_PKU=1 (the path a
CPU without PKU takes), and checks each output: every "# bench" line parses,
the CPU/XCR0/TSC header is there, every strategy named on the
"# strategies:" line has its switch replays (measured, or skipped with a
reason), the lines that need PKU are skipped exactly when PKU is absent (and
the others measured), and the last line's counts match the lines.  Then the
replays are checked against the kernel's own code (tools/hwref_drift.py).

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
# Strategies whose switch path needs PKU: RDPKRU/WRPKRU, or XCR0[9] so that
# XSAVE carries PKRU.  unmanaged needs neither.
PKU_STRATEGIES = ("xsave", "explicit", "hybrid", "xsave_deferred")
# The configuration-independent lines that need PKU: the PKRU instructions,
# the XSAVE family with PKRU in RFBM, the protection-key fault round trip.
PKU_LINES = ("rdpkru", "wrpkru_same", "wrpkru_diff",
             "xsave", "xsave_dirty_avx", "xsaveopt", "xsaveopt_dirty_avx",
             "xsavec", "xsavec_dirty_avx", "xrstor", "xrstor_dirty_avx",
             "linux_pkfault_roundtrip")
# Lines that must be there whatever the CPU (measured or skipped).
REQUIRED_LINES = PKU_LINES + ("xsave_nopkru", "xsaveopt_nopkru", "xsavec_nopkru",
                              "xrstor_nopkru", "linux_null_syscall", "linux_yield_pingpong",
                              "linux_signal_roundtrip")
NO_PKU_WORDS = ("no PKU", "PKU (", "OSPKE")


def needs_pku(name: str, config: str) -> bool:
    return (name in SWITCH_ROWS and config in PKU_STRATEGIES) or (
        config == pkrulog.NO_CONFIG and name in PKU_LINES)


def has_pku(log: pkrulog.ParsedLog, text: str) -> bool:
    """What the log's feature line says (the forced path counts as absent)."""
    for line in text.splitlines():
        if line.startswith("# cpu: features:"):
            return "+pku" in line and "+ospke" in line and "HWREF_NO_PKU" not in line
    return False


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
    pku = has_pku(log, text)
    wrong = []
    for (name, config), r in log.bench.items():
        need = needs_pku(name, config)
        says_no_pku = r.skipped is not None and any(w in r.skipped for w in NO_PKU_WORDS)
        if need and not pku and r.skipped is None:
            wrong.append("%s[%s] measured without PKU" % (name, config))
        elif says_no_pku and (pku or not need):
            wrong.append("%s[%s] skipped for PKU: %s" % (name, config, r.skipped))
        elif forced and need and r.skipped is not None and "HWREF_NO_PKU" not in r.skipped:
            wrong.append("%s[%s] skip reason does not name HWREF_NO_PKU" % (name, config))
    check(not wrong, "lines needing PKU %s, the others measured%s"
          % ("measured" if pku else "skipped with the reason", ": " + "; ".join(wrong)
             if wrong else ""))
    s = log.hwref_summary
    measured = sum(r.skipped is None for r in log.bench.values())
    skipped = len(log.bench) - measured
    check(s is not None and s == (measured, skipped, 0),
          "last line counts the lines: %s vs %d measured, %d skipped, 0 failed"
          % (s, measured, skipped))
    return results


def run_hwref(binary: str, forced: bool) -> tuple[int, str, str]:
    env = dict(os.environ)
    env.pop("HWREF_NO_PKU", None)
    if forced:
        env["HWREF_NO_PKU"] = "1"
    p = subprocess.run([binary, "--short"], capture_output=True, text=True, env=env,
                       timeout=120)
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
    for forced in (False, True):
        label = "HWREF_NO_PKU=1 " if forced else ""
        try:
            rc, out, err = run_hwref(binary, forced)
        except (OSError, subprocess.SubprocessError) as e:
            result(False, "%shwref --short runs: %s" % (label, e))
            continue
        with open(os.path.join(out_dir, "short%s.log" % ("-nopku" if forced else "")), "w") as f:
            f.write(out)
        result(rc == 0, "%shwref --short exits 0 (status %d%s)"
               % (label, rc, ", " + err.strip() if err.strip() else ""))
        for ok, what in check_log(out, forced):
            result(ok, label + what)
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
