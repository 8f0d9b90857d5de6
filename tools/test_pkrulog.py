#!/usr/bin/env python3
"""Unit tests of tools/pkrulog.py, the log parser every tool imports: the
outcome table (and that a new kind is one row), the "# strategies:" line,
tools/hwref's lines, the stage-line sum, the summary and KTAP helpers, and
the command line the shell scripts call.  (The KTAP and bench parsing
itself is tested through the report tool in test_pkrulab_report.py.)

Run: python3 tools/test_pkrulog.py; last line "test_pkrulog: N passed, N failed".
"""

import dataclasses
import os
import subprocess
import sys
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")
sys.path.insert(0, HERE)
import pkrulog  # noqa: E402
import unitrun  # noqa: E402

CLI = [sys.executable, os.path.join(HERE, "pkrulog.py")]


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), input=stdin, capture_output=True, text=True)


class Outcomes(unittest.TestCase):
    def test_every_verdict_has_a_count(self) -> None:
        self.assertEqual(set(pkrulog.VERDICTS), set(pkrulog.COUNTS_AS))
        self.assertEqual(set(pkrulog.COUNTS_AS.values()),
                         {"passed", "failed", "skipped", "deviations"})

    def test_a_new_outcome_kind_is_one_row(self) -> None:
        # A made-up kind: one row, and the parser and the counts follow.
        note = pkrulog.Outcome("NOTE", "not ok", "NOTE:", "", "passed")
        outcomes = (note,) + pkrulog.OUTCOMES
        counts_as = dict(pkrulog.COUNTS_AS, NOTE="passed")
        with mock.patch.object(pkrulog, "OUTCOMES", outcomes), \
                mock.patch.object(pkrulog, "COUNTS_AS", counts_as):
            self.assertEqual(pkrulog.classify("not ok", "NOTE: init tracking absent"),
                             ("NOTE", "init tracking absent"))
        # Without the row the same line is a real failure.
        self.assertEqual(pkrulog.classify("not ok", "NOTE: x")[0], "MISMATCH")

    def test_deviation(self) -> None:
        self.assertEqual(pkrulog.classify("not ok", "DEVIATION: TCG accepts MXCSR bits"),
                         ("DEVIATION", "TCG accepts MXCSR bits"))
        # An unlisted deviation is a failure.
        self.assertEqual(pkrulog.classify(
            "not ok", "DEVIATION not in the known-deviation table for qemu: x")[0], "MISMATCH")
        log = pkrulog.parse_log("    ok 1 a.b[xsave]\n"
                                "    not ok 2 a.c[xsave] # DEVIATION: wd on supervisor\n"
                                "pkrulab: 1 passed, 0 failed, 0 skipped, 1 deviations\n")
        self.assertEqual([c.verdict for c in log.cells], ["ok", "DEVIATION"])
        self.assertEqual(log.counts(), pkrulog.Counts(1, 0, 0, 1))
        self.assertEqual(log.summary, pkrulog.Counts(1, 0, 0, 1))
        self.assertTrue(log.ok)
        # The summary of an older kernel (no deviation count) still parses.
        old = pkrulog.parse_log("pkrulab: 3 passed, 1 failed, 2 skipped\n")
        self.assertEqual(old.summary, pkrulog.Counts(3, 1, 2, 0))

    def test_unknown_verdict_counts_as_failed(self) -> None:
        log = pkrulog.ParsedLog(cells=[pkrulog.Cell("a.b", "a.b", "-", "WEIRD", "", 1)])
        self.assertEqual(log.counts().failed, 1)
        self.assertTrue(log.has_mismatch)


class Lines(unittest.TestCase):
    def test_strategies_line(self) -> None:
        log = pkrulog.parse_log("# strategies: xsave explicit hybrid xsave_deferred unmanaged\n")
        self.assertEqual(log.meta.strategies,
                         ["xsave", "explicit", "hybrid", "xsave_deferred", "unmanaged"])
        self.assertEqual(pkrulog.parse_log("# strategies:\n").meta.strategies, [])

    def test_hwref_log(self) -> None:
        log = pkrulog.read_log(os.path.join(DATA, "hwref-short.log"))
        self.assertEqual(log.warnings, [])
        self.assertTrue(log.complete)
        self.assertEqual(log.status, "complete")
        self.assertEqual(log.hwref_summary, (13, 21, 0))
        self.assertEqual(log.meta.xcr0, "0x600e7")
        self.assertIn("tsc=", log.meta.timing)
        self.assertTrue(log.deltas["explicit"].startswith("explicit: CPU has no PKU"))
        self.assertEqual(log.bench[("switch", "unmanaged")].unit, "tsc")

    def test_hwref_agreement_and_delta_lines(self) -> None:
        log = pkrulog.parse_log(
            "# hwref: agree switch config=unmanaged p50=184.8,186.0 within 10%\n"
            "# hwref: agree rdpkru config=- p50=2.7,3.5 DIFFER by more than 10%\n"
            "# hwref: agree x config=- skipped: second run: fork failed\n"
            "# hwref: delta explicit-unmanaged p50=-1.5 tsc per switch\n")
        self.assertEqual([a[3] for a in log.agreements], [True, False, False])
        self.assertEqual(log.agreements[0][2], "184.8,186.0")
        self.assertEqual(log.deltas, {"explicit": -1.5})

    def test_stage_total(self) -> None:
        self.assertEqual(pkrulog.stage_total("a: 1 passed, 0 failed\nnoise\n"
                                             "b-c: 2 passed, 3 failed (why)\n"), (3, 3))
        self.assertEqual(pkrulog.stage_total("nothing here\n"), (0, 1))
        self.assertEqual(pkrulog.stage_total("  indented: 1 passed, 0 failed\n"), (0, 1))

    def test_summary_and_ktap_lines(self) -> None:
        text = "\x1b[2Jnoise\r\nKTAP version 1\r\n1..1\r\nok 1 pku\r\n" \
               "pkrulab: 1 passed, 0 failed, 0 skipped (12 s)\r\n"
        self.assertEqual(pkrulog.find_summary(text), "pkrulab: 1 passed, 0 failed, 0 skipped")
        self.assertEqual(pkrulog.ktap_lines(text),
                         ["KTAP version 1", "1..1", "ok 1 pku",
                          "pkrulab: 1 passed, 0 failed, 0 skipped (12 s)"])
        self.assertIsNone(pkrulog.find_summary("pkrulab: crashed\n"))

    def test_meta_is_a_dataclass_with_defaults(self) -> None:
        self.assertEqual(dataclasses.asdict(pkrulog.RunMeta())["strategies"], [])


class CommandLine(unittest.TestCase):
    def test_p50(self) -> None:
        p = cli("p50", "--unit", "instructions", os.path.join(DATA, "bench-icount.log"))
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.splitlines(), ["null_syscall xsave 87", "null_syscall explicit 87",
                                                 "yield_roundtrip xsave 572",
                                                 "yield_roundtrip explicit 598"])
        self.assertEqual(cli("p50", "--unit", "tsc", os.path.join(DATA, "bench-icount.log"))
                         .stdout, "")

    def test_stage_total(self) -> None:
        p = cli("stage-total", stdin="x: 4 passed, 1 failed\n")
        self.assertEqual((p.returncode, p.stdout), (0, "4 1\n"))
        self.assertEqual(cli("stage-total", stdin="").stdout, "0 1\n")

    def test_summary(self) -> None:
        p = cli("summary", os.path.join(DATA, "switch-clean.log"))
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^pkrulab: \d+ passed, 0 failed, \d+ skipped\n$")
        p = cli("summary", "-", stdin="no summary\n")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no summary line", p.stderr)

    def test_unreadable_file_and_usage(self) -> None:
        p = cli("summary", "/nonexistent/log")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read /nonexistent/log", p.stderr)
        self.assertEqual(cli("frobnicate").returncode, 2)


if __name__ == "__main__":
    sys.exit(unitrun.run(__name__, "test_pkrulog"))
