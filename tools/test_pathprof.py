#!/usr/bin/env python3
"""Unit tests of tools/pathprof.py on hand-made QEMU logs.

The log format is QEMU 7.2's "-d in_asm,exec,nochain": an "IN:" block lists
a translated block's instructions, each "Trace" line says a block ran
(identified by its host address).  Checked: counts per instruction, a
block run many times (a REP iteration is one run), a block translated
again at a new host address, blocks from outside the kernel, the per-
iteration difference of two logs, and attribution to symbols.

Run: python3 tools/test_pathprof.py; the last stdout line is
"test_pathprof: N passed, N failed".
"""
import importlib.util
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def load_tool():
    spec = importlib.util.spec_from_file_location("pathprof", os.path.join(HERE, "pathprof.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pathprof = load_tool()


def block(*addrs: int) -> str:
    lines = ["----------------", "IN: "]
    lines += ["0x%08x:  90                       nop" % a for a in addrs]
    return "\n".join(lines) + "\n\n"


def trace(host: int, pc: int) -> str:
    return "Trace 0: 0x%x [0000000000000000/%016x/000000b0/ff020200] \n" % (host, pc)


class Profile(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def log(self, name: str, text: str) -> str:
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_block_runs_count_each_instruction(self) -> None:
        text = block(0x100, 0x103, 0x106) + trace(0xa0, 0x100) + trace(0xa0, 0x100)
        counts = pathprof.profile(self.log("a", text))
        self.assertEqual(dict(counts), {0x100: 2, 0x103: 2, 0x106: 2})

    def test_rep_iterations_are_runs_of_a_one_instruction_block(self) -> None:
        text = block(0x200) + "".join(trace(0xb0, 0x200) for _ in range(5))
        self.assertEqual(pathprof.profile(self.log("a", text))[0x200], 5)

    def test_retranslated_block_keeps_both_host_addresses(self) -> None:
        text = (block(0x100, 0x102) + trace(0xa0, 0x100) +
                block(0x100) + trace(0xc0, 0x100) +     # shorter block, same pc
                trace(0xa0, 0x100))
        counts = pathprof.profile(self.log("a", text))
        self.assertEqual(counts[0x100], 3)
        self.assertEqual(counts[0x102], 2)

    def test_unknown_host_address_counts_nothing(self) -> None:
        text = trace(0xdead, 0x100) + block(0x300) + trace(0xd0, 0x300)
        self.assertEqual(dict(pathprof.profile(self.log("a", text))), {0x300: 1})

    def test_by_function_and_difference(self) -> None:
        addrs, names = [0x100, 0x200], ["entry", "handler"]
        base = block(0x100, 0x101) + trace(1, 0x100) + block(0x200) + trace(2, 0x200)
        more = base + "".join(trace(2, 0x200) + trace(1, 0x100) for _ in range(4))
        a, b = pathprof.profile(self.log("a", base)), pathprof.profile(self.log("b", more))
        self.assertEqual(pathprof.by_function(a, addrs, names), {"entry": 2, "handler": 1})
        diff = {k: (b[k] - a[k]) / 4 for k in set(a) | set(b)}
        self.assertEqual(pathprof.by_function(diff, addrs, names), {"entry": 2, "handler": 1})
        self.assertEqual(pathprof.symbolize(0x50, addrs, names), "0x50")


class Main(unittest.TestCase):
    def test_main_prints_per_iteration_totals(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.log"), os.path.join(tmp, "b.log")
            base = block(0x100, 0x101) + trace(1, 0x100)
            with open(a, "w") as f:
                f.write(base)
            with open(b, "w") as f:
                f.write(base + trace(1, 0x100) * 10)
            saved = pathprof.load_symbols
            pathprof.load_symbols = lambda elf: ([0x100], ["fn"])
            try:
                import contextlib
                import io
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    status = pathprof.main(["x.elf", a, "--more", b, "--iters", "10"])
            finally:
                pathprof.load_symbols = saved
            self.assertEqual(status, 0)
            self.assertIn("2.0 instructions per iteration", out.getvalue())
            self.assertIn("fn", out.getvalue())


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=0).result
    failed = len(result.failures) + len(result.errors)
    print("test_pathprof: %d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)
