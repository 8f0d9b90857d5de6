#!/usr/bin/env python3
"""Unit tests of tools/lavajob.py and tools/lava/make-job: the monitors (every
cell line mapped to its LAVA result by the same rule as pkrulab's exit status,
suites left out by tests=, harness errors, half-read lines), the job text,
the QEMU matrix cases, and the reading of LAVA job logs in lava-run's,
output.yaml's and lavacli's formats (also through pkrulog.read_log).

Run: python3 tools/test_lavajob.py; last line "test_lavajob: N passed, N failed".
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")
sys.path.insert(0, HERE)
import lavajob  # noqa: E402
import pkrulog  # noqa: E402
import unitrun  # noqa: E402

MAKE_JOB = [sys.executable, os.path.join(HERE, "lava", "make-job")]
SUITES = ["pku", "xsave", "switch", "signal", "sigreturn", "linux", "smp"]


def simulate(monitors: list[dict], stream: str) -> tuple[list[tuple[str, str, str]], str]:
    """lava-dispatcher 2023.01's monitor loop (actions/test/monitor.py) over a
    whole stream: each monitor waits for its start, then takes the earliest
    of end and pattern until end.  Returns (definition, case, result) and
    "done" or why it stopped."""
    out, pos = [], 0
    for m in monitors:
        start = re.compile(m["start"], re.DOTALL).search(stream, pos)
        if not start:
            return out, "no start for " + m["name"]
        pos = start.end()
        end_re, pat_re = re.compile(m["end"], re.DOTALL), re.compile(m["pattern"], re.DOTALL)
        while True:
            # pexpect searches a fresh buffer: \A is where the last match ended.
            buf = stream[pos:]
            e, p = end_re.search(buf), pat_re.search(buf)
            if e and (not p or e.start() <= p.start()):
                pos += e.end()
                break
            if not p:
                return out, "EOF in " + m["name"]
            g = p.groupdict()
            result = m["fixupdict"].get(g["result"], g["result"])
            out.append((m["name"], lavajob.lava_case_name(g["test_case_id"]), result))
            pos += p.end()
    return out, "done"


def ktap(*suites: tuple[str, list[str]], summary="pkrulab: 1 passed, 0 failed, 0 skipped, 0 deviations",
         nl="\r\n") -> str:
    lines = ["# cmdline: exit=qemu", "KTAP version 1", "1..%d" % len(suites)]
    for i, (name, cells) in enumerate(suites, 1):
        lines += ["    KTAP version 1", "    # Subtest: " + name, "    1..%d" % len(cells)]
        lines += ["    " + c for c in cells]
        lines.append("ok %d %s" % (i, name))
    lines.append(summary)
    return nl.join(lines) + nl


class Suites(unittest.TestCase):
    def test_kernel_order_from_source(self):
        self.assertEqual(lavajob.suites(), SUITES)

    def test_matrix_cases_read(self):
        cases = lavajob.matrix_cases()
        self.assertIn("bios-max", cases)
        # A case's runner arguments as the matrix gives them, $VARIABLES expanded.
        self.assertEqual(cases["nehalem-no-xsave"], "--cpu Nehalem")
        self.assertTrue(cases["uefi-max"].startswith("--uefi --cpu max -- tests="))
        self.assertNotIn("$", cases["skylake-server"])


class CellLines(unittest.TestCase):
    TABLE = [
        ("ok 1 switch.yield[xsave]", "switch_yield_xsave", "pass"),
        ("not ok 2 switch.coroutine[explicit] # TODO design finding: x # y", "switch_coroutine_explicit", "pass"),
        ("not ok 3 switch.x[unmanaged] # TODO negative control: PKRU is not switched", "switch_x_unmanaged", "pass"),
        ("ok 4 switch.xsavec # SKIP CPU has no XSAVEC", "switch_xsavec", "skip"),
        ("not ok 5 switch.pke # DEVIATION: pku.pke_enable_no_flush: a translation", "switch_pke", "unknown"),
        ("not ok 6 switch.pke # DEVIATION not in the known-deviation table for qemu-tcg: x", "switch_pke", "fail"),
        ("not ok 7 switch.a[xsave] # expected to fail (declared by xfail=) but passed", "switch_a_xsave", "fail"),
        ("not ok 8 switch.a[hybrid] # killed by SIGSEGV after 1 ok, 0 not ok: #GP", "switch_a_hybrid", "fail"),
        ("not ok 9 switch.a[hybrid]", "switch_a_hybrid", "fail"),
        ("not ok 10 switch.a # SKIP not a pkrulab line", "switch_a", "fail"),
        ("ok 11 switch.my-prog[xsave_deferred]", "switch_my_prog_xsave_deferred", "pass"),
    ]

    def test_each_outcome(self):
        mon = lavajob.monitors(["switch"])
        for nl in ("\r\n", "\r\r\n", "\n"):
            for line, case, result in self.TABLE:
                with self.subTest(line=line, nl=repr(nl)):
                    got, why = simulate(mon, ktap(("switch", [line]), nl=nl))
                    self.assertEqual(why, "done")
                    self.assertEqual(got, [("switch", case, result)])

    def test_same_rule_as_pkrulog(self):
        """LAVA fail exactly where pkrulog counts a failure."""
        for line, _, result in self.TABLE:
            cell = pkrulog.parse_log(ktap(("switch", [line]))).cells[0]
            self.assertEqual(pkrulog.COUNTS_AS[cell.verdict] == "failed", result == "fail", line)

    def test_half_read_line_waits(self):
        pat = re.compile(lavajob.cell_pattern("switch"), re.DOTALL)
        self.assertIsNone(pat.search("    ok 1 switch.yield[xs"))
        self.assertIsNone(pat.search("    not ok 1 switch.a # TO"))
        start = re.compile(lavajob.start_pattern("pku"), re.DOTALL)
        self.assertIsNone(start.search("    # Subtest: pk"))

    def test_not_a_cell(self):
        pat = re.compile(lavajob.cell_pattern("switch"), re.DOTALL)
        for line in ("ok 3 switch\r\n", "    # [prog] ok 1 switch.x\r\n", "ok 1 switch.x\r\n",
                     "    ok 1 pku.x\r\n"):
            self.assertIsNone(pat.search(line), line)


class Streams(unittest.TestCase):
    def test_suites_left_out(self):
        stream = ktap(("switch", ["ok 1 switch.yield[xsave]"]), ("linux", ["ok 1 linux.hello[xsave]"]))
        got, why = simulate(lavajob.monitors(SUITES), stream)
        self.assertEqual(why, "done")
        self.assertEqual(got, [("switch", "switch_yield_xsave", "pass"),
                               ("linux", "linux_hello_xsave", "pass")])

    def test_no_suite(self):
        got, why = simulate(lavajob.monitors(SUITES), ktap())
        self.assertEqual((got, why), ([], "done"))

    def test_harness_error_never_ends(self):
        stream = ("# cmdline: bogus=1\r\n# pkrulab: harness error: bad kernel argument\r\n"
                  "pkrulab: 0 passed, 0 failed, 0 skipped, 0 deviations\r\n")
        got, why = simulate(lavajob.monitors(SUITES), stream)
        self.assertEqual(got, [("pkrulab", "harness_error_bad_kernel_argument", "fail")])
        self.assertEqual(why, "EOF in pkrulab")

    def test_cut_short(self):
        stream = ktap(("switch", ["ok 1 switch.yield[xsave]"])).split("ok 1 switch\r\n")[0]
        got, why = simulate(lavajob.monitors(SUITES), stream)
        self.assertEqual(why, "EOF in switch")


class Job(unittest.TestCase):
    def job(self, *args):
        return subprocess.run(MAKE_JOB + list(args), capture_output=True, text=True)

    def test_qemu_context(self):
        r = self.job("--device-type", "qemu", "--image", "build/pkrulab.iso", "--cpu", "max,-pku",
                     "--uefi", "--", "tests=pku.*,xsave.*", "config=xsave")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("  - '-fw_cfg ''name=opt/pkrulab/cmdline,string=exit=qemu "
                      "tests=pku.*,,xsave.* config=xsave'''\n", r.stdout)
        self.assertIn("  - '-cpu max,,-pku'\n", r.stdout)
        self.assertIn("ovmf_vars:", r.stdout)
        self.assertEqual(r.stdout.count("- name: "), len(SUITES) + 1)
        try:
            import yaml
        except ImportError:
            return
        job = yaml.safe_load(r.stdout)
        opt = job["context"]["extra_options"]
        self.assertIn("-fw_cfg 'name=opt/pkrulab/cmdline,string=exit=qemu tests=pku.*,,xsave.* "
                      "config=xsave'", opt)
        # The way lava-dispatcher runs QEMU: options joined, split by pexpect.
        try:
            from pexpect.utils import split_command_line
        except ImportError:
            return
        words = split_command_line(" ".join(opt))
        self.assertIn("name=opt/pkrulab/cmdline,string=exit=qemu tests=pku.*,,xsave.* config=xsave",
                      words)

    def test_x86_selftests_family(self):
        # GRUB loads the opt-in x86 selftests only when the last tests= names them.
        r = self.job("--device-type", "qemu", "--image", "build/pkrulab.iso", "--",
                     "tests=pku.*,linux.x86_*")
        self.assertIn("-smbios type=1,product=pkrulab-auto,family=pkrulab-x86-selftests", r.stdout)
        for kargs in (["tests=linux.*"], ["tests=linux.x86_*", "tests=pku.*"], []):
            r = self.job("--device-type", "qemu", "--image", "build/pkrulab.iso", "--", *kargs)
            self.assertIn("-smbios type=1,product=pkrulab-auto'", r.stdout, kargs)

    def test_refusals(self):
        for args in (["--device-type", "qemu", "--image", "x.iso", "--", "tests=a b"],
                     ["--device-type", "x86", "--image", "x.iso", "--", "tests=pku.*"],
                     ["--device-type", "grub", "--image", "x.elf", "--cpu", "qemu64"],
                     ["--device-type", "qemu", "--image", "x.iso", "--matrix", "program-user"],
                     ["--device-type", "qemu", "--image", "x.iso", "--timeout", "0"]):
            r = self.job(*args)
            self.assertEqual(r.returncode, 2, args)
            self.assertTrue(r.stderr.startswith("make-job: "), r.stderr)

    def test_matrix_case_and_bare_metal(self):
        r = self.job("--device-type", "qemu", "--image", "x.iso", "--matrix", "max-no-pku")
        self.assertIn("'-cpu max,,-pku'", r.stdout)
        r = self.job("--device-type", "grub", "--image", "build/pkrulab.iso", "--", "tests=pku.*")
        self.assertIn("multiboot2 (tftp,{SERVER_IP})/{KERNEL} exit=halt tests=pku.*", r.stdout)
        self.assertIn("pkrulab.elf", r.stdout)
        self.assertIn("device_type: base-grub", r.stdout)
        r = self.job("--device-type", "x86", "--image", "build/pkrulab.iso", "--timeout", "40s")
        self.assertIn("sanboot http://{SERVER_IP}/tmp/{KERNEL}", r.stdout)
        self.assertIn("timeout: {seconds: 40}", r.stdout)


class Logs(unittest.TestCase):
    def read(self):
        with open(os.path.join(DATA, "lava-run-mismatch.log"), encoding="utf-8") as f:
            return f.read()

    def check(self, text):
        self.assertTrue(lavajob.is_lava_log(text))
        lava = lavajob.read_lava_log(text)
        self.assertEqual([(r.definition, r.case, r.result) for r in lava.cases],
                         [("switch", "switch_yield_xsave", "fail")])
        self.assertEqual(lava.job_result, "pass")
        log = pkrulog.parse_log(lava.serial)
        self.assertEqual(log.summary, pkrulog.Counts(0, 1, 0, 0))
        self.assertEqual(log.cells[0].name, "switch.yield[xsave]")
        self.assertEqual(log.meta.brand, "QEMU TCG CPU version 2.5+")

    def test_lava_run_log(self):
        self.check(self.read())

    def test_output_yaml_and_lavacli_raw(self):
        # lavacli --raw and output.yaml: "- " + the record; YAML's \e escape.
        text = "".join("- " + line.replace("\\u001b", "\\e") + "\n" for line in self.read().splitlines())
        self.check(text)

    def test_lavacli_text(self):
        import json
        out = []
        for line in self.read().splitlines():
            rec = lavajob.flow_mapping(line)
            msg = rec["msg"]
            if isinstance(msg, dict):
                msg = str(msg)
            ns = " <%s>" % rec["ns"] if "ns" in rec else ""
            out.append("\x1b[1;30m%s\x1b[0m%s \x1b[0;33m%s\x1b[0m" % (rec["dt"].split(".")[0], ns, msg))
        self.check("\n".join(out) + "\n")
        self.assertTrue(json)

    def test_pkrulog_reads_lava_logs(self):
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(self.read())
        try:
            log = pkrulog.read_log(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual([c.name for c in log.cells], ["switch.yield[xsave]"])
        self.assertEqual(log.cells[0].verdict, "MISMATCH")
        self.assertTrue(log.complete)

    def test_serial_log_untouched(self):
        text = ktap(("switch", ["ok 1 switch.yield[xsave]"]))
        self.assertFalse(lavajob.is_lava_log(text))

    def test_yaml_escapes(self):
        self.assertEqual(lavajob.yaml_dq(r"a\"b\e[0m\x41\u00e9\\"), 'a"b\x1b[0mA\u00e9\\')


if __name__ == "__main__":
    sys.exit(unitrun.run(__name__, "test_lavajob"))
