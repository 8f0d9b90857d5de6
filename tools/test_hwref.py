#!/usr/bin/env python3
"""Unit tests of tools/hwref's checks and report: the drift check between the
kernel's switch paths and the replays (on objdump text written here), the
output-format check (on a captured `hwref --short` log of a CPU without PKU,
on a PKU log derived from it, and on broken copies of both), the hardware
section of the report and both PNG charts (drawn with matplotlib, opened
and measured).

Run: python3 tools/test_hwref.py; last line "test_hwref: N passed, N failed".
"""

import contextlib
import io
import os
import re
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")
sys.path.insert(0, HERE)
import hwref_check  # noqa: E402
import hwref_drift  # noqa: E402
import pkrulab_report as report  # noqa: E402
import pkrulog  # noqa: E402
import unitrun  # noqa: E402

with open(os.path.join(DATA, "hwref-short.log")) as _f:
    NO_PKU_LOG = _f.read()


def objdump_text(funcs: dict[str, list[str]]) -> str:
    """objdump -d style text: one block per function, one line per instruction."""
    out, addr = [], 0x1000
    for name, insns in funcs.items():
        out.append("%016x <%s>:" % (addr, name))
        for insn in insns:
            out.append("  %x:\t%s" % (addr, insn))
            addr += 4
        out.append("")
    return "\n".join(out) + "\n"


KERNEL = {
    "fpu_save": ["movq   $0x0,0x200(%rdi)", "xsaveopt64 (%rdi)", "ret", "xsave64 (%rdi)",
                 "jmp    1008 <fpu_save+0x8>"],
    "pkru_task_switch_out": ["call   1000 <fpu_save>", "xor    %ecx,%ecx", "rdpkru", "ret"],
    "explicit_switch_in": ["xrstor64 (%rcx)", "rdpkru", "je     2000 <explicit_switch_in+0x9>",
                           "wrpkru", "ret"],
    "unmanaged_switch_out": ["jmp    1000 <fpu_save>"],
    "unmanaged_switch_in": ["xrstor64 (%rcx)", "ret"],
}
HWREF = {
    "hwref_fpu_save": ["xsaveopt64 (%rdi)", "ret", "xsave64 (%rdi)"],
    "hwref_pkru_task_switch_out": ["call   1000 <hwref_fpu_save>", "rdpkru", "ret"],
    "hwref_explicit_switch_out": ["jmp    1000 <hwref_pkru_task_switch_out>"],
    "hwref_explicit_switch_in": ["xrstor64 (%rcx)", "call   1000 <memset@plt>", "rdpkru",
                                 "wrpkru", "ret"],
    "hwref_unmanaged_switch_out": ["call   1000 <hwref_fpu_save>", "ret"],
    "hwref_unmanaged_switch_in": ["xrstor64 (%rcx)", "ret"],
}
TABLE = {"explicit": ("pkru_task_switch_out", "explicit_switch_in", None),
         "unmanaged": ("unmanaged_switch_out", "unmanaged_switch_in", None)}


def drift(kernel: dict[str, list[str]], hwref: dict[str, list[str]]) -> dict[str, tuple]:
    k = hwref_drift.parse_objdump(objdump_text(kernel))
    h = hwref_drift.parse_objdump(objdump_text(hwref))
    return {s: (ok, text) for s, ok, text in hwref_drift.compare(k, h, TABLE)}


class Drift(unittest.TestCase):
    def test_matching_paths_pass(self) -> None:
        result = drift(KERNEL, HWREF)
        self.assertEqual(result["explicit"][0], True, result)
        self.assertEqual(result["unmanaged"][0], True, result)
        self.assertIn("switch_in [xrstor rdpkru wrpkru]", result["explicit"][1])

    def test_calls_and_tail_jumps_are_followed(self) -> None:
        funcs = hwref_drift.parse_objdump(objdump_text(KERNEL))
        self.assertEqual(hwref_drift.closure(funcs, "unmanaged_switch_out"), ["xsaveopt", "xsave"])
        self.assertEqual(hwref_drift.closure(funcs, "pkru_task_switch_out"),
                         ["xsaveopt", "xsave", "rdpkru"])

    def test_kernel_change_without_replay_change_fails(self) -> None:
        # explicit's switch-in writes PKRU unconditionally: no RDPKRU compare.
        kernel = dict(KERNEL, explicit_switch_in=["xrstor64 (%rcx)", "wrpkru", "ret"])
        ok, text = drift(kernel, HWREF)["explicit"]
        self.assertFalse(ok)
        self.assertIn("switch_in: kernel [xrstor wrpkru], replay [xrstor rdpkru wrpkru]", text)
        self.assertTrue(drift(kernel, HWREF)["unmanaged"][0])

    def test_replay_change_without_kernel_change_fails(self) -> None:
        hwref = dict(HWREF, hwref_unmanaged_switch_in=["xrstor64 (%rcx)", "wrpkru", "ret"])
        self.assertFalse(drift(KERNEL, hwref)["unmanaged"][0])

    def test_a_replaced_instruction_fails(self) -> None:
        kernel = dict(KERNEL, fpu_save=["xsavec64 (%rdi)", "ret", "xsave64 (%rdi)"])
        self.assertFalse(drift(kernel, HWREF)["unmanaged"][0])

    def test_a_renamed_kernel_function_fails_naming_the_descriptor(self) -> None:
        kernel = {("new_" + k if k == "explicit_switch_in" else k): v for k, v in KERNEL.items()}
        ok, text = drift(kernel, HWREF)["explicit"]
        self.assertFalse(ok)
        self.assertIn("not in the kernel: explicit_switch_in", text)
        self.assertIn("strategy_explicit's hooks", text)

    def test_a_strategy_without_a_replay_fails_naming_replay_c(self) -> None:
        hwref = {k: v for k, v in HWREF.items() if not k.startswith("hwref_unmanaged_")}
        ok, text = drift(KERNEL, hwref)["unmanaged"]
        self.assertFalse(ok)
        self.assertIn("not in hwref: hwref_unmanaged_switch_out, hwref_unmanaged_switch_in", text)
        self.assertIn("tools/hwref/replay.c", text)

    def test_a_replay_phase_the_kernel_lacks_fails(self) -> None:
        hwref = dict(HWREF, hwref_unmanaged_return_to_user=["xrstor64 (%rcx)", "ret"])
        self.assertFalse(drift(KERNEL, hwref)["unmanaged"][0])


class StrategySource(unittest.TestCase):
    """The strategies, and each one's switch path, come from kernel/strategy/."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def tree(self, list_h: str, files: dict[str, str]) -> str:
        sdir = os.path.join(self.tmp.name, "kernel", "strategy")
        os.makedirs(sdir)
        with open(os.path.join(sdir, "list.h"), "w") as f:
            f.write(list_h)
        for name, text in files.items():
            with open(os.path.join(sdir, name), "w") as f:
                f.write(text)
        return self.tmp.name

    def test_the_kernel_tree_gives_every_strategy_its_switch_path(self) -> None:
        # Not the whole list: a strategy added to list.h must not need an edit here.
        table = hwref_drift.kernel_switch_paths()
        self.assertEqual(list(table), hwref_drift.strategy_list())
        self.assertEqual(list(table)[:5], ["xsave", "explicit", "hybrid", "xsave_deferred",
                                           "unmanaged"])
        self.assertEqual(table["explicit"], ("pkru_task_switch_out", "explicit_switch_in", None))
        self.assertEqual(table["xsave_deferred"], ("deferred_switch_out", "deferred_switch_in",
                                                   "deferred_return_to_user"))
        insn, xcr0 = set(hwref_check.INSN_STRATEGIES), set(hwref_check.XCR0_STRATEGIES)
        self.assertLessEqual({"explicit", "hybrid"}, insn)
        self.assertLessEqual({"xsave", "hybrid", "xsave_deferred"}, xcr0)
        self.assertFalse({"xsave", "xsave_deferred", "unmanaged"} & insn)
        self.assertFalse({"explicit", "unmanaged"} & xcr0)

    def test_replay_c_has_one_replay_per_strategy_as_its_descriptor_says(self) -> None:
        with open(os.path.join(HERE, "hwref", "replay.c")) as f:
            src = f.read()
        replays = {m.group(1): (m.group(2) == "true", m.group(3) == "true", m.group(4) != "NULL")
                   for m in re.finditer(r"^REPLAY\((\w+), (\w+), (\w+), (\w+)\);", src, re.M)}
        self.assertEqual(sorted(replays), sorted(hwref_drift.strategy_list()))
        for name, ksyms in hwref_drift.kernel_switch_paths().items():
            d = hwref_drift.descriptor(name)
            self.assertEqual(replays[name], (hwref_drift.descriptor_flag(d, "xcr0_pkru"),
                                             hwref_drift.descriptor_flag(d, "wrpkru_at_switch_in"),
                                             ksyms[2] is not None), name)
        # The bench table is list.h's, expanded: no strategy named twice.
        self.assertIn('#include "strategy/list.h"', src)
        self.assertNotRegex(src, r"REPLAY_BENCH\((xsave|explicit|hybrid|unmanaged),")

    def test_a_sixth_strategy_is_checked_and_fails_without_a_replay(self) -> None:
        root = self.tree("/* STRATEGY(NOT, a_comment) */\nSTRATEGY(UNMANAGED, unmanaged)\n"
                         "STRATEGY(SIXTH, sixth)\n", {
                             "unmanaged.c": "const struct pkru_strategy strategy_unmanaged = {\n"
                                            "\t.switch_out = unmanaged_switch_out,\n"
                                            "\t.switch_in = unmanaged_switch_in,\n};\n",
                             "sixth.c": "const struct pkru_strategy strategy_sixth = {\n"
                                        "\t.name = \"sixth\",\n\t.what = \"a, b\",\n"
                                        "\t.xcr0_pkru = true,\n"
                                        "\t.switch_out = pkru_task_switch_out,\n"
                                        "\t.switch_in = sixth_switch_in,\n"
                                        "\t.return_to_user = NULL,\n};\n"})
        self.assertEqual(hwref_drift.strategy_list(root), ["unmanaged", "sixth"])
        d = hwref_drift.descriptor("sixth", root)
        self.assertEqual(d["what"], '"a, b"')
        self.assertTrue(hwref_drift.descriptor_flag(d, "xcr0_pkru"))
        self.assertFalse(hwref_drift.descriptor_flag(d, "wrpkru_at_switch_in"))
        table = hwref_drift.kernel_switch_paths(root)
        self.assertEqual(table["sixth"], ("pkru_task_switch_out", "sixth_switch_in", None))
        kernel = dict(KERNEL, sixth_switch_in=["xrstor64 (%rcx)", "ret"])
        result = {s: (ok, text) for s, ok, text in hwref_drift.compare(
            hwref_drift.parse_objdump(objdump_text(kernel)),
            hwref_drift.parse_objdump(objdump_text(HWREF)), table)}
        self.assertTrue(result["unmanaged"][0], result)
        self.assertFalse(result["sixth"][0])
        self.assertIn("not in hwref: hwref_sixth_switch_out, hwref_sixth_switch_in",
                      result["sixth"][1])

    def test_a_strategy_without_a_descriptor_is_an_error(self) -> None:
        root = self.tree("STRATEGY(SIXTH, sixth)\n", {"other.c": "int x;\n"})
        with self.assertRaisesRegex(hwref_drift.SourceError, "no descriptor strategy_sixth"):
            hwref_drift.kernel_switch_paths(root)
        root2 = os.path.join(self.tmp.name, "empty")
        os.makedirs(os.path.join(root2, "kernel", "strategy"))
        with open(os.path.join(root2, "kernel", "strategy", "list.h"), "w") as f:
            f.write("/* STRATEGY(A, a) */\n")
        with self.assertRaisesRegex(hwref_drift.SourceError, "no STRATEGY"):
            hwref_drift.strategy_list(root2)


def with_pku(text: str) -> str:
    """The no-PKU capture as a PKU CPU would print it: every line measured."""
    text = text.replace("-pku -ospke", "+pku +ospke").replace("pkru_offset=0", "pkru_offset=2688")
    text = text.replace("xcr0=0x600e7 rfbm=0x7", "xcr0=0x602e7 rfbm=0x207")
    return re.sub(r"^# bench (\S+) config=(\S+) skipped: (?!XSAVES).*$",
                  r"# bench \1 config=\2 unit=tsc n=50 min=10.0 p50=11.0 p90=12.0 p99=13.0 "
                  r"max=14.0 mean=11.5 overhead=1.5", text, flags=re.M).replace(
                      "13 measured, 21 skipped", "33 measured, 1 skipped")


def failures(text: str, forced: bool = False) -> list[str]:
    return [what for ok, what in hwref_check.check_log(text, forced) if not ok]


class OutputFormat(unittest.TestCase):
    def test_captured_no_pku_log_passes(self) -> None:
        self.assertEqual(failures(NO_PKU_LOG), [])

    def test_derived_pku_log_passes(self) -> None:
        self.assertEqual(failures(with_pku(NO_PKU_LOG)), [])

    def test_pku_line_measured_without_pku_fails(self) -> None:
        text = NO_PKU_LOG.replace(
            "# bench rdpkru config=- skipped: CPU has no PKU (CPUID.(7,0):ECX[3] = 0)",
            "# bench rdpkru config=- unit=tsc n=50 min=1.0 p50=1.0 p90=1.0 p99=1.0 max=1.0 "
            "mean=1.0 overhead=1.5")
        self.assertTrue(any("rdpkru[-] measured, but this CPU/OS cannot run it" in f
                            for f in failures(text)))

    def test_line_skipped_for_pku_that_needs_none_fails(self) -> None:
        text = re.sub(r"^# bench switch config=unmanaged .*$",
                      "# bench switch config=unmanaged skipped: CPU has no PKU (x)", NO_PKU_LOG,
                      flags=re.M)
        self.assertTrue(any("switch[unmanaged] skipped for PKU" in f for f in failures(text)))

    def test_pku_cpu_skipping_a_pku_line_fails(self) -> None:
        text = re.sub(r"^# bench switch config=explicit .*$",
                      "# bench switch config=explicit skipped: CPU has no PKU (x)",
                      with_pku(NO_PKU_LOG), flags=re.M)
        self.assertNotEqual(failures(text), [])

    def test_xcr0_pkru_without_ospke(self) -> None:
        # QEMU's user mode: XCR0[9] = 1, CR4.PKE = 0.  XSAVE with PKRU and the
        # xsave/xsave_deferred replays must run, RDPKRU/WRPKRU lines must not.
        text = with_pku(NO_PKU_LOG).replace("+pku +ospke", "+pku -ospke")
        wrong = failures(text)
        self.assertTrue(any("rdpkru[-] measured, but" in f and "switch[explicit] measured" in f
                            and "switch[hybrid] measured" in f and "switch[xsave]" not in f
                            and "xrstor[-]" not in f for f in wrong), wrong)
        for name in ("rdpkru", "wrpkru_same", "wrpkru_diff", "linux_pkfault_roundtrip"):
            text = re.sub(r"^# bench %s config=- unit.*$" % name,
                          "# bench %s config=- skipped: OS has not enabled PKU (OSPKE = 0)" % name,
                          text, flags=re.M)
        for config in ("explicit", "hybrid"):
            text = re.sub(r"^# bench (switch\S*) config=%s unit.*$" % config,
                          r"# bench \1 config=%s skipped: OS has not enabled PKU (OSPKE)" % config,
                          text, flags=re.M)
        text = text.replace("33 measured, 1 skipped", "25 measured, 9 skipped")
        self.assertEqual(failures(text), [])
        # ... and skipping an XCR0[9] line there for "no PKU" is wrong.
        text = re.sub(r"^# bench xrstor config=- unit.*$",
                      "# bench xrstor config=- skipped: CPU has no PKU (x)", text, flags=re.M)
        self.assertTrue(any("xrstor[-] skipped for PKU" in f for f in failures(text)))

    def test_a_missing_replay_fails(self) -> None:
        text = re.sub(r"^# bench switch_dirty_avx config=hybrid .*\n", "", NO_PKU_LOG, flags=re.M)
        self.assertTrue(any("absent switch_dirty_avx[hybrid]" in f for f in failures(text)))

    def test_a_malformed_line_fails(self) -> None:
        text = NO_PKU_LOG.replace("# bench xsave_nopkru config=- unit=tsc n=50",
                                  "# bench xsave_nopkru config=- unit=tsc n=fifty")
        self.assertTrue(any(f.startswith("every line parses") for f in failures(text)))

    def test_missing_summary_or_header_fails(self) -> None:
        text = re.sub(r"^hwref: .*\n", "", NO_PKU_LOG, flags=re.M)
        self.assertTrue(any(f.startswith("last line counts") for f in failures(text)))
        text = re.sub(r"^# timing: .*\n", "", NO_PKU_LOG, flags=re.M)
        self.assertTrue(any(f.startswith("header names") for f in failures(text)))

    def test_forced_path_must_say_so(self) -> None:
        # The capture's reasons name the CPU, not HWREF_NO_PKU: as a forced
        # run's output that is wrong (the variable was not honoured).
        self.assertTrue(any("does not name HWREF_NO_PKU" in f
                            for f in failures(NO_PKU_LOG, forced=True)))


def png_size(path: str) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR; AssertionError if it is no PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
    assert head[12:16] == b"IHDR", "first chunk is not IHDR"
    return struct.unpack(">II", head[16:24])


class HardwareReport(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_section_without_pku(self) -> None:
        md = report.hardware_md("hw.log", pkrulog.parse_log(NO_PKU_LOG))
        self.assertIn("user-mode replays", md)
        self.assertIn("not in-kernel measurements", md)
        self.assertIn("Intel(R) Xeon(R) Processor", md)
        self.assertRegex(md, r"\| switch +\| SKIP +\| SKIP +\| SKIP +\| SKIP +\| [\d.]+ \(min ")
        self.assertIn("explicit - unmanaged: not measured (explicit: CPU has no PKU", md)

    def test_section_with_pku_gives_deltas_and_the_one_percent_rate(self) -> None:
        text = with_pku(NO_PKU_LOG) + ("# hwref: delta explicit-unmanaged p50=26.0 tsc per "
                                       "switch\n")
        log = pkrulog.parse_log(text)
        md = report.hardware_md("hw.log", log)
        hz = report.tsc_hz(log)
        self.assertIsNotNone(hz)
        self.assertIn("explicit - unmanaged: 26.0 ticks per switch; 1%% of a CPU at %.0f "
                      "switches/s" % (0.01 * hz / 26.0), md)

    def test_out_has_the_section_and_no_empty_verdicts(self) -> None:
        hw = os.path.join(self.tmp.name, "hw.log")
        with open(hw, "w") as f:
            f.write(NO_PKU_LOG)
        out = os.path.join(self.tmp.name, "r")
        icount = os.path.join(self.tmp.name, "i.log")
        with open(icount, "w") as f:
            f.write("# bench null_syscall config=xsave unit=instructions n=1 min=87 p50=87 "
                    "p90=87 p99=87 max=87 mean=87 overhead=8\n"
                    "pkrulab: 0 passed, 0 failed, 0 skipped\n")
        with contextlib.redirect_stdout(io.StringIO()) as stdout:
            status = report.main(["bench", icount, "--out", out, "--hardware", hw])
        self.assertIn("## Hardware (this CPU)", stdout.getvalue())
        self.assertEqual(status, 0)
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertNotIn("## Verdicts", md)
        self.assertIn("## Hardware (this CPU): user-mode replays", md)

    def test_hardware_png_is_a_png_of_sane_size(self) -> None:
        path = os.path.join(self.tmp.name, "hardware.png")
        self.assertTrue(report.draw_hardware_png(path, "hw.log", pkrulog.parse_log(NO_PKU_LOG)))
        width, height = png_size(path)
        self.assertTrue(300 <= width <= 4000 and 200 <= height <= 4000, (width, height))

    def test_bench_png_is_a_png_of_sane_size(self) -> None:
        path = os.path.join(self.tmp.name, "bench.png")
        log = pkrulog.read_log(os.path.join(DATA, "bench-icount.log"))
        self.assertTrue(report.draw_png(path, [("bench-icount.log", log)]))
        width, height = png_size(path)
        self.assertTrue(300 <= width <= 4000 and 200 <= height <= 4000, (width, height))

    def test_bench_png_of_a_full_run_stays_screen_sized(self) -> None:
        lines = ["# bench b%02d config=%s unit=instructions n=1 min=%d p50=%d p90=1 p99=1 max=1 "
                 "mean=1 overhead=0\n" % (i, c, i + 1, i + 1) for i in range(24)
                 for c in ("xsave", "explicit", "hybrid", "xsave_deferred", "unmanaged")]
        path = os.path.join(self.tmp.name, "full.png")
        self.assertTrue(report.draw_png(path, [("f.log", pkrulog.parse_log("".join(lines)))]))
        width, height = png_size(path)
        self.assertTrue(600 <= width <= 2000 and 300 <= height <= 1000, (width, height))

    def test_png_check_rejects_a_non_png(self) -> None:
        path = os.path.join(self.tmp.name, "fake.png")
        with open(path, "wb") as f:
            f.write(b"GIF89a" + b"\0" * 30)
        with self.assertRaises(AssertionError):
            png_size(path)


if __name__ == "__main__":
    sys.exit(unitrun.run(__name__, "test_hwref"))
