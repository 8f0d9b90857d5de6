#!/usr/bin/env python3
"""Unit tests of tools/pkrulab_report.py and the parser it uses, tools/pkrulog.py.

The parser is tested on inline sample text (every verdict kind, indentation,
CR and ANSI noise, a missing summary, count disagreement, good and malformed
bench lines), then compare, the Markdown/CSV/JSON renderers, the command
line's exit statuses, and real logs captured from QEMU (tools/testdata/).

Run: python3 tools/test_pkrulab_report.py
Test detail goes to stderr; stdout gets one last line,
"test_pkrulab_report: N passed, N failed", and the exit status is 0 only
when every test passed.
"""

import contextlib
import csv
import io
import json
import os
import random
import sys
import tempfile
import traceback
import unittest
from typing import Any
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")


sys.path.insert(0, HERE)
try:
    import pkrulab_report as report
    import pkrulog
except Exception:          # a broken tool must still end with the count line
    traceback.print_exc()
    report = pkrulog = None

HEADER = """\
# cmdline: config=all tests=all exit=qemu tests=switch.* inject=no_wrpkru
# boot: loader="GRUB 2.06-13+deb12u2" firmware=uefi memory=249 MiB usable
# cpu: vendor=GenuineIntel family=0x6 model=0x8f stepping=8 hypervisor=none
# cpu: brand="Intel(R) Xeon(R) Test CPU @ 2.00GHz"
# cpu: features: +fpu +tsc +pku
# run: configs=0x1f inject=no_wrpkru exit=qemu consoles=0x1 seed=7
"""

# One cell of every verdict kind, in two suites, with diagnostics between them.
CELLS = """\
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
    1..6
    ok 1 switch.yield[xsave]
    # FAIL: task A (PKRU 0x830) saw a foreign PKRU 1 times
    not ok 2 switch.yield[explicit] # TODO inject=no_wrpkru: switch-in never writes the task's PKRU
    not ok 3 switch.coroutine[explicit] # TODO design finding: XCR0[9]=0: user XRSTOR keeps PKRU
    not ok 4 switch.yield[hybrid] # task A killed: #PF error=0x25 (P|U|PK)
    not ok 5 switch.yield[unmanaged] # expected to fail (negative control) but passed
    ok 6 switch.task_faults
not ok 2 switch
"""

SUMMARY = "pkrulab: 5 passed, 2 failed, 1 skipped\n"
SAMPLE = HEADER + CELLS + SUMMARY

BENCH_GOOD = """\
# bench: unit=instructions overhead=8 (empty region, minimum of 100) iterations=100
# bench null_syscall config=xsave unit=instructions n=100 min=87 p50=87 p90=88 p99=90 max=91 mean=87.5 overhead=8
    # bench yield_roundtrip config=explicit unit=tsc n=1000 min=500 p50=598.5 p90=600 p99=610 max=700 mean=600.25 overhead=20
# bench rdpkru config=none unit=core_cycles n=16384 min=1 p50=1 p90=1 p99=2 max=40 mean=1.1 overhead=0
# bench pkfault_roundtrip config=unmanaged skipped: no frame PKRU
"""

# The first bytes OVMF and GRUB send before the kernel speaks (from a real
# --uefi capture): screen clears, colours, "ESC [ = 3 h", lone CRs.
UEFI_NOISE = ("\x1b[2J\x1b[01;01H\x1b[=3h\x1b[2J\x1b[01;01HBdsDxe: loading Boot0001 "
              "\"UEFI QEMU DVD-ROM QM00003 \" from PciRoot(0x0)/Pci(0x1,0x1)\r\n"
              "\x1b[0m\x1b[30m\x1b[47mWelcome to GRUB!\n\r\n\r\x1b[0m\x1b[37m\x1b[40m"
              "\x1b[2J\x1b[01;01H\x1b[0m\x1b[37m\x1b[40m  Booting `pkrulab: all tests, "
              "every configuration'\n\r\n\r")


def parse(text: str) -> Any:
    return report.parse_log(text)


def verdicts(log: Any) -> dict[str, str]:
    return {c.name: c.verdict for c in log.cells}


def md_rows(text: str) -> list[list[str]]:
    """The data rows of every Markdown table in text, cells stripped."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|-"):
            rows.append([x.strip() for x in line.strip().strip("|").split("|")])
    return rows


class Verdicts(unittest.TestCase):
    def setUp(self) -> None:
        self.log = parse(SAMPLE)
        self.v = verdicts(self.log)

    def test_ok(self) -> None:
        self.assertEqual(self.v["pku.ad_blocks_read"], "ok")
        self.assertEqual(self.v["switch.yield[xsave]"], "ok")

    def test_skip_with_reason(self) -> None:
        cell = [c for c in self.log.cells if c.name == "pku.xsavec"][0]
        self.assertEqual((cell.verdict, cell.reason), ("SKIP", "CPU has no XSAVEC"))

    def test_todo_is_expected_failure(self) -> None:
        cell = [c for c in self.log.cells if c.name == "switch.yield[explicit]"][0]
        self.assertEqual(cell.verdict, "FAIL")
        self.assertTrue(cell.reason.startswith("inject=no_wrpkru:"))

    def test_todo_design_finding(self) -> None:
        self.assertEqual(self.v["switch.coroutine[explicit]"], "DESIGN")

    def test_plain_failure_is_mismatch_and_keeps_hashes_in_reason(self) -> None:
        cell = [c for c in self.log.cells if c.name == "switch.yield[hybrid]"][0]
        self.assertEqual(cell.verdict, "MISMATCH")
        self.assertEqual(cell.reason, "task A killed: #PF error=0x25 (P|U|PK)")

    def test_expected_failure_that_passed_is_mismatch(self) -> None:
        self.assertEqual(self.v["switch.yield[unmanaged]"], "MISMATCH")

    def test_classify_table(self) -> None:
        cases = [(("ok", ""), ("ok", "")),
                 (("ok", "SKIP"), ("SKIP", "")),
                 (("ok", "skip no PKU"), ("SKIP", "no PKU")),
                 (("ok", "a note"), ("ok", "a note")),
                 (("not ok", ""), ("MISMATCH", "")),
                 (("not ok", "failed"), ("MISMATCH", "failed")),
                 (("not ok", "TODO why"), ("FAIL", "why")),
                 (("not ok", "TODO design finding: x"), ("DESIGN", "design finding: x")),
                 (("not ok", "TODO design findings are rare"),
                  ("FAIL", "design findings are rare")),
                 (("not ok", "SKIP odd"), ("MISMATCH", "SKIP odd"))]
        for args, want in cases:
            with self.subTest(args=args):
                self.assertEqual(report.classify(*args), want)

    def test_cell_names_split_into_scenario_and_config(self) -> None:
        got = {(c.scenario, c.config) for c in self.log.cells}
        self.assertIn(("switch.yield", "xsave"), got)
        self.assertIn(("switch.task_faults", "-"), got)
        self.assertEqual(report.split_cell_name("a.b[newcfg]"), ("a.b", "newcfg"))
        self.assertEqual(report.split_cell_name("odd name"), ("odd name", "-"))

    def test_suite_result_lines_are_not_cells(self) -> None:
        self.assertEqual(len(self.log.cells), 8)
        self.assertNotIn("pku", self.v)
        self.assertNotIn("switch", self.v)

    def test_line_numbers(self) -> None:
        cell = self.log.cells[0]
        self.assertEqual(SAMPLE.splitlines()[cell.line - 1].strip(), "ok 1 pku.ad_blocks_read")


class Structure(unittest.TestCase):
    def test_counts_agree_with_summary(self) -> None:
        log = parse(SAMPLE)
        self.assertEqual(log.counts(), report.Counts(5, 2, 1))
        self.assertEqual(log.summary, report.Counts(5, 2, 1))
        self.assertEqual(log.warnings, [])
        self.assertTrue(log.complete)
        self.assertTrue(log.has_mismatch)
        self.assertFalse(log.ok)

    def test_missing_summary_is_incomplete(self) -> None:
        log = parse(HEADER + CELLS)
        self.assertIsNone(log.summary)
        self.assertFalse(log.complete)
        self.assertIn("no summary line", log.status)

    def test_harness_error_is_incomplete_even_with_summary(self) -> None:
        text = (HEADER + "pkrulab: bad kernel argument: bogus=1\n"
                "# pkrulab: harness error: bad kernel argument\n"
                "pkrulab: 0 passed, 0 failed, 0 skipped\n")
        log = parse(text)
        self.assertEqual(log.harness_error, "bad kernel argument")
        self.assertFalse(log.complete)
        self.assertIn("harness error", log.status)

    def test_count_disagreement_warns(self) -> None:
        log = parse(HEADER + CELLS + "pkrulab: 9 passed, 2 failed, 1 skipped\n")
        self.assertEqual(len(log.warnings), 1)
        self.assertIn("summary line says 9 passed", log.warnings[0])

    def test_summary_failure_counts_even_if_cell_lines_are_lost(self) -> None:
        log = parse(HEADER + "pkrulab: 0 passed, 1 failed, 0 skipped\n")
        self.assertTrue(log.has_mismatch)
        self.assertFalse(log.ok)

    def test_truncated_suite_warns_about_its_plan(self) -> None:
        text = SAMPLE.replace("    ok 6 switch.task_faults\n", "")
        log = parse(text)
        self.assertTrue(any("suite switch: plan 1..6 but 5" in w for w in log.warnings))

    def test_flat_ktap_without_subtests(self) -> None:
        log = parse("KTAP version 1\n1..2\nok 1 pku.a\nnot ok 2 switch.b[xsave] # TODO x\n"
                    "pkrulab: 2 passed, 0 failed, 0 skipped\n")
        self.assertEqual(verdicts(log), {"pku.a": "ok", "switch.b[xsave]": "FAIL"})
        self.assertEqual(log.warnings, [])

    def test_deeper_indentation_and_tabs(self) -> None:
        log = parse("        ok 1 a.b[xsave]\n\tnot ok 2 a.c # TODO design finding: y\n")
        self.assertEqual(verdicts(log), {"a.b[xsave]": "ok", "a.c": "DESIGN"})

    def test_metadata(self) -> None:
        meta = parse(SAMPLE).meta
        self.assertEqual(meta.inject, "no_wrpkru")
        self.assertEqual(meta.configs, "0x1f")
        self.assertEqual(meta.seed, "7")
        self.assertEqual(meta.vendor, "GenuineIntel")
        self.assertEqual(meta.model, "0x8f")
        self.assertEqual(meta.brand, "Intel(R) Xeon(R) Test CPU @ 2.00GHz")
        self.assertEqual(meta.firmware, "uefi")
        self.assertTrue(meta.cmdline.endswith("inject=no_wrpkru"))
        self.assertEqual(report.cpu_label(meta),
                         "Intel(R) Xeon(R) Test CPU @ 2.00GHz (GenuineIntel family=0x6 model=0x8f)")
        self.assertEqual(report.cpu_label(report.RunMeta()), "unknown CPU")

    def test_second_run_in_one_file_reports_the_last(self) -> None:
        log = parse(SAMPLE + SAMPLE.replace("seed=7", "seed=8"))
        self.assertEqual(log.meta.seed, "8")
        self.assertEqual(len(log.cells), 8)
        self.assertTrue(any("second run" in w for w in log.warnings))

    def test_garbage_never_raises(self) -> None:
        rng = random.Random(1)
        pieces = SAMPLE.splitlines(keepends=True) + BENCH_GOOD.splitlines(keepends=True)
        for _ in range(200):
            # Shuffled and cut real lines with stray bytes: what a dying serial line sends.
            text = "".join(rng.choice(pieces)[:rng.randint(0, 90)] + chr(rng.randint(0, 0x7f))
                           for _ in range(rng.randint(0, 30)))
            report.parse_log(text)

    def test_text_that_is_not_a_log(self) -> None:
        log = parse("hello\nworld\n")
        self.assertEqual(log.cells, [])
        self.assertFalse(log.complete)
        self.assertTrue(any("pkrulab log" in w for w in log.warnings))


class Noise(unittest.TestCase):
    def test_crlf_line_ends(self) -> None:
        log = parse(SAMPLE.replace("\n", "\r\n"))
        self.assertEqual(verdicts(log), verdicts(parse(SAMPLE)))
        self.assertEqual(log.summary, report.Counts(5, 2, 1))
        self.assertEqual(log.meta.brand, "Intel(R) Xeon(R) Test CPU @ 2.00GHz")

    def test_uefi_escapes_and_firmware_lines(self) -> None:
        log = parse(UEFI_NOISE + SAMPLE.replace("\n", "\r\n"))
        self.assertEqual(verdicts(log), verdicts(parse(SAMPLE)))
        self.assertTrue(log.complete)
        self.assertEqual(log.warnings, [])
        self.assertEqual(log.meta.inject, "no_wrpkru")

    def test_escape_and_control_bytes_inside_lines(self) -> None:
        text = ("\x1b[0m\x00    ok 1 a.b[xsave]\x1b[K\r\n"
                "\x1b]0;title\x07    not ok 2 a.c # TODO x\r"
                "\x1b[1;31mpkrulab: 2 passed, 0 failed, 0 skipped\x1b[0m\r\n")
        log = parse(text)
        self.assertEqual(verdicts(log), {"a.b[xsave]": "ok", "a.c": "FAIL"})
        self.assertEqual(log.summary, report.Counts(2, 0, 0))

    def test_clean_lines(self) -> None:
        self.assertEqual(report.clean_lines("a\r\nb\rc\n\x1b[2Jd"), ["a", "b", "c", "d"])


class Bench(unittest.TestCase):
    def setUp(self) -> None:
        self.log = parse(HEADER + BENCH_GOOD + "pkrulab: 0 passed, 0 failed, 0 skipped\n")

    def test_records_keyed_by_name_and_config(self) -> None:
        self.assertEqual(list(self.log.bench), [("null_syscall", "xsave"),
                                                ("yield_roundtrip", "explicit"),
                                                ("rdpkru", "none"),
                                                ("pkfault_roundtrip", "unmanaged")])
        self.assertEqual(self.log.warnings, [])

    def test_values_integers_and_decimals(self) -> None:
        r = self.log.bench[("null_syscall", "xsave")]
        self.assertEqual(r.unit, "instructions")
        self.assertEqual(r.stats, {"n": 100, "min": 87, "p50": 87, "p90": 88, "p99": 90,
                                   "max": 91, "mean": 87.5, "overhead": 8})
        self.assertIsInstance(r.stats["p50"], int)
        self.assertIsInstance(r.stats["mean"], float)

    def test_indented_line(self) -> None:
        r = self.log.bench[("yield_roundtrip", "explicit")]
        self.assertEqual((r.unit, r.stats["p50"], r.stats["mean"]), ("tsc", 598.5, 600.25))

    def test_skipped_benchmark(self) -> None:
        r = self.log.bench[("pkfault_roundtrip", "unmanaged")]
        self.assertEqual((r.skipped, r.stats), ("no frame PKRU", {}))

    def test_header_line_is_not_a_record(self) -> None:
        self.assertNotIn(("unit=instructions", "none"), self.log.bench)

    def test_malformed_lines_are_ignored_with_a_warning(self) -> None:
        bad = ["# bench a config=xsave unit=tsc n=10 p50=1",                    # fields missing
               "# bench b config=xsave unit=tsc n=10 min=1 p50=x p90=1 p99=1 max=1 mean=1 overhead=0",
               "# bench c config=xsave unit=furlongs n=1 min=1 p50=1 p90=1 p99=1 max=1 mean=1 overhead=0",
               "# bench d config=xsave unit=tsc n=1.5 min=1 p50=1 p90=1 p99=1 max=1 mean=1 overhead=0",
               "# bench e config=xsave unit=tsc n=1 min=1 p50=1 p90=1 p99=1 max=1 mean=1 overhead",
               "# bench f config=xsave unit=tsc n=1 min=-1 p50=1 p90=1 p99=1 max=1 mean=1 overhead=0",
               "# bench g"]
        log = parse(BENCH_GOOD + "\n".join(bad) + "\n")
        self.assertEqual(len(log.bench), 4)                    # the good ones survive
        malformed = [w for w in log.warnings if "malformed bench line" in w]
        self.assertEqual(len(malformed), len(bad))
        self.assertIn("missing min, p90, p99, max, mean, overhead", malformed[0])
        self.assertIn("unknown unit 'furlongs'", malformed[2])

    def test_repeated_record_warns_and_later_wins(self) -> None:
        line = "# bench x config=xsave unit=tsc n=1 min=1 p50=%d p90=1 p99=1 max=1 mean=1 overhead=0\n"
        log = parse(line % 5 + line % 6)
        self.assertEqual(log.bench[("x", "xsave")].stats["p50"], 6)
        self.assertTrue(any("repeated" in w for w in log.warnings))


def bench_line(name: str, config: str, p50: float, unit: str = "instructions") -> str:
    return ("# bench %s config=%s unit=%s n=10 min=1 p50=%s p90=1 p99=1 max=1 mean=1.0 "
            "overhead=0\n" % (name, config, unit, p50))


class Compare(unittest.TestCase):
    def setUp(self) -> None:
        self.a = parse(SAMPLE + bench_line("yield", "xsave", 500) + bench_line("sig", "xsave", 0)
                       + bench_line("null", "xsave", 80) + bench_line("only_a", "xsave", 1))
        clean = SAMPLE.replace("not ok 2 switch.yield[explicit] # TODO inject=no_wrpkru: "
                               "switch-in never writes the task's PKRU", "ok 2 switch.yield[explicit]")
        clean = clean.replace("    ok 1 pku.ad_blocks_read\n", "")
        self.b = parse(clean + "    ok 9 switch.new[xsave]\n" + bench_line("yield", "xsave", 750)
                       + bench_line("sig", "xsave", 3) + bench_line("null", "xsave", 80, "tsc"))

    def test_flipped_and_one_sided_cells(self) -> None:
        diffs = report.compare_cells(self.a, self.b)
        self.assertEqual([(d.scenario, d.config, d.a, d.b) for d in diffs],
                         [("pku.ad_blocks_read", "-", "ok", ""),
                          ("switch.yield", "explicit", "FAIL", "ok"),
                          ("switch.new", "xsave", "", "ok")])

    def test_identical_logs_have_no_differences(self) -> None:
        self.assertEqual(report.compare_cells(self.a, self.a), [])

    def test_bench_ratios(self) -> None:
        got = {d.name: d for d in report.compare_bench(self.a, self.b)}
        self.assertEqual(sorted(got), ["null", "sig", "yield"])        # only_a is not in B
        self.assertAlmostEqual(got["yield"].ratio, 1.5)
        self.assertIsNone(got["sig"].ratio)                              # A's p50 is 0
        self.assertIsNone(got["null"].ratio)                             # units differ
        self.assertEqual(got["null"].unit, "instructions/tsc")

    def test_skipped_benchmarks_are_not_compared(self) -> None:
        a = parse("# bench x config=xsave skipped: no PKU\n")
        b = parse(bench_line("x", "xsave", 5))
        self.assertEqual(report.compare_bench(a, b), [])

    def test_markdown(self) -> None:
        text = report.render_compare("a.log", self.a, "b.log", self.b, "md")
        rows = md_rows(text)
        self.assertIn(["switch.yield", "explicit", "FAIL", "ok"], rows)
        self.assertIn(["switch.new", "xsave", "(absent)", "ok"], rows)
        self.assertIn(["yield", "xsave", "instructions", "500", "750", "1.500"], rows)
        self.assertIn("A = a.log: inject=no_wrpkru", text)

    def test_csv(self) -> None:
        rows = list(csv.reader(io.StringIO(report.render_compare("a", self.a, "b", self.b, "csv"))))
        self.assertEqual(rows[0], ["kind", "name", "config", "unit", "a", "b", "b_over_a"])
        self.assertIn(["cell", "switch.yield", "explicit", "", "FAIL", "ok", ""], rows)
        self.assertIn(["bench_p50", "yield", "xsave", "instructions", "500", "750", "1.500"], rows)

    def test_json_round_trip(self) -> None:
        data = json.loads(report.render_compare("a", self.a, "b", self.b, "json"))
        self.assertEqual(data["a"]["file"], "a")
        self.assertEqual(len(data["cells"]), 3)
        self.assertEqual(data["bench"][0], {"name": "yield", "config": "xsave",
                                            "unit": "instructions", "a_p50": 500, "b_p50": 750,
                                            "ratio": 1.5})


class Rendering(unittest.TestCase):
    def setUp(self) -> None:
        self.log = parse(SAMPLE + BENCH_GOOD)
        self.named = [("run.log", self.log)]

    def test_matrix_columns_in_kernel_order(self) -> None:
        columns, table = report.matrix(self.log)
        self.assertEqual(columns, ["-", "xsave", "explicit", "hybrid", "unmanaged"])
        self.assertEqual(table["switch.yield"], {"xsave": "ok", "explicit": "FAIL",
                                                 "hybrid": "MISMATCH", "unmanaged": "MISMATCH"})
        self.assertEqual(report.config_order(["zzz", "unmanaged", "-", "xsave"]),
                         ["-", "zzz", "unmanaged", "xsave"])      # first appearance
        self.assertEqual(report.config_order(["zzz", "unmanaged", "-", "xsave"],
                                             ["xsave", "explicit", "unmanaged"]),
                         ["-", "xsave", "unmanaged", "zzz"])

    def test_columns_follow_the_strategies_line(self) -> None:
        # Cells printed in one order, the registry line names another: the
        # line wins, and a configuration it does not name comes last.
        text = ("# strategies: unmanaged sixth xsave\n"
                "ok 1 switch.yield[xsave]\nok 2 switch.yield[newcfg]\n"
                "ok 3 switch.yield[sixth]\nok 4 switch.yield[unmanaged]\n"
                "pkrulab: 4 passed, 0 failed, 0 skipped\n")
        log = parse(text)
        self.assertEqual(log.meta.strategies, ["unmanaged", "sixth", "xsave"])
        columns, _ = report.matrix(log)
        self.assertEqual(columns, ["unmanaged", "sixth", "xsave", "newcfg"])
        self.assertIn("| scenario     | unmanaged | sixth | xsave | newcfg |",
                      report.render_matrix([("a.log", log)], "md"))

    def test_columns_without_a_strategies_line_in_order_of_appearance(self) -> None:
        log = parse("ok 1 switch.yield[unmanaged]\nok 2 switch.yield[xsave]\n"
                    "pkrulab: 2 passed, 0 failed, 0 skipped\n")
        self.assertEqual(log.meta.strategies, [])
        self.assertEqual(report.matrix(log)[0], ["unmanaged", "xsave"])

    def test_matrix_markdown(self) -> None:
        text = report.render_matrix(self.named, "md")
        self.assertTrue(text.startswith("### run.log: inject=no_wrpkru, cpu: Intel(R) Xeon(R)"))
        self.assertIn("5 passed, 2 failed, 1 skipped; complete", text)
        rows = md_rows(text)
        self.assertEqual(rows[0], ["scenario", "-", "xsave", "explicit", "hybrid", "unmanaged"])
        self.assertIn(["switch.yield", "", "ok", "FAIL", "MISMATCH", "MISMATCH"], rows)
        self.assertIn(["switch.coroutine", "", "", "DESIGN", "", ""], rows)
        self.assertIn(["pku.xsavec", "SKIP", "", "", "", ""], rows)

    def test_one_table_per_log(self) -> None:
        other = parse(SAMPLE.replace("inject=no_wrpkru exit", "inject=none exit"))
        text = report.render_matrix([("a.log", self.log), ("b.log", other)], "md")
        self.assertEqual(text.count("### "), 2)
        self.assertIn("### b.log: inject=none, cpu: Intel", text)

    def test_markdown_escapes_pipes(self) -> None:
        text = report.render_md_table(["h"], [["a|b"]])
        self.assertIn("a\\|b", text)
        self.assertEqual(text.splitlines()[1], "|------|")      # padded to "a\\|b"

    def test_matrix_csv(self) -> None:
        rows = list(csv.reader(io.StringIO(report.render_matrix(self.named, "csv"))))
        self.assertEqual(rows[0], ["log", "inject", "cpu", "scenario", "-", "xsave", "explicit",
                                   "hybrid", "unmanaged"])
        self.assertIn("switch.yield", [r[3] for r in rows])
        self.assertEqual(len(rows), 1 + 5)

    def test_matrix_json_round_trip(self) -> None:
        data = json.loads(report.render_matrix(self.named, "json"))
        entry = data["logs"][0]
        self.assertEqual(entry["matrix"]["switch.coroutine"], {"explicit": "DESIGN"})
        self.assertEqual(entry["counts"], {"passed": 5, "failed": 2, "skipped": 1, "deviations": 0})
        self.assertEqual(entry["status"], "complete")
        self.assertEqual(len(entry["cells"]), 8)
        self.assertEqual(entry["cells"][1]["reason"], "CPU has no XSAVEC")

    def test_bench_markdown_is_benchmark_by_configuration(self) -> None:
        text = report.render_bench(self.named, "md")
        rows = md_rows(text)
        # One p50 table per unit, benchmark rows x configuration columns;
        # the full statistics are in the CSV/JSON, not in one row per pair.
        self.assertIn("p50 (instructions), benchmark x configuration", text)
        self.assertIn("p50 (tsc), benchmark x configuration", text)
        self.assertIn(["null_syscall", "87"], rows)
        self.assertIn(["yield_roundtrip", "598.5"], rows)
        self.assertNotIn("p90", text)
        self.assertIn("- pkfault_roundtrip [unmanaged]: no frame PKRU", text)

    def test_pivot_columns_follow_the_strategies_line(self) -> None:
        log = parse("# strategies: unmanaged explicit xsave\n"
                    "# bench b config=xsave unit=instructions n=1 min=3 p50=3 p90=3 p99=3 "
                    "max=3 mean=3 overhead=0\n"
                    "# bench b config=unmanaged unit=instructions n=1 min=1 p50=1 p90=1 p99=1 "
                    "max=1 mean=1 overhead=0\n"
                    "# bench b config=explicit unit=instructions n=1 min=2 p50=2 p90=2 p99=2 "
                    "max=2 mean=2 overhead=0\n")
        rows = md_rows(report.render_bench([("p.log", log)], "md"))
        self.assertEqual(rows[:2], [["benchmark", "unmanaged", "explicit", "xsave"],
                                    ["b", "1", "2", "3"]])

    def test_bench_csv_and_json(self) -> None:
        rows = list(csv.reader(io.StringIO(report.render_bench(self.named, "csv"))))
        self.assertEqual(rows[0][:4], ["log", "benchmark", "config", "unit"])
        self.assertEqual(len(rows), 1 + 4)
        data = json.loads(report.render_bench(self.named, "json"))
        bench = data["logs"][0]["bench"]
        self.assertEqual(bench[0]["stats"]["mean"], 87.5)
        self.assertEqual(bench[3]["skipped"], "no frame PKRU")

    def test_no_benchmarks(self) -> None:
        self.assertIn("(no benchmark lines)", report.render_bench([("x", parse(SAMPLE))], "md"))

    def test_summary_lines(self) -> None:
        line = report.summary_line("a.log", self.log)
        self.assertEqual(line, "a.log: 5 passed, 2 failed, 1 skipped; inject=no_wrpkru; "
                               "cpu=Intel(R) Xeon(R) Test CPU @ 2.00GHz (GenuineIntel family=0x6 "
                               "model=0x8f); complete")
        broken = report.summary_line("b.log", parse(HEADER + CELLS))
        self.assertTrue(broken.endswith("; INCOMPLETE: no summary line (crash, timeout or "
                                        "truncated log)"))
        data = json.loads(report.render_summary(self.named, "json"))
        self.assertTrue(data["logs"][0]["complete"])
        rows = list(csv.reader(io.StringIO(report.render_summary(self.named, "csv"))))
        self.assertEqual(rows[1][:4], ["run.log", "5", "2", "1"])

    def test_report_csv_is_one_table(self) -> None:
        rows = list(csv.reader(io.StringIO(report.report_csv(self.named))))
        self.assertEqual({len(r) for r in rows}, {len(rows[0])})
        self.assertEqual([r[1] for r in rows[1:]].count("cell"), 8)
        self.assertEqual([r[1] for r in rows[1:]].count("bench"), 4)

    def test_png_series(self) -> None:
        names, series = report.bench_series(self.named)
        self.assertEqual(names, ["null_syscall", "yield_roundtrip", "rdpkru"])
        self.assertEqual(series["explicit"], {"yield_roundtrip": 598.5})
        names, series = report.bench_series([("a.log", self.log), ("b.log", self.log)])
        self.assertIn("xsave (b.log)", series)


class CommandLine(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name: str, text: str) -> str:
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def run_main(self, argv: list[str]) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = report.main(argv)
        return status, out.getvalue(), err.getvalue()

    def clean_log(self) -> str:
        text = SAMPLE.replace("not ok 4 switch.yield[hybrid] # task A killed: #PF error=0x25 "
                              "(P|U|PK)", "ok 4 switch.yield[hybrid]")
        text = text.replace("not ok 5 switch.yield[unmanaged] # expected to fail (negative "
                            "control) but passed", "ok 5 switch.yield[unmanaged]")
        return self.write("clean.log", text.replace("5 passed, 2 failed", "7 passed, 0 failed"))

    def test_status_0_when_every_cell_matched(self) -> None:
        for command in ("matrix", "bench", "summary"):
            with self.subTest(command=command):
                status, out, err = self.run_main([command, self.clean_log()])
                self.assertEqual((status, err), (0, ""))
                self.assertTrue(out)

    def test_status_1_on_a_mismatch_cell(self) -> None:
        status, out, _ = self.run_main(["matrix", self.clean_log(), self.write("m.log", SAMPLE)])
        self.assertEqual(status, 1)
        self.assertIn("MISMATCH", out)

    def test_status_1_on_an_incomplete_log(self) -> None:
        path = self.write("crash.log", HEADER + CELLS.replace("not ok 4", "ok 4")
                          .replace("not ok 5", "ok 5"))
        status, out, err = self.run_main(["summary", path])
        self.assertEqual(status, 1)
        self.assertIn("INCOMPLETE", out)
        self.assertIn("crash.log: incomplete: no summary line", err)

    def test_status_2_on_an_unreadable_file_names_it(self) -> None:
        missing = os.path.join(self.tmp.name, "missing.log")
        status, out, err = self.run_main(["matrix", self.clean_log(), missing])
        self.assertEqual((status, out), (2, ""))
        self.assertIn("cannot read %s" % missing, err)
        status, _, err = self.run_main(["summary", self.tmp.name])      # a directory
        self.assertEqual(status, 2)
        self.assertIn(self.tmp.name, err)

    def test_status_2_on_usage_errors(self) -> None:
        log = self.clean_log()
        for argv in ([], ["bogus", log], ["matrix"], ["compare", log], ["compare", log, log, log],
                     ["matrix", "--format", "xml", log], ["matrix", log, "--out"]):
            with self.subTest(argv=argv):
                status, out, err = self.run_main(argv)
                self.assertEqual((status, out), (2, ""))
                self.assertIn("pkrulab_report.py:", err)

    def test_help_is_status_0(self) -> None:
        status, out, _ = self.run_main(["--help"])
        self.assertEqual(status, 0)
        self.assertIn("matrix", out)

    def test_options_before_or_after_the_subcommand(self) -> None:
        log = self.clean_log()
        for argv in (["--format", "json", "matrix", log], ["matrix", log, "--format", "json"]):
            with self.subTest(argv=argv):
                status, out, _ = self.run_main(argv)
                self.assertEqual(status, 0)
                self.assertEqual(json.loads(out)["logs"][0]["file"], log)

    def test_compare_command(self) -> None:
        status, out, _ = self.run_main(["compare", self.clean_log(), self.write("m.log", SAMPLE),
                                        "--format", "csv"])
        self.assertEqual(status, 1)                                   # B has mismatches
        self.assertIn("cell,switch.yield,hybrid,,ok,MISMATCH,", out)

    def test_warnings_go_to_stderr_with_the_file_name(self) -> None:
        path = self.write("w.log", SAMPLE + "# bench broken config=xsave unit=tsc n=1\n")
        status, out, err = self.run_main(["bench", path])
        self.assertEqual(status, 1)
        self.assertIn("w.log: warning: line", err)
        self.assertIn("malformed bench line ignored", err)
        self.assertNotIn("warning", out)

    def test_out_writes_three_reports(self) -> None:
        out_dir = os.path.join(self.tmp.name, "report")
        log = self.write("b.log", SAMPLE + BENCH_GOOD)
        status, _, _ = self.run_main(["bench", log, "--out", out_dir])
        self.assertEqual(status, 1)
        self.assertEqual(sorted(os.listdir(out_dir)), ["report.csv", "report.json", "report.md"])
        with open(os.path.join(out_dir, "report.json")) as f:
            data = json.load(f)
        self.assertEqual(len(data["logs"][0]["cells"]), 8)
        self.assertEqual(len(data["logs"][0]["bench"]), 4)
        with open(os.path.join(out_dir, "report.md")) as f:
            md = f.read()
        self.assertIn("## Verdicts", md)
        self.assertIn("## Benchmarks", md)

    def test_benchmark_only_run_has_no_verdicts_section(self) -> None:
        out_dir = os.path.join(self.tmp.name, "no-cells")
        log = self.write("nc.log", BENCH_GOOD + "pkrulab: 0 passed, 0 failed, 0 skipped\n")
        self.run_main(["bench", log, "--out", out_dir])
        with open(os.path.join(out_dir, "report.md")) as f:
            md = f.read()
        self.assertNotIn("## Verdicts", md)
        self.assertIn("## Benchmarks", md)

    def test_out_that_cannot_be_written_is_status_2(self) -> None:
        blocker = self.write("file", "")
        status, _, err = self.run_main(["matrix", self.clean_log(), "--out",
                                        os.path.join(blocker, "sub")])
        self.assertEqual(status, 2)
        self.assertIn("cannot write the report", err)

    def test_png_without_matplotlib_is_a_note(self) -> None:
        png = os.path.join(self.tmp.name, "x.png")
        with mock.patch.dict(sys.modules, {"matplotlib": None, "matplotlib.pyplot": None}):
            status, _, err = self.run_main(["bench", self.clean_log(), "--png", png])
        self.assertEqual(status, 0)
        self.assertIn("matplotlib is not importable", err)
        self.assertFalse(os.path.exists(png))

    def test_png_with_matplotlib_draws_grouped_bars(self) -> None:
        fake_mpl, fake_plt, fig, ax = (mock.MagicMock() for _ in range(4))
        fake_mpl.pyplot = fake_plt
        fake_plt.subplots.return_value = (fig, ax)
        log = parse(BENCH_GOOD)
        with mock.patch.dict(sys.modules, {"matplotlib": fake_mpl, "matplotlib.pyplot": fake_plt}):
            with contextlib.redirect_stderr(io.StringIO()):
                drawn = report.draw_png("chart.png", [("b.log", log)])
        self.assertTrue(drawn)
        fake_mpl.use.assert_called_with("Agg")
        self.assertEqual(ax.bar.call_count, 3)                  # one series per config
        ax.set_yscale.assert_called_with("log")                  # p50 from 1 to 598.5
        fig.savefig.assert_called_with("chart.png")

    def test_stdin(self) -> None:
        fake_stdin = mock.MagicMock()
        fake_stdin.buffer.read.return_value = SAMPLE.encode()
        with mock.patch.object(sys, "stdin", fake_stdin):
            status, out, _ = self.run_main(["summary", "-"])
        self.assertEqual(status, 1)
        self.assertTrue(out.startswith("-: 5 passed, 2 failed, 1 skipped"))


class RealLogs(unittest.TestCase):
    """Logs captured from ./run-qemu.sh (BIOS, -cpu max, QEMU 7.2 TCG)."""

    def setUp(self) -> None:
        self.clean = report.read_log(os.path.join(DATA, "switch-clean.log"))
        self.injected = report.read_log(os.path.join(DATA, "switch-no-wrpkru.log"))

    def test_fixtures_are_small(self) -> None:
        for name in ("switch-clean.log", "switch-no-wrpkru.log"):
            self.assertLess(os.path.getsize(os.path.join(DATA, name)), 20 * 1024)

    def test_clean_run(self) -> None:
        log = self.clean
        self.assertTrue(log.ok)
        self.assertEqual(log.warnings, [])
        self.assertEqual(log.counts(), log.summary)
        self.assertEqual(log.meta.inject, "none")
        self.assertEqual(log.meta.configs, "0x1f")
        v = verdicts(log)
        self.assertEqual(v["switch.coroutine[explicit]"], "DESIGN")
        self.assertEqual(v["switch.sleep_uaccess[xsave_deferred]"], "DESIGN")
        self.assertEqual(v["switch.yield[unmanaged]"], "FAIL")
        self.assertEqual(v["pku.wrpkru_gp"], "ok")
        columns, _ = report.matrix(log)
        self.assertEqual(columns, ["-", "xsave", "explicit", "hybrid", "xsave_deferred",
                                   "unmanaged"])

    def test_injected_run(self) -> None:
        log = self.injected
        self.assertTrue(log.ok)                     # the injected failures were expected
        self.assertEqual(log.warnings, [])
        self.assertEqual(log.counts(), log.summary)
        self.assertEqual(log.meta.inject, "no_wrpkru")

    def test_no_wrpkru_flips_explicit_and_hybrid_only(self) -> None:
        flipped = [d for d in report.compare_cells(self.clean, self.injected) if d.a and d.b]
        self.assertTrue(flipped)
        self.assertEqual({d.config for d in flipped}, {"explicit", "hybrid"})
        self.assertTrue(all((d.a, d.b) == ("ok", "FAIL") for d in flipped))
        one_sided = [d for d in report.compare_cells(self.clean, self.injected) if not d.b]
        self.assertTrue(all(d.scenario.startswith("pku.") for d in one_sided))

    def test_cli_on_real_logs(self) -> None:
        out, err = io.StringIO(), io.StringIO()
        paths = [os.path.join(DATA, n) for n in ("switch-clean.log", "switch-no-wrpkru.log")]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = report.main(["matrix"] + paths)
        self.assertEqual((status, err.getvalue()), (0, ""))
        self.assertEqual(out.getvalue().count("### "), 2)

    def test_real_bench_log(self) -> None:
        log = report.read_log(os.path.join(DATA, "bench-icount.log"))
        self.assertEqual(log.warnings, [])
        self.assertEqual(log.bench[("yield_roundtrip", "explicit")].stats["p50"], 598)
        self.assertTrue(all(r.unit == "instructions" for r in log.bench.values()))


def bench_log(lines: dict[tuple[str, str], int | str], unit: str = "instructions") -> Any:
    """A parsed log holding just these p50s (a str value: skipped, with that reason)."""
    text = [HEADER]
    for (name, config), value in lines.items():
        if isinstance(value, str):
            text.append("# bench %s config=%s skipped: %s\n" % (name, config, value))
        else:
            text.append("# bench %s config=%s unit=%s n=10 min=%d p50=%d p90=%d p99=%d max=%d "
                        "mean=%d.0 overhead=4\n" % ((name, config, unit) + (value,) * 6))
    text.append("pkrulab: 0 passed, 0 failed, 0 skipped\n")
    return report.parse_log("".join(text))


class Targets(unittest.TestCase):
    CONFIGS = ("xsave", "explicit", "hybrid", "xsave_deferred", "unmanaged")

    def passing(self) -> dict[tuple[str, str], int | str]:
        lines: dict[tuple[str, str], int | str] = {}
        for config in self.CONFIGS:
            lines[("null_syscall", config)] = 60
            lines[("yield_roundtrip", config)] = 300
            lines[("signal_roundtrip", config)] = 800
        lines[("yield_roundtrip", "explicit")] = 320        # 10 per switch over unmanaged
        return lines

    def failed(self, log: Any) -> list[tuple[str, str]]:
        return [(r.target, r.config) for r in report.check_targets(log) if not r.ok]

    def test_limits_are_inclusive(self) -> None:
        results = report.check_targets(bench_log(self.passing()))
        self.assertEqual(len(results), 3 * 5 + 1)
        self.assertEqual(self.failed(bench_log(self.passing())), [])
        self.assertEqual(results[-1].measured, 10)

    def test_each_limit_fails_one_above(self) -> None:
        for key, value in ((("null_syscall", "hybrid"), 61),
                           (("yield_roundtrip", "xsave_deferred"), 501),
                           (("signal_roundtrip", "unmanaged"), 801)):
            with self.subTest(key=key):
                lines = self.passing()
                lines[key] = value
                self.assertEqual(self.failed(bench_log(lines)), [(key[0] + " p50", key[1])])

    def test_per_switch_is_half_the_round_trip_difference(self) -> None:
        lines = self.passing()
        lines[("yield_roundtrip", "explicit")] = 321        # 10.5 per switch
        results = report.check_targets(bench_log(lines))
        self.assertEqual(results[-1].measured, 10.5)
        self.assertEqual(self.failed(bench_log(lines)),
                         [("explicit - unmanaged per switch", "explicit")])

    def test_unmeasured_targets_fail_with_the_reason(self) -> None:
        lines = self.passing()
        lines[("signal_roundtrip", "xsave")] = "no PKU"
        del lines[("yield_roundtrip", "unmanaged")]
        results = {(r.target, r.config): r for r in report.check_targets(bench_log(lines))}
        self.assertIn("no PKU", results[("signal_roundtrip p50", "xsave")].why)
        self.assertFalse(results[("explicit - unmanaged per switch", "explicit")].ok)
        self.assertIn("unmanaged: not measured",
                      results[("explicit - unmanaged per switch", "explicit")].why)
        no_null = {k: v for k, v in self.passing().items() if k[0] != "null_syscall"}
        self.assertIn(("null_syscall p50", "-"), self.failed(bench_log(no_null)))

    def test_cycles_are_not_path_lengths(self) -> None:
        results = report.check_targets(bench_log(self.passing(), unit="tsc"))
        self.assertTrue(all(not r.ok for r in results))
        self.assertIn("--icount", results[0].why)

    def test_cli_status_and_formats(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            good = os.path.join(tmp, "good.log")
            bad = os.path.join(tmp, "bad.log")
            lines = self.passing()
            text = [HEADER]
            for (name, config), value in lines.items():
                text.append("# bench %s config=%s unit=instructions n=10 min=%d p50=%d p90=%d "
                            "p99=%d max=%d mean=%d.0 overhead=4\n" % ((name, config) + (value,) * 6))
            text.append("pkrulab: 0 passed, 0 failed, 0 skipped\n")
            with open(good, "w") as f:
                f.write("".join(text))
            with open(bad, "w") as f:
                f.write("".join(text).replace("null_syscall config=xsave unit=instructions n=10 "
                                              "min=60 p50=60", "null_syscall config=xsave "
                                              "unit=instructions n=10 min=60 p50=61"))
            for fmt in ("md", "csv", "json"):
                out, err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    status = report.main(["--format", fmt, "targets", good])
                self.assertEqual(status, 0, fmt)
            self.assertIn("16 of 16 targets met", self.run_md(good)[1])
            status, text_out = self.run_md(bad)
            self.assertEqual(status, 1)
            self.assertIn("15 of 16 targets met", text_out)
            self.assertRegex(text_out, r"\| null_syscall p50 +\| xsave +\| 61 +\| <= 60 +\| FAIL +\|")
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                report.main(["--format", "json", "targets", bad])
            data = json.loads(out.getvalue())
            self.assertEqual(sum(not t["ok"] for t in data[0]["targets"]), 1)

    def run_md(self, path: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = report.main(["targets", path])
        return status, out.getvalue()

    def test_real_logs(self) -> None:
        # Before this work: null syscall 87, no signal or unmanaged figures.
        old = report.read_log(os.path.join(DATA, "bench-icount.log"))
        failed = self.failed(old)
        self.assertIn(("null_syscall p50", "xsave"), failed)
        self.assertIn(("signal_roundtrip p50", "-"), failed)
        self.assertIn(("explicit - unmanaged per switch", "explicit"), failed)
        # Captured after it: every target met, in every configuration.
        new = report.read_log(os.path.join(DATA, "bench-targets.log"))
        self.assertEqual(new.warnings, [])
        self.assertEqual(self.failed(new), [])
        self.assertEqual(len(report.check_targets(new)), 16)


class _CountingResult(unittest.TextTestResult):
    """Counts tests, not subtests: a test with a failing subtest failed once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failed_ids: set[str] = set()

    def _note(self, test: unittest.TestCase) -> None:
        self.failed_ids.add(getattr(test, "test_case", test).id())

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self._note(test)

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self._note(test)

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._note(test)

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._note(test)


def run_tests() -> int:
    if report is None:
        print("test_pkrulab_report: 0 passed, 1 failed")
        return 1
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=_CountingResult)
    result = runner.run(suite)
    failed = len(result.failed_ids)
    passed = result.testsRun - failed - len(result.skipped)
    print("test_pkrulab_report: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(run_tests())
