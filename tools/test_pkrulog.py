#!/usr/bin/env python3
"""Unit tests of tools/pkrulog.py, the log parser every tool imports: the
outcome table (and that a new kind is one row), the "# strategies:" line,
tools/hwref's lines, the stage-line sum, the summary and KTAP helpers, the
diagnostics, findings and other lines the matrices check, the expectation
language of `pkrulog.py check` (each kind holding, failing, turned round and
malformed), and the command line the shell scripts call.  (The KTAP and bench parsing
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


# A small run: a header, two suites, a deviation, a note, a program's output,
# a bench record and what follows the summary line.
RUN = """\
# cmdline: config=all tests=all exit=qemu tests=pku.*,linux.*
# boot: loader="GRUB 2.06" firmware=bios memory=127 MiB usable
# xsave: xcr0_supported=0x203 xcr0=0x203
# signal: signal_abi=linux61 handler_pkru=init
# acpi: rsdp v1, MADT: 4 CPUs (3 parked, not started)
KTAP version 1
1..2
    KTAP version 1
    # Subtest: pku
    1..3
    ok 1 pku.ad_blocks_read
    # DEVIATION[pku.wd_supervisor]: WD applied to a supervisor page
    #   SDM: WD does not apply to supervisor pages
    not ok 2 pku.supervisor_unaffected # DEVIATION: pku.wd_supervisor: WD applied
    # NOTE[xsave.init_tracking]: init state tracked: XSTATE_BV[9] clear
    ok 3 pku.error_code # SKIP CPU has no PKU
ok 1 pku
# traps: single-step trap in ring 0 at rip=0x11fa20
    KTAP version 1
    # Subtest: linux
    1..3
    # [enosys] linux: syscall 163 (acct) not implemented: -ENOSYS
    ok 1 linux.enosys[xsave]
    # FAIL: killed by SIGSEGV (signal 11) after 1 ok
    not ok 2 linux.segv[xsave] # TODO declared by xfail= on the command line
    not ok 3 linux.pkey[unmanaged] # TODO design finding: signal_abi=linux61: frame unwritable
ok 2 linux
# bench yield_roundtrip config=explicit unit=tsc n=64 min=1 p50=2 p90=3 p99=4 max=5 mean=2.5 overhead=0
# bench xsave config=xsave skipped: CPUID(0xD,9) contradicts XCR0
pkrulab: 3 passed, 0 failed, 1 skipped, 1 deviations
# exit=poweroff: ACPI S5 through PM1a_CNT 0x604
"""


class Structure(unittest.TestCase):
    """What the parser keeps beyond cells and counts, for the checks."""

    def setUp(self) -> None:
        self.log = pkrulog.parse_log(RUN)

    def test_diagnostics_belong_to_the_next_cell_of_their_suite(self) -> None:
        by_text = {d.text: d.cell for d in self.log.diagnostics}
        self.assertEqual(by_text["[enosys] linux: syscall 163 (acct) not implemented: -ENOSYS"],
                         "linux.enosys[xsave]")
        self.assertEqual(by_text["FAIL: killed by SIGSEGV (signal 11) after 1 ok"],
                         "linux.segv[xsave]")
        self.assertEqual(by_text["SDM: WD does not apply to supervisor pages"],
                         "pku.supervisor_unaffected")
        # The header, lines between suites and after the summary are no cell's;
        # a top-level line inside a suite is the next cell's.
        for text in ("boot: loader=\"GRUB 2.06\" firmware=bios memory=127 MiB usable",
                     "traps: single-step trap in ring 0 at rip=0x11fa20",
                     "exit=poweroff: ACPI S5 through PM1a_CNT 0x604"):
            self.assertIsNone(by_text[text], text)
        self.assertNotIn("Subtest: pku", by_text)
        inside = pkrulog.parse_log("    # Subtest: s\n    1..1\n# traps: x\n    ok 1 s.a\n")
        self.assertEqual([(d.text, d.cell) for d in inside.diagnostics], [("traps: x", "s.a")])

    def test_numbers_plan_findings_messages_topics(self) -> None:
        self.assertEqual([c.number for c in self.log.cells], [1, 2, 3, 1, 2, 3])
        self.assertEqual(self.log.plan, 2)
        self.assertEqual([(f.kind, f.id, f.cell) for f in self.log.findings],
                         [("DEVIATION", "pku.wd_supervisor", "pku.supervisor_unaffected"),
                          ("NOTE", "xsave.init_tracking", "pku.error_code")])
        self.assertFalse(self.log.findings[0].unlisted)
        unlisted = pkrulog.parse_log("    # DEVIATION[a.b]: x -- not a known deviation of this "
                                     "platform\n").findings[0]
        self.assertTrue(unlisted.unlisted)
        self.assertEqual(self.log.topics["boot"]["firmware"], "bios")
        self.assertEqual(self.log.topics["boot"]["loader"], "GRUB 2.06")
        self.assertEqual(self.log.topics["signal"]["signal_abi"], "linux61")
        bad = pkrulog.parse_log("pkrulab: bad kernel argument: unknown argument 'bogus=1'\n"
                                "# pkrulab: harness error: bad kernel argument\n"
                                "pkrulab: 0 passed, 0 failed, 0 skipped, 0 deviations\n")
        self.assertEqual(bad.messages, ["bad kernel argument: unknown argument 'bogus=1'"])
        self.assertEqual(bad.harness_error, "bad kernel argument")
        self.assertEqual(bad.summary, pkrulog.Counts(0, 0, 0, 0))

    def test_a_second_run_starts_afresh(self) -> None:
        log = pkrulog.parse_log(RUN + RUN.replace("memory=127", "memory=255"))
        self.assertEqual(len(log.cells), 6)
        self.assertEqual(log.topics["boot"]["memory"], "255")
        self.assertEqual(sum(d.text.startswith("cmdline:") for d in log.diagnostics), 1)

    def test_mismatch_line(self) -> None:
        hit = pkrulog.is_mismatch_line
        self.assertTrue(hit("    not ok 1 a.b[xsave] # frame PKRU 0x0"))
        self.assertTrue(hit("not ok 2 switch"))
        self.assertTrue(hit("    not ok 2 a.b # DEVIATION not in the known-deviation table: x"))
        self.assertFalse(hit("    not ok 2 a.b # DEVIATION: x"))
        self.assertFalse(hit("    not ok 2 a.b # TODO negative control"))
        self.assertFalse(hit("    ok 2 a.b # SKIP no PKU"))
        self.assertFalse(hit("    # not ok 2 a program's line"))
        self.assertFalse(hit(""))


class ProgramOutput(unittest.TestCase):
    def test_program_lines_by_name(self) -> None:
        log = ("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: linux\n    1..2\n"
               "    # [abi_mem] mmap: 0\n    # [abi_mem] linux: syscall 163 (acct) not implemented\n"
               "    # [hello] hello, world  \n    # [abi_mem]   indented\n"
               "    ok 1 linux.abi_mem[xsave]\n    ok 2 linux.hello[xsave]\nok 1 linux\n"
               "pkrulab: 2 passed, 0 failed, 0 skipped, 0 deviations\n")
        self.assertEqual(pkrulog.program_output(log, "abi_"), {"abi_mem": ["mmap: 0", "  indented"]})
        self.assertEqual(pkrulog.program_output(log)["hello"], ["hello, world"])
        self.assertEqual(pkrulog.program_output("no log at all\n"), {})


class Checks(unittest.TestCase):
    """The expectation language: every kind holds, fails, turns round."""

    def setUp(self) -> None:
        self.log = pkrulog.parse_log(RUN)

    def holds(self, *expectations: str) -> None:
        for e in expectations:
            self.assertIsNone(pkrulog.check(self.log, e), e)
            # Turned round, it fails and says what it found.
            neg = e[1:] if e.startswith("!") else "!" + e
            self.assertIsNotNone(pkrulog.check(self.log, neg), neg)

    def fails(self, *expectations: str) -> None:
        for e in expectations:
            why = pkrulog.check(self.log, e)
            self.assertIsNotNone(why, e)
            self.assertTrue(why.startswith(e + ": "), why)
            neg = e[1:] if e.startswith("!") else "!" + e
            self.assertIsNone(pkrulog.check(self.log, neg), neg)

    def test_glob(self) -> None:
        self.assertTrue(pkrulog.glob_match("linux.pkey[*]", "linux.pkey[xsave]"))
        self.assertFalse(pkrulog.glob_match("linux.pkey[*]", "linux.pkeys[xsave]"))
        self.assertTrue(pkrulog.glob_match("a[x]", "a[x]"))
        self.assertFalse(pkrulog.glob_match("a[xy]", "ax"))      # no character classes
        self.assertTrue(pkrulog.glob_match("12?", "127"))
        self.assertFalse(pkrulog.glob_match("12?", "1270"))
        self.assertTrue(pkrulog.glob_match("a.b", "a.b"))
        self.assertFalse(pkrulog.glob_match("a.b", "axb"))       # "." is itself
        self.assertTrue(pkrulog.glob_match("(lost?)*", "(lost?) and more"))

    def test_verdicts(self) -> None:
        self.assertEqual(pkrulog.verdict_set("ok,skip"), {"ok", "SKIP"})
        self.assertEqual(pkrulog.verdict_set("todo"), {"FAIL", "DESIGN"})
        self.assertEqual(pkrulog.verdict_set("not-ok"),
                         {"FAIL", "DESIGN", "DEVIATION", "MISMATCH"})
        with self.assertRaises(pkrulog.CheckError):
            pkrulog.verdict_set("passed")

    def test_summary(self) -> None:
        self.holds("summary", "summary failed=0", "summary passed=3 failed=0 skipped=1",
                   "summary passed>0 deviations=1", "summary deviations>0")
        self.fails("summary failed>0", "summary passed=2", "summary deviations=0")
        self.assertIn("no summary line", pkrulog.check(pkrulog.parse_log("ok 1 a.b\n"),
                                                       "summary failed=0"))

    def test_cell(self) -> None:
        self.holds("cell pku.ad_blocks_read ok", "cell 1 pku.ad_blocks_read ok",
                   "cell pku.ad_blocks_read ok ''",
                   "cell pku.error_code SKIP 'CPU has no PKU'",
                   "cell pku.error_code SKIP 'CPU has no PKU*'",
                   "cell pku.supervisor_unaffected DEVIATION 'pku.wd_supervisor*'",
                   "cell 2 linux.segv[xsave] todo 'declared by xfail=*'",
                   "cell linux.segv[*] FAIL", "cell linux.pkey[unmanaged] DESIGN",
                   "cell linux.pkey[unmanaged] todo 'design finding: signal_abi=linux61:*'",
                   "cell * todo 'design finding*'", "!cell pku.* not-ok ''",
                   "!cell linux.*[*] MISMATCH", "!cell * SKIP '*not loaded*'")
        self.fails("cell pku.ad_blocks_read SKIP", "cell 2 pku.ad_blocks_read ok",
                   "cell pku.error_code SKIP 'CPU has no XSAVE*'",
                   "cell pku.error_code SKIP 'CPU has no'",        # a glob over all of it
                   "cell linux.segv[xsave] DESIGN", "cell linux.segv[hybrid] todo",
                   "cell pku.ad_blocks_read[xsave] ok", "!cell pku.* ok ''",
                   "!cell linux.* todo")
        self.assertIn("linux.segv[xsave] is FAIL",
                      pkrulog.check(self.log, "cell linux.segv[xsave] ok"))
        self.assertIn("no cell nothing.here", pkrulog.check(self.log, "cell nothing.here ok"))
        self.assertIn("but pku.ad_blocks_read is ok",
                      pkrulog.check(self.log, "!cell pku.* ok ''"))

    def test_diag(self) -> None:
        self.holds("diag 'FAIL: killed by SIGSEGV*'",
                   "diag linux.segv[xsave] 'FAIL: killed by SIGSEGV (signal 11) after 1 ok*'",
                   "diag linux.*[*] '[enosys] linux: syscall 163 (acct) not implemented*'",
                   "diag - 'signal: signal_abi=linux61 *'",
                   "diag - 'exit=poweroff: ACPI S5 through PM1a_CNT*'",
                   "diag '*MADT: 4 CPUs (3 parked, not started)*'",
                   "!diag '*FATAL*'")
        self.fails("diag linux.enosys[xsave] 'FAIL: *'", "diag - 'FAIL: *'",
                   "diag 'killed by SIGSEGV*'",                    # the whole text
                   "diag nothing.here '*'", "!diag 'traps: *'")

    def test_findings_meta_plan_message_bench(self) -> None:
        self.holds("deviation pku.wd_supervisor", "deviation pku.* 'WD applied*'",
                   "!deviation xsave.*", "note xsave.init_tracking 'init state tracked*'",
                   "meta boot.firmware bios", "meta boot.memory 12?",
                   "meta xsave.xcr0_supported 0x203", "meta signal.signal_abi linux61",
                   "plan 2", "bench yield_roundtrip explicit", "bench yield_roundtrip explicit tsc",
                   "bench xsave xsave skipped", "bench xsave xsave skipped 'CPUID(0xD,9) contradicts*'")
        self.fails("deviation pku.ring0_ignores_ad", "note pku.wd_supervisor",
                   "deviation xsave.init_tracking", "meta boot.firmware uefi",
                   "meta boot.memory 81??", "meta xsave.xcr0_supported 0x2e7", "meta nope.key x",
                   "plan 0", "bench yield_roundtrip explicit instructions",
                   "bench yield_roundtrip explicit skipped", "bench xsave xsave tsc",
                   "bench xsavec explicit", "message '*'")
        bad = pkrulog.parse_log("pkrulab: bad kernel argument: unknown argument 'bogus=1'\n")
        self.assertIsNone(pkrulog.check(bad, "message 'bad kernel argument: *bogus*'"))
        self.assertIsNotNone(pkrulog.check(bad, "message 'bad kernel argument: *timer_hz*'"))

    def test_malformed_expectations_raise(self) -> None:
        for e in ("", "!", "celll a.b ok", "cell a.b", "cell a.b passed", "cell a.b ok x y",
                  "summary failed", "summary failed<1", "summary errors=0", "diag a b c",
                  "meta firmware uefi", "plan two", "bench a", "bench a b tsc why",
                  "cell 'a.b ok", "message", "deviation"):
            with self.assertRaises(pkrulog.CheckError, msg=e):
                pkrulog.check(self.log, e)

    def test_check_all_reports_every_failure(self) -> None:
        self.assertEqual(pkrulog.check_all(self.log, ["summary failed=0", "plan 2"]), [])
        self.assertEqual(len(pkrulog.check_all(self.log, ["summary failed=1", "plan 2",
                                                          "plan 3"])), 2)

    def test_verdict(self) -> None:
        self.assertEqual(pkrulog.run_verdict(self.log),
                         (0, "3 passed, 0 failed, 1 skipped, 1 deviations"))
        self.assertEqual(pkrulog.run_verdict(pkrulog.parse_log(
            RUN.replace("0 failed", "2 failed")))[0], 1)
        self.assertEqual(pkrulog.run_verdict(pkrulog.parse_log(
            "# pkrulab: harness error: bad kernel argument\n"
            "pkrulab: 0 passed, 0 failed, 0 skipped, 0 deviations\n")),
            (2, "harness error: bad kernel argument"))
        self.assertEqual(pkrulog.run_verdict(pkrulog.parse_log(RUN.split("pkrulab: ")[0]))[0], 3)


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

    def test_check(self) -> None:
        p = cli("check", "-", "--", "summary failed=0", "cell 1 pku.ad_blocks_read ok",
                "!diag '*FATAL*'", stdin=RUN)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))
        # Every expectation that does not hold is one line; the others are quiet.
        p = cli("check", "-", "--", "summary failed>0", "plan 2", "!cell pku.* ok",
                stdin=RUN)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.splitlines(), [
            "FAIL: summary failed>0: summary: 3 passed, 0 failed, 1 skipped, 1 deviations",
            "FAIL: !cell pku.* ok: but pku.ad_blocks_read is ok (line 11, #1)"])
        self.assertEqual(cli("check", "-", stdin=RUN).returncode, 0)   # nothing to check

    def test_check_on_a_doctored_log(self) -> None:
        # The same expectations on a log where a cell flipped and the summary counts it.
        clean = os.path.join(DATA, "switch-clean.log")
        with open(clean) as f:
            text = f.read()
        want = ["summary failed=0", "cell switch.yield[xsave] ok",
                "cell switch.yield[unmanaged] todo 'negative control*'"]
        self.assertEqual(cli("check", clean, "--", *want).returncode, 0)
        doctored = (text.replace("    ok 1 switch.yield[xsave]", "    not ok 1 switch.yield[xsave]")
                    .replace("not ok 5 switch.yield[unmanaged] # TODO", "ok 5 switch.yield[unmanaged] #")
                    .replace(" 0 failed,", " 2 failed,"))
        self.assertNotEqual(doctored, text)
        p = cli("check", "-", "--", *want, stdin=doctored)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stdout.splitlines()), 3, p.stdout)

    def test_check_refuses_a_malformed_expectation(self) -> None:
        p = cli("check", "-", "--", "summary failed=0", "cel a.b ok", stdin=RUN)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad expectation cel a.b ok", p.stderr)
        # Even where the log cannot be read: the expectation is wrong first.
        self.assertEqual(cli("check", "/nonexistent/log", "--", "plan x").returncode, 2)
        self.assertEqual(cli("check", "/nonexistent/log", "--", "plan 1").returncode, 2)

    def test_verdict(self) -> None:
        p = cli("verdict", "-", stdin=RUN)
        self.assertEqual((p.returncode, p.stdout),
                         (0, "3 passed, 0 failed, 1 skipped, 1 deviations\n"))
        self.assertEqual(cli("verdict", "-", stdin=RUN.replace("0 failed", "1 failed")).returncode, 1)
        self.assertEqual(cli("verdict", "-", stdin="# pkrulab: harness error: x\n"
                             "pkrulab: 0 passed, 0 failed, 0 skipped\n").returncode, 2)
        p = cli("verdict", "-", stdin="    ok 1 a.b\n")
        self.assertEqual(p.returncode, 3)
        self.assertIn("no summary line", p.stdout)

    def test_outcome_and_count(self) -> None:
        p = cli("outcome", "-", "pku.error_code", stdin=RUN)
        self.assertEqual((p.returncode, p.stdout), (0, "SKIP CPU has no PKU\n"))
        self.assertEqual(cli("outcome", "-", "pku.ad_blocks_read", stdin=RUN).stdout, "ok\n")
        p = cli("outcome", "-", "pku.error", stdin=RUN)      # an ID, not a prefix
        self.assertEqual(p.returncode, 1)
        self.assertIn("no cell pku.error", p.stderr)
        self.assertEqual(cli("count", "-", "*", stdin=RUN).stdout, "6\n")
        self.assertEqual(cli("count", "-", "linux.*", "todo", stdin=RUN).stdout, "2\n")
        self.assertEqual(cli("count", "-", "linux.*", "todo", "design*", stdin=RUN).stdout, "1\n")
        self.assertEqual(cli("count", "-", "pku.*", "MISMATCH", stdin=RUN).stdout, "0\n")
        self.assertEqual(cli("count", "-", "*", "passed", stdin=RUN).returncode, 2)

    def test_unreadable_file_and_usage(self) -> None:
        p = cli("summary", "/nonexistent/log")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read /nonexistent/log", p.stderr)
        self.assertEqual(cli("frobnicate").returncode, 2)


if __name__ == "__main__":
    sys.exit(unitrun.run(__name__, "test_pkrulog"))
