#!/usr/bin/env python3
"""Unit tests of tools/mutants.py and tools/stress.py (their host logic).

mutants.py: the catalogue parser (fields, verbatim snippets with tabs,
every malformed entry rejected with its line), exact-once application of a
snippet, the host-test file list read from the Makefile, and the shipped
catalogue itself (parses, >= 40 mutants, every file exists, every mutant
edits something).  stress.py: KTAP cell outcomes and the comparison of
rounds by cell id.

Run: python3 tools/test_mutants.py; the last stdout line is
"test_mutants: N passed, N failed".
"""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mutants  # noqa: E402
import stress  # noqa: E402

ONE = """# comment
mutant a.b
file kernel/x.c
desc flips a test
@@@ old
\tif (a)
\t\tb();
@@@ new
\tif (!a)
\t\tb();
@@@ end
"""


class Catalogue(unittest.TestCase):
    def test_fields_and_verbatim_snippets(self) -> None:
        (m,) = mutants.parse_catalogue(ONE)
        self.assertEqual((m.id, m.file, m.desc), ("a.b", "kernel/x.c", "flips a test"))
        self.assertEqual(m.old, "\tif (a)\n\t\tb();")
        self.assertEqual(m.new, "\tif (!a)\n\t\tb();")
        self.assertFalse(m.fast)
        self.assertIsNone(m.equivalent)

    def test_equivalent_and_fast(self) -> None:
        text = ONE.replace("desc flips a test\n", "desc d\nequivalent nobody reads it\nfast\n")
        (m,) = mutants.parse_catalogue(text)
        self.assertEqual(m.equivalent, "nobody reads it")
        self.assertTrue(m.fast)

    def test_empty_replacement_deletes(self) -> None:
        text = ONE.replace("@@@ new\n\tif (!a)\n\t\tb();\n", "@@@ new\n")
        (m,) = mutants.parse_catalogue(text)
        self.assertEqual(m.new, "")
        self.assertEqual(m.apply("x\n\tif (a)\n\t\tb();\ny"), "x\n\ny")

    def bad(self, text: str, why: str) -> None:
        with self.assertRaises(mutants.CatalogueError) as cm:
            mutants.parse_catalogue(text)
        self.assertIn(why, str(cm.exception))

    def test_malformed_entries_are_rejected(self) -> None:
        self.bad(ONE + ONE, "duplicate mutant id")
        self.bad(ONE.replace("file kernel/x.c\n", ""), "has no file")
        self.bad(ONE.replace("desc flips a test\n", ""), "has no desc")
        self.bad(ONE.replace("@@@ end\n", ""), "ends inside a mutant")
        self.bad(ONE.replace("mutant a.b", "mutant A B"), "bad mutant id")
        self.bad(ONE.replace("desc", "descr"), "unknown field")
        self.bad(ONE.replace("\tif (!a)", "\tif (a)"), "changes nothing")
        self.bad(ONE.replace("desc flips a test\n", "desc d\nequivalent\n"), "one-line argument")
        self.bad("stray words\n", "text outside a mutant")
        self.bad(ONE.replace("@@@ new", "@@@ neww"), "unknown marker")

    def test_snippet_must_occur_exactly_once(self) -> None:
        (m,) = mutants.parse_catalogue(ONE)
        src = "int f(void)\n{\n\tif (a)\n\t\tb();\n}\n"
        self.assertIn("\tif (!a)\n\t\tb();", m.apply(src))
        with self.assertRaises(mutants.CatalogueError):
            m.apply("nothing here")
        with self.assertRaises(mutants.CatalogueError):
            m.apply(src + src)

    def test_mismatch_lines(self) -> None:
        # tools/pkrulog.py's classification, line by line.
        hit = mutants.MISMATCH
        self.assertTrue(hit("    not ok 1 signal.kill_other[xsave] # frame PKRU 0x0"))
        self.assertTrue(hit("    not ok 2 a[b] # expected to fail (x) but passed"))
        self.assertTrue(hit("not ok 1 switch"))
        self.assertTrue(hit("    not ok 3 x"))
        self.assertTrue(hit("    not ok 3 x\r\n"))
        self.assertFalse(hit("    not ok 5 switch.yield[unmanaged] # TODO negative control"))
        self.assertFalse(hit("    not ok 6 signal.recover[xsave] # TODO design finding: x"))
        self.assertFalse(hit("    ok 3 x # SKIP CPU has no PKU"))
        self.assertFalse(hit("    ok 1 x"))
        self.assertFalse(hit("    # not ok 1 a program's own sub-result"))
        self.assertFalse(hit(""))
        # "not ok" with SKIP is no KTAP skip: pkrulog (and the report) count it failed.
        self.assertTrue(hit("    not ok 3 x # SKIP CPU has no PKU"))
        # A listed deviation is its own outcome; an unlisted one is a failure.
        self.assertFalse(hit("    not ok 12 pku.pke_enable_flush # DEVIATION: pku.x: what"))
        self.assertTrue(hit("    not ok 12 pku.pke_enable_flush # DEVIATION not in the "
                            "known-deviation table for qemu: pku.x: what"))

    def test_baseline_log(self) -> None:
        # --baseline-log: only a whole passing run stands in for the baseline.
        whole = ("# cmdline: config=all tests=all exit=qemu\nKTAP version 1\n1..1\n"
                 "    KTAP version 1\n    # Subtest: pku\n    1..1\n    ok 1 pku.a\nok 1 pku\n"
                 "pkrulab: 1 passed, 0 failed, 0 skipped, 0 deviations\n")
        cases = {
            whole: True,
            whole.replace("exit=qemu", "exit=qemu tests=pku.*"): False,
            whole.replace("exit=qemu", "exit=qemu inject=no_wrpkru"): False,
            whole.replace("exit=qemu", "exit=qemu tests=pku.* tests=all"): True,
            whole.replace("0 failed", "1 failed").replace("    ok 1 pku.a", "    not ok 1 pku.a"): False,
            whole.rsplit("pkrulab:", 1)[0]: False,
        }
        with tempfile.TemporaryDirectory() as d:
            for i, (text, want) in enumerate(cases.items()):
                path = os.path.join(d, "%d.log" % i)
                with open(path, "w") as f:
                    f.write(text)
                self.assertEqual(mutants.baseline_log_passes(path), want, text)
            self.assertFalse(mutants.baseline_log_passes(os.path.join(d, "absent.log")))

    def test_inject_cases_follow_the_declarations(self) -> None:
        cases = mutants.inject_cases()
        for name in ("no-wrpkru", "init-skip", "stale-sigreturn"):
            self.assertRegex("inject-" + name, cases)
        # The harness self-checks are not part of the inject stage.
        self.assertNotRegex("inject-no-pke", cases)
        self.assertNotRegex("inject-pkru-offset", cases)
        self.assertRegex("switch-unmanaged-caught", cases)

    def test_host_test_files_from_makefile(self) -> None:
        mk = ("$(B)/host/test_x: tests/host/test_x.c kernel/x.c kernel/x.h tests/host/unit.h\n"
              "\t$(HOSTCC) ...\n"
              "$(B)/host/fuzz_x: tests/host/fuzz_x.c kernel/y.c\n")
        self.assertEqual(mutants.host_test_files(mk),
                         {"tests/host/test_x.c", "kernel/x.c", "kernel/x.h", "tests/host/unit.h"})

    def test_shipped_catalogue(self) -> None:
        with open(mutants.CATALOGUE) as f:
            cat = mutants.parse_catalogue(f.read())
        self.assertGreaterEqual(len([m for m in cat if not m.equivalent]), 40)
        self.assertTrue(any(m.fast for m in cat))
        for m in cat:
            self.assertTrue(os.path.isfile(os.path.join(mutants.ROOT, m.file)), m.file)
        with open(os.path.join(mutants.ROOT, "Makefile")) as f:
            self.assertIn("kernel/sigframe.c", mutants.host_test_files(f.read()))


LOG = """KTAP version 1
1..2
    KTAP version 1
    1..3
    ok 1 switch.yield[xsave]
    # FAIL: something
    not ok 2 switch.yield[unmanaged] # TODO negative control
    not ok 3 switch.init_state[explicit] # expected to fail (x) but passed
ok 1 switch
    ok 1 xsave.xsaveopt # SKIP CPU has no XSAVEOPT\r
not ok 2 xsave
pkrulab: 1 passed, 1 failed, 1 skipped
"""


class Stress(unittest.TestCase):
    def test_cell_outcomes(self) -> None:
        # tools/pkrulog.py's verdicts; a cell printed twice keeps both.
        self.assertEqual(stress.parse_cells(LOG), {
            "switch.yield[xsave]": "ok",
            "switch.yield[unmanaged]": "FAIL",
            "switch.init_state[explicit]": "MISMATCH",
            "xsave.xsaveopt": "SKIP",
        })
        twice = LOG.replace("ok 1 switch\n", "ok 1 switch\n    not ok 4 switch.yield[xsave]\n")
        self.assertEqual(stress.parse_cells(twice)["switch.yield[xsave]"], "ok+MISMATCH")

    def test_compare_reports_changed_and_absent_cells(self) -> None:
        r1 = {("d", "a"): "pass", ("d", "b"): "xfail", ("i", "a"): "pass"}
        r2 = {("d", "a"): "pass", ("d", "b"): "fail", ("i", "a"): "pass"}
        r3 = {("d", "a"): "pass", ("d", "b"): "xfail"}
        compared, changed = stress.compare([r1, r2, r3])
        self.assertEqual(compared, 3)
        self.assertEqual(changed, {("d", "b"): ["xfail", "fail", "xfail"],
                                   ("i", "a"): ["pass", "pass", "absent"]})
        self.assertEqual(stress.compare([r1, dict(r1)]), (3, {}))

    def test_matrix_verdicts(self) -> None:
        out = ("ok   inject-init-skip       3.1s  (--cpu max -- inject=init_skip)\n"
               "FAIL inject-bv-clear        2.0s  (--cpu max): exit status 1, want 0\n"
               "    | ok 1 x\nqemu-matrix: 1 passed, 1 failed\n")
        self.assertEqual(stress.matrix_verdicts(out),
                         {"inject-init-skip": "ok", "inject-bv-clear": "FAIL"})


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors)
    print("test_mutants: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
