#!/usr/bin/env python3
"""Unit tests for tools/pkrulab-report.py: the log parser (every verdict
kind, noise, missing summary, count disagreement, bench lines good and
malformed), the renderers, compare, and the command line's exit statuses.
Ends with one line "test_pkrulab_report: N passed, N failed"."""
import contextlib
import importlib.util
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("report", os.path.join(HERE, "pkrulab-report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)
DATA = os.path.join(HERE, "testdata")

SAMPLE = """\x1b[0m\x1b[37mBooting GRUB\r
# run: configs=0x1f inject=no_wrpkru exit=qemu consoles=0x1 seed=1\r
# cpu: brand="Test CPU"
KTAP version 1
1..2
    KTAP version 1
    # Subtest: pku
    1..2
    ok 1 pku.ad_blocks_read
    ok 2 pku.xsavec # SKIP CPU has no XSAVEC
ok 1 pku
    KTAP version 1
    # Subtest: switch
    1..4
    ok 1 switch.yield[xsave]
    not ok 2 switch.yield[explicit] # TODO inject=no_wrpkru: forgot the write
    not ok 3 switch.coroutine[explicit] # TODO design finding: no PKRU in XSAVE
    not ok 4 switch.yield[unmanaged] # task A saw a foreign PKRU
not ok 2 switch
# bench null_syscall config=xsave unit=instructions n=10 min=80 p50=87 p90=88 p99=90 max=91 mean=87.5 overhead=8
# bench broken config=xsave unit=tsc n=10 p50=1
pkrulab: 4 passed, 1 failed, 1 skipped
"""


class Parser(unittest.TestCase):
    def setUp(self):
        self.log = report.parse_log(SAMPLE)

    def test_verdicts(self):
        v = {(c.scenario, c.config): c.verdict for c in self.log.cells}
        self.assertEqual(v[("pku.ad_blocks_read", "-")], "ok")
        self.assertEqual(v[("pku.xsavec", "-")], "SKIP")
        self.assertEqual(v[("switch.yield", "xsave")], "ok")
        self.assertEqual(v[("switch.yield", "explicit")], "FAIL")
        self.assertEqual(v[("switch.coroutine", "explicit")], "DESIGN")
        self.assertEqual(v[("switch.yield", "unmanaged")], "MISMATCH")

    def test_suite_lines_are_not_cells(self):
        self.assertNotIn("pku", [c.scenario for c in self.log.cells])
        self.assertEqual(len(self.log.cells), 6)

    def test_counts_and_summary(self):
        self.assertEqual(self.log.counts(), (4, 1, 1))
        self.assertEqual(self.log.summary, (4, 1, 1))
        self.assertTrue(self.log.complete)

    def test_meta(self):
        self.assertEqual(self.log.meta["inject"], "no_wrpkru")
        self.assertEqual(self.log.meta["brand"], "Test CPU")

    def test_bench(self):
        self.assertEqual(len(self.log.benches), 1)
        b = self.log.benches[0]
        self.assertEqual((b.name, b.config, b.unit), ("null_syscall", "xsave", "instructions"))
        self.assertEqual(b.values["p50"], 87)
        self.assertEqual(b.values["mean"], 87.5)
        self.assertTrue(any("malformed" in w for w in self.log.warnings))

    def test_missing_summary_is_incomplete(self):
        log = report.parse_log(SAMPLE.replace("pkrulab: 4 passed", "crash"))
        self.assertFalse(log.complete)

    def test_count_disagreement_warns(self):
        log = report.parse_log(SAMPLE.replace("pkrulab: 4 passed", "pkrulab: 9 passed"))
        self.assertTrue(any("disagree" in w for w in log.warnings))

    def test_reason_text(self):
        skip = [c for c in self.log.cells if c.verdict == "SKIP"][0]
        self.assertEqual(skip.note, "CPU has no XSAVEC")


class Rendering(unittest.TestCase):
    def setUp(self):
        self.log = report.parse_log(SAMPLE)

    def test_matrix_markdown(self):
        header, rows = report.matrix_rows(self.log)
        self.assertEqual(header, ["scenario", "-", "xsave", "explicit", "unmanaged"])
        md = report.render(rows, header, "md")
        self.assertIn("| switch.yield |  | ok | FAIL | MISMATCH |", md)

    def test_json_round_trip(self):
        header, rows = report.bench_rows(self.log)
        data = json.loads(report.render(rows, header, "json"))
        self.assertEqual(data[0]["benchmark"], "null_syscall")
        self.assertEqual(data[0]["p50"], "87")

    def test_csv(self):
        header, rows = report.matrix_rows(self.log)
        text = report.render(rows, header, "csv")
        self.assertTrue(text.startswith("scenario,-,xsave,explicit,unmanaged\n"))

    def test_compare(self):
        other = report.parse_log(SAMPLE.replace("not ok 2 switch.yield[explicit] # TODO inject=no_wrpkru: forgot the write",
                                                "ok 2 switch.yield[explicit]").replace("p50=87", "p50=174"))
        header, rows = report.compare_rows(self.log, other)
        self.assertIn(["cell", "switch.yield[explicit]", "FAIL", "ok", ""], rows)
        self.assertIn(["bench p50", "null_syscall[xsave]", "87", "174", "2.000"], rows)


class RealLogs(unittest.TestCase):
    def test_clean_vs_no_wrpkru(self):
        a = report.read_log(os.path.join(DATA, "switch-clean.log"))
        b = report.read_log(os.path.join(DATA, "switch-no-wrpkru.log"))
        self.assertTrue(a.complete and b.complete)
        self.assertEqual(a.counts(), a.summary)
        self.assertEqual(b.counts(), b.summary)
        flipped = {r[1] for r in report.compare_rows(a, b)[1] if r[0] == "cell"}
        self.assertIn("switch.yield[explicit]", flipped)
        self.assertNotIn("switch.yield[xsave]", flipped)

    def test_bench_log(self):
        log = report.read_log(os.path.join(DATA, "bench-icount.log"))
        names = {(x.name, x.config) for x in log.benches}
        self.assertIn(("null_syscall", "xsave"), names)
        self.assertTrue(all(x.unit == "instructions" for x in log.benches))


class CommandLine(unittest.TestCase):
    def run_main(self, argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = report.main(argv)
        return rc, out.getvalue(), err.getvalue()

    def test_statuses(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.log")
            open(bad, "w").write(SAMPLE)
            good = os.path.join(DATA, "switch-clean.log")
            self.assertEqual(self.run_main(["summary", good])[0], 0)
            self.assertEqual(self.run_main(["matrix", bad])[0], 1)       # a MISMATCH cell
            self.assertEqual(self.run_main(["matrix", os.path.join(tmp, "none.log")])[0], 2)
            self.assertEqual(self.run_main(["bogus", good])[0], 2)
            self.assertEqual(self.run_main(["compare", good])[0], 2)
            self.assertEqual(self.run_main(["matrix", "--format", "xml", good])[0], 2)
            rc, _, _ = self.run_main(["matrix", good, "--out", tmp])
            self.assertEqual(rc, 0)
            for ext in ("md", "csv", "json"):
                self.assertTrue(os.path.getsize(os.path.join(tmp, "report." + ext)) > 0)
            json.load(open(os.path.join(tmp, "report.json")))


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("test_pkrulab_report: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
