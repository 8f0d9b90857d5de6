#!/usr/bin/env python3
"""Unit tests of tools/conformance.py (the README's SDM conformance table).

Hand-made serial logs in the kernel's format: a cell with DEVIATION and SDM
lines before its result line, a NOTE, a SKIP, an expected failure that also
saw a deviation, an unlisted deviation, a cell one log lacks; the scenario
statements read from the real sources; the README splice.

Run: python3 tools/test_conformance.py; the last stdout line is
"test_conformance: N passed, N failed".
"""
import glob
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conformance  # noqa: E402

QEMU_LOG = """\
# cpu: brand="QEMU TCG CPU version 2.5+"
# platform: qemu-tcg (hypervisor=TCGTCGTCGTCG, brand="QEMU TCG CPU version 2.5+")
KTAP version 1
1..2
    KTAP version 1
    # Subtest: pku
    1..2
    ok 1 pku.ad_blocks_read
    # DEVIATION[pku.pke_enable_no_flush]: kept full access
    #   SDM: checked at once
    not ok 2 pku.pke_enable_flush # DEVIATION: pku.pke_enable_no_flush: kept full access
ok 1 pku
    KTAP version 1
    # Subtest: xsave
    1..2
    ok 1 xsave.xsavec # SKIP CPU has no XSAVEC
    # NOTE[xsave.init_tracking]: init state not tracked
    ok 2 xsave.init_tracking
ok 2 xsave
pkrulab: 2 passed, 0 failed, 1 skipped, 1 deviations
"""

BOCHS_LOG = """\
# cpu: brand="11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz"
# platform: bochs (hypervisor=none, brand="11th Gen")
    # DEVIATION[pku.ring0_ignores_ad]: read did not fault
    #   SDM: AD denies ring-0 reads of user pages
    not ok 1 pku.ad_blocks_read # DEVIATION: pku.ring0_ignores_ad: read did not fault
    ok 2 pku.pke_enable_flush
    # DEVIATION[pku.wd_supervisor]: write faulted -- not a known deviation of this platform
    #   SDM: supervisor pages ignore WD
    not ok 3 switch.uaccess[explicit] # DEVIATION not in the known-deviation table for bochs: x
    # DEVIATION[pku.ring0_ignores_ad]: copies went through
    not ok 4 switch.uaccess[unmanaged] # TODO negative control: isolation must break
pkrulab: 0 passed, 1 failed, 0 skipped, 1 deviations
"""


class Parse(unittest.TestCase):
    def test_findings_attach_to_the_next_result(self):
        log = conformance.parse("q", QEMU_LOG)
        self.assertEqual(log.platform, "qemu-tcg")
        cell = log.cells["pku.pke_enable_flush"]
        self.assertEqual([d.id for d in cell.deviations], ["pku.pke_enable_no_flush"])
        self.assertEqual(cell.deviations[0].sdm, "checked at once")
        self.assertEqual(log.cells["pku.ad_blocks_read"].deviations, [])
        self.assertEqual(log.cells["xsave.init_tracking"].notes[0].id, "xsave.init_tracking")

    def test_cell_texts(self):
        q = conformance.parse("q", QEMU_LOG)
        b = conformance.parse("b", BOCHS_LOG)
        self.assertEqual(q.cells["pku.ad_blocks_read"].text(), "ok")
        self.assertEqual(q.cells["xsave.xsavec"].text(), "SKIP (CPU has no XSAVEC)")
        self.assertEqual(q.cells["xsave.init_tracking"].text(), "ok; NOTE: init state not tracked")
        self.assertEqual(b.cells["pku.ad_blocks_read"].text(),
                         "DEVIATION: pku.ring0_ignores_ad: read did not fault")
        self.assertTrue(b.cells["switch.uaccess[explicit]"].text().startswith(
            "DEVIATION: UNLISTED pku.wd_supervisor"))
        self.assertEqual(b.cells["switch.uaccess[unmanaged]"].text(),
                         "expected failure (negative control: isolation must break); "
                         "deviation seen: pku.ring0_ignores_ad: copies went through")

    def test_rows_semantic_suites_then_deviating_cells(self):
        logs = [conformance.parse("q", QEMU_LOG), conformance.parse("b", BOCHS_LOG)]
        self.assertEqual(conformance.rows(logs),
                         ["pku.ad_blocks_read", "pku.pke_enable_flush", "xsave.xsavec",
                          "xsave.init_tracking", "switch.uaccess[explicit]"])

    def test_deviation_index(self):
        logs = [conformance.parse("q", QEMU_LOG), conformance.parse("b", BOCHS_LOG)]
        index = conformance.deviation_index(logs)
        self.assertEqual(index["pku.ring0_ignores_ad"]["seen"]["b"],
                         ["pku.ad_blocks_read", "switch.uaccess[unmanaged]"])
        self.assertEqual(index["pku.pke_enable_no_flush"]["sdm"], "checked at once")
        self.assertNotIn("b", index["pku.pke_enable_no_flush"]["seen"])


class Files(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.q = os.path.join(self.dir, "q.log")
        self.b = os.path.join(self.dir, "b.log")
        with open(self.q, "w") as f:
            f.write(QEMU_LOG)
        with open(self.b, "w") as f:
            f.write(BOCHS_LOG)

    def test_render_md_columns_and_missing_cells(self):
        md = conformance.render(["QEMU 7.2=" + self.q, self.b], "md", os.path.dirname(HERE))
        lines = md.splitlines()
        self.assertEqual(lines[0], "| behaviour | SDM | QEMU 7.2 | bochs (11th Gen Intel(R) "
                                   "Core(TM) i5-1135G7 @ 2.40GHz) |")
        row = [l for l in lines if l.startswith("| xsave.xsavec |")][0]
        self.assertTrue(row.endswith("| SKIP (CPU has no XSAVEC) | not run |"), row)
        # The SDM column comes from the real SCENARIO() registration.
        self.assertIn("AD blocks ring-0 reads", [l for l in lines
                                                 if l.startswith("| pku.ad_blocks_read |")][0])

    def test_unlisted(self):
        self.assertEqual(conformance.unlisted([self.q]), [])
        self.assertEqual(conformance.unlisted(["B=" + self.b]), ["B: switch.uaccess[explicit]"])

    def test_statements_from_sources(self):
        st = conformance.scenario_statements(os.path.dirname(HERE))
        self.assertIn("pku.supervisor_unaffected", st)
        self.assertIn("signal.recover", st)
        self.assertNotIn('"', st["xsave.init_tracking"])

    def test_every_reported_id_is_in_the_table(self):
        # A typo in an id would make a known deviation fail as "unlisted".
        root = os.path.dirname(HERE)
        with open(os.path.join(root, "tests", "deviations.c")) as f:
            table = re.findall(r'^\t\{ "([\w.]+)",', f.read(), re.M)
        self.assertEqual(len(table), len(set(table)), "an id listed twice")
        used = set()
        for path in glob.glob(os.path.join(root, "tests", "*", "*.c")) + \
                glob.glob(os.path.join(root, "kernel", "*.c")):
            with open(path) as f:
                for call in re.findall(r'\bdeviation(?:_not_run)?\(ctx,([^,]+),', f.read()):
                    used.update(re.findall(r'"([\w.]+)"', call))
        self.assertIn("pku.wd_supervisor", used)
        self.assertEqual(sorted(used - set(table)), [])

    def test_splice(self):
        readme = "a\n%s\nold\n%s\nb\n" % (conformance.BEGIN_MARK, conformance.END_MARK)
        self.assertEqual(conformance.splice(readme, "T\n"),
                         "a\n%s\nT\n%s\nb\n" % (conformance.BEGIN_MARK, conformance.END_MARK))
        with self.assertRaises(ValueError):
            conformance.splice("no markers", "T\n")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors)
    print("test_conformance: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
