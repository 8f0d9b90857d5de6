#!/usr/bin/env python3
"""Unit tests of tools/linux_reference.py, the host side of
tools/linux-reference.sh: the newc initramfs writer (read back by an
independent reader here, and by Debian's cpio where installed), the serial
log parser on the real logs of Linux 6.1 and 6.12 (tools/testdata/) and on
made-up broken boots (panic, hang, a kernel that dies mid-run, an empty
log), the sub-result counting rules pkrulab's kernel uses, and the command
line's exit statuses.  No QEMU, no download.

Run: python3 tools/test_linux_reference.py; last line
"test_linux_reference: N passed, N failed".
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "testdata")
sys.path.insert(0, HERE)
import linux_reference as ref  # noqa: E402
import unitrun  # noqa: E402

CLI = [sys.executable, os.path.join(HERE, "linux_reference.py")]


def read_newc(blob: bytes) -> list[dict]:
    """A newc reader written from the format (not from ref.newc)."""
    out, off = [], 0
    while True:
        assert off % 4 == 0, "header at %d is not 4-byte aligned" % off
        assert blob[off:off + 6] == b"070701", "bad magic at %d" % off
        f = [int(blob[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize = f[11], f[6]
        name_at = off + 110
        name = blob[name_at:name_at + namesize - 1].decode()
        assert blob[name_at + namesize - 1] == 0, "name not NUL-terminated"
        data_at = name_at + namesize + (-(110 + namesize) % 4)
        data = blob[data_at:data_at + filesize]
        off = data_at + filesize + (-filesize % 4)
        if name == "TRAILER!!!":
            assert off == len(blob), "bytes after the trailer"
            return out
        out.append({"name": name, "mode": f[1], "uid": f[2], "nlink": f[4], "mtime": f[5],
                    "rdev": (f[9], f[10]), "data": data})


def load(name: str) -> str:
    with open(os.path.join(DATA, name), encoding="utf-8", errors="replace") as f:
        return f.read()


def log_of(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


class Initramfs(unittest.TestCase):
    def setUp(self) -> None:
        self.entries = ref.initramfs_entries(b"\x7fELF-init", "a 10 prog\n",
                                             {"prog": b"x" * 5, "other": b""})
        self.blob = ref.newc(self.entries)
        self.files = {e["name"]: e for e in read_newc(self.blob)}

    def test_layout(self) -> None:
        self.assertEqual(sorted(self.files), ["bin", "bin/other", "bin/prog", "dev", "dev/console",
                                              "dev/null", "etc", "etc/passwd", "etc/ref-runs", "init", "proc",
                                              "sys", "tmp"])
        self.assertEqual(self.files["init"]["data"], b"\x7fELF-init")
        self.assertEqual(self.files["init"]["mode"], 0o100755)
        self.assertEqual(self.files["bin/prog"]["data"], b"xxxxx")
        self.assertEqual(self.files["etc/ref-runs"]["data"], b"a 10 prog\n")
        self.assertEqual(self.files["tmp"]["mode"], 0o041777)

    def test_console_is_char_5_1(self) -> None:
        c = self.files["dev/console"]
        self.assertEqual(c["mode"] & 0o170000, 0o020000)
        self.assertEqual(c["rdev"], (5, 1))

    def test_dev_null_is_char_1_3(self) -> None:
        # x86/syscall_numbering opens /dev/null first, and without it dies.
        c = self.files["dev/null"]
        self.assertEqual(c["mode"], 0o020666)
        self.assertEqual(c["rdev"], (1, 3))

    def test_passwd_is_pkrulabs(self) -> None:
        # The same bytes as kernel/linux/files.c's built-in /etc/passwd.
        with open(os.path.join(HERE, "..", "kernel", "linux", "files.c")) as f:
            src = f.read()
        for line in self.files["etc/passwd"]["data"].decode().splitlines():
            self.assertIn(line + "\\n", src)

    def test_deterministic_and_root_owned(self) -> None:
        self.assertEqual(self.blob, ref.newc(self.entries))
        self.assertTrue(all(e["uid"] == 0 and e["mtime"] == 0 for e in self.files.values()))
        self.assertEqual(self.files["dev"]["nlink"], 2)

    def test_odd_sizes_stay_aligned(self) -> None:
        for n in range(9):
            blob = ref.newc([ref.Entry("f" * (n + 1), 0o100644, b"y" * n)])
            self.assertEqual(read_newc(blob)[0]["data"], b"y" * n)

    @unittest.skipUnless(shutil.which("cpio"), "Debian's cpio not installed")
    def test_debian_cpio_lists_it(self) -> None:
        r = subprocess.run(["cpio", "-t", "--quiet"], input=self.blob, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"dev/console", r.stdout)


class RealLogs(unittest.TestCase):
    def test_linux_6_1(self) -> None:
        b = ref.parse_boot("linux-6.1.192", load("linux-ref-6.1.log"), 7.6, 0)
        self.assertTrue(b.done)
        self.assertEqual(b.failure(), "")
        self.assertEqual(b.release, "6.1.0-57-amd64")
        cells = {c.label: c for c in b.cells}
        pk = cells["protection_keys"]
        self.assertEqual((pk.status, pk.procs, pk.ok, pk.not_ok), ("exit:0", 23, 462, 0))
        self.assertEqual(pk.last_line, "done (all tests OK)")
        self.assertIn("22 iterations x 21 tests PASSED", pk.summary())
        st = cells["pkey_sighandler_tests"]
        self.assertEqual((st.status, st.ok, st.plan), ("signal:11", 0, 5))
        self.assertTrue(st.summary().startswith("killed by SIGSEGV in test 1; 0 of 5 ok"))
        self.assertEqual([cells["pkey_sighandler_tests/test%d" % n].short() for n in range(1, 6)],
                         ["SIGSEGV", "SIGSEGV", "SIGSEGV", "ok", "SIGSEGV"])
        lines = ref.human_lines(b)
        self.assertIn("linux-6.1.192 pkey_sighandler_tests[one-per-process]: test1 SIGSEGV, "
                      "test2 SIGSEGV, test3 SIGSEGV, test4 ok, test5 SIGSEGV", lines[2])

    def test_linux_6_12(self) -> None:
        b = ref.parse_boot("linux-6.12.117", load("linux-ref-6.12.log"), 6.5, 0)
        self.assertTrue(b.done)
        self.assertTrue(all(c.clean_pass and c.ok for c in b.cells), [c.status for c in b.cells])
        st = [c for c in b.cells if c.label == "pkey_sighandler_tests"][0]
        self.assertEqual([s[1] for s in st.subs], [1, 2, 3, 4, 5])
        self.assertEqual(st.subs[3][2], "test_pkru_preserved_after_sigusr1")

    def test_x86_selftests(self) -> None:
        # make linux-reference LINUX_REF_ARGS="--x86 --uid 0 --offline", 2026-12-07.
        for log, release in (("linux-ref-x86-6.12.log", "6.12.118+deb12-amd64"),
                             ("linux-ref-x86-6.1.log", "6.1.0-57-amd64")):
            b = ref.parse_boot("k", load(log), 50.0, 0)
            self.assertTrue(b.done, log)
            self.assertEqual(b.release, release)
            cells = {c.label: c for c in b.cells}
            self.assertEqual(len(cells), 22)
            passing = [c.label for c in b.cells if c.clean_pass]
            self.assertEqual(len(passing), 17, passing)     # issue 24's 17, nx_stack among them
            sn = cells["x86_syscall_numbering"]
            self.assertEqual((sn.status, sn.ok, sn.not_ok), ("exit:0", 701, 0))
            self.assertEqual(cells["x86_mov_ss_trap"].short(), "SIGSEGV")
            self.assertEqual(cells["x86_sysret_ss_attrs"].status, "timeout")
            self.assertEqual(cells["x86_amx"].status, "exit:4")
            sh = cells["x86_test_shadow_stack"]
            self.assertEqual((sh.status, sh.results_text()), ("exit:1", "1 [SKIP]"))
            self.assertIn("Could not enable Shadow stack", sh.last_line)

    def test_rows_and_markdown(self) -> None:
        boots = [ref.parse_boot("linux-6.12.117", load("linux-ref-6.12.log"), 6.5, 0),
                 ref.parse_boot("linux-6.1.192", load("linux-ref-6.1.log"), 7.6, 0)]
        rows = [r for b in boots for r in ref.result_rows(b)]
        self.assertEqual(len(rows), 14)
        self.assertTrue(all(len(r) == len(ref.RESULT_COLUMNS) for r in rows))
        md = ref.markdown(boots)
        self.assertIn("| `pkey_sighandler_tests` | exit 0; 5 of 5 ok | killed by SIGSEGV in test 1; "
                      "0 of 5 ok |", md)


class Counting(unittest.TestCase):
    """kernel/linux/report.c's note_line rules, on one made-up run."""

    def cell(self, *output: str, end: str = "status=exit:0 first=exit:0 procs=1 secs=0.5"):
        text = log_of("#ref: kernel 6.99.0 #1", "#ref: run p p", *output, "#ref: end p " + end,
                      "#ref: done")
        return ref.parse_boot("k", text, 1.0, 0).cells[0]

    def test_ok_not_ok_passed_assert(self) -> None:
        c = self.cell("TAP version 13", "1..3", "ok 1 first", "not ok 2 second # reason",
                      "test  3 PASSED (iteration 1)", "assert() at p.c::10 test_nr: 4 iteration: 1",
                      "    ok 9 indented is not its own")
        self.assertEqual((c.ok, c.not_ok, c.plan), (2, 2, 3))
        self.assertEqual(c.first_not_ok, "not ok 2 second")
        self.assertFalse(c.clean_pass)
        self.assertEqual(c.short(), "not ok")

    def test_assert_alone_is_the_reason(self) -> None:
        c = self.cell("test  0 PASSED (iteration 1)", "assert() at protection_keys.c::450 x",
                      end="status=exit:1 first=exit:1 procs=1 secs=0.1")
        self.assertEqual(c.first_not_ok, "assert() at protection_keys.c::450 x")
        self.assertIn("exit 1; 1 iterations x 1 tests PASSED; assert() at", c.summary())

    def test_x86_selftest_brackets(self) -> None:
        # The x86 selftests' lines: the first [FAIL] is the reason, [SKIP] is neither.
        c = self.cell("[RUN]\tfirst", "[OK]\tfirst", "[FAIL]\tsecond: broke", "[SKIP]\tthird",
                      "[FAIL]\tfourth", end="status=exit:1 first=exit:1 procs=1 secs=0.1")
        self.assertEqual((c.ok, c.not_ok), (1, 2))
        self.assertEqual(c.first_not_ok, "[FAIL] second: broke")
        self.assertEqual(c.results_text(), "1 [OK]; 2 [FAIL]; 1 [SKIP]")
        self.assertIn("exit 1; 1 [OK]; 2 [FAIL]; 1 [SKIP]; first failure: [FAIL] second: broke",
                      c.summary())
        self.assertEqual(c.short(), "not ok")
        c = self.cell("TAP version 13", "1..13", "Bail out! syscall gettimeofday: nope",
                      end="status=exit:1 first=exit:1 procs=1 secs=0.1")
        self.assertEqual(c.first_not_ok, "Bail out! syscall gettimeofday: nope")

    def test_init_timeout(self) -> None:
        c = self.cell("1..1", end="status=timeout first=none procs=0 secs=60.0")
        self.assertEqual(c.short(), "timed out (killed by init)")

    def test_last_process_decides(self) -> None:
        # protection_keys' parent exits 0 at once (become_child); the child goes on.
        c = self.cell("x", end="status=signal:6 first=exit:0 procs=23 secs=3.0")
        self.assertEqual((c.status, c.first), ("signal:6", "exit:0"))
        self.assertEqual(c.short(), "SIGABRT")


class BrokenBoots(unittest.TestCase):
    def test_panic(self) -> None:
        text = log_of("[    2.2] Kernel panic - not syncing: VFS: Unable to mount root fs",
                      "[    2.3] Kernel Offset: 0x1")
        b = ref.parse_boot("k", text, 5.0, 0)
        self.assertEqual(b.failure(), "kernel panic: Kernel panic - not syncing: "
                         "VFS: Unable to mount root fs")
        self.assertEqual(ref.result_rows(b)[-1][1:3], ["boot", "failed"])

    def test_hang(self) -> None:
        b = ref.parse_boot("k", log_of("#ref: kernel 6.1", "#ref: run p p", "working"), 600, 124)
        self.assertTrue(b.failure().startswith('hang: no "#ref: done" before the time limit (600 s)'))
        self.assertEqual(b.cells[0].status, "incomplete")

    def test_died_mid_run(self) -> None:
        b = ref.parse_boot("k", log_of("#ref: kernel 6.1", "#ref: run p p", "ok 1 a"), 9, 0)
        self.assertIn("before init finished", b.failure())

    def test_empty_log(self) -> None:
        b = ref.parse_boot("k", "", 1.0, 0)
        self.assertIn("before init started; the serial log is empty", b.failure())

    def test_init_errors_and_unmatched_end(self) -> None:
        b = ref.parse_boot("k", log_of("#ref: error cannot run /bin/x: ENOENT",
                                       "#ref: end q status=exit:0 first=exit:0 procs=1 secs=0",
                                       "#ref: done"), 1, 0)
        self.assertEqual(b.errors, ["cannot run /bin/x: ENOENT",
                                    "unmatched end marker: q status=exit:0 first=exit:0 procs=1 secs=0"])


class CommandLine(unittest.TestCase):
    def run_cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(CLI + list(args), capture_output=True, text=True)

    def test_report_exit_statuses(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, "results.txt")
            good = os.path.join(DATA, "linux-ref-6.1.log")
            r = self.run_cli("report", "--results", res, "--meta", "m", "--run", "a,%s,7.5,0" % good)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("a pkey_sighandler_tests: killed by SIGSEGV in test 1", r.stdout)
            with open(res) as f:
                self.assertEqual(f.readline(), "# m\n")
            bad = os.path.join(d, "hang.log")
            with open(bad, "w") as f:
                f.write("#ref: kernel 6.1\n")
            r = self.run_cli("report", "--results", res, "--run", "b,%s,600,124" % bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("b: hang:", r.stderr)
            r = self.run_cli("report", "--results", res, "--run", "c,%s/none.log,1,0" % d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot read", r.stderr)
            r = self.run_cli("report", "--results", res, "--run", "c,x,1")
            self.assertEqual(r.returncode, 2)

    def test_initramfs_bad_program(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            init = os.path.join(d, "init")
            with open(init, "wb") as f:
                f.write(b"i")
            r = self.run_cli("initramfs", os.path.join(d, "o"), "--init", init, "--runs", init,
                             "--program", "no-equals-sign")
            self.assertEqual(r.returncode, 2)
            self.assertIn("NAME=FILE", r.stderr)
            r = self.run_cli("initramfs", os.path.join(d, "o"), "--init", init, "--runs", init,
                             "--program", "p=%s/missing" % d)
            self.assertEqual(r.returncode, 2)
            self.assertIn("No such file", r.stderr)


if __name__ == "__main__":
    sys.exit(unitrun.run(__name__, "test_linux_reference"))
