#!/usr/bin/env python3
"""Tests of tools/abi_diff.py: parsing, extraction, the comparison and its data."""

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abi_diff  # noqa: E402

LOG = """\
TAP version 14
    # [abi_x] ok 1 shared: 42
    # [abi_x] linux: mmap flag MAP_32BIT (below 2 GiB) not implemented: -ENOMEM
    # [abi_x] mmap MAP_32BIT: ENOMEM\r
    # [abi_x:12] a forked child's line
    # [hello] not an abi program
    ok 1 linux.abi_x[xsave]
pkrulab: 1 passed, 0 failed, 0 skipped
"""

REF = """\
#ref: run abi_x abi_x
ok 1 shared: 42
[   10.022108] abi_x[408]: some kernel message
mmap MAP_32BIT: ok, below 2 GiB
#ref: end abi_x status=exit:0
#ref: run other other
nothing
#ref: end other status=exit:0
"""

KNOWN = "abi_x | ^mmap MAP_32BIT: | refused | log: MAP_32BIT .* not implemented\n"


class AbiDiffTest(unittest.TestCase):
    def test_program_lines_leave_out_kernel_diagnostics_and_children(self):
        self.assertEqual(abi_diff.program_lines(LOG),
                         {"abi_x": ["ok 1 shared: 42", "mmap MAP_32BIT: ENOMEM"]})

    def test_reference_lines_drop_kernel_messages(self):
        self.assertEqual(abi_diff.reference_lines(REF, "abi_x"),
                         ["ok 1 shared: 42", "mmap MAP_32BIT: ok, below 2 GiB"])
        self.assertIsNone(abi_diff.reference_lines(REF, "abi_y"))

    def test_parse_known(self):
        k = abi_diff.parse_known("# comment\n\n" + KNOWN)
        self.assertEqual(len(k), 1)
        self.assertEqual(k[0].name, "abi_x")
        self.assertTrue(k[0].log.search("MAP_32BIT x not implemented"))
        with self.assertRaises(ValueError):
            abi_diff.parse_known("abi_x | only two\n")
        with self.assertRaises(ValueError):
            abi_diff.parse_known("abi_x | a | b | not a log field\n")

    def test_known_difference_passes_and_needs_its_log_line(self):
        ours = abi_diff.program_lines(LOG)["abi_x"]
        linux = abi_diff.reference_lines(REF, "abi_x")
        ok, msgs = abi_diff.compare("abi_x", ours, linux, abi_diff.parse_known(KNOWN), LOG)
        self.assertTrue(ok, msgs)
        ok, msgs = abi_diff.compare("abi_x", ours, linux, abi_diff.parse_known(KNOWN),
                                    LOG.replace("not implemented", "refused"))
        self.assertFalse(ok)
        self.assertIn("missing", "\n".join(msgs))

    def test_an_unlisted_difference_fails_with_a_diff(self):
        ours = ["ok 1 shared: 0", "mmap MAP_32BIT: ENOMEM"]
        linux = abi_diff.reference_lines(REF, "abi_x")
        ok, msgs = abi_diff.compare("abi_x", ours, linux, abi_diff.parse_known(KNOWN), LOG)
        self.assertFalse(ok)
        self.assertIn("-ok 1 shared: 42", "\n".join(msgs))
        self.assertIn("+ok 1 shared: 0", "\n".join(msgs))

    def test_a_stale_known_difference_fails(self):
        known = abi_diff.parse_known("abi_x | ^no such line | gone\n")
        ok, msgs = abi_diff.compare("abi_x", ["a"], ["a"], known, "")
        self.assertFalse(ok)
        self.assertIn("matches no Linux line", "\n".join(msgs))

    def test_check_and_extract_end_to_end(self):
        with tempfile.TemporaryDirectory() as d:
            ref_log, log = os.path.join(d, "ref.log"), os.path.join(d, "run.log")
            with open(ref_log, "w") as f:
                f.write(REF)
            with open(log, "w") as f:
                f.write(LOG)
            with open(os.path.join(d, "known-differences.txt"), "w") as f:
                f.write(KNOWN)
            self.assertEqual(abi_diff.main(["extract", ref_log, d, "abi_x"]), 0)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = abi_diff.main(["check", log, "--ref", d])
            self.assertEqual(status, 0, out.getvalue())
            self.assertIn("abi-diff: 1 passed, 0 failed", out.getvalue())
            with open(log, "w") as f:
                f.write("pkrulab: 0 passed, 0 failed, 0 skipped\n")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = abi_diff.main(["check", log, "--ref", d])
            self.assertEqual(status, 1)
            self.assertIn("no output", out.getvalue())

    def test_the_kept_data_parses(self):
        with open(os.path.join(abi_diff.REF_DIR, "known-differences.txt")) as f:
            known = abi_diff.parse_known(f.read())
        names = {k.name for k in known}
        for name in names:
            self.assertTrue(os.path.exists(os.path.join(abi_diff.REF_DIR, name + ".txt")), name)
        self.assertTrue(all(k.log for k in known), "every known difference is a refusal")


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors)
    print("test_abi_diff: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
